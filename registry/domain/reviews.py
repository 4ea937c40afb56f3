"""Performance and annual reviews (考核), NMG-E art.17-18 (R-POOL-5, R-POOL-6).

The pool office collects the drafting units' ratings of each assignment and the invitations an expert
declined without good reason; the annual review aggregates them and proposes renew, keep or dismiss.
The office then decides once: a dismissal (code 3 or 4, as proposed), a renewal of the term current at
the review, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from core.errors import conflict, invalid
from registry.domain.dismissals import DismissalOrder
from registry.domain.eligibility import ExpertStanding, Reason, Term
from registry.domain.refusals import duplicate
from registry.domain.vocab import DismissalReason, ReviewProposal

RATING_MIN, RATING_MAX = 1, 5


@dataclass(frozen=True)
class Rating:
    """A drafting unit's rating of one assignment, 1 (poor) to 5 (excellent)."""

    participation: int
    reliability: int
    implementation_effect: int | None  # rated later, once the decision has been carried out


@dataclass(frozen=True)
class ReviewPolicy:
    repeated_decline_threshold: int = 3  # "多次" in NMG-E art.17(3)
    incompetent_below: float = 2.5  # average of all rated dimensions
    min_ratings_for_competence: int = 2
    renewal_horizon_days: int = 365  # terms ending before the next annual review are up for renewal


def effective_rating(original: Rating, corrections: list[dict]) -> Rating:
    """The rating the annual review counts: the original, as corrected by the office, each correction in
    turn (a correction names the dimensions it changes; the original stays on the record)."""
    rating = original
    for c in corrections:
        rating = Rating(c.get("participation") or rating.participation, c.get("reliability") or rating.reliability,
                        c.get("implementation_effect") or rating.implementation_effect)
    return rating


@dataclass(frozen=True)
class AnnualFigures:
    ratings: int
    mean_participation: float | None
    mean_reliability: float | None
    mean_implementation_effect: float | None
    overall: float | None
    declines_without_good_reason: int
    declines_with_good_reason: int
    declines_awaiting_judgement: int = 0  # the office has not judged the reason yet: counted neither way


@dataclass(frozen=True)
class AnnualProposal:
    proposal: ReviewProposal
    dismissal_reason: DismissalReason | None
    figures: AnnualFigures
    reasons: list[Reason]


def _mean(values: list[int]) -> float | None:
    return round(fmean(values), 2) if values else None


def aggregate(ratings: list[Rating], declines_good_reason: list[bool | None]) -> AnnualFigures:
    """``declines_good_reason``: the office's judgement of each decline, None where it has not judged yet."""
    participation = [r.participation for r in ratings]
    reliability = [r.reliability for r in ratings]
    effect = [r.implementation_effect for r in ratings if r.implementation_effect is not None]
    return AnnualFigures(
        ratings=len(ratings),
        mean_participation=_mean(participation),
        mean_reliability=_mean(reliability),
        mean_implementation_effect=_mean(effect),
        overall=_mean(participation + reliability + effect),
        declines_without_good_reason=sum(1 for good in declines_good_reason if good is False),
        declines_with_good_reason=sum(1 for good in declines_good_reason if good is True),
        declines_awaiting_judgement=sum(1 for good in declines_good_reason if good is None),
    )


