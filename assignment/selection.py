"""Balanced, fair and reproducible panel selection (R-PANEL-1, R-PANEL-2).

Among all panels that meet the constraints, the draw gives every eligible candidate a chance as even
as the constraints allow: it maximises the smallest chance (maximin, as the citizens' assembly
algorithms do, Flanigan et al., Nature 2021). Candidates with the same attributes that matter for
the constraints are interchangeable, so the linear program runs over these *types*, not people:

* master LP: weights λ over panel compositions (how many of each type), maximise z with
  every type's per-person chance Σ λ·count/size ≥ z;
* pricing ILP: the composition that best serves the types the duals say are short; its value is an
  upper bound on the optimum, so each plan carries a certificate of how close it is.

The distribution is computed once per request; a draw from it with a recorded seed is instant and
gives the same panel every time. Within a type, members are drawn uniformly, skipping employers that
already have their maximum, so the one-per-employer rule holds in every panel.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from core.errors import FieldError, RuleViolation


@dataclass(frozen=True)
class Candidate:
    id: int
    specialties: frozenset[str] = frozenset()
    employer: int | None = None  # institution id; None: counts as an employer of its own
    sector: str = ""
    region: str = ""


@dataclass(frozen=True)
class Constraints:
    """R-PANEL-2 balance. A member holding several required specialties counts for each of them."""

    size: int
    min_per_specialty: Mapping[str, int] = field(default_factory=dict)
    max_per_employer: int | None = 1
    max_per_sector: int | None = None  # a mix of sectors: no sector fills more than this
    max_per_region: Mapping[str, int] = field(default_factory=dict)
    dissenting: frozenset[int] = frozenset()  # known to hold a different view: at least one when any is eligible

    def as_dict(self) -> dict:
        return {"size": self.size, "min_per_specialty": dict(sorted(self.min_per_specialty.items())),
                "max_per_employer": self.max_per_employer, "max_per_sector": self.max_per_sector,
                "max_per_region": dict(sorted(self.max_per_region.items())), "dissenting": sorted(self.dissenting)}


@dataclass(frozen=True)
class Shortfall:
    """Why a request cannot be met: which constraint, how many are eligible, how many are needed."""

    field: str
    constraint: str
    needed: int
    eligible: int
    message: str


class Infeasible(RuleViolation):
    def __init__(self, shortfalls: list[Shortfall]):
        super().__init__(
            detail="no panel meets these constraints: " + "; ".join(s.message for s in shortfalls),
            errors=[FieldError(s.field, s.message, "R-PANEL-2") for s in shortfalls],
            extra={"shortfalls": [s.__dict__ for s in shortfalls]})
        self.shortfalls = shortfalls


TypeKey = tuple[tuple[str, ...], str, str, bool, int | None]
EXACT_TYPE_LIMIT = 600  # above this many types, employers leave the type key (see plan_panel)
CLASH_TOLERANCE = 0.03


@dataclass
class Plan:
    """The distribution over panel compositions, and every candidate's chance of selection."""

    types: list[TypeKey]
    members: list[list[int]]  # candidate ids of each type, sorted
    columns: list[tuple[float, dict[int, int]]]  # (weight, {type index: count})
    min_probability: float
    upper_bound: float  # no distribution can give a smallest chance above this
    iterations: int
    never_selectable: list[int]  # candidates no panel meeting the constraints can contain
    notes: list[str]

    def probabilities(self) -> dict[int, float]:
        out = {i: 0.0 for i in self.never_selectable}
        for t, ids in enumerate(self.members):
            expected = sum(w * counts.get(t, 0) for w, counts in self.columns)
            for i in ids:
                out[i] = expected / len(ids)
        return out

    def to_dict(self) -> dict:
        return {"types": [list(map(lambda x: list(x) if isinstance(x, tuple) else x, t)) for t in self.types],
                "members": self.members,
                "columns": [[w, {str(k): v for k, v in c.items()}] for w, c in self.columns],
                "min_probability": self.min_probability, "upper_bound": self.upper_bound,
                "iterations": self.iterations, "never_selectable": self.never_selectable, "notes": self.notes}

    @classmethod
    def from_dict(cls, d: dict) -> Plan:
        types = [(tuple(t[0]), t[1], t[2], bool(t[3]), t[4]) for t in d["types"]]
        return cls(types, [list(m) for m in d["members"]],
                   [(w, {int(k): v for k, v in c.items()}) for w, c in d["columns"]], d["min_probability"],
                   d["upper_bound"], d["iterations"], list(d["never_selectable"]), list(d["notes"]))


