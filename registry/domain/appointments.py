"""Who may be appointed (聘任) or renewed (续聘): R-POOL-4, with R-POOL-5 and R-POOL-7 closing the door.

A dismissed (解聘) or discredited expert is never appointed again; a term ended by dismissal is not
renewed; a term is renewed once, by a term that starts after it ends.
"""

from __future__ import annotations

from datetime import date

from core.errors import conflict, invalid
from registry.domain.eligibility import ExpertStanding, Term
from registry.domain.refusals import duplicate
from registry.domain.terms import TermSpan, renewal_span


def check_appointable(standing: ExpertStanding, field_name: str = "expert_id") -> None:
    """Refuse a new term for an expert with a discredit record (R-POOL-7) or a dismissal (R-POOL-5)."""
    if standing.discredited_on is not None:
        raise conflict("专家有失信记录", field_name, "有失信记录的专家不能聘任", "R-POOL-7")
    if standing.dismissed_on is not None:
        raise conflict("专家已解聘", field_name, "已解聘的专家不能再次聘任", "R-POOL-5")


def renewal_of(previous: Term, already_renewed: bool, end: date | None = None,
               start: date | None = None) -> TermSpan:
    """The span of the renewal of ``previous`` (R-POOL-4), or the refusal: a term ended by dismissal,
    a term renewed already, or a renewal that does not start after the previous term ends."""
    if previous.ended_early_on is not None:
        raise conflict("聘期已提前终止", "term_id", "因解聘提前终止的聘期不能续聘", "R-POOL-5")
    if already_renewed:
        raise duplicate("聘期已续聘", "term_id", "该聘期已续聘", "R-POOL-4")
    new_start, new_end = renewal_span(previous.span, end, start)
    if new_start <= previous.span.end:
        raise invalid("start", f"续聘须在上一聘期届满（{previous.span.end}）之后开始", "R-POOL-4")
    return TermSpan(new_start, new_end)
