"""Read side of the office's own work: calls and applications, ratings and declines, annual reviews,
dismissals, discredit records and commitment letters (each list a Page; issue 13)."""

from __future__ import annotations

from datetime import date

from core.records import get_or_404
from core.schemas import Page
from registry import schemas as s
from registry.domain import recruitment as rec
from registry.domain.letters import LETTER_TEXTS, Commitment
from registry.domain.vocab import (
    DiscreditKind,
    DismissalReason,
    DutyBreach,
    ReviewProposal,
)
from registry.services.records import json_list, json_map
from registry.services.views import paged
from registry.tables import (
    AnnualReview,
    Application,
    CommitmentLetter,
    Decline,
    DiscreditRecord,
    Dismissal,
    Expert,
    PerformanceRating,
    RecruitmentCall,
)


def call_out(c: RecruitmentCall) -> s.CallOut:
    return s.CallOut(c.id, c.title, json_list(c.specialty_codes), c.opens_on, c.closes_on, c.description)


async def calls(offset: int = 0, limit: int = 50) -> Page[s.CallOut]:
    rows, total = await paged(RecruitmentCall.objects().order_by(RecruitmentCall.id).output(load_json=True),
                              RecruitmentCall.count(), offset, limit)
    return Page([call_out(c) for c in rows], total, offset, limit)


def application_out(row: Application, term_id: int | None = None) -> s.ApplicationOut:
    state = rec.ApplicationState(row.state)
    return s.ApplicationOut(id=row.id, call_id=row.call, expert_id=row.expert, state=state, state_label=state.label,
                            allowed_next_steps=[x.value for x in rec.allowed_steps(state)],
                            recommended_by_id=row.recommended_by, findings=json_list(row.findings),
                            reasons=json_list(row.reasons), term_id=term_id if term_id is not None else row.term,
                            expert_name=getattr(row, "expert_name", ""))


async def applications(call_id: int | None, state: str | None, expert_id: int | None, offset: int,
                       limit: int) -> Page[s.ApplicationOut]:
    """A call's applications (or every call's), oldest first, with the applicant's name."""
    query = Application.objects().output(load_json=True).order_by(Application.id)
    count = Application.count()
    conditions = []
    if call_id is not None:
        conditions.append(Application.call == call_id)
    if state:
        conditions.append(Application.state == state)
    if expert_id is not None:
        conditions.append(Application.expert == expert_id)
    for c in conditions:
        query, count = query.where(c), count.where(c)
    rows, total = await paged(query, count, offset, limit)
    names = {r["id"]: r["name"] for r in await Expert.select(Expert.id, Expert.name).where(
        Expert.id.is_in([r.expert for r in rows] or [-1]))}
    out = []
    for row in rows:
        view = application_out(row)
        view.expert_name = names.get(row.expert, "")
        out.append(view)
    return Page(out, total, offset, limit)


# --- ratings, declines, reviews, dismissal and discredit -------------------------------------------
def rating_out(r: PerformanceRating) -> s.RatingOut:
    return s.RatingOut(r.id, r.expert, r.unit, r.assignment_ref, r.participation, r.reliability,
                       r.implementation_effect, r.comment, r.rated_on, r.invitation, json_list(r.corrections))


async def ratings_of(expert_id: int, offset: int = 0, limit: int = 50) -> Page[s.RatingOut]:
    await get_or_404(Expert, expert_id, "expert")
    where = PerformanceRating.expert == expert_id
    rows, total = await paged(PerformanceRating.objects().where(where).order_by(PerformanceRating.id),
                              PerformanceRating.count().where(where), offset, limit)
    return Page([rating_out(r) for r in rows], total, offset, limit)


def decline_out(d: Decline) -> s.DeclineOut:
    return s.DeclineOut(d.id, d.assignment_ref, d.declined_on, d.reason, d.judged_good_reason, d.judged_by,
                        d.invitation, json_list(d.judgements))


async def declines_of(expert_id: int, offset: int = 0, limit: int = 50) -> Page[s.DeclineOut]:
    await get_or_404(Expert, expert_id, "expert")
    where = Decline.expert == expert_id
    rows, total = await paged(Decline.objects().where(where).order_by(Decline.id), Decline.count().where(where),
                              offset, limit)
    return Page([decline_out(d) for d in rows], total, offset, limit)


def review_out(r: AnnualReview) -> s.AnnualReviewOut:
    return s.AnnualReviewOut(
        id=r.id, expert_id=r.expert, year=r.year, review_date=r.review_date, figures=json_map(r.figures),
        proposal=r.proposal, proposal_label=ReviewProposal(r.proposal).label,
        proposed_dismissal_reason=r.proposed_dismissal_reason,
        reasons=[s.ReasonOut(**x) for x in json_list(r.reasons)],
        decision=r.decision, decision_note=r.decision_note, decided_on=r.decided_on,
        status="decided" if r.decision is not None else "open")