def candidates_hash(candidates: Iterable[Candidate], constraints: Constraints) -> str:
    """A fingerprint of the frozen candidate list and the constraints, so anyone can re-run the draw."""
    rows = sorted([c.id, sorted(c.specialties), c.employer, c.sector, c.region] for c in candidates)
    blob = json.dumps({"candidates": rows, "constraints": constraints.as_dict()}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _type_of(c: Candidate, k: Constraints, crowded: set[int] | None) -> TypeKey:
    """The attributes the constraints look at. The employer is part of it only where it can matter:
    an employer with more eligible candidates than the per-employer maximum."""
    return (tuple(sorted(c.specialties & set(k.min_per_specialty))),
            c.sector if k.max_per_sector is not None else "",
            c.region if c.region in k.max_per_region else "",
            c.id in k.dissenting,
            c.employer if crowded is not None and c.employer in crowded else None)


def violations(panel: list[Candidate], k: Constraints) -> list[str]:
    """Every constraint the panel breaks (empty when it is valid); used for replacements and in tests."""
    out = []
    if len(panel) != k.size or len({c.id for c in panel}) != len(panel):
        out.append(f"size: {len(panel)} members, {k.size} wanted")
    for spec, need in k.min_per_specialty.items():
        have = sum(spec in c.specialties for c in panel)
        if have < need:
            out.append(f"min_per_specialty.{spec}: {have} < {need}")
    return out + _over_maxima(panel, k)


def _over_maxima(panel: list[Candidate], k: Constraints) -> list[str]:
    """The maxima (per employer, sector, region) a panel, complete or not, already exceeds."""
    out = []
    if k.max_per_employer is not None:
        for employer, n in Counter(c.employer for c in panel if c.employer is not None).items():
            if n > k.max_per_employer:
                out.append(f"max_per_employer: {n} from institution {employer}")
    if k.max_per_sector is not None:
        for sector, n in Counter(c.sector for c in panel).items():
            if n > k.max_per_sector:
                out.append(f"max_per_sector.{sector}: {n} > {k.max_per_sector}")
    for region, cap in k.max_per_region.items():
        n = sum(c.region == region for c in panel)
        if n > cap:
            out.append(f"max_per_region.{region}: {n} > {cap}")
    return out


def _random_panels(candidates: list[Candidate], k: Constraints, rng: random.Random, count: int,
                   tries: int = 40) -> list[list[Candidate]]:
    """Quick valid panels to start the program from: quotas first, then filled at random, each kept
    only if it meets every constraint. Column generation then closes the gap to the optimum."""
    by_spec = {spec: [c for c in candidates if spec in c.specialties] for spec in k.min_per_specialty}
    dissenters = [c for c in candidates if c.id in k.dissenting]
    panels = []
    for _ in range(count):
        chosen: list[Candidate] = []

        def fits(c: Candidate) -> bool:
            return c not in chosen and not violations_partial(chosen + [c], k)

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
                if fits(c):
                    chosen.append(c)
                    have += 1
        for _ in range(tries * k.size):
            if len(chosen) >= k.size:
                break
            c = rng.choice(candidates)
            if fits(c):
                chosen.append(c)
        if len(chosen) == k.size and not violations(chosen, k) and (not dissenters or any(
                c.id in k.dissenting for c in chosen)):
            panels.append(chosen)
    return panels


def violations_partial(panel: list[Candidate], k: Constraints) -> bool:
    """True when a partial panel is already too big or exceeds a maximum."""
    return len(panel) > k.size or bool(_over_maxima(panel, k))


class _Model:
    """The pricing ILP over type counts: which compositions meet the constraints."""

    def __init__(self, types: list[TypeKey], groups: list[list[Candidate]], k: Constraints, dissent_possible: bool):
        n = len(types)
        self.n = n
        rows, lo, hi, names = [], [], [], []

        def add(coeffs, lower, upper, name):
            rows.append(coeffs)
            lo.append(lower)
            hi.append(upper)
            names.append(name)

        add([1] * n, k.size, k.size, "size")
        for spec, need in sorted(k.min_per_specialty.items()):
            add([1 if spec in t[0] else 0 for t in types], need, np.inf, f"min_per_specialty.{spec}")
        if k.max_per_sector is not None:
            for sector in sorted({t[1] for t in types}):
                add([1 if t[1] == sector else 0 for t in types], 0, k.max_per_sector, f"max_per_sector.{sector}")
        for region, cap in sorted(k.max_per_region.items()):
            add([1 if t[2] == region else 0 for t in types], 0, cap, f"max_per_region.{region}")
        if dissent_possible:
            add([1 if t[3] else 0 for t in types], 1, np.inf, "dissenting")
        if k.max_per_employer is not None:
            for employer in sorted({t[4] for t in types if t[4] is not None}):
                add([1 if t[4] == employer else 0 for t in types], 0, k.max_per_employer, f"max_per_employer.{employer}")
        self.names = names
        self.matrix = np.array(rows, dtype=float)
        self.lo, self.hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
        cap = k.max_per_employer
        self.upper = np.array([min(len(g), len({c.employer if c.employer is not None else -c.id for c in g}) * cap)
                               if cap is not None else len(g) for g in groups], dtype=float)

    def best(self, weights: np.ndarray, drop: str | None = None) -> tuple[float, dict[int, int]] | None:
        keep = [i for i, name in enumerate(self.names) if name != drop]
        result = milp(-weights, integrality=np.ones(self.n), bounds=Bounds(np.zeros(self.n), self.upper),
                      constraints=LinearConstraint(self.matrix[keep], self.lo[keep], self.hi[keep]),
                      options={"presolve": True})
        if result.status != 0 or result.x is None:
            return None
        counts = {t: int(round(v)) for t, v in enumerate(result.x) if round(v) > 0}
        return float(weights @ result.x), counts


def _explain_infeasible(model: _Model | None, candidates: list[Candidate], k: Constraints, excluded: Mapping[str, int]
                        ) -> list[Shortfall]:
    """Name the constraint(s) that make the request impossible, with the numbers a user needs."""
    shortfalls = []
    employers = len({c.employer if c.employer is not None else -c.id for c in candidates})
    reachable = len(candidates) if k.max_per_employer is None else min(len(candidates), employers * k.max_per_employer)
    if reachable < k.size:
        why = f"{len(candidates)} eligible" + (f" from {employers} employers (at most {k.max_per_employer} each)"
                                              if k.max_per_employer is not None else "")
        shortfalls.append(Shortfall("size", "size", k.size, reachable,
                                    f"size: {k.size} members needed, {why}; {excluded.get('conflicts', 0)} excluded "
                                    f"by conflicts, {excluded.get('registry', 0)} not eligible in the registry, "
                                    f"{excluded.get('workload', 0)} at their workload limit"))
    for spec, need in sorted(k.min_per_specialty.items()):
        have = sum(spec in c.specialties for c in candidates)
        if have < need:
            shortfalls.append(Shortfall(f"min_per_specialty.{spec}", "min_per_specialty", need, have,
                                        f"specialty {spec}: {need} needed, {have} eligible; "
                                        f"{excluded.get('conflicts.' + spec, 0)} of that specialty excluded by conflicts"))
    if k.max_per_sector is not None:
        room = sum(min(n, k.max_per_sector) for n in Counter(c.sector for c in candidates).values())
        if room < k.size:
            shortfalls.append(Shortfall("max_per_sector", "max_per_sector", k.size, room,
                                        f"sector mix: at most {k.max_per_sector} per sector leaves room for {room} of "
                                        f"{k.size} members"))
    if not shortfalls and model is not None:  # each alone is fine: find the ones that clash, one left out at a time
        for name in model.names:
            if name != "size" and model.best(np.ones(model.n), drop=name) is not None:
                shortfalls.append(Shortfall(name, name.split(".")[0], k.size, len(candidates),
                                            f"{name} cannot be met together with the other constraints"))
        if not shortfalls:
            shortfalls.append(Shortfall("constraints", "combination", k.size, len(candidates),
                                        "the constraints together cannot be met"))
    return shortfalls


def plan_panel(candidates: list[Candidate], k: Constraints, excluded: Mapping[str, int] | None = None,
               gap: float = 0.005, max_iterations: int = 300) -> Plan:
    """The maximin distribution over panels for these eligible candidates and constraints."""
    excluded = excluded or {}
    candidates = sorted(candidates, key=lambda c: c.id)  # the plan depends on the set, not the order given
    notes = []
    dissent_possible = any(c.id in k.dissenting for c in candidates)
    if k.dissenting and not dissent_possible:
        notes.append("none of the candidates named as holding a different view is eligible")
    if len(candidates) < k.size:  # nothing to plan over: say why at once
        raise Infeasible(_explain_infeasible(None, candidates, k, excluded))
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
    plan = _plan_for_types(candidates, k, crowded, excluded, gap, max_iterations, dissent_possible, notes)
    for _ in range(3 if crowded is not None else 0):
        # A candidate sharing an employer with someone often chosen (a named dissenter, a rare
        # specialist) loses that chance to redraws: such employers join the type key, and we plan again.
        more = _exposed_employers(plan, candidates, k, crowded or set())
        widened = (crowded or set()) | more
        if not more or crowded is None or len({_type_of(c, k, widened) for c in candidates}) > EXACT_TYPE_LIMIT:
            break
        crowded = widened
        plan = _plan_for_types(candidates, k, crowded, excluded, gap, max_iterations, dissent_possible, notes)
    if k.max_per_employer is not None:
        by_id = {c.id: c for c in candidates}
        redraws = sum(_attempt(plan, by_id, k, random.Random(n))[1] is None for n in range(500))
        if redraws:
            plan.notes.append(f"{redraws / 5:.1f}% of draws are redrawn for the per-employer maximum; the chances "
                              "shown can differ from the realised ones by about that much")
    return plan


def _exposed_employers(plan: Plan, candidates: list[Candidate], k: Constraints, crowded: set[int]) -> set[int]:
    """Employers outside the type key where a member's colleagues are chosen often enough that redrawing
    would cost that member more than CLASH_TOLERANCE of their chance."""
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
                    notes: list[str]) -> Plan:
    notes = list(notes)
    by_type: dict[TypeKey, list[Candidate]] = defaultdict(list)
    for c in sorted(candidates, key=lambda c: c.id):
        by_type[_type_of(c, k, crowded)].append(c)
    types = sorted(by_type, key=lambda t: (t[:4], -1 if t[4] is None else t[4]))
    groups = [by_type[t] for t in types]
    sizes = np.array([len(g) for g in groups], dtype=float)
    model = _Model(types, groups, k, dissent_possible)

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
        raise Infeasible(_explain_infeasible(model, candidates, k, excluded))
    add_column(first[1])
    index_of = {c.id: t for t, g in enumerate(groups) for c in g}
    for panel in _random_panels(candidates, k, random.Random(0), count=min(2000, 40 * model.n)):
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
        master.run()
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
    kept = [(float(w), c) for w, c in zip(weights_out, columns) if w > 1e-9]
    total = sum(w for w, _ in kept)
    kept = [(w / total, c) for w, c in kept]
    return Plan(types, [[c.id for c in g] for g in groups], kept, z, max(upper, z), iterations,
                sorted(c.id for t in impossible for c in groups[t]), notes)


