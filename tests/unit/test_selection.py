"""Panel selection without HTTP or database: balance (R-PANEL-2), fairness, reproducibility, deadlines
in Chinese working days (R-PANEL-4)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assignment.selection.constraints import Candidate, Constraints, Infeasible, candidates_hash, violations
from assignment.selection.plan import Plan, draw, replacement
from assignment.selection.planner import plan_panel
from decisions.domain.workdays import add_working_days, is_working_day, working_days_between

SPECS = ("LAW", "ECON", "PLAN", "ENV")
SECTORS = ("academia", "government", "enterprise", "social_organisation")


def pool(n: int, seed: int = 1, employers: int = 60) -> list[Candidate]:
    rng = random.Random(seed)
    return [Candidate(i, frozenset(rng.sample(SPECS, rng.choice((1, 1, 2)))), rng.randrange(employers),
                      rng.choice(SECTORS), rng.choice(("杭州", "宁波", "温州"))) for i in range(1, n + 1)]


def test_every_draw_meets_quotas_employer_sector_region_and_dissent_R_PANEL_2():
    people = pool(200)
    k = Constraints(7, {"LAW": 2, "ENV": 1}, 1, 3, {"温州": 1}, frozenset({5, 9}))
    plan = plan_panel(people, k)
    by_id = {c.id: c for c in people}
    for seed in range(300):
        panel = draw(plan, by_id, k, seed)
        assert violations([by_id[i] for i in panel], k) == []
        assert {5, 9} & set(panel)  # a holder of a different view is always there


def test_unconstrained_draw_is_uniform_R_PANEL_2():
    people = [Candidate(i, employer=None, sector="academia") for i in range(1, 51)]
    plan = plan_panel(people, Constraints(5, max_per_employer=None))
    probabilities = plan.probabilities()
    assert plan.min_probability == pytest.approx(5 / 50)
    assert all(p == pytest.approx(0.1) for p in probabilities.values())


def test_maximin_lifts_the_smallest_chance_to_the_certified_optimum_R_PANEL_2():
    # 3 of 40 are lawyers and 2 lawyers are required: lawyers are chosen often, the others share the rest.
    people = [Candidate(i, frozenset({"LAW"} if i <= 3 else {"ECON"}), None, "academia") for i in range(1, 41)]
    plan = plan_panel(people, Constraints(5, {"LAW": 2}, None))
    probabilities = plan.probabilities()
    assert sum(probabilities.values()) == pytest.approx(5)
    # 37 economists share 3 seats at best: 3/37 each is the optimum
    assert plan.min_probability == pytest.approx(3 / 37, rel=1e-4)
    assert plan.upper_bound == pytest.approx(plan.min_probability, rel=1e-3)
    # the empirical frequencies over many draws agree with the stated chances
    by_id = {c.id: c for c in people}
    counts = Counter(i for seed in range(4000) for i in draw(plan, by_id, Constraints(5, {"LAW": 2}, None), seed))
    assert counts[1] / 4000 == pytest.approx(probabilities[1], abs=0.04)
    assert counts[30] / 4000 == pytest.approx(probabilities[30], abs=0.02)


def test_same_seed_same_panel_and_hash_is_stable():
    people = pool(120, seed=4)
    k = Constraints(5, {"ECON": 1})
    plan = plan_panel(people, k)
    by_id = {c.id: c for c in people}
    assert draw(plan, by_id, k, 42) == draw(plan, by_id, k, 42)
    assert draw(Plan.from_dict(plan.to_dict()), by_id, k, 42) == draw(plan, by_id, k, 42)
    assert draw(plan_panel(list(reversed(people)), k), by_id, k, 42) == draw(plan, by_id, k, 42)
    assert candidates_hash(people, k) == candidates_hash(list(reversed(people)), k)
    assert candidates_hash(people, k) != candidates_hash(people[1:], k)


def test_infeasible_request_names_constraint_and_numbers_R_PANEL_2():
    people = pool(30, seed=2)
    lawyers = sum("LAW" in c.specialties for c in people)
    with pytest.raises(Infeasible) as refused:
        plan_panel(people, Constraints(7, {"LAW": lawyers + 1}), excluded={"conflicts.LAW": 2})
    [short] = refused.value.shortfalls
    assert short.field == "min_per_specialty.LAW" and short.needed == lawyers + 1 and short.eligible == lawyers
    assert "该专业因利益冲突排除 2 名" in short.message
    with pytest.raises(Infeasible) as refused:
        plan_panel([Candidate(i, employer=i % 3) for i in range(1, 20)], Constraints(5, {}, 1),
                   excluded={"conflicts": 4})
    shortfall = refused.value.shortfalls[0]
    assert shortfall.field == "size" and "因利益冲突排除 4 名" in shortfall.message


def test_named_dissent_is_reported_when_none_is_eligible_R_PANEL_2():
    plan = plan_panel(pool(40), Constraints(5, dissenting=frozenset({999})))
    assert plan.notes == ["所列持不同意见的候选人均不符合入选条件"]


def test_replacement_keeps_every_constraint_R_PANEL_2():
    people = pool(80, seed=7)
    by_id = {c.id: c for c in people}
    k = Constraints(5, {"LAW": 2, "ECON": 1}, 1, 3)
    panel = draw(plan_panel(people, k), by_id, k, 3)
    for leaving in panel:
        new = replacement(by_id, k, panel, leaving, set(panel), seed=11)
        after = [by_id[i] for i in panel if i != leaving] + [by_id[new]]
        assert new not in panel and violations(after, k) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(12, 60), size=st.integers(5, 7), law=st.integers(0, 2), seed=st.integers(0, 10_000),
       employers=st.integers(8, 40), conflicted=st.sets(st.integers(1, 60), max_size=8))
def test_property_every_panel_meets_every_constraint_and_has_no_conflicted_member(n, size, law, seed, employers,
                                                                                  conflicted):
    """R-PANEL-2 and R-COI-*: the conflicted are removed before planning; no draw ever brings them back."""
    everyone = pool(n, seed=seed, employers=employers)
    eligible = [c for c in everyone if c.id not in conflicted]
    k = Constraints(size, {"LAW": law}, 1, (size + 1) // 2)
    try:
        plan = plan_panel(eligible, k)
    except Infeasible as refused:
        assert refused.shortfalls  # an infeasible request always says why
        return
    by_id = {c.id: c for c in eligible}
    for s in range(5):
        panel = draw(plan, by_id, k, seed + s)
        assert not set(panel) & conflicted
        assert violations([by_id[i] for i in panel], k) == []
    assert sum(plan.probabilities().values()) == pytest.approx(size, rel=1e-6)


def test_working_days_follow_the_official_calendar_R_PANEL_4():
    # National Day 2026: 10-01..10-07 are off; Saturday 10-10 is an adjusted working day (调休)
    assert add_working_days(date(2026, 9, 28), 7).day == date(2026, 10, 13)
    assert not is_working_day(date(2026, 10, 2)) and is_working_day(date(2026, 10, 10))
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 13)) == 7
    assert add_working_days(date(2026, 11, 24), 7) == add_working_days(date(2026, 11, 24), 7)
    assert add_working_days(date(2026, 11, 24), 7).day == date(2026, 12, 3) and not add_working_days(
        date(2026, 11, 24), 7).provisional


def test_years_without_a_published_calendar_are_provisional_R_PANEL_4():
    later = add_working_days(date(2026, 12, 28), 7)
    assert later.provisional is True
    # 2027-01-01 (New Year, a Friday) is skipped even without the published schedule
    assert later.day == date(2027, 1, 7)


def test_no_eligible_candidate_at_all_is_explained_not_a_crash_R_PANEL_2():
    with pytest.raises(Infeasible) as refused:
        plan_panel([], Constraints(5), excluded={"workload": 10})
    shortfall = refused.value.shortfalls[0]
    assert shortfall.field == "size" and "已达工作量上限 10 名" in shortfall.message


@given(seed=st.integers(0, 10_000), size=st.integers(3, 9), employer_cap=st.sampled_from([None, 1, 2]),
       sector_cap=st.sampled_from([None, 1, 2, 3]), region_cap=st.integers(0, 3))
@settings(max_examples=60, deadline=None)
def test_the_planners_quick_fit_test_agrees_with_the_maxima_R_PANEL_2(seed, size, employer_cap, sector_cap,
                                                                       region_cap):
    """The random starting panels are grown with counts kept per employer, sector and region: each answer is the
    one ``over_maxima`` gives for the panel with the candidate added (same start columns, same plans as before)."""
    from assignment.selection.constraints import over_maxima
    from assignment.selection.planner import _Partial

    people = pool(40, seed, employers=8)
    k = Constraints(size, {}, employer_cap, sector_cap, {"宁波": region_cap}, frozenset())
    partial, rng = _Partial(k), random.Random(seed)
    for _ in range(60):
        c = rng.choice(people)
        fits = partial.fits(c)
        members = partial.members + [c]
        assert fits == (c.id not in partial.ids and len(members) <= k.size and not over_maxima(members, k))
        if fits:
            partial.add(c)
    assert not over_maxima(partial.members, k)


def test_employer_overloads_counts_each_types_employers_once_and_finds_the_same_R_PANEL_2():
    """The per-employer check of a plan's compositions, computed member by member (the definition) and by each
    type's employer counts (the planner's fast path): the same employers, on plans where some are overloaded."""
    from assignment.selection.plan import employer_overloads
    from assignment.selection.planner import _plan_for_types

    def by_definition(plan, candidates, k):
        out = set()
        for _, counts in plan.columns:
            load: dict[int, float] = {}
            for t, n in counts.items():
                for i in plan.members[t]:
                    e = candidates[i].employer
                    if e is not None:
                        load[e] = load.get(e, 0.0) + n / len(plan.members[t])
            out |= {e for e, x in load.items() if x > k.max_per_employer + 1e-7}
        return out

    found = 0
    for seed in range(4):
        people = pool(120, seed, employers=6)
        k = Constraints(7, {"LAW": 2}, 1, None, {}, frozenset())
        plan = _plan_for_types(people, k, set(), {}, 0.005, 300, False, [])  # employers left out of the types
        by_id = {c.id: c for c in people}
        assert employer_overloads(plan, by_id, k) == by_definition(plan, by_id, k)
        found += bool(by_definition(plan, by_id, k))
    assert found  # the comparison covered overloaded employers, not only empty sets
