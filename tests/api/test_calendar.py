"""Issue 13: the office enters a year's official holiday schedule (PUT /work-calendars/{year}); every working-day
count uses it (R-PANEL-4 study time, R-REC-3 filing); until then a year the library does not know is estimated
from the lunar calendar and said to be provisional. Also: GET /items is a Page whose JSON lists are lists."""

from __future__ import annotations

import asyncio
from datetime import date

from decisions.calendars import count_working_days, load_schedules
from tests.api.test_conflicts_api import make_item
from tests.support.app import add_account, login

API = "/api/v1"

NOTICE_2027 = {
    "holidays": ["2027-01-01", {"start": "2027-02-05", "end": "2027-02-13", "name": "春节"},
                 {"start": "2027-04-03", "end": "2027-04-05", "name": "清明节"},
                 {"start": "2027-05-01", "end": "2027-05-05", "name": "劳动节"},
                 {"start": "2027-06-09", "end": "2027-06-09", "name": "端午节"},
                 {"start": "2027-09-15", "end": "2027-09-15", "name": "中秋节"},
                 {"start": "2027-10-01", "end": "2027-10-07", "name": "国庆节"}],
    "working_weekends": ["2027-02-14", "2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"],
    "source": "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕7号）",
}


def _calendar_events(client) -> list[tuple[dict, dict]]:
    events = client.get(f"{API}/audit/events", params={"limit": 500}).json()
    events = events["items"] if isinstance(events, dict) else events  # a Page since issue 13
    return [(e, ev) for e in events for ev in (e["data"] or {}).get("events") or []
            if ev.get("event") == "WorkCalendarEntered"]


def test_an_unknown_year_is_estimated_from_the_lunar_calendar_and_provisional(client):
    view = client.get(f"{API}/work-calendars/2027")
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["basis"] == "estimated" and body["provisional"] is True and "暂定" in body["basis_label"]
    spring = next(h for h in body["holidays"] if h["name"] == "春节")
    assert (spring["start"], spring["end"]) == ("2027-02-05", "2027-02-08")  # 除夕 Friday .. 初三 Monday
    assert body["notes"] and "PUT /work-calendars/2027" in body["notes"][0]
    known = client.get(f"{API}/work-calendars/2026").json()
    assert known["basis"] == "library" and known["provisional"] is False and "2026-10-10" in known["working_weekends"]
    assert client.get(f"{API}/work-calendars").json() == {"items": [], "total": 0, "offset": 0, "limit": 50}


def test_the_office_enters_a_year_and_every_count_uses_it_R_PANEL_4(client):
    before = asyncio.run(count_working_days(date(2027, 2, 3), 7))
    assert before.day == date(2027, 2, 16) and before.provisional  # estimated: 除夕 and 初三 are not worked
    entered = client.put(f"{API}/work-calendars/2027", json=NOTICE_2027)
    assert entered.status_code == 200, entered.text
    body = entered.json()
    assert body["basis"] == "entered" and body["provisional"] is False and body["entered_by"] == "office"
    assert body["source"] == NOTICE_2027["source"] and body["revision"] == 1
    assert body["holidays"][0] == {"start": "2027-01-01", "end": "2027-01-01", "name": "", "days": 1}
    assert body["working_weekends"][:2] == ["2027-02-14", "2027-02-20"]
    after = asyncio.run(count_working_days(date(2027, 2, 3), 7))
    assert after.day == date(2027, 2, 19) and not after.provisional  # Sunday 02-14 worked, 02-05..13 off
    assert 2027 in asyncio.run(load_schedules())
    # recorded, under the login
    [(event, entry)] = _calendar_events(client)
    assert event["actor"].endswith("office") and entry["year"] == 2027 and entry["previous"] is None
    listed = client.get(f"{API}/work-calendars").json()
    assert listed["total"] == 1 and [c["year"] for c in listed["items"]] == [2027]


def test_a_correction_is_recorded_with_what_it_replaced(client):
    assert client.put(f"{API}/work-calendars/2027", json=NOTICE_2027).status_code == 200
    fixed = dict(NOTICE_2027, working_weekends=["2027-02-14"], note="更正：02-20 不调休")
    corrected = client.put(f"{API}/work-calendars/2027", json=fixed)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["revision"] == 2 and corrected.json()["working_weekends"] == ["2027-02-14"]
    [_, (_, second)] = _calendar_events(client)
    assert second["revision"] == 2 and "2027-02-20" in second["previous"]["working_weekends"]
    assert client.get(f"{API}/work-calendars").json()["total"] == 1


