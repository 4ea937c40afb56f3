"""Issue 13, what a new user trips over in panels: replacements keep 7 working days of study (R-PANEL-4) and
pass today's registry, workload and conflict checks; the group leader must be a member who accepted
(R-PANEL-5); an expert's invitations and an item's requests can be listed (one page shape); who asked is the
login; and the messages are in Chinese."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from assignment.services import candidates as assignment_candidates
from core.settings import get_settings
from tests.api.test_conflicts_api import make_item
from tests.builders import create_institution
from tests.support.app import add_account, login
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"
REASON = "轨道交通票价专门问题，库内无此领域专家"


def _at(clock, day: str) -> None:
    clock.fixed = datetime.fromisoformat(f"{day}T09:00:00+00:00").astimezone(timezone.utc)


def _decline(client, invitation_id: int, reason: str = "临时出差，无法参加") -> dict:
    response = client.post(f"{API}/invitations/{invitation_id}/answer", json={"accept": False, "reason": reason})
    assert response.status_code == 201, response.text
    return response.json()


def _members(view: dict) -> set[int]:
    return {m["subject"]["id"] for m in view["panel"]["members"]}


@pytest.fixture
def unit(client):
    """A drafting unit's login owning one decision item, and the office's token to switch back."""
    body = create_institution(client, name="市交通运输局", kind="government_body")
    add_account("unit1", "unit", unit_id=body["id"])
    office = client.headers["Authorization"]
    token = f"Bearer {login(client, 'unit1')['token']}"
    item = make_item(client)  # created by the unit, for itself
    client.headers["Authorization"] = office
    return {"token": token, "office": office, "item": item, "id": body["id"]}


# --- R-PANEL-4: a replacement keeps 7 working days of study -----------------------------------------------
def test_a_late_replacement_gets_its_own_later_deadline_R_PANEL_4(client, clock, pool):
    view = post_request(client, make_item(client), answer_working_days=10).json()
    assert view["deadline"] == "2026-12-03" and view["latest_deadline"] == "2026-12-03"
    assert {i["deadline"] for i in view["invitations"]} == {"2026-12-03"}
    _at(clock, "2026-12-01")  # two working days before the deadline
    answer = _decline(client, view["invitations"][0]["id"])
    replacement = answer["replacement"]
    assert replacement is not None and answer["shortfall"] == ""
    assert replacement["deadline"] == "2026-12-10"  # 7 working days after 12-01, not 12-03
    assert any("研究期限顺延至 2026-12-10" in note for note in answer["panel"]["notes"])
    shown = client.get(f"{API}/panel-requests/{view['id']}").json()
    assert shown["deadline"] == "2026-12-03" and shown["latest_deadline"] == "2026-12-10"
    # the replacement's opinion is judged against its own deadline
    assert client.post(f"{API}/invitations/{replacement['id']}/answer", json={"accept": True}).status_code == 201
    _at(clock, "2026-12-09")
    opinion = client.post(f"{API}/invitations/{replacement['id']}/opinion", json={})
    assert opinion.status_code == 201 and opinion.json()["opinion"] == "on_time", opinion.text
    expert = replacement["subject"]["id"]
    review = client.get(f"{API}/experts/{expert}/invitations").json()["items"][0]["invitation"]
    assert review["opinion"] == "on_time" and review["deadline"] == "2026-12-10"


def test_a_replacement_after_the_deadline_passed_still_gets_seven_working_days_R_PANEL_4(client, clock, pool):
    view = post_request(client, make_item(client), answer_working_days=10).json()
    _at(clock, "2026-12-08")  # the request's deadline (12-03) has passed
    answer = _decline(client, view["invitations"][0]["id"])
    assert answer["replacement"]["deadline"] == "2026-12-17"


def test_a_deadline_the_office_fixed_makes_a_shortfall_not_a_short_study_time_R_PANEL_4(client, clock, pool,
                                                                                         monkeypatch):
    monkeypatch.setenv("STUDY_DEADLINE_FIXED", "1")
    view = post_request(client, make_item(client), answer_working_days=10, deadline="2026-12-31").json()
    _at(clock, "2026-12-01")  # 7 working days still fit before 12-31: replaced, deadline unchanged
    early = _decline(client, view["invitations"][0]["id"])
    assert early["replacement"]["deadline"] == "2026-12-31"
    _at(clock, "2026-12-28")
    late = _decline(client, view["invitations"][1]["id"])
    assert late["replacement"] is None and late["panel"] is None
    assert "不得顺延" in late["shortfall"] and "7 个工作日" in late["shortfall"]
    assert client.get(f"{API}/panel-requests/{view['id']}").json()["latest_deadline"] == "2026-12-31"


# --- replacements pass today's registry, workload and conflict checks ------------------------------------
def _dismiss(client, expert_id: int) -> None:
    dismissed = client.post(f"{API}/experts/{expert_id}/dismissal", json={
        "reason_code": "2", "explanation": "不能客观公正履行职责", "effective_on": "2026-11-24"})
    assert dismissed.status_code == 201, dismissed.text


def test_an_expert_dismissed_after_the_draw_is_skipped_with_why_and_the_record_verifies(client, pool):
    view = post_request(client, make_item(client), balance={"max_per_sector": 5}).json()
    drawn = _members(view)
    others = [e["expert_id"] for e in pool["experts"] if e["expert_id"] not in drawn]
    kept = others[0]
    for expert in others[1:]:
        _dismiss(client, expert)
    answer = _decline(client, view["invitations"][0]["id"])
    assert answer["replacement"]["subject"]["id"] == kept  # the only one eligible today
    panel_id = answer["panel"]["id"]
    record = client.get(f"{API}/panels/{panel_id}/verification").json()
    assert record["verified"] is True, record
    skipped = client.get(f"{API}/panel-requests/{view['id']}/panels").json()
    assert skipped[-1]["id"] == panel_id
    assert client.get(f"{API}/panels/{view['panel']['id']}/verification").json()["verified"] is True


def test_no_replacement_eligible_today_is_a_shortfall(client, pool):
    view = post_request(client, make_item(client), balance={"max_per_sector": 5}).json()
    for expert in [e["expert_id"] for e in pool["experts"] if e["expert_id"] not in _members(view)]:
        _dismiss(client, expert)
    answer = _decline(client, view["invitations"][0]["id"])
    assert answer["replacement"] is None and "无法替补" in answer["shortfall"]
    assert len(client.get(f"{API}/panel-requests/{view['id']}/panels").json()) == 1  # no record, nobody invited


def test_a_replacement_at_the_workload_cap_is_not_invited(client, pool, monkeypatch):
    capped = dataclasses.replace(get_settings(), max_active_panels=1)
    monkeypatch.setattr(assignment_candidates, "get_settings", lambda: capped)
    first = post_request(client, make_item(client), balance={}).json()
    second = post_request(client, make_item(client), balance={}).json()  # the other five: all now at the cap
    assert _members(first).isdisjoint(_members(second))
    busy = [e for e in exclusions_of(client, second) if e["stage"] == "workload"]
    assert busy and busy[0]["reasons"][0]["message"].startswith("已在 1 个进行中的论证组中（上限 1 个）")
    answer = _decline(client, first["invitations"][0]["id"])
    assert answer["replacement"] is None and "无法替补" in answer["shortfall"]


# --- R-PANEL-5: the group leader -----------------------------------------------------------------------
def test_a_leader_report_waits_for_the_leader_to_accept_R_PANEL_5(client, pool):
    view = post_request(client, make_item(client), mode="group").json()
    leader = next(i for i in view["invitations"] if i["leader"])
    assert view["leader_id"] == leader["subject"]["id"]
    refused = client.post(f"{API}/panel-requests/{view['id']}/leader-report", json={})
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["rule_id"] == "R-PANEL-5" and "尚未接受邀请" in refused.json()["errors"][0][
        "reason"]
    paper = client.post(f"{API}/panel-requests/{view['id']}/paper-leader-report",
                        json={"received_on": "2026-11-24", "reason": "组长报告纸质送达"})
    assert paper.status_code == 409
    assert client.post(f"{API}/invitations/{leader['id']}/answer", json={"accept": True}).status_code == 201
    done = client.post(f"{API}/panel-requests/{view['id']}/leader-report", json={})
    assert done.status_code == 201 and done.json()["leader_report"] == "on_time"


def test_leader_id_naming_a_non_member_is_refused_R_PANEL_5(client, pool):
    stranger = pool["experts"][0]["expert_id"]  # not named by the unit: it is not known to be drawn
    refused = post_request(client, make_item(client), mode="group", leader_id=stranger)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "leader_id"
    assert refused.json()["errors"][0]["rule_id"] == "R-PANEL-5"
    assert post_request(client, make_item(client), mode="group", leader_id=999999).status_code == 422
    outsider = pool["outsider"]["id"]
    named = post_request(client, make_item(client), mode="group", leader_id=outsider,
                         out_of_pool=[{"expert_id": outsider, "reason": REASON}])
    assert named.status_code == 201, named.text
    assert named.json()["leader_id"] == outsider
    assert [i["subject"]["id"] for i in named.json()["invitations"] if i["leader"]] == [outsider]
    meeting = post_request(client, make_item(client), leader_id=outsider,
                           out_of_pool=[{"expert_id": outsider, "reason": REASON}])
    assert meeting.status_code == 422 and meeting.json()["errors"][0]["field"] == "leader_id"


def test_the_unit_names_the_leader_among_accepted_members_R_PANEL_5(client, pool, unit):
    client.headers["Authorization"] = unit["token"]
    view = post_request(client, unit["item"], mode="group").json()
    drawn_leader = view["leader_id"]
    others = [i for i in view["invitations"] if not i["leader"]]
    path = f"{API}/panel-requests/{view['id']}/leader"
    stranger = next(e["expert_id"] for e in pool["experts"] if e["expert_id"] not in _members(view))
    not_member = client.post(path, json={"expert_id": stranger})
    assert not_member.status_code == 422 and not_member.json()["errors"][0]["rule_id"] == "R-PANEL-5"
    pending = client.post(path, json={"expert_id": others[0]["subject"]["id"]})
    assert pending.status_code == 409, pending.text
    client.headers["Authorization"] = unit["office"]  # the expert answers (the office may do it for the test)
    assert client.post(f"{API}/invitations/{others[0]['id']}/answer", json={"accept": True}).status_code == 201
    client.headers["Authorization"] = unit["token"]
    named = client.post(path, json={"expert_id": others[0]["subject"]["id"]})
    assert named.status_code == 201, named.text
    body = named.json()
    assert body["leader_id"] == others[0]["subject"]["id"] != drawn_leader
    assert [i["id"] for i in body["invitations"] if i["leader"]] == [others[0]["id"]]
    assert [m["subject"]["id"] for m in body["panel"]["members"] if m["leader"]] == [body["leader_id"]]
    report = client.post(f"{API}/panel-requests/{view['id']}/leader-report", json={})
    assert report.status_code == 201 and report.json()["leader_report"] == "on_time"
    assert client.post(path, json={"expert_id": drawn_leader}).status_code == 409  # the report is in


# --- lists: one page shape -----------------------------------------------------------------------------
def test_an_expert_lists_their_own_invitations(client, pool):
    view = post_request(client, make_item(client)).json()
    invitation = view["invitations"][0]
    expert = invitation["subject"]["id"]
    other = next(i["subject"]["id"] for i in view["invitations"][1:])
    _decline(client, invitation["id"])
    add_account("expert1", "expert", expert_id=expert)
    login(client, "expert1")
    page = client.get(f"{API}/experts/{expert}/invitations").json()
    assert page["total"] == 1 and page["offset"] == 0 and page["limit"] == 20
    [row] = page["items"]
    assert row["invitation"]["id"] == invitation["id"] and row["invitation"]["status"] == "declined"
    assert row["item_id"] == view["item_id"] and row["item_title"] and row["purpose"] == "argument"
    assert client.get(f"{API}/experts/{expert}/invitations", params={"status": "pending"}).json()["total"] == 0
    assert client.get(f"{API}/experts/{expert}/invitations", params={"status": "nonsense"}).status_code == 400
    assert client.get(f"{API}/experts/{other}/invitations").status_code == 403  # someone else's


def test_an_item_lists_its_requests_and_the_request_list_is_a_page(client, pool, unit):
    client.headers["Authorization"] = unit["token"]
    first = post_request(client, unit["item"]).json()
    second = post_request(client, unit["item"], purpose="risk_assessment").json()
    page = client.get(f"{API}/items/{unit['item']['id']}/panel-requests", params={"limit": 1}).json()
    assert page["total"] == 2 and page["limit"] == 1 and [r["id"] for r in page["items"]] == [first["id"]]
    client.headers["Authorization"] = unit["office"]
    foreign = make_item(client)  # the office's, not the unit's
    post_request(client, foreign)
    everything = client.get(f"{API}/panel-requests", params={"offset": 1, "limit": 1}).json()
    assert everything["total"] == 3 and [r["id"] for r in everything["items"]] == [second["id"]]
    client.headers["Authorization"] = unit["token"]
    assert client.get(f"{API}/panel-requests").json()["total"] == 2  # a unit sees its own
    assert client.get(f"{API}/items/{foreign['id']}/panel-requests").status_code == 403


# --- who asked is the login ----------------------------------------------------------------------------
def test_requested_by_is_the_login_and_an_old_field_is_only_a_note(client, pool, unit):
    client.headers["Authorization"] = unit["token"]
    body = {"item_id": unit["item"]["id"], "purpose": "argument", "size": 5, "handover_on": "2026-11-24",
            "note": "请尽快安排"}
    created = client.post(f"{API}/panel-requests", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["requested_by"] == f"unit1（承办单位 {unit['id']}）"
    assert created.json()["note"] == "请尽快安排"
    old = post_request(client, make_item(client), requested_by="市长办公室")  # a claim, kept as a note only
    assert old.status_code == 201, old.text
    assert old.json()["requested_by"] == f"unit1（承办单位 {unit['id']}）"
    assert "市长办公室" in old.json()["note"]
