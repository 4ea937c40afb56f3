"""False positives: the pool office dismisses a conflict of one candidate with a reason, and may
reverse the dismissal (the conflict excludes again)."""

from __future__ import annotations

from datetime import date, datetime

from conflicts import schemas as s
from conflicts.live import LiveGraph
from conflicts.services.actors import with_sent_name
from conflicts.services.checks import run_check
from conflicts.services.views import dismissal_out
from conflicts.tables import ConflictDismissal
from core.errors import Duplicate, FieldError, conflict
from core.locks import exclusive
from core.records import get_or_404, stored
from core.schemas import Page
from core.uow import save_protected, unit_of_work, update_protected
from decisions.tables import DecisionItem


async def dismiss_conflict(live: LiveGraph, item_id: int, data: s.DismissalIn, day: date, now: datetime,
                           actor: str) -> dict:
    """``actor``: the login (a ``by`` still sent is kept as a note in the reason). One exclusive unit of work: the
    check, the dismissal and its record together (R-REC-1, R-REC-2), and two offices dismissing the same conflict
    at once cannot both write one (the second is told it is dismissed already)."""
    node = (data.subject_kind, data.subject_id)
    async with unit_of_work(transaction_factory=exclusive):
        _, conflicts, _ = await run_check(live, item_id, data.purpose, day, [node])
        match = [c for c in conflicts if c.rule_name == data.rule_name]
        if not match:
            raise conflict("没有这项回避情形", "rule_name",
                           f"{data.subject_kind} {data.subject_id} 在 {day} 就 {data.purpose.value} 与该事项没有"
                           f"「{data.rule_name}」回避情形", current=[c.rule_name for c in conflicts])
        found = match[0]
        if found.status == "dismissed":
            raise Duplicate("已排除", [FieldError("rule_name", "该回避情形已被认定为误报")],
                            {"dismissal_id": found.dismissal.id})
        row = ConflictDismissal(item=item_id, subject_kind=node[0], subject_id=node[1], rule_id=found.rule_id,
                                rule_name=found.rule_name, path_relation_ids=[h.relation_id for h in found.path],
                                explanation=found.explanation, reason=with_sent_name(data.reason, actor, data.by),
                                dismissed_by=actor, dismissed_at=now)
        await save_protected(row)
    return await stored(ConflictDismissal, row.id)


async def reverse_dismissal(dismissal_id: int, data: s.ReversalIn, now: datetime, actor: str) -> dict:
    """The conflict excludes again; in one exclusive unit of work with its record (a reversal cannot be lost to a
    concurrent one)."""
    async with unit_of_work(transaction_factory=exclusive):
        row = await get_or_404(ConflictDismissal, dismissal_id, "误报认定")
        if row.reversed_at is not None:
            raise Duplicate("已撤销", [FieldError("id", f"已于 {row.reversed_at} 由 {row.reversed_by} 撤销")])
        await update_protected(ConflictDismissal, {
            ConflictDismissal.reversed_at: now, ConflictDismissal.reversed_by: actor,
            ConflictDismissal.reversal_reason: with_sent_name(data.reason, actor, data.by)},
            ConflictDismissal.id == dismissal_id)
    return await stored(ConflictDismissal, dismissal_id)


async def list_dismissals(live: LiveGraph, item_id: int, offset: int = 0, limit: int = 50) -> Page[s.DismissalOut]:
    await get_or_404(DecisionItem, item_id, "决策事项", "item_id")
    rows = await ConflictDismissal.select().where(ConflictDismissal.item == item_id).order_by(
        ConflictDismissal.id).offset(offset).limit(limit).output(load_json=True)
    total = await ConflictDismissal.count().where(ConflictDismissal.item == item_id)
    return Page([dismissal_out(live, r) for r in rows], total, offset, limit)
