"""False positives: the pool office dismisses a conflict of one candidate with a reason, and may
reverse the dismissal (the conflict excludes again)."""

from __future__ import annotations

from datetime import date, datetime

from conflicts import schemas as s
from conflicts.live import LiveGraph
from conflicts.services.checks import run_check
from conflicts.services.views import dismissal_out
from conflicts.tables import ConflictDismissal
from core.errors import Duplicate, FieldError, conflict
from core.records import get_or_404, stored
from decisions.tables import DecisionItem


async def dismiss_conflict(live: LiveGraph, item_id: int, data: s.DismissalIn, day: date, now: datetime) -> dict:
    node = (data.subject_kind, data.subject_id)
    _, conflicts, _ = await run_check(live, item_id, data.purpose, day, [node])
    match = [c for c in conflicts if c.rule_name == data.rule_name]
    if not match:
        raise conflict("no such conflict", "rule_name",
                       f"{data.subject_kind} {data.subject_id} has no '{data.rule_name}' conflict with this item for "
                       f"{data.purpose.value} on {day}", current=[c.rule_name for c in conflicts])
    found = match[0]
    if found.status == "dismissed":
        raise Duplicate("already dismissed", [FieldError("rule_name", "this conflict is already dismissed")],
                        {"dismissal_id": found.dismissal.id})
    row = ConflictDismissal(item=item_id, subject_kind=node[0], subject_id=node[1], rule_id=found.rule_id,
                            rule_name=found.rule_name, path_relation_ids=[h.relation_id for h in found.path],
                            explanation=found.explanation, reason=data.reason, dismissed_by=data.by, dismissed_at=now)
    await row.save()
    return await stored(ConflictDismissal, row.id)


async def reverse_dismissal(dismissal_id: int, data: s.ReversalIn, now: datetime) -> dict:
    row = await get_or_404(ConflictDismissal, dismissal_id, "conflict dismissal")
    if row.reversed_at is not None:
        raise Duplicate("already reversed", [FieldError("id", f"reversed at {row.reversed_at} by {row.reversed_by}")])
    row.reversed_at, row.reversed_by, row.reversal_reason = now, data.by, data.reason
    await row.save()
    return await stored(ConflictDismissal, row.id)


async def list_dismissals(live: LiveGraph, item_id: int) -> list[s.DismissalOut]:
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    rows = await ConflictDismissal.select().where(ConflictDismissal.item == item_id).order_by(
        ConflictDismissal.id).output(load_json=True)
    return [dismissal_out(live, r) for r in rows]
