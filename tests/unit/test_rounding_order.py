"""The dependent rounding of a draw (``assignment.selection.plan.dependent_rounding``) was made fast for national
pools (issue 17) without changing a single outcome: stored draws are re-run by verification (R-PANEL-2, R-REC-2),
so for the same values, cells and seed it must round exactly as the first implementation did. That
implementation is kept here as the reference."""

from __future__ import annotations

import random

import pytest

from assignment.selection.plan import EPS, dependent_rounding


def reference_rounding(values: list[float], ends: list[tuple[tuple, tuple]], rng: random.Random) -> list[int]:
    """Round each edge of a bipartite graph to the integer below or above its value, keeping every edge's
    expectation and every vertex's sum within the integers around it (an integer sum is kept exactly):
    Gandhi, Khuller, Parthasarathy, Srinivasan, J. ACM 53 (2006). Types have integer sums (their counts),
    so the composition is kept; an employer whose expected number is at most its maximum never exceeds it;
    every cell's expectation, hence every person's chance, is exactly the plan's."""
    vals = [float(v) for v in values]
    adjacent: dict[tuple, set[int]] = {}
    for e, v in enumerate(vals):
        if abs(v - round(v)) > EPS:
            for node in ends[e]:
                adjacent.setdefault(node, set()).add(e)
        else:
            vals[e] = float(round(v))
    while adjacent:
        start = next((n for n, es in adjacent.items() if len(es) == 1), None) or next(iter(adjacent))
        path: list[int] = []
        seen = {start: 0}
        node, came = start, -1
        while True:
            options = [e for e in adjacent[node] if e != came]
            if not options:
                break
            e = min(options)
            a, b = ends[e]
            nxt = b if a == node else a
            path.append(e)
            if nxt in seen:
                path = path[seen[nxt]:]  # a cycle (even: the graph is bipartite)
                break
            seen[nxt] = len(path)
            node, came = nxt, e
        up, down = path[0::2], path[1::2]
        alpha = min([1 - (vals[e] - int(vals[e])) for e in up] + [vals[e] - int(vals[e]) for e in down])
        beta = min([vals[e] - int(vals[e]) for e in up] + [1 - (vals[e] - int(vals[e])) for e in down])
        step = alpha if rng.random() < beta / (alpha + beta) else -beta
        for e in path:
            vals[e] += step if e in up else -step
            if abs(vals[e] - round(vals[e])) <= EPS:
                vals[e] = float(round(vals[e]))
                for n in ends[e]:
                    adjacent[n].discard(e)
                    if not adjacent[n]:
                        del adjacent[n]
    return [int(round(v)) for v in vals]



def _cells(rng: random.Random, types: int, employers: int, cells: int) -> tuple[list[float], list[tuple]]:
    """A composition's cells as ``plan._prepared`` makes them: each type's count spread over its cells."""
    values: list[float] = []
    ends: list[tuple] = []
    for t in range(types):
        count = rng.randint(0, 4)
        n = rng.randint(1, cells)
        weights = [rng.random() + 0.01 for _ in range(n)]
        if rng.random() < 0.2:  # some cells hold whole numbers already
            weights = [1.0] * n
        total = sum(weights)
        chosen = rng.sample(range(employers), min(n, employers))
        for j, w in enumerate(weights):
            values.append(count * w / total)
            ends.append((("t", t), ("e", chosen[j]) if j < len(chosen) and rng.random() < 0.7 else ("s", t)))
    return values, ends


@pytest.mark.parametrize("seed", range(40))
def test_rounding_is_the_recorded_one_for_every_seed_R_PANEL_2(seed):
    rng = random.Random(seed)
    values, ends = _cells(rng, rng.randint(1, 12), rng.randint(1, 30), rng.randint(1, 60))
    for draw_seed in range(25):
        assert dependent_rounding(values, ends, random.Random(draw_seed)) == reference_rounding(
            values, ends, random.Random(draw_seed))