def _attempt(plan: Plan, candidates: Mapping[int, Candidate], k: Constraints, rng: random.Random
             ) -> tuple[list[int], list[int] | None]:
    weights = [w for w, _ in plan.columns]
    counts = plan.columns[rng.choices(range(len(plan.columns)), weights=weights)[0]][1]
    chosen = [i for t in sorted(counts) for i in rng.sample(plan.members[t], counts[t])]
    if _over_maxima([candidates[i] for i in chosen], k):
        return chosen, None  # too many from one employer (where employers are not in the type key)
    return chosen, sorted(chosen)


def draw(plan: Plan, candidates: Mapping[int, Candidate], k: Constraints, seed: int) -> list[int]:
    """One panel from the plan. The same plan, candidates and seed always give the same panel."""
    rng = random.Random(seed)
    for _ in range(1000):
        _, panel = _attempt(plan, candidates, k, rng)
        if panel is not None:
            return panel
    raise Infeasible([Shortfall("max_per_employer", "max_per_employer", k.size, len(candidates),
                                "no draw found members from enough different employers")])


def replacement(candidates: Mapping[int, Candidate], k: Constraints, members: list[int], leaving: int,
                unavailable: set[int], seed: int) -> int:
    """A replacement for ``leaving`` that keeps every constraint, drawn uniformly among those that do."""
    staying = [candidates[i] for i in members if i != leaving]
    options = sorted(i for i in candidates if i not in members and i not in unavailable
                     and not violations(staying + [candidates[i]], k))
    if not options:
        raise Infeasible([Shortfall("replacement", "replacement", 1, 0,
                                    "no eligible candidate can replace this member and keep every constraint")])
    return random.Random(seed).choice(options)
