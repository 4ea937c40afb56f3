"""Performance and annual reviews (考核), NMG-E art.17-18 (R-POOL-5, R-POOL-6).

The pool office collects the drafting units' ratings of each assignment and the invitations an expert
declined without good reason; the annual review aggregates them and proposes renew, keep or dismiss.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from registry.domain.eligibility import Reason
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


@dataclass(frozen=True)
class AnnualFigures:
    ratings: int
    mean_participation: float | None
    mean_reliability: float | None
    mean_implementation_effect: float | None
    overall: float | None
    declines_without_good_reason: int
    declines_with_good_reason: int


@dataclass(frozen=True)
class AnnualProposal:
    proposal: ReviewProposal
    dismissal_reason: DismissalReason | None
    figures: AnnualFigures
    reasons: list[Reason]


def _mean(values: list[int]) -> float | None:
    return round(fmean(values), 2) if values else None


def aggregate(ratings: list[Rating], declines_good_reason: list[bool]) -> AnnualFigures:
    participation = [r.participation for r in ratings]
    reliability = [r.reliability for r in ratings]
    effect = [r.implementation_effect for r in ratings if r.implementation_effect is not None]
    return AnnualFigures(
        ratings=len(ratings),
        mean_participation=_mean(participation),
        mean_reliability=_mean(reliability),
        mean_implementation_effect=_mean(effect),
        overall=_mean(participation + reliability + effect),
        declines_without_good_reason=sum(1 for good in declines_good_reason if not good),
        declines_with_good_reason=sum(1 for good in declines_good_reason if good),
    )


def propose(
    ratings: list[Rating],
    declines_good_reason: list[bool],
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
    if dismissal is not None:
        return AnnualProposal(ReviewProposal.DISMISS, dismissal, figures, reasons)

    basis = (f"{figures.ratings} 次评价，综合得分 {figures.overall}" if figures.ratings
             else "本年度无承办单位评价")
    reasons.append(Reason("R-POOL-6", "performance", basis))
    if term_end is not None and term_end <= review_date + timedelta(days=policy.renewal_horizon_days):
        reasons.append(Reason("R-POOL-4", "term_ending", f"聘期于 {term_end} 届满，考核合格，建议续聘"))
        return AnnualProposal(ReviewProposal.RENEW, None, figures, reasons)
    return AnnualProposal(ReviewProposal.KEEP, None, figures, reasons)
