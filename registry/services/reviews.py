"""Performance ratings, declined invitations and the annual review (考核): R-POOL-5, R-POOL-6.

The year's participation figures (invitations, answers, opinions) belong to panel assignment, a
capability above the registry: the caller hands over the function that counts them (``Participation``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from core.errors import StateConflict, invalid
from core.locks import exclusive
from core.records import get_or_404, rows_within
from core.schemas import clean
from core.uow import save_protected, unit_of_work, update_protected
from registry import schemas as s
from registry.domain.eligibility import ExpertStanding, current_term
from registry.domain.refusals import duplicate
from registry.domain.reviews import (
    Rating,
    ReviewPolicy,
    check_reviewable,
    check_undecided,
    check_unrated_effect,
    decide,
    effective_rating,
    propose,
)
from registry.domain.vocab import DismissalReason
from registry.inputs import taken_in
from registry.services.dismissals import file_dismissal
from registry.services.records import get_expert_record_or_404, reasons_to_json
from registry.services.standing import load_standing, load_standings
from registry.services.terms import renew_term
from registry.tables import (
    AnnualReview,
    Decline,
    Expert,
    Institution,
    PerformanceRating,
)

# (expert id, year, review day) → counts of the year's invitations and opinions, keyed by name.
Participation = Callable[[int, int, date], Awaitable[dict[str, int]]]
DEFAULT_POLICY = ReviewPolicy()


async def add_rating(expert_id: int, data: s.RatingIn) -> PerformanceRating:
    """The office enters a rating by hand (a paper form): tied to no invitation. A drafting unit rates through
    its accepted invitation instead (``rate_invitation``), never here (issue 11, R-POOL-6)."""
    await get_or_404(Expert, expert_id, "expert")
    data = taken_in(data, "评价不符合要求")
    if not await Institution.exists().where(Institution.id == data.unit_id):
        raise invalid("unit_id", f"没有编号为 {data.unit_id} 的机构")
    async with unit_of_work():
        return await save_protected(PerformanceRating(
            expert=expert_id, unit=data.unit_id, assignment_ref=data.assignment_ref,
            participation=data.participation, reliability=data.reliability,
            implementation_effect=data.implementation_effect, comment=data.comment, rated_on=data.rated_on))


async def rate_effect(expert_id: int, rating_id: int, data: s.RatingEffectIn) -> PerformanceRating:
    row = await get_expert_record_or_404(PerformanceRating, rating_id, "rating", expert_id)
    check_unrated_effect(row.implementation_effect)
    row.implementation_effect = data.implementation_effect
    async with unit_of_work():
        return await save_protected(row)


async def add_decline(expert_id: int, data: s.DeclineIn, by: str = "office") -> Decline:
    """The office enters a decline by hand and judges it at once; ``by`` is the office account (the login)."""
    await get_or_404(Expert, expert_id, "expert")
    data = taken_in(data, "谢绝记录不符合要求")
    async with unit_of_work():  # entered by the office, which judges the reason as it enters it
        return await save_protected(Decline(expert=expert_id, assignment_ref=data.assignment_ref,
                                            declined_on=data.declined_on, reason=data.reason,
                                            good_reason=data.good_reason, judged_good_reason=data.good_reason,
                                            judged_by=by or "office", judged_on=data.declined_on))


async def rate_invitation(expert_id: int, unit_id: int, invitation_id: int, assignment_ref: str,
                          participation: int, reliability: int, implementation_effect: int | None, comment: str,
                          today: date) -> PerformanceRating:
    """The drafting unit's rating of one accepted invitation (R-POOL-6), dated by the server. The caller
    has checked that ``unit_id`` is the unit whose panel it was; the database keeps one rating per invitation."""
    async with unit_of_work(transaction_factory=exclusive):  # checked and written one at a time
        if await PerformanceRating.exists().where(PerformanceRating.invitation == invitation_id):
            raise duplicate("已评价", "id", "该邀请已评价；如有错误，由政策法规处更正",
                            "R-POOL-6")
        return await save_protected(PerformanceRating(
            expert=expert_id, unit=unit_id, assignment_ref=assignment_ref, participation=participation,
            reliability=reliability, implementation_effect=implementation_effect, comment=clean(comment),
            rated_on=today, invitation=invitation_id))


async def correct_rating(rating_id: int, participation: int | None, reliability: int | None,
                         implementation_effect: int | None, reason: str, by: str, today: date) -> PerformanceRating:
    """The office corrects a rating with a reason (R-POOL-6): the original stays, the correction is added to
    the row's list (and the record), and the annual review counts the corrected scores."""
    if participation is None and reliability is None and implementation_effect is None:
        raise invalid("participation", "更正须至少修改一项评分", "R-POOL-6")
    if not clean(reason):
        raise invalid("reason", "更正须说明理由", "R-POOL-6")
    async with unit_of_work(transaction_factory=exclusive):  # no correction is lost to a simultaneous one
        row = await get_or_404(PerformanceRating, rating_id, "rating")
        entry = {"participation": participation, "reliability": reliability,
                 "implementation_effect": implementation_effect, "reason": clean(reason), "by": by,
                 "on": today.isoformat()}
        corrections = [*_corrections(row.corrections), entry]
        await update_protected(PerformanceRating, {PerformanceRating.corrections: corrections},
                               PerformanceRating.id == row.id)
    return await get_or_404(PerformanceRating, rating_id, "rating")


