"""Issue 13: the office finds its own work. Lists of a call's applications, annual reviews, dismissals,
discredit records and commitment letters (with the letter's text), all as one Page shape with totals; the
expert list shows employments and terms; search by pinyin, traditional characters and employer."""

from __future__ import annotations

import asyncio

from registry.domain.search import search_key
from registry.services.search import refresh_search_keys
from registry.tables import Expert
from tests.builders import appoint_expert, create_call, create_institution, expert_payload
from tests.support.app import add_account, login

API = "/api/v1"
PAGE = {"items", "total", "offset", "limit"}


def test_a_calls_applications_are_listed_with_filters_and_totals(client):
    call = create_call(client)
    other = create_call(client)
    first = client.post(f"{API}/recruitment-calls/{call['id']}/applications", json={"expert": expert_payload()})
    client.post(f"{API}/recruitment-calls/{call['id']}/applications", json={"expert": expert_payload()})
    client.post(f"{API}/recruitment-calls/{other['id']}/applications", json={"expert": expert_payload()})
    client.post(f"{API}/applications/{first.json()['id']}/withdrawal", json={"reason": "本人撤回"})
    page = client.get(f"{API}/recruitment-calls/{call['id']}/applications", params={"limit": 1}).json()
    assert set(page) == PAGE and page["total"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["expert_name"] and page["items"][0]["findings"] == []
    withdrawn = client.get(f"{API}/recruitment-calls/{call['id']}/applications", params={"state": "withdrawn"}).json()
    assert [a["id"] for a in withdrawn["items"]] == [first.json()["id"]] and withdrawn["total"] == 1
    assert client.get(f"{API}/applications", params={"call_id": other["id"]}).json()["total"] == 1
    assert client.get(f"{API}/recruitment-calls/999/applications").status_code == 404
    assert client.get(f"{API}/recruitment-calls", params={"limit": 1}).json()["total"] == 2


def test_the_expert_list_shows_employments_and_terms(client):
    ids = appoint_expert(client, employments=[{"employer_name": "浙江大学", "start": "2010-09-01"}])
    [listed] = client.get(f"{API}/experts").json()["items"]
    assert [e["employer_name"] for e in listed["employments"]] == ["浙江大学"]
    assert [(t["id"], t["letter_signed"]) for t in listed["terms"]] == [(ids["term_id"], True)]
    assert listed["terms"][0]["certificate_no"]
    eligible = client.get(f"{API}/experts", params={"eligible": True}).json()
    assert eligible["total"] == 1 and eligible["items"][0]["terms"] == listed["terms"]


def test_annual_reviews_dismissals_and_discredit_records_are_listed(client):
    kept, dismissed, cheat = (appoint_expert(client) for _ in range(3))
    for ids in (kept, dismissed):
        opened = client.post(f"{API}/experts/{ids['expert_id']}/annual-reviews",
                             json={"year": 2026, "review_date": "2026-12-01"})
        assert opened.status_code == 201, opened.text
    review = client.get(f"{API}/annual-reviews", params={"year": 2026, "expert_id": kept["expert_id"]}).json()
    client.post(f"{API}/experts/{kept['expert_id']}/annual-reviews/{review['items'][0]['id']}/decision",
                json={"decision": "keep", "decided_on": "2026-12-02"})
    opened = client.get(f"{API}/annual-reviews", params={"year": 2026, "status": "open"}).json()
    decided = client.get(f"{API}/annual-reviews", params={"year": 2026, "status": "decided"}).json()
    assert (opened["total"], decided["total"]) == (1, 1)
    assert opened["items"][0]["expert_id"] == dismissed["expert_id"] and opened["items"][0]["status"] == "open"
    assert client.get(f"{API}/annual-reviews", params={"year": 2025}).json()["total"] == 0

    client.post(f"{API}/experts/{dismissed['expert_id']}/dismissal",
                json={"reason_code": "6", "explanation": "本人申请", "effective_on": "2026-12-05"})
    client.post(f"{API}/experts/{cheat['expert_id']}/discredit-records",
                json={"kind": "fraud", "facts": "伪造论证意见", "recorded_on": "2026-12-03"})
    institution = create_institution(client)
    client.post(f"{API}/institutions/{institution['id']}/discredit-records",
                json={"kind": "fraud", "facts": "评估报告造假", "recorded_on": "2026-12-03"})
    dismissals = client.get(f"{API}/dismissals").json()
    assert dismissals["total"] == 2  # the own request, and the discredit's dismissal (code 1)
    assert client.get(f"{API}/dismissals", params={"reason_code": "6"}).json()["items"][0]["expert_id"] == \
        dismissed["expert_id"]
    assert client.get(f"{API}/dismissals", params={"effective_from": "2026-12-04"}).json()["total"] == 1
    records = client.get(f"{API}/discredit-records").json()
    assert records["total"] == 2
    by_subject = client.get(f"{API}/discredit-records", params={"subject": "institution"}).json()
    assert [r["institution_id"] for r in by_subject["items"]] == [institution["id"]]


def test_commitment_letters_are_listed_and_their_text_is_readable_R_DUTY_1(client):
    ids = appoint_expert(client)
    appoint_expert(client)
    letters = client.get(f"{API}/commitment-letters").json()
    assert letters["total"] == 2
    mine = client.get(f"{API}/experts/{ids['expert_id']}/commitment-letters").json()
    assert mine["total"] == 1 and mine["items"][0]["term_id"] == ids["term_id"]
    letter = client.get(f"{API}/commitment-letters/{mine['items'][0]['id']}").json()
    assert "郑重承诺" in letter["text"] and letter["expert_id"] == ids["expert_id"]
    assert letter["commitments"] == {"independent": True, "impartial": True, "confidential": True, "lawful": True}
    assert letter["commitment_labels"]["confidential"].startswith("对论证过程")
    assert client.get(f"{API}/commitment-letters", params={"term_id": ids["term_id"]}).json()["total"] == 1
    assert client.get(f"{API}/commitment-letters/999").status_code == 404


def test_registry_lists_answer_one_page_shape(client):
    create_institution(client)
    for path in ("/institutions", "/evaluator-pool", "/recruitment-calls", "/expert-change-requests",
                 "/annual-reviews", "/dismissals", "/discredit-records", "/commitment-letters", "/applications"):
        body = client.get(f"{API}{path}", params={"offset": 0, "limit": 5}).json()
        assert set(body) == PAGE and body["limit"] == 5, path
    assert client.get(f"{API}/institutions").json()["total"] == 1
    assert client.get(f"{API}/institutions", params={"limit": 501}).status_code == 400


def _names(client, **params) -> list[str]:
    return [e["name"] for e in client.get(f"{API}/experts", params=params).json()["items"]]


def test_search_by_pinyin_traditional_characters_and_employer(client):
    zju = create_institution(client, name="浙江大学")
    client.post(f"{API}/experts", json=expert_payload(name="龚轩", employments=[
        {"employer_name": "浙江大学", "institution_id": zju["id"], "start": "2010-09-01"}]))
    shan = client.post(f"{API}/experts", json=expert_payload(name="单田芳")).json()
    client.post(f"{API}/experts", json=expert_payload(name="王五"))
    assert _names(client, q="gongxuan") == ["龚轩"]
    assert _names(client, q="Gong Xuan") == ["龚轩"]
    assert _names(client, q="gx") == ["龚轩"]
    assert _names(client, q="龔軒") == ["龚轩"]  # traditional characters fold to simplified
    assert _names(client, q="shantianfang") == ["单田芳"] == _names(client, q="dantianfang")  # a surname's readings
    assert _names(client, q="浙江大学") == ["龚轩"]  # the current employer's name
    assert _names(client, employer="浙江大學") == ["龚轩"]
    assert client.get(f"{API}/experts", params={"q": "gongxuan"}).json()["total"] == 1
    client.post(f"{API}/experts/{shan['id']}/employments",
                json={"employer_name": "中国曲艺家协会", "start": "2000-01-01"})
    assert _names(client, q="曲艺家") == ["单田芳"]  # a new employer is searchable at once
    assert _names(client, employer="曲艺") == ["单田芳"]
    assert _names(client, employer="曲艺", on="1999-01-01") == []  # not employed there yet


def test_search_keys_backfilled_for_rows_written_without_them(client):
    client.post(f"{API}/experts", json=expert_payload(name="龚轩"))
    asyncio.run(Expert.update({Expert.search_key: ""}, force=True).run())  # as after the migration adds the column
    assert _names(client, q="gongxuan") == []
    asyncio.run(refresh_search_keys())
    assert _names(client, q="GongXuan") == ["龚轩"]  # another query: the read cache keeps the first answer a while
    assert search_key("龚轩", ["浙江大学"]) == "|龚轩|gongxuan|gx|浙江大学|"


def test_a_decline_entered_by_the_office_is_judged_by_its_login(client):
    ids = appoint_expert(client)
    add_account("chief", "office")
    login(client, "chief")
    entered = client.post(f"{API}/experts/{ids['expert_id']}/declines",
                          json={"assignment_ref": "2026-论证-02", "declined_on": "2026-11-22", "good_reason": False})
    assert entered.status_code == 201 and entered.json()["judged_by"] == "chief"
    assert client.get(f"{API}/experts/{ids['expert_id']}/declines").json()["items"][0]["judged_by"] == "chief"
