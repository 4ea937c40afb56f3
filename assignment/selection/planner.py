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
    violations,
    violations_partial,
)
from assignment.selection.plan import Plan, TypeKey, attempt
from assignment.selection.pricing import CompositionModel, explain_infeasible

EXACT_TYPE_LIMIT = 600  # above this many types, employers leave the type key (see plan_panel)
CLASH_TOLERANCE = 0.03


def _type_of(c: Candidate, k: Constraints, crowded: set[int] | None) -> TypeKey:
    """The attributes the constraints look at. The employer is part of it only where it can matter:
    an employer with more eligible candidates than the per-employer maximum."""
    return (tuple(sorted(c.specialties & set(k.min_per_specialty))),
            c.sector if k.max_per_sector is not None else "",
            c.region if c.region in k.max_per_region else "",
            c.id in k.dissenting,
            c.employer if crowded is not None and c.employer in crowded else None)


def _fits(c: Candidate, chosen: list[Candidate], k: Constraints) -> bool:
    return c not in chosen and not violations_partial(chosen + [c], k)


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
        chosen: list[Candidate] = []
        needs = [(spec, need) for spec, need in k.min_per_specialty.items() if need]
        rng.shuffle(needs)
        if dissenters:
            needs.insert(rng.randrange(len(needs) + 1), ("", 1))
        for spec, need in needs:
            pool = by_spec[spec] if spec else dissenters
            have = sum(spec in c.specialties for c in chosen) if spec else sum(c.id in k.dissenting for c in chosen)
            for _ in range(tries):
                if have >= need or not pool:
                    break
                c = rng.choice(pool)
                if _fits(c, chosen, k):
                    chosen.append(c)
                    have += 1
        for _ in range(tries * k.size):
            if len(chosen) >= k.size:
                break
            c = rng.choice(candidates)
            if _fits(c, chosen, k):
                chosen.append(c)
        if len(chosen) == k.size and not violations(chosen, k) and (not dissenters or any(
                c.id in k.dissenting for c in chosen)):
            panels.append(chosen)
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
        notes.append("none of the candidates named as holding a different view is eligible")
    if len(candidates) < k.size:  # nothing to plan over: say why at once
        raise Infeasible(explain_infeasible(None, candidates, k, excluded))
    crowded: set[int] | None = None
    if k.max_per_employer is not None:
        per_employer = Counter(c.employer for c in candidates if c.employer is not None)
        # An employer enters the type key when a draw that ignored it would often exceed the maximum:
        # roughly (size - 1) × (its candidates - maximum) / eligible. Below that, redrawing costs its
        # candidates less than CLASH_TOLERANCE of their chance, and the program stays small.
        crowded = {e for e, n in per_employer.items()
                   if (k.size - 1) * (n - k.max_per_employer) / len(candidates) > CLASH_TOLERANCE}
        if len({_type_of(c, k, crowded) for c in candidates}) > EXACT_TYPE_LIMIT:
            # Too many types for the exact program: employers leave the type key and a draw that would
            # put too many from one employer is redrawn whole. Chances then differ from the plan's by at
            # most the redraw rate, which the plan reports.
            crowded = None
    plan = _plan_for_types(candidates, k, crowded, excluded, gap, max_iterations, dissent_possible, notes, budget)
    for _ in range(3 if crowded is not None else 0):
        # A candidate sharing an employer with someone often chosen (a named dissenter, a rare
        # specialist) loses that chance to redraws: such employers join the type key, and we plan again.
        more = _exposed_employers(plan, candidates, k, crowded or set())
        widened = (crowded or set()) | more
        if not more or crowded is None or len({_type_of(c, k, widened) for c in candidates}) > EXACT_TYPE_LIMIT:
            break
        crowded = widened
        plan = _plan_for_types(candidates, k, crowded, excluded, gap, max_iterations, dissent_possible, notes,
                               budget)
    if k.max_per_employer is not None:
        by_id = {c.id: c for c in candidates}
        budget.check()
        redraws = sum(attempt(plan, by_id, k, random.Random(n))[1] is None for n in range(500))
        if redraws:
            plan.notes.append(f"{redraws / 5:.1f}% of draws are redrawn for the per-employer maximum; the chances "
                              "shown can differ from the realised ones by about that much")
    return plan


def _exposed_employers(plan: Plan, candidates: list[Candidate], k: Constraints, crowded: set[int]) -> set[int]:
    """Employers outside the type key where a member's colleagues are chosen often enough that redrawing
    would cost that member more than CLASH_TOLERANCE of their chance."""
    if k.max_per_employer is None:
        return set()
    chance = plan.probabilities()
    members: dict[int, list[int]] = defaultdict(list)
    for c in candidates:
        if c.employer is not None and c.employer not in crowded:
            members[c.employer].append(c.id)
    exposed = set()
    for employer, ids in members.items():
        if len(ids) > k.max_per_employer:
            total = sum(chance.get(i, 0.0) for i in ids)
            if any(total - chance.get(i, 0.0) > CLASH_TOLERANCE for i in ids):
                exposed.add(employer)
    return exposed


def _plan_for_types(candidates: list[Candidate], k: Constraints, crowded: set[int] | None,
                    excluded: Mapping[str, int], gap: float, max_iterations: int, dissent_possible: bool,
                    notes: list[str], budget: Budget | None = None) -> Plan:
    budget = budget or Budget()
    budget.check()
    notes = list(notes)
    by_type: dict[TypeKey, list[Candidate]] = defaultdict(list)
    for c in sorted(candidates, key=lambda c: c.id):
        by_type[_type_of(c, k, crowded)].append(c)
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
        notes.append(f"{sum(len(groups[t]) for t in impossible)} eligible candidates cannot be part of any panel "
                     "meeting these constraints")
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