def test_rounding_of_a_national_composition_is_the_recorded_one_R_PANEL_2():
    """Thousands of cells, as a 50,000-expert pool with crowded employers gives."""
    rng = random.Random(17)
    values, ends = _cells(rng, 40, 3000, 400)
    assert len(values) > 2000
    for draw_seed in (1, 2, 3):
        a = random.Random(draw_seed)
        b = random.Random(draw_seed)
        assert dependent_rounding(values, ends, a) == reference_rounding(values, ends, b)
        assert a.random() == b.random()  # the same number of random draws taken


def test_reference_is_not_trivial():
    """The comparison means something: the rounding differs between seeds, and keeps each type's sum."""
    values, ends = _cells(random.Random(5), 6, 10, 20)
    outcomes = {tuple(dependent_rounding(values, ends, random.Random(s))) for s in range(30)}
    assert len(outcomes) > 1
    for taken in outcomes:
        for t in {a for a, _ in ends}:
            assert sum(x for x, (a, _) in zip(taken, ends, strict=True) if a == t) == round(
                sum(v for v, (a, _) in zip(values, ends, strict=True) if a == t) + EPS)


def reference_overloads(plan, candidates, k) -> set[int]:
    """``employer_overloads`` as first written: every employer summed in every composition."""
    if k.max_per_employer is None:
        return set()
    employers_of: dict[int, list[tuple[int, int]]] = {}
    for _, counts in plan.columns:
        for t in counts:
            if t not in employers_of:
                tally: dict[int, int] = {}
                for i in plan.members[t]:
                    e = candidates[i].employer
                    if e is not None:
                        tally[e] = tally.get(e, 0) + 1
                employers_of[t] = list(tally.items())
    out = set()
    for _, counts in plan.columns:
        load: dict[int, float] = {}
        for t, n in counts.items():
            share = n / len(plan.members[t])
            for e, many in employers_of[t]:
                load[e] = load.get(e, 0.0) + share * many
        out |= {e for e, x in load.items() if x > k.max_per_employer + 1e-7}
    return out


@pytest.mark.parametrize("seed", range(8))
def test_employer_overloads_are_the_full_sums_R_PANEL_2(seed):
    """The bound that skips most employers of a national pool never skips one the full sums find."""
    from assignment.selection.constraints import Candidate, Constraints
    from assignment.selection.plan import Plan, employer_overloads

    rng = random.Random(seed)
    people = [Candidate(i, frozenset(rng.sample(["LAW", "ENV", "ECON"], rng.randint(0, 2))),
                        rng.choice([None, *range(rng.randint(3, 40))]), rng.choice(["academia", "industry", "gov"]),
                        "") for i in range(rng.randint(30, 200))]
    by_id = {c.id: c for c in people}
    types = {}
    for c in people:  # a plan by hand: types by specialty set, compositions with random counts
        types.setdefault(tuple(sorted(c.specialties)), []).append(c.id)
    members = [sorted(ids) for ids in types.values()]
    columns = [(rng.random(), {t: rng.randint(0, min(4, len(members[t]))) for t in range(len(members))
                               if rng.random() < 0.7}) for _ in range(rng.randint(1, 12))]
    plan = Plan([(t, "", "", False, None) for t in types], members, columns, 0.0, 0.0, 0, [], [])
    for cap in (1, 2):
        k = Constraints(7, {}, cap)
        assert employer_overloads(plan, by_id, k) == reference_overloads(plan, by_id, k)


def test_employer_overloads_find_a_crowded_employer_R_PANEL_2():
    """Not an empty comparison: an employer holding most of a type is found by both."""
    from assignment.selection.constraints import Candidate, Constraints
    from assignment.selection.plan import Plan, employer_overloads

    people = [Candidate(i, frozenset(), 7 if i < 8 else 100 + i) for i in range(10)]
    plan = Plan([((), "", "", False, None)], [list(range(10))], [(1.0, {0: 5})], 0.0, 0.0, 0, [], [])
    by_id = {c.id: c for c in people}
    k = Constraints(5, {}, 1)
    assert employer_overloads(plan, by_id, k) == reference_overloads(plan, by_id, k) == {7}
