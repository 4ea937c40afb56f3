"""Early dismissal (提前解聘) and the discredit record (失信记录): R-POOL-5, R-POOL-7, R-DUTY-2.

A dismissal names one of the six grounds (reason codes 1-6); it ends the current term on its
effective day and is filed once. A discredit record of an expert cancels the qualification and ends
the appointment: a dismissal for violating the measures (code 1) follows, unless the expert was
dismissed already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.errors import invalid
from registry.domain.refusals import duplicate
from registry.domain.vocab import (
    DUTY_BREACH_GROUNDS,
    DiscreditKind,
    DismissalReason,
    DutyBreach,
)


@dataclass(frozen=True)
class DismissalOrder:
    """A dismissal to file: its ground, the day it takes effect and the explanation recorded with it."""

    reason: DismissalReason
    effective_on: date
    explanation: str
    duty_breach: DutyBreach | None = None


def check_dismissal(already_dismissed: bool, order: DismissalOrder) -> None:
    """An expert is dismissed once (R-POOL-5); a duty breach supports codes 1 and 2 only (R-DUTY-2)."""
    if already_dismissed:
        raise duplicate("该专家已解聘", "expert_id", "该专家已解聘，不能再次解聘", "R-POOL-5")
    if order.duty_breach is not None and order.reason not in DUTY_BREACH_GROUNDS:
        raise invalid("duty_breach", "违反专家义务只能作为解聘理由 1 或 2 的依据",
                      "R-DUTY-2")


def dismissal_for_discredit(kind: DiscreditKind, facts: str, recorded_on: date,
                            already_dismissed: bool) -> DismissalOrder | None:
    """R-POOL-7: the appointment ends with a code-1 dismissal on the day the record is filed; an expert
    dismissed before keeps that dismissal."""
    if already_dismissed:
        return None
    return DismissalOrder(DismissalReason.VIOLATION, recorded_on, f"失信记录：{kind.label}。{facts}")

