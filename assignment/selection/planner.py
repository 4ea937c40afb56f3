"""Column generation for the maximin plan: the master LP over compositions in one HiGHS model, priced
by the integer program, started from quick random valid panels (Flanigan et al., Nature 2021)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Mapping

import highspy
import numpy as np

from assignment.selection.constraints import (
    Budget,
    Candidate,
    Constraints,
    Infeasible,
    PlanTooSlow,
)
from assignment.selection.plan import Plan, TypeKey, employer_overloads
from assignment.selection.pricing import CompositionModel, explain_infeasible

EXACT_TYPE_LIMIT = 600  # above this many types, no more employers join the type key (see plan_panel)
CLASH_TOLERANCE = 0.03  # employers joining the type key from the start (the loop adds any other that could clash)
MAX_REPLANS = 6


def _types_of(candidates: list[Candidate], k: Constraints, crowded: set[int]) -> list[TypeKey]:
    """Each candidate's type: the attributes the constraints look at. The employer is part of it only where it
    can matter: an employer with more eligible candidates than the per-employer maximum. In one pass, the
    constraints read once and the required specialties of each distinct set sorted once (a national draw types
    some 20,000 candidates several times)."""
    wanted = set(k.min_per_specialty)
    by_sector, regions, dissenting = k.max_per_sector is not None, k.max_per_region, k.dissenting
    required: dict[frozenset[str], tuple[str, ...]] = {}
    types: list[TypeKey] = []
    for c in candidates:
        specialties = c.specialties
        held = required.get(specialties) if isinstance(specialties, frozenset) else None
        if held is None:
            held = tuple(sorted(specialties & wanted))
            if isinstance(specialties, frozenset):
                required[specialties] = held
        types.append((held, c.sector if by_sector else "", c.region if c.region in regions else "",
                      c.id in dissenting, c.employer if c.employer in crowded else None))
    return types


class _Partial:
    """A panel being filled at random, with its counts per employer, sector and region kept as it grows, so
    each try is checked in constant time: the panel plus this one stays within the size and every maximum, as
    ``over_maxima`` counts them."""

    __slots__ = ("k", "members", "ids", "employers", "sectors", "regions")

    def __init__(self, k: Constraints) -> None:
        self.k = k
        self.members: list[Candidate] = []
        self.ids: set[int] = set()
        self.employers: Counter = Counter()
        self.sectors: Counter = Counter()
        self.regions: Counter = Counter()

    def fits(self, c: Candidate) -> bool:
        k = self.k
        if c.id in self.ids or len(self.members) >= k.size:
            return False
        if k.max_per_employer is not None and c.employer is not None \
                and self.employers[c.employer] >= k.max_per_employer:
            return False
        if k.max_per_sector is not None and self.sectors[c.sector] >= k.max_per_sector:
            return False
        cap = k.max_per_region.get(c.region)
        return cap is None or self.regions[c.region] < cap

    def add(self, c: Candidate) -> None:
        self.members.append(c)
        self.ids.add(c.id)
        if c.employer is not None:
            self.employers[c.employer] += 1
        self.sectors[c.sector] += 1
        self.regions[c.region] += 1


def _random_panels(candidates: list[Candidate], k: Constraints, rng: random.Random, count: int,
                   tries: int = 40, budget: Budget | None = None) -> list[list[Candidate]]:
    """Quick valid panels to start the program from: quotas first, then filled at random, each kept
    only if it meets every constraint. Column generation then closes the gap to the optimum."""
    by_spec = {spec: [c for c in candidates if spec in c.specialties] for spec in k.min_per_specialty}
    dissenters = [c for c in candidates if c.id in k.dissenting]
    panels = []
    budget = budget or Budget()
    for _ in range(count):
        budget.check()
        chosen = _Partial(k)
        needs = [(spec, need) for spec, need in k.min_per_specialty.items() if need]
        rng.shuffle(needs)
        if dissenters:
            needs.insert(rng.randrange(len(needs) + 1), ("", 1))
        for spec, need in needs:
            pool = by_spec[spec] if spec else dissenters
            have = sum(spec in c.specialties for c in chosen.members) if spec else sum(
                c.id in k.dissenting for c in chosen.members)
            for _ in range(tries):
                if have >= need or not pool:
                    break
                c = rng.choice(pool)
                if chosen.fits(c):
                    chosen.add(c)
                    have += 1
        for _ in range(tries * k.size):
            if len(chosen.members) >= k.size:
                break
            c = rng.choice(candidates)
            if chosen.fits(c):
                chosen.add(c)
        panel = chosen.members  # within every maximum by construction: the quotas are what may be unmet
        if len(panel) == k.size and all(sum(spec in c.specialties for c in panel) >= need
                                        for spec, need in k.min_per_specialty.items()) and (
                not dissenters or any(c.id in k.dissenting for c in panel)):
            panels.append(panel)
    return panels


def plan_panel(candidates: list[Candidate], k: Constraints, excluded: Mapping[str, int] | None = None,
               gap: float = 0.005, max_iterations: int = 300, seconds: float | None = None) -> Plan:
    """The maximin distribution over panels for these eligible candidates and constraints. With
    ``seconds``, planning that takes longer stops and raises ``PlanTooSlow`` (the draw's time budget)."""
    budget = Budget(seconds)
    excluded = excluded or {}
    candidates = sorted(candidates, key=lambda c: c.id)  # the plan depends on the set, not the order given
    notes = []
    dissent_possible = any(c.id in k.dissenting for c in candidates)
    if k.dissenting and not dissent_possible:
        notes.append("所列持不同意见的候选人均不符合入选条件")
    if len(candidates) < k.size:  # nothing to plan over: say why at once
        raise Infeasible(explain_infeasible(None, candidates, k, excluded))
    crowded: set[int] = set()
    by_id = {c.id: c for c in candidates}
    if k.max_per_employer is not None:
        per_employer = Counter(c.employer for c in candidates if c.employer is not None)
        # Start with the employers a draw would often fill: roughly (size - 1) × (its candidates - maximum)
        # / eligible. The program stays small; the loop below adds every other one that could clash.
        crowded = {e for e, n in per_employer.items()
                   if (k.size - 1) * (n - k.max_per_employer) / len(candidates) > CLASH_TOLERANCE}
        if len(set(_types_of(candidates, k, crowded))) > EXACT_TYPE_LIMIT:
            crowded = set()
    plan = _plan_for_types(candidates, k, crowded, excluded, gap, max_iterations, dissent_possible, notes, budget)
    overloads = employer_overloads(plan, by_id, k)
    for _ in range(MAX_REPLANS):
        # The draw rounds each composition to cells (type × employer) and never exceeds an employer's
        # maximum where its expected number is within it. An employer expected above it in some composition
        # (colleagues who are a named dissenter and a rare specialist, say) joins the type key: plan again.
        more = overloads - crowded
        if not more or len(set(_types_of(candidates, k, crowded | more))) > EXACT_TYPE_LIMIT:
            break
        crowded |= more
        plan = _plan_for_types(candidates, k, crowded, excluded, gap, max_iterations, dissent_possible, notes,
                               budget)
        overloads = employer_overloads(plan, by_id, k)
    if overloads:
        plan.notes.append("部分组合中同一单位的预期人数超过上限：超出上限的抽取会重抽，公示的入选概率可能与实际略有差异")
    return plan


def _plan_for_types(candidates: list[Candidate], k: Constraints, crowded: set[int],
                    excluded: Mapping[str, int], gap: float, max_iterations: int, dissent_possible: bool,
                    notes: list[str], budget: Budget | None = None) -> Plan:
    budget = budget or Budget()
    budget.check()
    notes = list(notes)
    by_type: dict[TypeKey, list[Candidate]] = defaultdict(list)
    ordered = sorted(candidates, key=lambda c: c.id)
    for c, type_key in zip(ordered, _types_of(ordered, k, crowded), strict=True):
        by_type[type_key].append(c)
    types = sorted(by_type, key=lambda t: (t[:4], -1 if t[4] is None else t[4]))
    groups = [by_type[t] for t in types]
    sizes = np.array([len(g) for g in groups], dtype=float)
    model = CompositionModel(types, groups, k, dissent_possible, budget)

    columns: list[dict[int, int]] = []
    seen: set[tuple] = set()

    def add_column(counts: dict[int, int]) -> bool:
        key = tuple(sorted(counts.items()))
        if key in seen:
            return False
        seen.add(key)
        columns.append(counts)
        return True

    # Start from quick random valid panels, then one composition for each type not yet covered that can
    # appear at all (types no panel can contain are set aside).
    first = model.best(np.ones(model.n))
    if first is None:
        raise Infeasible(explain_infeasible(model, candidates, k, excluded))
    add_column(first[1])
    index_of = {c.id: t for t, g in enumerate(groups) for c in g}
    for panel in _random_panels(candidates, k, random.Random(0), count=min(2000, 40 * model.n), budget=budget):
        add_column(dict(Counter(index_of[c.id] for c in panel)))
    impossible: set[int] = set()
    covered = {t for c in columns for t in c}
    for t in range(model.n):
        if t in covered:
            continue
        weights = np.zeros(model.n)
        weights[t] = 1.0
        found = model.best(weights + 1e-3)
        if found is None or t not in found[1]:
            impossible.add(t)
        else:
            add_column(found[1])
            covered |= set(found[1])
    live = [t for t in range(model.n) if t not in impossible]
    if impossible:
        notes.append(f"有 {sum(len(groups[t]) for t in impossible)} 名符合条件的候选人无法进入任何满足这些条件的论证组")
    # The master program lives in one HiGHS model: each new composition is a column added to it, and
    # the simplex restarts from the previous basis, so an iteration costs little more than pricing.
    master = highspy.Highs()
    master.setOptionValue("output_flag", False)
    master.setOptionValue("presolve", "off")  # keep the basis between solves
    row_of = {t: r for r, t in enumerate(live)}
    n_rows = len(live)
    master.addRows(n_rows + 1, np.r_[np.full(n_rows, -highspy.kHighsInf), 1.0], np.r_[np.zeros(n_rows), 1.0],
                   0, np.zeros(n_rows + 1, dtype=np.int32), np.array([], dtype=np.int32), np.array([]))
    master.addCol(-1.0, 0.0, 1.0, n_rows, np.arange(n_rows, dtype=np.int32), np.ones(n_rows))  # z

    def to_master(counts: dict[int, int]) -> None:
        index = [row_of[t] for t in counts if t in row_of] + [n_rows]
        value = [-counts[t] / sizes[t] for t in counts if t in row_of] + [1.0]
        master.addCol(0.0, 0.0, highspy.kHighsInf, len(index), np.array(index, dtype=np.int32), np.array(value))

    for counts in columns:
        to_master(counts)
    z, upper, weights_out, iterations = 0.0, 1.0, np.array([1.0]), 0
    while True:
        iterations += 1
        left = budget.check()
        if left is not None:
            master.setOptionValue("time_limit", left)
        master.run()
        if left is not None and master.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            raise PlanTooSlow(budget.seconds or 0.0)
        solution = master.getSolution()
        values = np.array(solution.col_value)
        z, weights_out = float(values[0]), values[1:]
        duals = np.zeros(model.n)
        duals[live] = -np.array(solution.row_dual)[:n_rows]
        found = model.best(duals / sizes)
        upper = min(upper, found[0]) if found else upper
        if found is None or found[0] <= z * (1 + gap) + 1e-12 or iterations >= max_iterations:
            break
        if not add_column(found[1]):
            break
        to_master(found[1])
    kept = [(float(w), c) for w, c in zip(weights_out, columns, strict=False) if w > 1e-9]
    total = sum(w for w, _ in kept)
    kept = [(w / total, c) for w, c in kept]
    return Plan(types, [[c.id for c in g] for g in groups], kept, z, max(upper, z), iterations,
                sorted(c.id for t in impossible for c in groups[t]), notes)
