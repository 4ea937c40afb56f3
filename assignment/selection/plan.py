"""The plan (a distribution over panel compositions, and each candidate's chance) and what is drawn
from it: one panel for a seed, or one replacement that keeps every constraint."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from assignment.selection.constraints import Candidate, Constraints, Infeasible, Shortfall, over_maxima, violations

TypeKey = tuple[tuple[str, ...], str, str, bool, int | None]


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
        return {"types": [[list(x) if isinstance(x, tuple) else x for x in t] for t in self.types],
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


def attempt(plan: Plan, candidates: Mapping[int, Candidate], k: Constraints, rng: random.Random
            ) -> tuple[list[int], list[int] | None]:
    """A composition by weight, then members uniformly within each type; the panel is None when it
    exceeds a maximum (too many from one employer, where employers are not in the type key)."""
    weights = [w for w, _ in plan.columns]
    counts = plan.columns[rng.choices(range(len(plan.columns)), weights=weights)[0]][1]
    chosen = [i for t in sorted(counts) for i in rng.sample(plan.members[t], counts[t])]
    if over_maxima([candidates[i] for i in chosen], k):
        return chosen, None  # too many from one employer (where employers are not in the type key)
    return chosen, sorted(chosen)


def draw(plan: Plan, candidates: Mapping[int, Candidate], k: Constraints, seed: int) -> list[int]:
    """One panel from the plan. The same plan, candidates and seed always give the same panel."""
    rng = random.Random(seed)
    for _ in range(1000):
        _, panel = attempt(plan, candidates, k, rng)
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