async def open_annual_review(expert_id: int, data: s.AnnualReviewIn, participation: Participation,
                             policy: ReviewPolicy = DEFAULT_POLICY) -> AnnualReview:
    """The year's figures and a proposal (renew, keep or dismiss) for the office to decide on."""
    await get_or_404(Expert, expert_id, "expert")
    data = taken_in(data, "年度考核不符合要求")
    if await AnnualReview.exists().where((AnnualReview.expert == expert_id) & (AnnualReview.year == data.year)):
        raise duplicate("年度考核已开启", "year", f"该专家 {data.year} 年度的考核已开启", "R-POOL-6")
    standing = await load_standing(expert_id)
    check_reviewable(standing, data.year, min(data.review_date, date(data.year, 12, 31)))
    ratings = await _year(_ratings(), PerformanceRating.rated_on, data.year).where(
        PerformanceRating.expert == expert_id)
    declines = await _year(_declines(), Decline.declined_on, data.year).where(Decline.expert == expert_id)
    row = review_row(expert_id, data, standing, ratings, declines,
                     await participation(expert_id, data.year, data.review_date), policy)
    async with unit_of_work():
        await row.save()
    return row


def _ratings() -> Any:
    return PerformanceRating.select(PerformanceRating.expert, PerformanceRating.participation,
                                    PerformanceRating.reliability, PerformanceRating.implementation_effect,
                                    PerformanceRating.corrections).output(load_json=True)


def _declines() -> Any:
    # Only the office's judgement counts (R-POOL-5(3)); a decline it has not judged is listed, counted neither way.
    return Decline.select(Decline.id, Decline.expert, Decline.judged_good_reason).order_by(Decline.id)


def _year(query: Any, column: Any, year: int) -> Any:
    return query.where((column >= date(year, 1, 1)) & (column <= date(year, 12, 31)))


def review_row(expert_id: int, data: s.AnnualReviewIn, standing: ExpertStanding, ratings: list[dict],
               declines: list[dict], participation: dict[str, int], policy: ReviewPolicy) -> AnnualReview:
    """One expert's review from the year's rows (ratings, declines in id order, participation figures): the same
    for the API's single review and the annual job's batches (R-POOL-6)."""
    term = current_term(standing, data.review_date)
    counted = [effective_rating(Rating(r["participation"], r["reliability"], r["implementation_effect"]),
                                _corrections(r["corrections"])) for r in ratings]
    result = propose(counted, [d["judged_good_reason"] for d in declines], term.span.end if term else None,
                     data.review_date, policy)
    f = result.figures
    return AnnualReview(
        expert=expert_id, year=data.year, review_date=data.review_date, proposal=result.proposal.value,
        proposed_dismissal_reason=result.dismissal_reason.value if result.dismissal_reason else None,
        reasons=reasons_to_json(result.reasons),
        figures={"ratings": f.ratings, "mean_participation": f.mean_participation,
                 "mean_reliability": f.mean_reliability, "mean_implementation_effect": f.mean_implementation_effect,
                 "overall": f.overall, "declines_without_good_reason": f.declines_without_good_reason,
                 "declines_with_good_reason": f.declines_with_good_reason,
                 "declines_awaiting_judgement": f.declines_awaiting_judgement,
                 "declines_awaiting_judgement_ids": [d["id"] for d in declines if d["judged_good_reason"] is None],
                 "corrected_ratings": sum(1 for r in ratings if _corrections(r["corrections"])),
                 **participation})


