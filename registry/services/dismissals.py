"""Early dismissal (提前解聘) and an expert's discredit record (失信记录): R-POOL-5, R-POOL-7."""

from __future__ import annotations

from datetime import datetime

from core.records import get_or_404
from core.uow import emit, save_protected, unit_of_work, update_protected
from registry import schemas as s
from registry.domain.dismissals import (
    DismissalOrder,
    check_dismissal,
    dismissal_for_discredit,
)
from registry.events import ExpertDismissed
from registry.inputs import taken_in
from registry.services.eligibility_facts import eligibility_changed
from registry.tables import DiscreditRecord, Dismissal, Expert, Term


async def file_dismissal(expert_id: int, order: DismissalOrder, now: datetime) -> Dismissal:
    """The current term ends on the effective day; the history stays. The expert is told (``now`` stamps
    the notice). The dismissal and the terms it ends are protected rows (issue 12)."""
    check_dismissal(await Dismissal.exists().where(Dismissal.expert == expert_id), order)
    async with unit_of_work():
        row = await save_protected(Dismissal(
            expert=expert_id, reason_code=order.reason.value, explanation=order.explanation,
            duty_breach=order.duty_breach.value if order.duty_breach else None, effective_on=order.effective_on))
        await update_protected(Term, {Term.ended_early_on: order.effective_on},
                               (Term.expert == expert_id) & (Term.end >= order.effective_on)
                               & Term.ended_early_on.is_null())
        await eligibility_changed(expert_id)  # issue 17: the stored fact follows, in the same unit
        emit(ExpertDismissed(expert_id, row.id, order.reason.value, order.explanation, order.effective_on, now))
    return row


async def dismiss(expert_id: int, data: s.DismissalIn, now: datetime) -> Dismissal:
    """The office dismisses an expert on one of the six grounds (R-POOL-5)."""
    await get_or_404(Expert, expert_id, "expert")
    data = taken_in(data, "解聘不符合要求")
    return await file_dismissal(expert_id, DismissalOrder(data.reason_code, data.effective_on, data.explanation,
                                                          data.duty_breach), now)


async def record_expert_discredit(expert_id: int, data: s.DiscreditIn, now: datetime) -> DiscreditRecord:
    """Qualification cancelled, appointment ended, discredit record filed (R-POOL-7)."""
    await get_or_404(Expert, expert_id, "expert")
    data = taken_in(data, "失信记录不符合要求")
    async with unit_of_work():
        record = await save_protected(DiscreditRecord(expert=expert_id, kind=data.kind.value, facts=data.facts,
                                                      recorded_on=data.recorded_on))
        order = dismissal_for_discredit(data.kind, data.facts, data.recorded_on,
                                        already_dismissed=await Dismissal.exists().where(Dismissal.expert == expert_id))
        if order is not None:
            await file_dismissal(expert_id, order, now)
        await eligibility_changed(expert_id)
    return record
