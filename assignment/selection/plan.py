"""The plan (a distribution over panel compositions, and each candidate's chance) and what is drawn
from it: one panel for a seed, or one replacement that keeps every constraint."""

from __future__ import annotations

import heapq
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


EPS = 1e-9


def _prepared(plan: Plan, t_counts: dict[int, int], candidates: Mapping[int, Candidate], k: Constraints
              ) -> tuple[list[list[int]], list[float], list[tuple[tuple, tuple]]]:
    """One composition as cells (type × employer) with the expected number drawn from each: the people of
    type t at an employer that could exceed its maximum in this composition form a cell of their own; the
    others of type t form one cell. A cell's expectation is count × its people / the type's people."""
    per_employer: dict[int, int] = {}
    for t in t_counts:
        for i in plan.members[t]:
            e = candidates[i].employer
            if e is not None:
                per_employer[e] = per_employer.get(e, 0) + 1
    cap = k.max_per_employer
    risky = {e for e, n in per_employer.items() if cap is not None and n > cap}
    cells: list[list[int]] = []
    values: list[float] = []
    ends: list[tuple[tuple, tuple]] = []
    for t in sorted(t_counts):
        ids = plan.members[t]
        groups: dict[int | None, list[int]] = {}
        for i in ids:
            e = candidates[i].employer
            groups.setdefault(e if e in risky else None, []).append(i)
        for e in sorted(groups, key=lambda e: -1 if e is None else e):
            cells.append(groups[e])
            values.append(t_counts[t] * len(groups[e]) / len(ids))
            ends.append((("t", t), ("s", t) if e is None else ("e", e)))
    return cells, values, ends


def dependent_rounding(values: list[float], ends: list[tuple[tuple, tuple]], rng: random.Random) -> list[int]:
    """Round each edge of a bipartite graph to the integer below or above its value, keeping every edge's
    expectation and every vertex's sum within the integers around it (an integer sum is kept exactly):
    Gandhi, Khuller, Parthasarathy, Srinivasan, J. ACM 53 (2006). Types have integer sums (their counts),
    so the composition is kept; an employer whose expected number is at most its maximum never exceeds it;
    every cell's expectation, hence every person's chance, is exactly the plan's.

    Each round walks from the first vertex (in the order first seen) left with one fractional edge, else the
    first vertex left, always along the lowest-numbered edge, until the path ends or closes a cycle. Stored draws
    are re-run by verification, so this order is part of the record; the bookkeeping below (each vertex's edges
    in a heap, the vertices of degree one in a heap by first appearance) only
    finds the same vertex and edge without scanning everything again (a national pool has thousands of cells)."""
    vals = [float(v) for v in values]
    adjacent: dict[tuple, set[int]] = {}
    edges_of: dict[tuple, list[int]] = {}  # each vertex's edges, a heap (settled ones dropped when met)
    for e, v in enumerate(vals):
        if abs(v - round(v)) > EPS:
            for node in ends[e]:
                adjacent.setdefault(node, set()).add(e)
                edges_of.setdefault(node, []).append(e)
        else:
            vals[e] = float(round(v))
    order = list(adjacent)
    rank = {node: n for n, node in enumerate(order)}
    leaves = [rank[node] for node in order if len(adjacent[node]) == 1]
    heapq.heapify(leaves)
    first = 0

    def lowest_other(node: tuple, came: int) -> int | None:
        """The lowest-numbered edge of ``node`` still fractional other than ``came`` (None: there is none)."""
        live, heap = adjacent[node], edges_of[node]
        while heap[0] not in live:
            heapq.heappop(heap)
        if heap[0] != came:
            return heap[0]
        heapq.heappop(heap)  # ``came`` aside for a moment
        while heap and heap[0] not in live:
            heapq.heappop(heap)
        other = heap[0] if heap else None
        heapq.heappush(heap, came)
        return other

    while adjacent:
        while leaves and order[leaves[0]] not in adjacent:
            heapq.heappop(leaves)
        while order[first] not in adjacent:
            first += 1
        start = order[leaves[0]] if leaves else order[first]
        path: list[int] = []
        seen = {start: 0}
        node, came = start, -1
        while True:
            e = lowest_other(node, came)
            if e is None:
                break
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
        for position, e in enumerate(path):  # the edges of a path are distinct: even positions are ``up``
            vals[e] += step if position % 2 == 0 else -step
            if abs(vals[e] - round(vals[e])) <= EPS:
                vals[e] = float(round(vals[e]))
                for n in ends[e]:
                    adjacent[n].discard(e)
                    if not adjacent[n]:
                        del adjacent[n]
                    elif len(adjacent[n]) == 1:
                        heapq.heappush(leaves, rank[n])
    return [int(round(v)) for v in vals]


