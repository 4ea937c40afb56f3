"""Issue 12, the registry and decision items: protected rows are written through the record, and every
request body is bounded (text, lists, mappings, dates, booleans, e-mail), refused with the field named
and nothing stored."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from accounts.tables import AuditEvent
from decisions.tables import DecisionItem
from registry.tables import (
    CommitmentLetter,
    Decline,
    Dismissal,
    EvaluatorPoolEntry,
    Expert,
    Institution,
    PerformanceRating,
    RecruitmentCall,
    Term,
)
from tests.builders import LETTER_COMMITMENTS, appoint_expert, create_institution, expert_payload

API = "/api/v1"
DAY_REASON = "日期须在 1949-10-01 至 2100-12-31 之间"


def _verification(client) -> dict:
    response = client.get(f"{API}/audit/verification")
    assert response.status_code == 200, response.text
    return response.json()


def _recorded_rows() -> set[str]:
    """``table:id`` of every protected row whose digest a record event carries."""
    rows = AuditEvent.select(AuditEvent.data).output(load_json=True).run_sync()
    return {key for row in rows for key in ((row["data"] or {}).get("rows") or {})}


def _refused(response, field: str, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert field in {e["field"] for e in errors}, errors
    return next(e for e in errors if e["field"] == field)


# --- protected rows ----------------------------------------------------------------------------------
def test_registry_writes_of_protected_rows_are_recorded_and_a_direct_edit_of_a_rating_is_named_issue_12(client):
    """Appoint (term and letter), rate, decline, review and renew, dismiss, discredit: the record carries
    the digest of every protected row and the verification holds; then a rating's score changed in the
    database is named. The dismissal changes terms written earlier: they are recorded again, no false alarm."""
    unit = create_institution(client, kind="government_body")
    ids = appoint_expert(client, start="2024-06-01", end="2027-05-31")
    expert = ids["expert_id"]
    rating = client.post(f"{API}/experts/{expert}/ratings",
                         json={"unit_id": unit["id"], "assignment_ref": "论证-1", "participation": 1,
                               "reliability": 4, "rated_on": "2026-06-01"})
    assert rating.status_code == 201, rating.text
    rating_id = rating.json()["id"]
    effect = client.patch(f"{API}/experts/{expert}/ratings/{rating_id}", json={"implementation_effect": 4})
    assert effect.status_code == 200, effect.text
    decline = client.post(f"{API}/experts/{expert}/declines",
                          json={"assignment_ref": "论证-2", "declined_on": "2026-07-01", "good_reason": True,
                                "reason": "出差"})
    assert decline.status_code == 201, decline.text
    review = client.post(f"{API}/experts/{expert}/annual-reviews", json={"year": 2026, "review_date": "2026-11-24"})
    assert review.status_code == 201, review.text
    renewed = client.post(f"{API}/experts/{expert}/annual-reviews/{review.json()['id']}/decision",
                          json={"decision": "renew", "decided_on": "2026-11-24", "certificate_no": "续聘001号"})
    assert renewed.status_code == 201, renewed.text
    dismissed = client.post(f"{API}/experts/{expert}/dismissal",
                            json={"reason_code": "6", "explanation": "本人申请", "effective_on": "2026-11-30"})
    assert dismissed.status_code == 201, dismissed.text
    other = appoint_expert(client)["expert_id"]
    discredit = client.post(f"{API}/experts/{other}/discredit-records",
                            json={"kind": "fraud", "facts": "论证意见抄袭他人", "recorded_on": "2026-10-01"})
    assert discredit.status_code == 201, discredit.text
    unit_discredit = client.post(f"{API}/institutions/{unit['id']}/discredit-records",
                                 json={"kind": "evaluation_cheating", "facts": "评估报告数据造假",
                                       "recorded_on": "2026-10-02"})
    assert unit_discredit.status_code == 201, unit_discredit.text

    report = _verification(client)
    assert report["ok"] is True, report
    recorded = _recorded_rows()
    expected = {f"{table._meta.tablename}:{row['id']}"
                for table in (Term, CommitmentLetter, PerformanceRating, Decline, Dismissal)
                for row in table.select(table.id).run_sync()}
    expected |= {f"discredit_record:{discredit.json()['id']}", f"discredit_record:{unit_discredit.json()['id']}"}
    assert len(expected) >= 10 and expected <= recorded, expected - recorded
    terms = Term.select(Term.ended_early_on).where(Term.expert == expert).run_sync()
    assert [t["ended_early_on"] for t in terms] == [date(2026, 11, 30)] * 2  # the renewal too

    asyncio.run(PerformanceRating.update({PerformanceRating.participation: 5})
                .where(PerformanceRating.id == rating_id).run())
    report = _verification(client)
    assert report["ok"] is False
    assert f"performance_rating:{rating_id}" in report["problem"] and "改动" in report["problem"]


# --- bounded, clean bodies ---------------------------------------------------------------------------
def test_blank_titles_and_names_are_refused_and_nothing_is_stored_issue_12(client):
    _refused(client.post(f"{API}/items", json={"title": "   ", "opened_on": "2026-10-01"}), "title")
    _refused(client.post(f"{API}/recruitment-calls", json={"title": " \t ", "specialty_codes": ["LAW"],
                                                            "opens_on": "2026-11-01", "closes_on": "2026-12-31"}),
             "title")
    _refused(client.post(f"{API}/institutions", json={"name": "  ", "kind": "university"}), "name")
    _refused(client.post(f"{API}/experts", json=expert_payload(name="   ")), "name")
    assert [DecisionItem.count().run_sync(), RecruitmentCall.count().run_sync(), Institution.count().run_sync(),
            Expert.count().run_sync()] == [0, 0, 0, 0]


def test_line_breaks_in_a_title_are_refused_they_would_forge_mail_headers_issue_12(client):
    forged = "城市更新专项规划\r\nBcc: someone@example.cn"
    _refused(client.post(f"{API}/items", json={"title": forged, "opened_on": "2026-10-01"}), "title")
    _refused(client.post(f"{API}/recruitment-calls", json={"title": forged, "specialty_codes": ["LAW"],
                                                            "opens_on": "2026-11-01", "closes_on": "2026-12-31"}),
             "title")
    _refused(client.post(f"{API}/experts", json=expert_payload(title="教授\n副教授")), "title")
    _refused(client.post(f"{API}/experts", json=expert_payload(region="杭州市\r\n")), "region")
    assert DecisionItem.count().run_sync() == 0 and RecruitmentCall.count().run_sync() == 0
    assert Expert.count().run_sync() == 0


def test_a_900_kb_title_or_region_is_refused_issue_12(client):
    huge = "x" * 900_000
    _refused(client.post(f"{API}/items", json={"title": huge, "opened_on": "2026-10-01"}), "title")
    _refused(client.post(f"{API}/experts", json=expert_payload(title=huge)), "title")
    _refused(client.post(f"{API}/experts", json=expert_payload(region=huge)), "region")
    assert DecisionItem.count().run_sync() == 0 and Expert.count().run_sync() == 0
    expert = client.post(f"{API}/experts", json=expert_payload()).json()
    _refused(client.patch(f"{API}/experts/{expert['id']}", json={"region": huge}), "region")
    assert client.get(f"{API}/experts/{expert['id']}").json()["region"] == "杭州市"


def test_dates_out_of_range_are_422_naming_the_field_and_nothing_is_stored_issue_12(client):
    far = "0001-01-01"
    error = _refused(client.post(f"{API}/items", json={"title": "城市更新专项规划", "opened_on": far}),
                     "opened_on", 422)
    assert error["reason"] == DAY_REASON
    item = client.post(f"{API}/items", json={"title": "城市更新专项规划", "opened_on": "2026-10-01"}).json()
    _refused(client.patch(f"{API}/items/{item['id']}", json={"decided_on": "9999-12-31"}), "decided_on", 422)
    assert client.get(f"{API}/items/{item['id']}").json()["decided_on"] is None
    _refused(client.post(f"{API}/recruitment-calls", json={"title": "遴选", "specialty_codes": ["LAW"],
                                                            "opens_on": far, "closes_on": "2026-12-31"}),
             "opens_on", 422)
    employments = [{"employer_name": "浙江大学", "start": far}]
    _refused(client.post(f"{API}/experts", json=expert_payload(employments=employments)), "employments[0].start",
             422)
    assert RecruitmentCall.count().run_sync() == 0 and Expert.count().run_sync() == 0

    unit = create_institution(client, kind="government_body")
    ids = appoint_expert(client)
    expert = ids["expert_id"]
    counts = [table.count().run_sync() for table in (PerformanceRating, Decline, Dismissal, Term)]
    _refused(client.post(f"{API}/experts/{expert}/ratings",
                         json={"unit_id": unit["id"], "assignment_ref": "论证-1", "participation": 3,
                               "reliability": 3, "rated_on": far}), "rated_on", 422)
    _refused(client.post(f"{API}/experts/{expert}/declines",
                         json={"assignment_ref": "论证-2", "declined_on": far, "good_reason": False}),
             "declined_on", 422)
    _refused(client.post(f"{API}/experts/{expert}/dismissal",
                         json={"reason_code": "6", "explanation": "本人申请", "effective_on": "2101-01-01"}),
             "effective_on", 422)
    _refused(client.post(f"{API}/experts/{expert}/terms/{ids['term_id']}/renewal",
                         json={"certificate_no": "续聘002号", "start": far}), "start", 422)
    assert [table.count().run_sync() for table in (PerformanceRating, Decline, Dismissal, Term)] == counts


def test_lists_and_mappings_are_bounded_issue_12(client):
    thousand = [f"别名{i}" for i in range(1000)]
    _refused(client.post(f"{API}/institutions", json={"name": "浙江大学", "kind": "university", "aliases": thousand}),
             "aliases")
    _refused(client.post(f"{API}/items", json={"title": "城市更新专项规划", "opened_on": "2026-10-01",
                                               "specialty_codes": ["LAW"] * 1000}), "specialty_codes")
    _refused(client.post(f"{API}/experts", json=expert_payload(specialties=["LAW"] * 1000)), "specialties")
    assert Institution.count().run_sync() == 0 and DecisionItem.count().run_sync() == 0
    unit = create_institution(client)
    _refused(client.post(f"{API}/institutions/{unit['id']}/evaluator-pool",
                         json={"qualifications": thousand, "has_facilities": True}), "qualifications")
    assert EvaluatorPoolEntry.count().run_sync() == 0
    ids = appoint_expert(client, sign=False)
    commitments = {**LETTER_COMMITMENTS, **{f"extra_{i}": True for i in range(1000)}}
    _refused(client.post(f"{API}/experts/{ids['expert_id']}/commitment-letters",
                         json={"term_id": ids["term_id"], "text_version": "NMG-E-2020",
                               "commitments": commitments, "signed_on": "2026-01-01"}), "commitments")
    assert CommitmentLetter.count().run_sync() == 0


@pytest.mark.parametrize("value", [0, 1, "true", None])
def test_a_bool_field_takes_only_true_or_false_issue_12(client, value):
    _refused(client.post(f"{API}/items", json={"title": "城市更新专项规划", "opened_on": "2026-10-01",
                                               "wide_scope": value}), "wide_scope")
    expert = client.post(f"{API}/experts", json=expert_payload()).json()
    _refused(client.post(f"{API}/experts/{expert['id']}/declines",
                         json={"assignment_ref": "论证-1", "declined_on": "2026-07-01", "good_reason": value}),
             "good_reason")
    assert DecisionItem.count().run_sync() == 0 and Decline.count().run_sync() == 0


@pytest.mark.parametrize("email", ["not-an-email", "someone@", "@example.cn", "a@b", "张三 <a@example.cn>",
                                   "a@example.cn\r\nBcc: b@example.cn", "x" * 250 + "@example.cn"])
def test_a_bad_e_mail_is_refused_issue_12(client, email):
    _refused(client.post(f"{API}/experts", json=expert_payload(email=email)), "email")
    assert Expert.count().run_sync() == 0
    expert = client.post(f"{API}/experts", json=expert_payload(email="")).json()
    _refused(client.patch(f"{API}/experts/{expert['id']}", json={"email": email}), "email")
    assert client.get(f"{API}/experts/{expert['id']}").json()["email"] == ""


def test_text_is_stored_without_surrounding_white_space_issue_12(client):
    item = client.post(f"{API}/items", json={"title": "  城市更新专项规划 ", "opened_on": "2026-10-01"}).json()
    assert item["title"] == "城市更新专项规划"
    expert = client.post(f"{API}/experts", json=expert_payload(name=" 张三 ", title=" 教授 ", region=" 杭州市 ")).json()
    assert (expert["name"], expert["title"], expert["region"]) == ("张三", "教授", "杭州市")
    unit = create_institution(client, name=" 浙江大学 ", aliases=[" 浙大 "])
    assert (unit["name"], unit["aliases"]) == ("浙江大学", ["浙大"])
    decline = client.post(f"{API}/experts/{expert['id']}/declines",
                          json={"assignment_ref": " 论证-1 ", "declined_on": "2026-07-01", "good_reason": True,
                                "reason": "  出差\n "}).json()
    assert (decline["assignment_ref"], decline["reason"]) == ("论证-1", "出差")


def test_search_texts_in_the_query_string_are_bounded_issue_12(client):
    long = "张" * 301
    _refused(client.get(f"{API}/experts", params={"q": long}), "q")
    _refused(client.get(f"{API}/experts", params={"region": long}), "region")
    _refused(client.get(f"{API}/institutions", params={"q": long}), "q")
    _refused(client.get(f"{API}/items", params={"q": long}), "q")
    assert client.get(f"{API}/items", params={"q": "规划"}).status_code == 200


def test_a_candidate_profile_inside_an_application_is_checked_with_its_path_issue_12(client):
    call = client.post(f"{API}/recruitment-calls", json={"title": "遴选", "specialty_codes": ["LAW"],
                                                          "opens_on": "2026-11-01", "closes_on": "2026-12-31"}).json()
    url = f"{API}/recruitment-calls/{call['id']}/applications"
    employments = [{"employer_name": "浙江大学", "start": "1900-01-01"}]
    error = _refused(client.post(url, json={"expert": expert_payload(employments=employments)}),
                     "expert.employments[0].start", 422)
    assert error["reason"] == DAY_REASON
    _refused(client.post(url, json={"expert": expert_payload(email="a@b")}), "expert.email")
    _refused(client.post(url, json={"expert": expert_payload(), "applied_on": "0001-01-01"}), "applied_on", 422)
    assert Expert.count().run_sync() == 0