async def annual_reviews(year: int | None, status: str | None, proposal: str | None, expert_id: int | None,
                         offset: int, limit: int) -> Page[s.AnnualReviewOut]:
    """Annual reviews, oldest first: ``status`` open (awaiting the office's decision) or decided."""
    conditions = []
    if year is not None:
        conditions.append(AnnualReview.year == year)
    if status == "open":
        conditions.append(AnnualReview.decision.is_null())
    elif status == "decided":
        conditions.append(AnnualReview.decision.is_not_null())
    if proposal:
        conditions.append(AnnualReview.proposal == proposal)
    if expert_id is not None:
        conditions.append(AnnualReview.expert == expert_id)
    query, count = AnnualReview.objects().output(load_json=True).order_by(AnnualReview.id), AnnualReview.count()
    for c in conditions:
        query, count = query.where(c), count.where(c)
    rows, total = await paged(query, count, offset, limit)
    return Page([review_out(r) for r in rows], total, offset, limit)


def dismissal_out(d: Dismissal) -> s.DismissalOut:
    """A dismissal for a breached duty names the duty (R-DUTY-2); any other names its ground (R-POOL-5)."""
    reason = DismissalReason(d.reason_code)
    breach = DutyBreach(d.duty_breach) if d.duty_breach else None
    return s.DismissalOut(d.id, d.expert, d.reason_code, reason.label, "R-DUTY-2" if breach else "R-POOL-5",
                          breach.value if breach else None, breach.label if breach else None, d.explanation,
                          d.effective_on)


async def dismissals(expert_id: int | None, reason_code: str | None, effective_from: date | None,
                     effective_to: date | None, offset: int, limit: int) -> Page[s.DismissalOut]:
    conditions = []
    if expert_id is not None:
        conditions.append(Dismissal.expert == expert_id)
    if reason_code:
        conditions.append(Dismissal.reason_code == reason_code)
    if effective_from is not None:
        conditions.append(Dismissal.effective_on >= effective_from)
    if effective_to is not None:
        conditions.append(Dismissal.effective_on <= effective_to)
    query, count = Dismissal.objects().order_by(Dismissal.id), Dismissal.count()
    for c in conditions:
        query, count = query.where(c), count.where(c)
    rows, total = await paged(query, count, offset, limit)
    return Page([dismissal_out(d) for d in rows], total, offset, limit)


def discredit_out(d: DiscreditRecord) -> s.DiscreditOut:
    return s.DiscreditOut(d.id, d.expert, d.institution, d.kind, DiscreditKind(d.kind).label, d.facts, d.recorded_on)


async def discredit_records(subject: str | None, expert_id: int | None, institution_id: int | None,
                            kind: str | None, offset: int, limit: int) -> Page[s.DiscreditOut]:
    """Discredit records of experts (R-POOL-7) and institutions (R-POOL-8), oldest first."""
    conditions = []
    if subject == "expert":
        conditions.append(DiscreditRecord.expert.is_not_null())
    elif subject == "institution":
        conditions.append(DiscreditRecord.institution.is_not_null())
    if expert_id is not None:
        conditions.append(DiscreditRecord.expert == expert_id)
    if institution_id is not None:
        conditions.append(DiscreditRecord.institution == institution_id)
    if kind:
        conditions.append(DiscreditRecord.kind == kind)
    query, count = DiscreditRecord.objects().order_by(DiscreditRecord.id), DiscreditRecord.count()
    for c in conditions:
        query, count = query.where(c), count.where(c)
    rows, total = await paged(query, count, offset, limit)
    return Page([discredit_out(d) for d in rows], total, offset, limit)


# --- commitment letters (R-DUTY-1) -----------------------------------------------------------------
def letter_out(row: CommitmentLetter) -> s.LetterOut:
    """A signed letter with the text the expert signed (its version's wording) and the four commitments."""
    commitments = json_map(row.commitments)
    return s.LetterOut(row.id, row.term, row.text_version, {k: bool(v) for k, v in commitments.items()},
                       row.signed_on, expert_id=row.expert, text=LETTER_TEXTS.get(row.text_version, ""),
                       commitment_labels={c.value: c.label for c in Commitment})


async def letters(expert_id: int | None, term_id: int | None, signed_from: date | None, signed_to: date | None,
                  offset: int, limit: int) -> Page[s.LetterOut]:
    conditions = []
    if expert_id is not None:
        conditions.append(CommitmentLetter.expert == expert_id)
    if term_id is not None:
        conditions.append(CommitmentLetter.term == term_id)
    if signed_from is not None:
        conditions.append(CommitmentLetter.signed_on >= signed_from)
    if signed_to is not None:
        conditions.append(CommitmentLetter.signed_on <= signed_to)
    query = CommitmentLetter.objects().output(load_json=True).order_by(CommitmentLetter.id)
    count = CommitmentLetter.count()
    for c in conditions:
        query, count = query.where(c), count.where(c)
    rows, total = await paged(query, count, offset, limit)
    return Page([letter_out(r) for r in rows], total, offset, limit)
