"""Issue 17: the expert list filtered by eligibility reads the stored facts through their indexes when every fact
covers the day (a count over the facts, a page with correlated EXISTS), and computes the facts live otherwise;
both paths give the same page, count and order (R-POOL-4 term, R-DUTY-1 letter, R-POOL-1 sub-pools)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from registry.services import views
from registry.services.eligibility_facts import all_facts_cover
from registry.tables import ExpertEligibility
from tests.builders import appoint_expert
from tests.support.app import TODAY

DAY = TODAY.date()
FILTERS = [  # specialty, sector, eligible
    ("LAW", "academia", True), ("LAW", "academia", False), ("LAW.ADMIN", None, True), ("ECON", None, True),
    (None, "government", True), (None, None, True), (None, None, False), ("LAW", None, False),
]


@pytest.fixture(autouse=True)
def pinned_day(monkeypatch):
    monkeypatch.setenv("FIXED_CLOCK", TODAY.isoformat())


def listed(specialty, sector, eligible, offset=0, limit=50) -> tuple[list[int], int]:
    page = asyncio.run(views.list_experts(DAY, specialty, sector, None, None, eligible, offset, limit))
    return [e.id for e in page.items], page.total


@pytest.fixture
def experts(client) -> dict[str, int]:
    return {
        "law_academia": appoint_expert(client, specialties=["LAW.ADMIN"], sector="academia")["expert_id"],
        "law_two_codes": appoint_expert(client, specialties=["LAW.ADMIN", "LAW.CIVIL"], sector="academia")[
            "expert_id"],
        "law_unsigned": appoint_expert(client, specialties=["LAW.CIVIL"], sector="academia", sign=False)[
            "expert_id"],
        "law_government": appoint_expert(client, specialties=["LAW.ADMIN"], sector="government")["expert_id"],
        "econ": appoint_expert(client, specialties=["ECON.FISCAL", "LAW.ADMIN"], sector="enterprise")["expert_id"],
        "econ_ended": appoint_expert(client, start="2023-01-01", end="2025-12-31", specialties=["ECON.FISCAL"],
                                     sector="academia")["expert_id"],
    }


def test_the_filtered_list_reads_the_facts_and_counts_each_expert_once_R_POOL_4_R_POOL_1(client, experts):
    x = experts
    assert asyncio.run(all_facts_cover(DAY)) is True
    assert listed("LAW", "academia", True) == ([x["law_academia"], x["law_two_codes"]], 2)  # two codes, one row
    assert listed("LAW", "academia", False) == ([x["law_unsigned"]], 1)  # R-DUTY-1
    assert listed("ECON", None, True) == ([x["econ"]], 1)  # the ended term is out (R-POOL-4)
    assert listed(None, "government", True) == ([x["law_government"]], 1)
    assert listed("LAW", None, True, offset=1, limit=2) == ([x["law_two_codes"], x["law_government"]], 4)
    assert listed(None, None, False) == ([x["law_unsigned"], x["econ_ended"]], 2)


def test_the_facts_path_and_the_live_path_give_the_same_pages_R_POOL_4(client, experts):
    by_facts = {f: listed(*f) for f in FILTERS}
    paged = listed("LAW", None, True, offset=1, limit=2)
    ExpertEligibility.delete().where(ExpertEligibility.expert == experts["law_academia"]).run_sync()
    assert asyncio.run(all_facts_cover(DAY)) is False  # one expert lacks a fact: the live path
    assert {f: listed(*f) for f in FILTERS} == by_facts
    assert listed("LAW", None, True, offset=1, limit=2) == paged


def test_a_fact_that_does_not_cover_the_day_sends_the_list_to_the_live_path_R_POOL_4(client, experts):
    assert asyncio.run(all_facts_cover(DAY)) is True
    e = ExpertEligibility
    e.update({e.valid_until: DAY}).where(e.expert == experts["econ"]).run_sync()  # ended today: stale
    assert asyncio.run(all_facts_cover(DAY)) is False
    assert listed("ECON", None, True) == ([experts["econ"]], 1)  # computed live: still eligible
    e.update({e.valid_until: None, e.valid_from: DAY + timedelta(days=1)}).where(
        e.expert == experts["econ"]).run_sync()  # starts tomorrow: not yet the day's fact
    assert asyncio.run(all_facts_cover(DAY)) is False
    assert asyncio.run(all_facts_cover(date(2026, 12, 31))) is True
    assert listed("ECON", None, True) == ([experts["econ"]], 1)
