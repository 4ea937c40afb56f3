"""The pricing program over type counts (which compositions meet the constraints), and the explanation
of an infeasible request in numbers a user can act on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from assignment.selection.constraints import Budget, Candidate, Constraints, PlanTooSlow, Shortfall
from assignment.selection.plan import TypeKey


class CompositionModel:
    """The pricing ILP over type counts: which compositions meet the constraints."""

    def __init__(self, types: list[TypeKey], groups: list[list[Candidate]], k: Constraints, dissent_possible: bool,
                 budget: Budget | None = None):
        self.budget = budget or Budget()
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
                add([1 if t[4] == employer else 0 for t in types], 0, k.max_per_employer,
                    f"max_per_employer.{employer}")
        self.names = names
        self.matrix = np.array(rows, dtype=float)
        self.lo, self.hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
        per_employer = k.max_per_employer
        self.upper = np.array([
            min(len(g), len({c.employer if c.employer is not None else -c.id for c in g}) * per_employer)
            if per_employer is not None else len(g) for g in groups], dtype=float)

    def best(self, weights: np.ndarray, drop: str | None = None) -> tuple[float, dict[int, int]] | None:
        keep = [i for i, name in enumerate(self.names) if name != drop]
        options: dict = {"presolve": True}
        left = self.budget.check()
        if left is not None:
            options["time_limit"] = left
        result = milp(-weights, integrality=np.ones(self.n), bounds=Bounds(np.zeros(self.n), self.upper),
                      constraints=LinearConstraint(self.matrix[keep], self.lo[keep], self.hi[keep]),
                      options=options)
        if result.status == 1 and self.budget.seconds is not None:  # time ran out: no proof that no panel exists
            raise PlanTooSlow(self.budget.seconds)
        if result.status != 0 or result.x is None:
            return None
        counts = {t: int(round(v)) for t, v in enumerate(result.x) if round(v) > 0}
        return float(weights @ result.x), counts


def explain_infeasible(model: CompositionModel | None, candidates: list[Candidate], k: Constraints,
                       excluded: Mapping[str, int]
                        ) -> list[Shortfall]:
    """Name the constraint(s) that make the request impossible, with the numbers a user needs."""
    shortfalls = []
    employers = len({c.employer if c.employer is not None else -c.id for c in candidates})
    reachable = len(candidates) if k.max_per_employer is None else min(len(candidates), employers * k.max_per_employer)
    if reachable < k.size:
        why = f"符合条件的候选 {len(candidates)} 名"
        if k.max_per_employer is not None:
            why += f"，来自 {employers} 个单位（每个单位至多 {k.max_per_employer} 名）"
        shortfalls.append(Shortfall("size", "size", k.size, reachable,
                                    f"人数：需要 {k.size} 名，{why}；因利益冲突排除 {excluded.get('conflicts', 0)} 名，"
                                    f"不符合入库条件 {excluded.get('registry', 0)} 名，"
                                    f"已达工作量上限 {excluded.get('workload', 0)} 名"))
    for spec, need in sorted(k.min_per_specialty.items()):
        have = sum(spec in c.specialties for c in candidates)
        if have < need:
            shortfalls.append(Shortfall(f"min_per_specialty.{spec}", "min_per_specialty", need, have,
                                        f"专业 {spec}：需要 {need} 名，符合条件 {have} 名；该专业因利益冲突排除 "
                                        f"{excluded.get('conflicts.' + spec, 0)} 名"))
    if k.max_per_sector is not None:
        room = sum(min(n, k.max_per_sector) for n in Counter(c.sector for c in candidates).values())
        if room < k.size:
            shortfalls.append(Shortfall("max_per_sector", "max_per_sector", k.size, room,
                                        f"界别构成：每个界别至多 {k.max_per_sector} 名，只能凑足 {room} 名，"
                                        f"需要 {k.size} 名"))
    if not shortfalls and model is not None:  # each alone is fine: find the ones that clash, one left out at a time
        for name in model.names:
            if name != "size" and model.best(np.ones(model.n), drop=name) is not None:
                shortfalls.append(Shortfall(name, name.split(".")[0], k.size, len(candidates),
                                            f"{name} 与其他均衡条件无法同时满足"))
        if not shortfalls:
            shortfalls.append(Shortfall("constraints", "combination", k.size, len(candidates),
                                        "各项均衡条件合在一起无法满足"))
    return shortfalls