def propose(
    ratings: list[Rating],
    declines_good_reason: list[bool | None],
    term_end: date | None,
    review_date: date,
    policy: ReviewPolicy = ReviewPolicy(),
) -> AnnualProposal:
    figures = aggregate(ratings, declines_good_reason)
    reasons: list[Reason] = []
    dismissal: DismissalReason | None = None
    if figures.declines_without_good_reason >= policy.repeated_decline_threshold:
        dismissal = DismissalReason.REPEATED_DECLINES
        reasons.append(Reason("R-POOL-5", "repeated_declines",
                              f"本年度无正当理由拒绝参加论证 {figures.declines_without_good_reason} 次"
                              f"（阈值 {policy.repeated_decline_threshold} 次）"))
    if (figures.ratings >= policy.min_ratings_for_competence and figures.overall is not None
            and figures.overall < policy.incompetent_below):
        dismissal = dismissal or DismissalReason.INCOMPETENT
        reasons.append(Reason("R-POOL-5", "incompetent",
                              f"{figures.ratings} 次评价综合得分 {figures.overall}，低于 {policy.incompetent_below}"))
    if figures.declines_awaiting_judgement:
        reasons.append(Reason("R-POOL-5", "declines_awaiting_judgement",
                              f"{figures.declines_awaiting_judgement} 次拒绝尚待政策法规处认定是否有正当理由，"
                              "未计入无正当理由拒绝次数"))
    if dismissal is not None:
        return AnnualProposal(ReviewProposal.DISMISS, dismissal, figures, reasons)

    basis = (f"{figures.ratings} 次评价，综合得分 {figures.overall}" if figures.ratings
             else "本年度无承办单位评价")
    reasons.append(Reason("R-POOL-6", "performance", basis))
    if term_end is not None and term_end <= review_date + timedelta(days=policy.renewal_horizon_days):
        reasons.append(Reason("R-POOL-4", "term_ending", f"聘期于 {term_end} 届满，考核合格，建议续聘"))
        return AnnualProposal(ReviewProposal.RENEW, None, figures, reasons)
    return AnnualProposal(ReviewProposal.KEEP, None, figures, reasons)


@dataclass(frozen=True)
class ReviewDecision:
    """What the office's decision on an annual review files: a dismissal, a renewal of a term, or nothing."""

    dismissal: DismissalOrder | None = None
    renew_term_id: int | None = None


def check_reviewable(standing: ExpertStanding, year: int, until: date) -> None:
    """The annual review is of pool experts (R-POOL-6): an expert never appointed, or with no term in the
    year up to the review date, has nothing to review (R-POOL-4)."""
    if not standing.terms:
        raise conflict("专家从未聘任", "expert_id", "该专家从未聘任入库，不能开启年度考核", "R-POOL-4")
    first = date(year, 1, 1)
    if not any(t.span.start <= until and t.span.end >= first for t in standing.terms):
        raise conflict("该年度不在聘期内", "year", f"该专家 {year} 年度（截至 {until}）不在任何聘期内，"
                       "不能开启年度考核", "R-POOL-4")


def check_unrated_effect(current_effect: int | None) -> None:
    """A rating's implementation effect is added once; ratings are not overwritten (R-POOL-6)."""
    if current_effect is not None:
        raise duplicate("决策实施效果已评价", "implementation_effect",
                        f"已评价为 {current_effect}，评价不能覆盖", "R-POOL-6")


def check_undecided(decision: str | None, decided_on: date | None) -> None:
    """An annual review is decided once (R-POOL-6)."""
    if decision is not None:
        raise duplicate("考核已作出决定", "decision", f"已于 {decided_on} 决定「{decision}」", "R-POOL-6")


def decide(decision: ReviewProposal, year: int, proposed_dismissal_reason: DismissalReason | None,
           decided_on: date, note: str, certificate_no: str, term_at_review: Term | None) -> ReviewDecision:
    """The consequence of the office's decision (R-POOL-6). A dismissal takes the proposed ground
    (code 3 or 4; code 4, incompetent, when the review proposed none) from the day of the decision; a
    renewal (R-POOL-4) needs the new certificate number and a term current on the review date."""
    if decision is ReviewProposal.DISMISS:
        reason = proposed_dismissal_reason or DismissalReason.INCOMPETENT
        return ReviewDecision(dismissal=DismissalOrder(reason, decided_on, note or f"{year} 年度考核：{reason.label}"))
    if decision is ReviewProposal.RENEW:
        if not certificate_no:
            raise invalid("certificate_no", "续聘须填写新的聘书编号", "R-POOL-4")
        if term_at_review is None:
            raise conflict("没有可续聘的聘期", "decision", "考核时该专家不在有效聘期内", "R-POOL-4")
        return ReviewDecision(renew_term_id=term_at_review.id)
    return ReviewDecision()
