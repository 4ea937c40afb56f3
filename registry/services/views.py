"""Read side: what the API shows of experts, institutions, the pool, applications and the specialty tree."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from core.errors import invalid
from core.records import get_or_404
from registry import schemas as s
from registry.domain import recruitment as rec
from registry.domain.eligibility import Eligibility, Reason, expert_eligibility
from registry.domain.specialties import subtree_codes
from registry.domain.vocab import (
    DiscreditKind,
    DismissalReason,
    DutyBreach,
    ReviewProposal,
)
from registry.services.institutions import institution_pool_ids
from registry.services.specialties import all_specialties
from registry.services.standing import eligibility_for, load_standings
from registry.tables import (
    AnnualReview,
    Application,
    CommitmentLetter,
    Decline,
    DiscreditRecord,
    Dismissal,
    Employment,
    EvaluatorPoolEntry,
    Expert,
    ExpertChangeRequest,
    ExpertSpecialty,
    Institution,
    PerformanceRating,
    PossibleDuplicate,
    RecruitmentCall,
    Term,
)


def reasons_out(reasons: list[Reason]) -> list[s.ReasonOut]:
    return [s.ReasonOut(r.rule_id, r.code, r.message) for r in reasons]


def eligibility_out(expert_id: int, on: date, e: Eligibility) -> s.EligibilityOut:
    return s.EligibilityOut(expert_id, on, e.eligible, e.current_term_id, reasons_out(e.reasons))


async def specialty_tree_with_counts(on: date) -> list[s.SpecialtyOut]:
    """Each node with the number of eligible experts in its sub-pool (its own code and all below it)."""
    tree = await all_specialties()
    links = await ExpertSpecialty.select(ExpertSpecialty.expert, ExpertSpecialty.specialty_code)
    eligible = {eid for eid, e in (await eligibility_for([link["expert"] for link in links], on)).items() if e.eligible}
    experts_by_code: dict[str, set[int]] = defaultdict(set)
    for link in links:
        if link["expert"] in eligible:
            experts_by_code[link["specialty_code"]].add(link["expert"])
    out = []
    for node in tree:
        members = set().union(*(experts_by_code[c] for c in subtree_codes(node.code, tree)))
        out.append(s.SpecialtyOut(node.code, node.name, node.parent_code, len(members)))
    return out


# --- institutions and the evaluator pool -----------------------------------------------------------
def institution_out(row: Institution, in_pool: bool) -> s.InstitutionOut:
    return s.InstitutionOut(id=row.id, name=row.name, kind=row.kind, uscc=row.uscc, aliases=list(row.aliases or []),
                            parent_id=row.parent, region=row.region, credit_status=row.credit_status,
                            blacklisted=row.blacklisted, in_evaluator_pool=in_pool)


async def institution_view(row: Institution) -> s.InstitutionOut:
    """One institution with its pool membership and the open duplicate flags that name it."""
    view = institution_out(row, row.id in await institution_pool_ids([row.id]))
    view.possible_duplicate_ids = await open_duplicate_ids("institution", row.id)
    return view


async def list_institutions(q: str | None, kind: str | None, offset: int, limit: int,
                            in_pool: bool | None = None) -> list[s.InstitutionOut]:
    query = Institution.objects().output(load_json=True).order_by(Institution.id).offset(offset).limit(limit)
    query = query.where(Institution.merged_into.is_null())  # a record merged into another leaves the lists (issue 13)
    if in_pool is not None:  # the evaluator pool as listed (R-POOL-8), or everyone outside it
        members = list(await institution_pool_ids()) or [-1]
        query = query.where(Institution.id.is_in(members) if in_pool else Institution.id.not_in(members))
    if q:
        query = query.where(Institution.name.ilike(f"%{q}%"))
    if kind:
        query = query.where(Institution.kind == kind)
    rows = await query
    pool = await institution_pool_ids([r.id for r in rows])
    return [institution_out(r, r.id in pool) for r in rows]


async def pool_entries(institution_id: int | None = None, admitted_only: bool = False) -> list[s.PoolEntryOut]:
    query = EvaluatorPoolEntry.select(EvaluatorPoolEntry.all_columns(), EvaluatorPoolEntry.institution.name) \
        .order_by(EvaluatorPoolEntry.id).output(load_json=True)
    if institution_id is not None:
        query = query.where(EvaluatorPoolEntry.institution == institution_id)
    if admitted_only:  # the pool as listed: blacklisted, discredited and government bodies left (R-POOL-8)
        query = query.where(EvaluatorPoolEntry.admitted.eq(True) & EvaluatorPoolEntry.removed_on.is_null()
                            & EvaluatorPoolEntry.institution.is_in(list(await institution_pool_ids()) or [-1]))
    return [s.PoolEntryOut(id=r["id"], institution_id=r["institution"], institution_name=r["institution.name"],
                           admitted=r["admitted"], reasons=[s.ReasonOut(**x) for x in r["reasons"]],
                           qualifications=r["qualifications"], staff_competences=r["staff_competences"],
                           has_facilities=r["has_facilities"], created_at=r["created_at"],
                           removed_on=r["removed_on"], removal_reason=r["removal_reason"])
            for r in await query]


# --- experts ---------------------------------------------------------------------------------------
async def expert_views(rows: list[Expert], on: date, detail: bool) -> list[s.ExpertOut]:
    ids = [r.id for r in rows] or [-1]
    specialties: dict[int, list[str]] = defaultdict(list)
    for link in await ExpertSpecialty.select().where(ExpertSpecialty.expert.is_in(ids)).order_by(ExpertSpecialty.id):
        specialties[link["expert"]].append(link["specialty_code"])
    standings = await load_standings(ids)
    employments: dict[int, list[s.EmploymentOut]] = defaultdict(list)
    letters: set[int] = set()
    if detail:
        for e in await Employment.select().where(Employment.expert.is_in(ids)).order_by(Employment.start):
            employments[e["expert"]].append(s.EmploymentOut(e["id"], e["employer_name"], e["institution"],
                                                            e["position"], e["start"], e["end"]))
        letters = {r["term"] for r in await CommitmentLetter.select(CommitmentLetter.term)
                   .where(CommitmentLetter.expert.is_in(ids))}
    out = []
    for r in rows:
        standing = standings[r.id]
        terms = [s.TermOut(t.id, t.span.start, t.span.end, None, "", t.ended_early_on, t.id in letters)
                 for t in standing.terms] if detail else []
        out.append(s.ExpertOut(
            id=r.id, name=r.name, gender=r.gender, id_number=r.id_number_masked, phone=r.phone_masked,
            email=r.email, title=r.title, region=r.region, sector=r.sector, specialties=specialties[r.id],
            employments=employments[r.id], terms=terms,
            eligibility=eligibility_out(r.id, on, expert_eligibility(standing, on))))
    return out


async def expert_detail(expert_id: int, on: date) -> s.ExpertOut:
    row = await get_or_404(Expert, expert_id, "expert")
    view = (await expert_views([row], on, detail=True))[0]
    term_rows = {t["id"]: t for t in await Term.select().where(Term.expert == expert_id)}
    for t in view.terms:
        t.previous_term_id = term_rows[t.id]["previous"]
        t.certificate_no = term_rows[t.id]["certificate_no"]
    view.possible_duplicate_ids = await open_duplicate_ids("expert", expert_id)
    view.pending_change_request = await pending_change_request(expert_id)
    return view


def change_request_out(r: ExpertChangeRequest) -> s.ChangeRequestOut:
    return s.ChangeRequestOut(id=r.id, expert_id=r.expert, fields=dict(r.fields or {}),
                              previous=dict(r.previous or {}), reason=r.reason, status=r.status,
                              requested_by=r.requested_by, created_at=r.created_at, decided_by=r.decided_by,
                              decided_at=r.decided_at, decision_reason=r.decision_reason)


async def change_requests(status: str | None, expert_id: int | None, offset: int,
                          limit: int) -> list[s.ChangeRequestOut]:
    """Experts' requests to change their sub-pools, oldest first (the office's work list)."""
    query = ExpertChangeRequest.objects().output(load_json=True).order_by(ExpertChangeRequest.id)
    if status:
        query = query.where(ExpertChangeRequest.status == status)
    if expert_id is not None:
        query = query.where(ExpertChangeRequest.expert == expert_id)
    return [change_request_out(r) for r in await query.offset(offset).limit(limit)]


async def pending_change_request(expert_id: int) -> s.ChangeRequestOut | None:
    row = await ExpertChangeRequest.objects().output(load_json=True).where(
        (ExpertChangeRequest.expert == expert_id) & (ExpertChangeRequest.status == "pending")).first()
    return change_request_out(row) if row else None


async def open_duplicate_ids(kind: str, record_id: int) -> list[int]:
    """The other records of open 'possibly the same' flags that name this one."""
    rows = await PossibleDuplicate.select(PossibleDuplicate.first_id, PossibleDuplicate.second_id).where(
        (PossibleDuplicate.kind == kind) & (PossibleDuplicate.status == "open")
        & ((PossibleDuplicate.first_id == record_id) | (PossibleDuplicate.second_id == record_id)))
    return sorted({r["first_id"] if r["second_id"] == record_id else r["second_id"] for r in rows})


async def list_experts(on: date, specialty: str | None, sector: str | None, region: str | None,
                       q: str | None, eligible: bool | None, offset: int, limit: int) -> s.ExpertPage:
    query = Expert.objects().order_by(Expert.id)
    count = Expert.count()
    conditions = [Expert.merged_into.is_null()]  # a record merged into another leaves the lists (issue 13)
    if specialty:
        tree = await all_specialties()
        if specialty not in {t.code for t in tree}:
            raise invalid("specialty", f"unknown specialty '{specialty}'", "R-POOL-1")
        codes = list(subtree_codes(specialty, tree))
        conditions.append(Expert.id.is_in(ExpertSpecialty.select(ExpertSpecialty.expert)
                                          .where(ExpertSpecialty.specialty_code.is_in(codes))))
    if sector:
        conditions.append(Expert.sector == sector)
    if region:
        conditions.append(Expert.region == region)
    if q:
        conditions.append(Expert.name.ilike(f"%{q}%"))
    for c in conditions:
        query, count = query.where(c), count.where(c)
    if eligible is None:
        rows, total = await query.offset(offset).limit(limit), await count
        return s.ExpertPage(await expert_views(rows, on, detail=False), total, offset, limit)
    # Eligibility is computed, not stored: filter after computing it for the matching experts.
    rows = await query
    views = [v for v in await expert_views(rows, on, detail=False) if v.eligibility.eligible == eligible]
    return s.ExpertPage(views[offset:offset + limit], len(views), offset, limit)


# --- recruitment -----------------------------------------------------------------------------------
def call_out(c: RecruitmentCall) -> s.CallOut:
    return s.CallOut(c.id, c.title, list(c.specialty_codes), c.opens_on, c.closes_on, c.description)


async def calls() -> list[s.CallOut]:
    return [call_out(c) for c in await RecruitmentCall.objects().order_by(RecruitmentCall.id).output(load_json=True)]


def application_out(row: Application, term_id: int | None = None) -> s.ApplicationOut:
    state = rec.ApplicationState(row.state)
    return s.ApplicationOut(id=row.id, call_id=row.call, expert_id=row.expert, state=state, state_label=state.label,
                            allowed_next_steps=[x.value for x in rec.allowed_steps(state)],
                            recommended_by_id=row.recommended_by, findings=list(row.findings or []),
                            reasons=list(row.reasons or []), term_id=term_id)


# --- ratings, declines, reviews, dismissal and discredit -------------------------------------------
def rating_out(r: PerformanceRating) -> s.RatingOut:
    return s.RatingOut(r.id, r.expert, r.unit, r.assignment_ref, r.participation, r.reliability,
                       r.implementation_effect, r.comment, r.rated_on, r.invitation, _listed(r.corrections))


async def ratings_of(expert_id: int) -> list[s.RatingOut]:
    await get_or_404(Expert, expert_id, "expert")
    rows = await PerformanceRating.objects().where(PerformanceRating.expert == expert_id).order_by(PerformanceRating.id)
    return [rating_out(r) for r in rows]


def decline_out(d: Decline) -> s.DeclineOut:
    return s.DeclineOut(d.id, d.assignment_ref, d.declined_on, d.reason, d.judged_good_reason, d.judged_by,
                        d.invitation, _listed(d.judgements))


def _listed(value: Any) -> list[dict]:
    """A JSON list column as stored (some engines hand JSON back as text)."""
    return list(json.loads(value) if isinstance(value, str) else value or [])


async def declines_of(expert_id: int) -> list[s.DeclineOut]:
    await get_or_404(Expert, expert_id, "expert")
    return [decline_out(d) for d in await Decline.objects().where(Decline.expert == expert_id).order_by(Decline.id)]


def review_out(r: AnnualReview) -> s.AnnualReviewOut:
    return s.AnnualReviewOut(
        id=r.id, expert_id=r.expert, year=r.year, review_date=r.review_date, figures=dict(r.figures),
        proposal=r.proposal, proposal_label=ReviewProposal(r.proposal).label,
        proposed_dismissal_reason=r.proposed_dismissal_reason, reasons=[s.ReasonOut(**x) for x in r.reasons],
        decision=r.decision, decision_note=r.decision_note, decided_on=r.decided_on)


def dismissal_out(d: Dismissal) -> s.DismissalOut:
    """A dismissal for a breached duty names the duty (R-DUTY-2); any other names its ground (R-POOL-5)."""
    reason = DismissalReason(d.reason_code)
    breach = DutyBreach(d.duty_breach) if d.duty_breach else None
    return s.DismissalOut(d.id, d.expert, d.reason_code, reason.label, "R-DUTY-2" if breach else "R-POOL-5",
                          breach.value if breach else None, breach.label if breach else None, d.explanation,
                          d.effective_on)


def discredit_out(d: DiscreditRecord) -> s.DiscreditOut:
    return s.DiscreditOut(d.id, d.expert, d.institution, d.kind, DiscreditKind(d.kind).label, d.facts, d.recorded_on)
