"""Issue 17: an expert's registry eligibility is a stored fact that follows every change affecting it, in the same
unit of work (a term, a letter R-DUTY-1, a dismissal R-POOL-5, a discredit record R-POOL-7), and the calendar
through the daily job at midnight (a term ending, R-POOL-4); the drift check finds a fact that is wrong."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

import pytest

from registry.services.eligibility_facts import (
    FACT_COLUMNS,
    _as_eligibility,
    eligibility_drift,
    stored_universe_facts,
    valid_on,
)
from registry.tables import ExpertEligibility
from tests.api.test_conflicts_api import make_expert, make_item
from tests.api.test_notifications_api import run_jobs
from tests.builders import LETTER_COMMITMENTS, appoint_expert
from tests.support.app import TODAY
from tests.support.panels import exclusions_of, post_request

API = "/api/v1"


@pytest.fixture(autouse=True)
def pinned_day(monkeypatch):
    """A change computes the fact for the service's day: pinned as the app's clock is."""
    monkeypatch.setenv("FIXED_CLOCK", TODAY.isoformat())


def fact(expert_id: int) -> dict:
    row = ExpertEligibility.select().where(ExpertEligibility.expert == expert_id).output(
        load_json=True).first().run_sync()
    assert row is not None
    return row


def rules(row: dict) -> list[str]:
    return [r["rule_id"] for r in row["reasons"]]


def eligible_ids(client) -> set[int]:
    return {e["id"] for e in client.get(f"{API}/experts", params={"eligible": "true", "limit": 500}).json()["items"]}


def test_a_new_expert_has_a_fact_without_a_term_R_POOL_4(client):
    expert = make_expert(client)
    row = fact(expert["id"])
    assert row["eligible"] is False and rules(row) == ["R-POOL-4"]


def test_signing_the_letter_makes_the_fact_eligible_R_DUTY_1(client):
    made = appoint_expert(client, sign=False)
    row = fact(made["expert_id"])
    assert row["eligible"] is False and rules(row) == ["R-DUTY-1"]  # the term opened, the fact followed
    signed = client.post(f"{API}/experts/{made['expert_id']}/commitment-letters",
                         json={"term_id": made["term_id"], "text_version": "NMG-E-2020",
                               "commitments": LETTER_COMMITMENTS, "signed_on": "2026-01-01"})
    assert signed.status_code == 201, signed.text
    row = fact(made["expert_id"])
    assert row["eligible"] is True and row["reasons"] == [] and row["current_term_id"] == made["term_id"]
    assert row["as_of"] == TODAY.date() and row["valid_until"] == date(2029, 1, 1)
    assert made["expert_id"] in eligible_ids(client)


def test_a_dismissal_makes_the_fact_ineligible_R_POOL_5(client):
    expert = appoint_expert(client)["expert_id"]
    assert fact(expert)["eligible"] is True
    dismissed = client.post(f"{API}/experts/{expert}/dismissal",
                            json={"reason_code": "6", "explanation": "本人申请", "effective_on": "2026-11-20"})
    assert dismissed.status_code == 201, dismissed.text
    row = fact(expert)
    assert row["eligible"] is False and "R-POOL-5" in rules(row)
    assert expert not in eligible_ids(client)


def test_a_discredit_record_makes_the_fact_ineligible_R_POOL_7(client):
    expert = appoint_expert(client)["expert_id"]
    recorded = client.post(f"{API}/experts/{expert}/discredit-records",
                           json={"kind": "fraud", "facts": "论证意见抄袭他人", "recorded_on": "2026-11-01"})
    assert recorded.status_code == 201, recorded.text
    row = fact(expert)
    assert row["eligible"] is False and "R-POOL-7" in rules(row)


def test_a_term_that_ends_is_taken_out_by_the_midnight_job_R_POOL_4(client, clock):
    expert = appoint_expert(client, start="2024-01-01", end="2026-11-30")["expert_id"]
    row = fact(expert)
    assert row["eligible"] is True and row["valid_until"] == date(2026, 12, 1)
    clock.fixed = datetime(2026, 11, 30, 16, 5, tzinfo=timezone.utc)  # five past midnight on 1 December (UTC+8)
    result = run_jobs(clock)["eligibility_facts"]
    assert result["refreshed"] == 1 and result["drift"] == 0
    row = fact(expert)
    assert row["eligible"] is False and rules(row) == ["R-POOL-4"] and row["as_of"] == date(2026, 12, 1)
    assert expert not in eligible_ids(client)
    assert run_jobs(clock)["eligibility_facts"] is None  # once a day


def test_the_drift_check_finds_and_repairs_a_hand_broken_fact(client, clock):
    kept = appoint_expert(client)["expert_id"]
    broken = appoint_expert(client)["expert_id"]
    ExpertEligibility.update({ExpertEligibility.eligible: False}).where(ExpertEligibility.expert == broken).run_sync()
    assert broken not in eligible_ids(client) and kept in eligible_ids(client)  # the list reads the fact
    found = asyncio.run(eligibility_drift(TODAY.date()))
    assert found["drift"] == [broken] and found["repaired"] == 0
    ExpertEligibility.delete().where(ExpertEligibility.expert == kept).run_sync()
    repaired = asyncio.run(eligibility_drift(TODAY.date(), repair=True))
    assert repaired["drift"] == [broken] and repaired["missing"] == 1 and repaired["repaired"] == 2
    assert fact(broken)["eligible"] is True and fact(kept)["eligible"] is True
    assert asyncio.run(eligibility_drift(TODAY.date()))["drift"] == []


def test_the_job_repairs_drift_and_says_so(client, clock):
    broken = appoint_expert(client)["expert_id"]
    ExpertEligibility.update({ExpertEligibility.eligible: False}).where(ExpertEligibility.expert == broken).run_sync()
    result = run_jobs(clock)["eligibility_facts"]
    assert result["drift"] == 1 and result["drifted"] == [broken]
    assert fact(broken)["eligible"] is True


def test_a_draw_reads_the_stored_fact_and_its_reasons(client, pool):
    """The draw takes registry eligibility from the facts (one query), with their stored reasons; a live re-check
    of the members drawn stays (so a wrong fact never puts an ineligible expert on a panel)."""
    marked = pool["experts"][5]["expert_id"]
    ExpertEligibility.update({ExpertEligibility.eligible: False, ExpertEligibility.reasons: [
        {"rule_id": "R-POOL-5", "code": "dismissed", "message": "已于 2026-11-01 解聘"}]}).where(
        ExpertEligibility.expert == marked).run_sync()
    view = post_request(client, make_item(client)).json()
    excluded = {e["subject"]["id"]: e for e in exclusions_of(client, view) if e["stage"] == "registry"}
    assert excluded[marked]["reasons"][0]["rule_id"] == "R-POOL-5"
    assert marked not in {m["subject"]["id"] for m in view["panel"]["members"]} and view["panel"]["eligible"] == 9


def test_the_universe_facts_decode_a_shared_reason_once_and_give_each_expert_a_list_of_its_own(client, pool):
    """The draw's read of the ineligible facts (issue 17): the same stored reasons, read for thousands of experts,
    are decoded once; each expert still gets its reasons as the one-by-one reading gives them (the R-POOL-4
    wording names the day asked about), in a list of its own."""
    experts = [e["expert_id"] for e in pool["experts"]]
    dismissed = [{"rule_id": "R-POOL-5", "code": "dismissed", "message": "已于 2026-11-01 解聘"}]
    no_term = [{"rule_id": "R-POOL-4", "code": "no_current_term", "message": "2020-01-01 不在任何有效聘期内"}]
    for expert_id, reasons in zip(experts[:4], (dismissed, dismissed, dismissed, no_term), strict=True):
        ExpertEligibility.update({ExpertEligibility.eligible: False, ExpertEligibility.reasons: reasons}).where(
            ExpertEligibility.expert == expert_id).run_sync()
    day = TODAY.date()  # 09:00 UTC: the same day at UTC+8
    found = asyncio.run(stored_universe_facts(day))
    one_by_one = {r["expert"]: _as_eligibility(r, day) for r in ExpertEligibility.select(*FACT_COLUMNS).where(
        valid_on(day) & (ExpertEligibility.eligible == False)).output(load_json=True).run_sync()}  # noqa: E712
    assert {i: e for i, e in found.items() if not e.eligible} == one_by_one and len(one_by_one) >= 4
    assert found[experts[3]].reasons[0].message == f"{day} 不在任何有效聘期内"  # worded for the day asked
    assert found[experts[0]].reasons == found[experts[1]].reasons
    assert found[experts[0]].reasons is not found[experts[1]].reasons  # a list of its own each
    assert all(found[i].eligible for i in experts[4:] if i in found)
