"""Re-run a panel record from the record alone (R-PANEL-2, R-REC-1): a first draw is planned again from
the frozen candidates and constraints and drawn with the recorded seed; a replacement re-runs
``replacement_order`` with the member leaving, the members before, the ids unavailable and the recorded
seed, and must meet the candidates skipped (refused by the conflict check, with why) in the same order,
then the member recorded. Both check the candidate list's fingerprint and the seed commitment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assignment.selection.constraints import Candidate, Constraints, Infeasible, candidates_hash, seed_commitment
from assignment.selection.plan import draw, replacement_order
from assignment.selection.planner import plan_panel

PROBABILITY_TOLERANCE = 1e-6


@dataclass
class Check:
    name: str  # candidates_hash | commitment | members | probabilities | chain
    passed: bool | None  # None: the record predates this check (it cannot be made)
    detail: str


@dataclass
class Verification:
    kind: str  # draw | replacement
    checks: list[Check]
    members: list[int]
    redrawn: list[int]
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.passed is True for c in self.checks)

    def passed(self, name: str) -> bool | None:
        return next((c.passed for c in self.checks if c.name == name), None)


def verify_record(record: Mapping, previous_members: list[int] | None = None) -> Verification:
    """Every check of one stored panel record (a dict as stored: candidates, constraints, seed,
    seed_commitment, candidates_hash, members, supersedes, replacement, probabilities).
    ``previous_members``: the members of the record it supersedes, when there is one, to check the chain."""
    candidates = [Candidate.from_dict(c) for c in record["candidates"]]
    k = Constraints.from_dict(record["constraints"])
    members = list(record["members"])
    kind = "draw" if record.get("supersedes") is None else "replacement"
    checks: list[Check] = []
    notes: list[str] = []
    recomputed = candidates_hash(candidates, k)
    checks.append(Check("candidates_hash", recomputed == record["candidates_hash"],
                        f"recomputed {recomputed}, recorded {record['candidates_hash']}"))
    commitment = record.get("seed_commitment") or ""
    if not commitment:
        checks.append(Check("commitment", None, "no seed commitment in this record"))
        notes.append("recorded before panel records carried a seed commitment (issue 11): it cannot be verified")
    else:
        expected = seed_commitment(record["seed"], record["candidates_hash"])
        checks.append(Check("commitment", expected == commitment,
                            "sha256(seed:candidates_hash) " + ("matches" if expected == commitment else
                                                               f"is {expected}, recorded {commitment}")))
    by_id = {c.id: c for c in candidates}
    if kind == "draw":
        plan = plan_panel(candidates, k)
        stated = {str(i): p for i, p in plan.probabilities().items()}
        recorded = record.get("probabilities") or {}
        worst = max((abs(stated.get(i, 0.0) - recorded.get(i, 0.0)) for i in set(stated) | set(recorded)),
                    default=0.0)
        checks.append(Check("probabilities", worst <= PROBABILITY_TOLERANCE,
                            f"the recomputed chances differ from the published ones by at most {worst:.2g}"))
        redrawn = draw(plan, by_id, k, int(record["seed"]))
        checks.append(Check("members", redrawn == members, "the draw re-run with the recorded seed gives "
                            + ("the same members" if redrawn == members else f"{redrawn}, recorded {members}")))
        return Verification(kind, checks, members, redrawn, notes)
    used = record.get("replacement") or {}
    if not used:
        checks.append(Check("members", None, "this replacement record does not say what its draw used"))
        notes.append("recorded before replacement records kept their draw's inputs (issue 11): it cannot be re-run")
        return Verification(kind, checks, members, [], notes)
    before, leaving = list(used["members_before"]), used["leaving"]
    if previous_members is not None:
        checks.append(Check("chain", sorted(previous_members) == sorted(before),
                            "the members before are those of the record it replaces"
                            if sorted(previous_members) == sorted(before) else
                            f"members before {before}, the replaced record has {previous_members}"))
    skipped = [s["id"] for s in used.get("skipped", [])]
    try:
        order = replacement_order(by_id, k, before, leaving, set(used["unavailable"]), int(record["seed"]))
    except Infeasible:
        order = []
    tried = order[:len(skipped) + 1]
    redrawn = sorted([m for m in before if m != leaving] + tried[len(skipped):])
    same = tried[:len(skipped)] == skipped and redrawn == sorted(members)
    checks.append(Check("members", same, "the replacement re-run with the recorded seed "
                        + (f"skips {skipped} (refused by the conflict check) and draws the same member"
                           if same else f"tries {tried}, recorded skipped {skipped} and members {members}")))
    return Verification(kind, checks, members, redrawn, notes)
