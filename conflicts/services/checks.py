"""Conflict checks (回避) of a decision item against the live graph: for every candidate, for one
candidate, and for a commissioned institution with its hired experts and subcontractors (R-COI-5)."""

from __future__ import annotations

from datetime import date

from conflicts import schemas as s
from conflicts.graph import Node
from conflicts.live import LiveGraph
from conflicts.policy import Purpose
from conflicts.rules import check_commission
from conflicts.services.relations import INST, KIND_NAMES, E, existing
from conflicts.services.views import conflict_out, node_out
from conflicts.tables import ConflictDismissal
from core.errors import ErrorCollector, not_found
from core.records import get_or_404
from decisions.tables import DecisionItem


async def active_dismissals(item_id: int) -> dict:
    """The item's dismissals not reversed, by (subject, rule name, path relation ids)."""
    rows = await ConflictDismissal.select().where(
        (ConflictDismissal.item == item_id) & ConflictDismissal.reversed_at.is_null()).output(load_json=True)
    return {((r["subject_kind"], r["subject_id"]), r["rule_name"], tuple(r["path_relation_ids"])): r for r in rows}


async def run_check(live: LiveGraph, item_id: int, purpose: Purpose, day: date, candidates: list[Node] | None = None
                    ) -> tuple[DecisionItem, list[s.ConflictOut], int]:
    """The check used by the API and by panel selection: conflicts with their status, and the policy
    version. ``live`` is synced by the caller (once per request)."""
    item = await get_or_404(DecisionItem, item_id, "决策事项", "item_id")
    conflicts, version = await _conflicts(live, item_id, purpose, day, candidates)
    return item, conflicts, version


async def _conflicts(live: LiveGraph, item_id: int, purpose: Purpose, day: date, candidates: list[Node] | None
                     ) -> tuple[list[s.ConflictOut], int]:
    """``rules.check_item`` for these candidates (None: all), from the item's answer the graph keeps, each with its
    status (dismissed or not), and the policy version."""
    policy = live.policy
    found = live.item_conflicts(item_id, purpose, day)
    if candidates is not None:
        wanted = set(candidates)
        found = [c for c in found if c.subject in wanted]
    dismissals = await active_dismissals(item_id) if found else {}  # nothing to dismiss: no query
    return [conflict_out(live, c, dismissals) for c in found], policy.version


def _count(conflicts: list[s.ConflictOut], status: str) -> int:
    return len({(c.subject.kind, c.subject.id) for c in conflicts if c.status == status})


async def check(live: LiveGraph, item_id: int, purpose: Purpose, day: date, candidates: list[Node] | None = None
                ) -> s.CheckOut:
    item, conflicts, version = await run_check(live, item_id, purpose, day, candidates)
    return s.CheckOut(item_id, item.title, purpose.value, day, version, _count(conflicts, "excluded"),
                      _count(conflicts, "possible"), _count(conflicts, "dismissed"), conflicts)


def subject_status(conflicts: list[s.ConflictOut]) -> str:
    """excluded beats possible beats clear; dismissed conflicts do not count."""
    statuses = {c.status for c in conflicts}
    return "excluded" if "excluded" in statuses else "possible" if "possible" in statuses else "clear"


async def _stored(live: LiveGraph, kind: str, record_id: int) -> bool:
    """Whether the record is stored, as the graph synced for this request knows (records are never deleted): no
    query. One the graph read only inside a unit of work that has not committed yet (its own, or one that synced
    while another process's record arrived) is asked of the database, which says what is committed."""
    if live.provisional(kind, record_id):
        return bool(await existing({(kind, record_id)}))
    return live.knows(kind, record_id)


async def check_candidate(live: LiveGraph, item_id: int, kind: str, subject_id: int, purpose: Purpose, day: date
                          ) -> s.CandidateCheckOut:
    if not await _stored(live, kind, subject_id):
        raise not_found(KIND_NAMES[kind], subject_id, f"{kind}_id")
    if not await _stored(live, "item", item_id):
        raise not_found("决策事项", item_id, "item_id")
    conflicts, version = await _conflicts(live, item_id, purpose, day, [(kind, subject_id)])
    status = subject_status(conflicts)
    return s.CandidateCheckOut(item_id, node_out(live, (kind, subject_id)), purpose.value, day, version,
                               status, status == "clear", conflicts)


async def commission_check(live: LiveGraph, item_id: int, data: s.CommissionCheckIn, day: date
                           ) -> s.CommissionCheckOut:
    """R-COI-5 (``rules.check_commission``) on stored records; unknown ids are refused together (422)."""
    item = await get_or_404(DecisionItem, item_id, "决策事项", "item_id")
    refs = {(INST, data.institution_id)} | {(E, i) for i in data.hired_expert_ids} | {(INST, x.institution_id)
                                                                                  for x in data.subcontractors}
    stored = await existing(refs)
    errors = ErrorCollector()
    if (INST, data.institution_id) not in stored:
        errors.add("institution_id", f"不存在 id 为 {data.institution_id} 的机构")
    for n, expert_id in enumerate(data.hired_expert_ids):
        if (E, expert_id) not in stored:
            errors.add(f"hired_expert_ids[{n}]", f"不存在 id 为 {expert_id} 的专家")
    for n, sub in enumerate(data.subcontractors):
        if (INST, sub.institution_id) not in stored:
            errors.add(f"subcontractors[{n}].institution_id", f"不存在 id 为 {sub.institution_id} 的机构")
    errors.raise_if_any("委托审查未进行")
    findings, conflicts = check_commission(
        live.graph, live.policy, ("item", item.id), data.purpose, day, (INST, data.institution_id),
        [(E, i) for i in data.hired_expert_ids],
        [((INST, x.institution_id), x.consent_given) for x in data.subcontractors])
    dismissals = await active_dismissals(item_id)
    outs = [conflict_out(live, c, dismissals) for c in conflicts]
    clear = not findings and subject_status(outs) == "clear"
    return s.CommissionCheckOut(item_id, data.purpose.value, clear,
                                [s.CommissionFinding(f.field, f.rule_id, f.sentence) for f in findings], outs)