def test_a_wrong_schedule_is_refused_field_by_field_in_chinese(client):
    bad = dict(NOTICE_2027, holidays=[{"start": "2027-02-13", "end": "2027-02-05"}, "2028-06-01"],
               working_weekends=["2027-02-15"])
    refused = client.put(f"{API}/work-calendars/2027", json=bad)
    assert refused.status_code == 422, refused.text
    errors = {e["field"]: e for e in refused.json()["errors"]}
    assert set(errors) == {"holidays[0]", "holidays[1]", "working_weekends[0]"}
    assert "周六或周日" in errors["working_weekends[0]"]["reason"]
    assert errors["holidays[0]"]["rule_id"] == "R-PANEL-4"
    assert client.get(f"{API}/work-calendars/2027").json()["basis"] == "estimated"  # nothing stored
    assert client.put(f"{API}/work-calendars/1900", json=NOTICE_2027).status_code == 422
    for year in (0, -5, 10000):  # no date exists in such a year: a 422 naming the year, never a 500
        refused = client.put(f"{API}/work-calendars/{year}", json=NOTICE_2027)
        assert refused.status_code in (404, 422), refused.text
    assert client.get(f"{API}/work-calendars/2101").status_code == 422
    too_many = dict(NOTICE_2027, holidays=["2027-03-01"] * 61)
    assert client.put(f"{API}/work-calendars/2027", json=too_many).status_code == 400
    assert client.put(f"{API}/work-calendars/2027", json=dict(NOTICE_2027, extra=1)).status_code == 400


def test_units_and_experts_read_calendars_only_the_office_enters_them(client):
    unit = client.post(f"{API}/institutions", json={"name": "市交通运输局", "kind": "government_body"}).json()
    add_account("unit1", "unit", unit_id=unit["id"])
    add_account("auditor1", "auditor")
    login(client, "unit1")
    assert client.get(f"{API}/work-calendars/2027").status_code == 200
    assert client.get(f"{API}/work-calendars").status_code == 200
    assert client.put(f"{API}/work-calendars/2027", json=NOTICE_2027).status_code == 403
    login(client, "auditor1")
    assert client.get(f"{API}/work-calendars/2027").status_code == 200
    assert client.put(f"{API}/work-calendars/2027", json=NOTICE_2027).status_code == 403


# --- decision items (issue 13) ------------------------------------------------------------------------------
def test_items_list_is_a_page_and_its_specialty_codes_are_lists(client):
    first = make_item(client, specialty_codes=["LAW"])
    make_item(client, title="第二个事项", specialty_codes=["LAW", "ECON"])
    page = client.get(f"{API}/items", params={"limit": 1})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 2 and body["offset"] == 0 and body["limit"] == 1 and len(body["items"]) == 1
    # the bug: read without load_json, ["LAW"] came back as its characters ["[", "\"", "L", ...]
    assert body["items"][0]["specialty_codes"] == ["LAW"]
    second = client.get(f"{API}/items", params={"offset": 1}).json()["items"]
    assert second[0]["specialty_codes"] == ["LAW", "ECON"]
    assert client.get(f"{API}/items", params={"q": "第二"}).json()["total"] == 1
    changed = client.patch(f"{API}/items/{first['id']}", json={"decided_on": "2026-11-20"})
    assert changed.status_code == 200 and changed.json()["specialty_codes"] == ["LAW"]


def test_item_refusals_are_in_chinese(client):
    missing_unit = client.post(f"{API}/items", json={"title": "事项", "opened_on": "2026-10-01",
                                                     "drafting_unit_id": 999})
    assert missing_unit.status_code == 422 and "机构" in missing_unit.json()["errors"][0]["reason"]
    item = make_item(client)
    early = client.patch(f"{API}/items/{item['id']}", json={"decided_on": "2026-09-01"})
    assert early.status_code == 422 and "早于" in early.json()["errors"][0]["reason"]


def test_the_filing_reminder_counts_with_the_entered_schedule_R_REC_3(client, clock):
    from datetime import datetime, timezone

    from tests.api.test_notifications_api import run_jobs

    unit = client.post(f"{API}/institutions", json={"name": "市发展和改革委员会", "kind": "government_body"}).json()
    item = make_item(client, drafting_unit_id=unit["id"])
    client.patch(f"{API}/items/{item['id']}", json={"decided_on": "2026-11-16"})  # due 2026-11-30 by the library
    # a (hypothetical) correction: two more days off that week; the office's entry decides
    correction = {"holidays": ["2026-11-17", "2026-11-18"], "source": "更正通知（测试）"}
    assert client.put(f"{API}/work-calendars/2026", json=correction).status_code == 200
    # reminders start on the 7th working day: 11-25 by the library, 11-27 with the two days off (issue 14)
    clock.fixed = datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)
    assert run_jobs(clock)["record_filing"] == {"reminded": 0}
    clock.fixed = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)
    assert run_jobs(clock)["record_filing"] == {"reminded": 1}


def test_a_panel_request_counts_study_days_with_the_entered_schedule_R_PANEL_4(client, pool):
    from tests.support.panels import post_request

    estimated = post_request(client, make_item(client), handover_on="2027-02-03")
    assert estimated.status_code == 201, estimated.text
    assert (estimated.json()["deadline"], estimated.json()["deadline_provisional"]) == ("2027-02-16", True)
    assert client.put(f"{API}/work-calendars/2027", json=NOTICE_2027).status_code == 200
    entered = post_request(client, make_item(client), handover_on="2027-02-03")
    assert entered.status_code == 201, entered.text
    body = entered.json()
    assert (body["deadline"], body["earliest_deadline"], body["deadline_provisional"]) == (
        "2027-02-19", "2027-02-19", False)  # the notice's 02-09..13 are off, Sunday 02-14 is worked
