"""Whether an expert may be selected for anything, and why not. R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7.

This is the single eligibility check the other capabilities call; it answers with every reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from registry.domain.terms import TermSpan


@dataclass(frozen=True)
class Reason:
    """One reason a decision went the way it did, with the rule it applies."""

    rule_id: str
    code: str
    message: str


@dataclass(frozen=True)
class Term:
    id: int
    span: TermSpan
    ended_early_on: date | None = None  # set by a dismissal (提前解聘)

    def active_on(self, day: date) -> bool:
        if self.ended_early_on is not None and day >= self.ended_early_on:
            return False
        return self.span.covers(day)


@dataclass(frozen=True)
class ExpertStanding:
    """Everything eligibility depends on, read from the registry."""

    terms: list[Term] = field(default_factory=list)
    signed_letter_term_ids: set[int] = field(default_factory=set)
    dismissed_on: date | None = None
    discredited_on: date | None = None


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[Reason]
    current_term_id: int | None


def no_current_term(day: date) -> Reason:
    """R-POOL-4: the one reason whose wording names the day asked about (a stored answer is worded again)."""
    return Reason("R-POOL-4", "no_current_term", f"{day} 不在任何有效聘期内")


def current_term(standing: ExpertStanding, day: date) -> Term | None:
    return next((t for t in standing.terms if t.active_on(day)), None)


def expert_eligibility(standing: ExpertStanding, day: date) -> Eligibility:
    reasons: list[Reason] = []
    if standing.discredited_on is not None and standing.discredited_on <= day:
        reasons.append(Reason("R-POOL-7", "discredited", f"有失信记录（{standing.discredited_on}），取消论证资格"))
    if standing.dismissed_on is not None and standing.dismissed_on <= day:
        reasons.append(Reason("R-POOL-5", "dismissed", f"已于 {standing.dismissed_on} 解聘"))
    term = current_term(standing, day)
    if term is None:
        reasons.append(no_current_term(day))
    elif term.id not in standing.signed_letter_term_ids:
        reasons.append(Reason("R-DUTY-1", "no_commitment_letter", "本聘期尚未签署专家承诺书"))
    return Eligibility(eligible=not reasons, reasons=reasons, current_term_id=term.id if term else None)


def eligibility_window(standing: ExpertStanding, day: date) -> tuple[date | None, date | None]:
    """The days around ``day`` on which ``expert_eligibility`` gives the same answer, as [from, until): the
    answer changes only on a day a dated fact starts to count (a discredit record, a dismissal, a term's
    first day, the day after its last, the day it ended early). None: no such day before (from) or after
    (until). A stored eligibility is good for every day of its window (issue 17); outside it, compute again."""
    changes: set[date] = set()
    for d in (standing.discredited_on, standing.dismissed_on):
        if d is not None:
            changes.add(d)
    for t in standing.terms:
        changes.add(t.span.start)
        changes.add(t.span.end + timedelta(days=1))
        if t.ended_early_on is not None:
            changes.add(t.ended_early_on)
    return (max((d for d in changes if d <= day), default=None), min((d for d in changes if d > day), default=None))