class Drawer:
    """Draws from one plan (with its candidates and constraints); compositions are prepared once."""

    def __init__(self, plan: Plan, candidates: Mapping[int, Candidate], k: Constraints):
        self.plan, self.candidates, self.k = plan, candidates, k
        self.weights = [w for w, _ in plan.columns]
        self.cells: dict[int, tuple[list[list[int]], list[float], list[tuple[tuple, tuple]]]] = {}

    def attempt(self, rng: random.Random) -> list[int]:
        """A composition by weight, then the number from each cell by dependent rounding, then members
        uniformly within each cell: every candidate's chance is exactly the plan's."""
        c = rng.choices(range(len(self.plan.columns)), weights=self.weights)[0]
        counts = self.plan.columns[c][1]
        if c not in self.cells:
            self.cells[c] = _prepared(self.plan, counts, self.candidates, self.k)
        cells, values, ends = self.cells[c]
        taken = dependent_rounding(values, ends, rng)
        return sorted(i for ids, n in zip(cells, taken, strict=True) if n for i in rng.sample(ids, n))

    def draw(self, seed: int) -> list[int]:
        rng = random.Random(seed)
        for _ in range(1000):
            panel = self.attempt(rng)
            if not over_maxima([self.candidates[i] for i in panel], self.k):
                return panel
        raise Infeasible([Shortfall("max_per_employer", "max_per_employer", self.k.size, len(self.candidates),
                                    "抽取未能找到来自足够多不同单位的成员")])


def draw(plan: Plan, candidates: Mapping[int, Candidate], k: Constraints, seed: int) -> list[int]:
    """One panel from the plan. The same plan, candidates, constraints and seed always give the same panel.
    When the plan is exact (``employer_overloads`` empty: the planner sees to it) no panel is ever redrawn."""
    return Drawer(plan, candidates, k).draw(seed)


def employer_overloads(plan: Plan, candidates: Mapping[int, Candidate], k: Constraints) -> set[int]:
    """Employers whose expected number of members exceeds the per-employer maximum in some composition of
    the plan: only there could a draw exceed it (and be redrawn, which would make chances inexact)."""
    if k.max_per_employer is None:
        return set()
    # each type's employers and how many of its members each has, counted once (not once per composition)
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
    # An employer's expected number in any composition is at most the sum over types of its members there times
    # the type's largest share in any composition; most of a national pool's employers stay far below the maximum
    # that way, and only the others are added up composition by composition.
    largest_share: dict[int, float] = {}
    for _, counts in plan.columns:
        for t, n in counts.items():
            largest_share[t] = max(largest_share.get(t, 0.0), n / len(plan.members[t]))
    bound: dict[int, float] = {}
    for t, share in largest_share.items():
        for e, many in employers_of[t]:
            bound[e] = bound.get(e, 0.0) + share * many
    near = {e for e, x in bound.items() if x >= k.max_per_employer}
    near_of = {t: [(e, many) for e, many in employers if e in near] for t, employers in employers_of.items()}
    out = set()
    for _, counts in plan.columns:
        load: dict[int, float] = {}
        for t, n in counts.items():
            share = n / len(plan.members[t])
            for e, many in near_of[t]:
                load[e] = load.get(e, 0.0) + share * many
        out |= {e for e, x in load.items() if x > k.max_per_employer + 1e-7}
    return out


def replacement_order(candidates: Mapping[int, Candidate], k: Constraints, members: list[int], leaving: int,
                      unavailable: set[int] | frozenset[int], seed: int) -> list[int]:
    """Everyone who could replace ``leaving`` and keep every constraint, in the random order the seed
    gives (a uniform permutation): the replacement is the first of them today's conflict check clears,
    so each candidate that is cleared has the same chance. Re-run from the record by verification."""
    staying = [candidates[i] for i in members if i != leaving]
    options = sorted(i for i in candidates if i not in members and i not in unavailable
                     and not violations(staying + [candidates[i]], k))
    if not options:
        raise Infeasible([Shortfall("replacement", "replacement", 1, 0,
                                    "没有符合条件的候选人能够替补该成员并满足全部均衡条件")])
    random.Random(seed).shuffle(options)
    return options


def replacement(candidates: Mapping[int, Candidate], k: Constraints, members: list[int], leaving: int,
                unavailable: set[int], seed: int) -> int:
    """A replacement for ``leaving`` that keeps every constraint, drawn uniformly among those that do."""
    return replacement_order(candidates, k, members, leaving, unavailable, seed)[0]
