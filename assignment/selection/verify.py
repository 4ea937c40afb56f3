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


def verify_record(record: Mapping, previous_members: list[int] | None = None,
                  universe: list[str] | None = None) -> Verification:
    """Every check of one stored panel record (a dict as stored: candidates, constraints, seed,
    seed_commitment, candidates_hash, members, supersedes, replacement, probabilities).
    ``previous_members``: the members of the record it supersedes, when there is one, to check the chain.
    ``universe``: the sub-pools the request stored (issue 17), checked against those the record's constraints
    (and so its fingerprint) name; the draw is re-run from the record's own."""
    candidates = [Candidate.from_dict(c) for c in record["candidates"]]
    k = Constraints.from_dict(record["constraints"])
    members = list(record["members"])
    kind = "draw" if record.get("supersedes") is None else "replacement"
    checks: list[Check] = []
    notes: list[str] = []
    recomputed = candidates_hash(candidates, k)
    checks.append(Check("candidates_hash", recomputed == record["candidates_hash"],
                        f"重新计算为 {recomputed}，记录为 {record['candidates_hash']}"))
    if universe is not None:
        same = sorted(set(universe)) == list(k.universe)
        shown = "、".join(k.universe) or "全库"
        checks.append(Check("universe", same, f"抽取范围（专业分库）为 {shown}，与抽取请求"
                            + ("一致" if same else f"记载的 {'、'.join(sorted(universe)) or '全库'} 不一致")))
    commitment = record.get("seed_commitment") or ""
    if not commitment:
        checks.append(Check("commitment", None, "本记录没有随机种子承诺值"))
        notes.append("本记录形成于抽取记录载明随机种子承诺值之前，无法核验")
    else:
        expected = seed_commitment(record["seed"], record["candidates_hash"])
        checks.append(Check("commitment", expected == commitment,
                            "sha256(种子:候选名单哈希) " + ("与记录一致" if expected == commitment else
                                                               f"为 {expected}，记录为 {commitment}")))
    by_id = {c.id: c for c in candidates}
    if kind == "draw":
        try:
            plan = plan_panel(candidates, k)
        except Infeasible:  # a list changed behind the record's back (or unreadable) may not meet the constraints
            checks.append(Check("members", False, "按记录的候选名单和约束无法重新抽取（候选名单不满足约束）"))
            return Verification(kind, checks, members, [], notes)
        stated = {str(i): p for i, p in plan.probabilities().items()}
        recorded = record.get("probabilities") or {}
        worst = max((abs(stated.get(i, 0.0) - recorded.get(i, 0.0)) for i in set(stated) | set(recorded)),
                    default=0.0)
        checks.append(Check("probabilities", worst <= PROBABILITY_TOLERANCE,
                            f"重新计算的入选概率与公布值最大相差 {worst:.2g}"))
        redrawn = draw(plan, by_id, k, int(record["seed"]))
        checks.append(Check("members", redrawn == members, "用记录的种子重新抽取，得到"
                            + ("相同的成员" if redrawn == members else f"{redrawn}，记录为 {members}")))
        return Verification(kind, checks, members, redrawn, notes)
    used = record.get("replacement") or {}
    if not used:
        checks.append(Check("members", None, "本替补记录未载明替补抽取所用的数据"))
        notes.append("本记录形成于替补记录保存抽取输入之前，无法重新运行")
        return Verification(kind, checks, members, [], notes)
    before, leaving = list(used["members_before"]), used["leaving"]
    if previous_members is not None:
        checks.append(Check("chain", sorted(previous_members) == sorted(before),
                            "替补前的成员与被替代记录一致"
                            if sorted(previous_members) == sorted(before) else
                            f"替补前成员为 {before}，被替代记录为 {previous_members}"))
    skipped = [s["id"] for s in used.get("skipped", [])]
    try:
        order = replacement_order(by_id, k, before, leaving, set(used["unavailable"]), int(record["seed"]))
    except Infeasible:
        order = []
    tried = order[:len(skipped) + 1]
    redrawn = sorted([m for m in before if m != leaving] + tried[len(skipped):])
    same = tried[:len(skipped)] == skipped and redrawn == sorted(members)
    checks.append(Check("members", same, "用记录的种子重新运行替补："
                        + (f"跳过 {skipped}（当日审查未通过），抽中相同的成员"
                           if same else f"依次尝试 {tried}，记录为跳过 {skipped}、成员 {members}")))
    return Verification(kind, checks, members, redrawn, notes)