# (expert ids, year, review day) → each expert's participation figures (``Participation`` for many at once).
ParticipationOf = Callable[[list[int], int, date], Awaitable[dict[int, dict[str, int]]]]
Progress = Callable[[int, int], Awaitable[None]]
REVIEW_BATCH = 500  # experts per read and per transaction (at most ID_LIST_LIMIT: the standings stay in SQL)


async def open_annual_reviews(expert_ids: list[int], data: s.AnnualReviewIn, participation_of: ParticipationOf,
                              policy: ReviewPolicy = DEFAULT_POLICY, progress: Progress | None = None,
                              batch: int = REVIEW_BATCH) -> int:
    """The annual job's reviews (R-POOL-6, issue 17) for many experts: each batch's rows read set-wise (a query per
    kind of row), the proposals from ``review_row`` as for one expert, the reviews inserted in one statement
    and one unit of work per batch. An expert already reviewed that year, or not reviewable, is passed over.
    ``progress(done, total)`` is awaited after each batch. Returns the number of reviews opened."""
    data = taken_in(data, "年度考核不符合要求")
    ids, opened = sorted(set(expert_ids)), 0
    until = min(data.review_date, date(data.year, 12, 31))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        standings = await load_standings(chunk)
        ratings = _by_expert(await rows_within(_year(_ratings(), PerformanceRating.rated_on, data.year),
                                               PerformanceRating.expert, chunk))
        declines = _by_expert(await rows_within(_year(_declines(), Decline.declined_on, data.year),
                                                Decline.expert, chunk))
        figures = await participation_of(chunk, data.year, data.review_date)
        async with unit_of_work():
            reviewed = {r["expert"] for r in await rows_within(AnnualReview.select(AnnualReview.expert).where(
                AnnualReview.year == data.year), AnnualReview.expert, chunk)}
            rows = [review_row(i, data, standings[i], ratings.get(i, []), declines.get(i, []), figures[i], policy)
                    for i in chunk if i not in reviewed and _reviewable(standings[i], data.year, until)]
            if rows:
                await AnnualReview.insert(*rows)
        opened += len(rows)
        if progress is not None:
            await progress(start + len(chunk), len(ids))
    return opened


def _reviewable(standing: ExpertStanding, year: int, until: date) -> bool:
    try:
        check_reviewable(standing, year, until)
    except StateConflict:
        return False
    return True


def _by_expert(rows: list[dict]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for r in rows:
        grouped.setdefault(r["expert"], []).append(r)
    return grouped


def _corrections(value: Any) -> list[dict]:
    """A JSON column as stored: a list, or its text on an engine that hands JSON back as a string."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


async def decide_annual_review(expert_id: int, review_id: int, data: s.AnnualDecisionIn,
                               now: datetime) -> AnnualReview:
    """The office's decision; 'dismiss' files the dismissal (the expert is told), 'renew' creates the next term."""
    row = await get_expert_record_or_404(AnnualReview, review_id, "annual review", expert_id)
    data = taken_in(data, "考核决定不符合要求")
    check_undecided(row.decision, row.decided_on)
    async with unit_of_work():
        outcome = decide(data.decision, row.year,
                         DismissalReason(row.proposed_dismissal_reason) if row.proposed_dismissal_reason else None,
                         data.decided_on, data.note, data.certificate_no,
                         current_term(await load_standing(expert_id), row.review_date))
        if outcome.dismissal is not None:
            await file_dismissal(expert_id, outcome.dismissal, now)
        if outcome.renew_term_id is not None:
            await renew_term(expert_id, outcome.renew_term_id, s.RenewalIn(certificate_no=data.certificate_no))
        row.decision, row.decision_note, row.decided_on = data.decision.value, data.note, data.decided_on
        await row.save()
    return row
