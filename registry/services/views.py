"""Read side: what the API shows of experts, institutions, the pool, applications and the specialty tree."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from piccolo.columns.combination import WhereRaw

from core.errors import invalid
from core.records import get_or_404
from core.schemas import Page
from registry import schemas as s
from registry.domain.eligibility import Eligibility, Reason, expert_eligibility
from registry.domain.search import SEPARATOR, query_text
from registry.domain.specialties import subtree_codes
from registry.services.eligibility_facts import all_facts_cover, stored_eligibility
from registry.services.institutions import institution_pool_ids
from registry.services.records import json_list, json_map
from registry.services.specialties import all_specialties
from registry.services.standing import load_standings
from registry.tables import (
    CommitmentLetter,
    Employment,
    EvaluatorPoolEntry,
    Expert,
    ExpertChangeRequest,
    ExpertEligibility,
    ExpertSpecialty,
    Institution,
    PossibleDuplicate,
    Term,
)


def reasons_out(reasons: list[Reason]) -> list[s.ReasonOut]:
    return [s.ReasonOut(r.rule_id, r.code, r.message) for r in reasons]


def eligibility_out(expert_id: int, on: date, e: Eligibility) -> s.EligibilityOut:
    return s.EligibilityOut(expert_id, on, e.eligible, e.current_term_id, reasons_out(e.reasons))


async def paged(query: Any, count: Any, offset: int, limit: int) -> tuple[list, int]:
    """One page of ``query`` and the count of every matching row (a COUNT query, not the page's length)."""
    return await query.offset(offset).limit(limit), await count


async def specialty_tree_with_counts(on: date) -> list[s.SpecialtyOut]:
    """Each node with the number of eligible experts in its sub-pool (its own code and all below it)."""
    tree = await all_specialties()
    links = await ExpertSpecialty.select(ExpertSpecialty.expert, ExpertSpecialty.specialty_code)
    eligible = {eid for eid, e in (await stored_eligibility([link["expert"] for link in links], on)).items()
                if e.eligible}  # issue 17: the stored facts, not the whole pool computed again
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
    return s.InstitutionOut(id=row.id, name=row.name, kind=row.kind, uscc=row.uscc, aliases=json_list(row.aliases),
                            parent_id=row.parent, region=row.region, credit_status=row.credit_status,
                            blacklisted=row.blacklisted, in_evaluator_pool=in_pool)


async def institution_view(row: Institution) -> s.InstitutionOut:
    """One institution with its pool membership and the open duplicate flags that name it."""
    view = institution_out(row, row.id in await institution_pool_ids([row.id]))
    view.possible_duplicate_ids = await open_duplicate_ids("institution", row.id)
    return view


async def list_institutions(q: str | None, kind: str | None, offset: int, limit: int,
                            in_pool: bool | None = None) -> Page[s.InstitutionOut]:
    query = Institution.objects().output(load_json=True).order_by(Institution.id)
    count = Institution.count()
    conditions = [Institution.merged_into.is_null()]  # a record merged into another leaves the lists (issue 13)
    if in_pool is not None:  # the evaluator pool as listed (R-POOL-8), or everyone outside it
        members = list(await institution_pool_ids()) or [-1]
        conditions.append(Institution.id.is_in(members) if in_pool else Institution.id.not_in(members))
    if q:
        conditions.append(Institution.name.ilike(f"%{q}%"))
    if kind:
        conditions.append(Institution.kind == kind)
    for c in conditions:
        query, count = query.where(c), count.where(c)
    rows, total = await paged(query, count, offset, limit)
    pool = await institution_pool_ids([r.id for r in rows])
    return Page([institution_out(r, r.id in pool) for r in rows], total, offset, limit)


async def pool_entry_page(institution_id: int | None, admitted_only: bool, offset: int,
                          limit: int) -> Page[s.PoolEntryOut]:
    entries = await pool_entries(institution_id, admitted_only)
    return Page(entries[offset:offset + limit], len(entries), offset, limit)


async def pool_entries(institution_id: int | None = None, admitted_only: bool = False) -> list[s.PoolEntryOut]:
    query = EvaluatorPoolEntry.select(EvaluatorPoolEntry.all_columns(), EvaluatorPoolEntry.institution.name) \
        .order_by(EvaluatorPoolEntry.id).output(load_json=True)
    if institution_id is not None:
        query = query.where(EvaluatorPoolEntry.institution == institution_id)
    if admitted_only:  # the pool as listed: blacklisted, discredited and government bodies left (R-POOL-8)
        query = query.where(EvaluatorPoolEntry.admitted.eq(True) & EvaluatorPoolEntry.removed_on.is_null()
                            & EvaluatorPoolEntry.institution.is_in(list(await institution_pool_ids()) or [-1]))
    return [s.PoolEntryOut(id=r["id"], institution_id=r["institution"], institution_name=r["institution.name"],
                           admitted=r["admitted"], reasons=[s.ReasonOut(**x) for x in json_list(r["reasons"])],
                           qualifications=json_list(r["qualifications"]),
                           staff_competences=json_list(r["staff_competences"]),
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
    # Lists and the single record show the same employments and terms (issue 13: lists showed none).
    employments: dict[int, list[s.EmploymentOut]] = defaultdict(list)
    for e in await Employment.select().where(Employment.expert.is_in(ids)).order_by(Employment.start, Employment.id):
        employments[e["expert"]].append(s.EmploymentOut(e["id"], e["employer_name"], e["institution"],
                                                        e["position"], e["start"], e["end"]))
    letters = {r["term"] for r in await CommitmentLetter.select(CommitmentLetter.term)
               .where(CommitmentLetter.expert.is_in(ids))}
    term_rows = {t["id"]: t for t in await Term.select(Term.id, Term.previous, Term.certificate_no)
                 .where(Term.expert.is_in(ids))}
    out = []
    for r in rows:
        standing = standings[r.id]
        terms = [s.TermOut(t.id, t.span.start, t.span.end, term_rows[t.id]["previous"],
                           term_rows[t.id]["certificate_no"], t.ended_early_on, t.id in letters)
                 for t in sorted(standing.terms, key=lambda t: (t.span.start, t.id))]
        out.append(s.ExpertOut(
            id=r.id, name=r.name, gender=r.gender, id_number=r.id_number_masked, phone=r.phone_masked,
            email=r.email, title=r.title, region=r.region, sector=r.sector, specialties=specialties[r.id],
            employments=employments[r.id], terms=terms,
            eligibility=eligibility_out(r.id, on, expert_eligibility(standing, on))))
    return out


async def expert_detail(expert_id: int, on: date) -> s.ExpertOut:
    row = await get_or_404(Expert, expert_id, "expert")
    view = (await expert_views([row], on, detail=True))[0]
    view.possible_duplicate_ids = await open_duplicate_ids("expert", expert_id)
    view.pending_change_request = await pending_change_request(expert_id)
    return view


def change_request_out(r: ExpertChangeRequest) -> s.ChangeRequestOut:
    return s.ChangeRequestOut(id=r.id, expert_id=r.expert, fields=json_map(r.fields),
                              previous=json_map(r.previous), reason=r.reason, status=r.status,
                              requested_by=r.requested_by, created_at=r.created_at, decided_by=r.decided_by,
                              decided_at=r.decided_at, decision_reason=r.decision_reason)


async def change_requests(status: str | None, expert_id: int | None, offset: int,
                          limit: int) -> Page[s.ChangeRequestOut]:
    """Experts' requests to change their sub-pools, oldest first (the office's work list)."""
    query = ExpertChangeRequest.objects().output(load_json=True).order_by(ExpertChangeRequest.id)
    count = ExpertChangeRequest.count()
    if status:
        where = ExpertChangeRequest.status == status
        query, count = query.where(where), count.where(where)
    if expert_id is not None:
        query, count = query.where(ExpertChangeRequest.expert == expert_id), count.where(
            ExpertChangeRequest.expert == expert_id)
    rows, total = await paged(query, count, offset, limit)
    return Page([change_request_out(r) for r in rows], total, offset, limit)


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
                       q: str | None, eligible: bool | None, offset: int, limit: int,
                       employer: str | None = None) -> s.ExpertPage:
    """Experts matching every filter, by id. ``q`` matches the stored search key (name, simplified form,
    pinyin and its initials, current employers: ``registry.domain.search``); ``employer`` the name of an
    employer the expert works for on ``on`` (as typed, or the linked institution's name or alias)."""
    query = Expert.objects().order_by(Expert.id)
    count = Expert.count()
    conditions = [Expert.merged_into.is_null()]  # a record merged into another leaves the lists (issue 13)
    codes: list[str] | None = None
    if specialty:
        tree = await all_specialties()
        if specialty not in {t.code for t in tree}:
            raise invalid("specialty", f"未知的专业代码「{specialty}」", "R-POOL-1")
        codes = sorted(subtree_codes(specialty, tree))
    if sector:
        conditions.append(Expert.sector == sector)
    if region:
        conditions.append(Expert.region == region)
    if q and (text := query_text(q).replace("%", "").replace("_", "").replace(SEPARATOR, "")):
        conditions.append(Expert.search_key.like(f"%{text}%") | Expert.name.ilike(f"%{q.strip()}%"))
    if employer and employer.strip():
        conditions.append(Expert.id.is_in(await _employed_by(employer.strip(), on)))
    # Eligibility is a stored fact (issue 17): when every expert's fact covers the day (the nightly job sees to it),
    # the filter, the count and the page are SQL over the facts' indexes; otherwise the facts that do not cover the
    # day are computed live for the matching ids.
    if eligible is not None and await all_facts_cover(on):
        return await _listed_by_facts(on, conditions, codes, eligible, offset, limit)
    if codes is not None:
        conditions.append(Expert.id.is_in(ExpertSpecialty.select(ExpertSpecialty.expert)
                                          .where(ExpertSpecialty.specialty_code.is_in(codes))))
    for c in conditions:
        query, count = query.where(c), count.where(c)
    if eligible is None:
        rows, total = await paged(query, count, offset, limit)
        return s.ExpertPage(await expert_views(rows, on, detail=False), total, offset, limit)
    ids = [r["id"] for r in await Expert.select(Expert.id).where(*conditions).order_by(Expert.id)]
    matching = [i for i, e in (await stored_eligibility(ids, on)).items() if e.eligible == eligible]
    matching.sort()
    window = matching[offset:offset + limit]
    rows = await Expert.objects().where(Expert.id.is_in(window or [-1])).order_by(Expert.id)
    return s.ExpertPage(await expert_views(rows, on, detail=False), len(matching), offset, limit)


def _placeholders(n: int) -> str:
    return ", ".join("{}" for _ in range(n))


async def _listed_by_facts(on: date, conditions: list, codes: list[str] | None, eligible: bool, offset: int,
                           limit: int) -> s.ExpertPage:
    """The eligible (or ineligible) experts matching ``conditions`` and holding a specialty among ``codes``, when
    every fact covers the day (so each unmerged expert has exactly one fact, and it is the day's answer).

    Two statements, each shaped for the indexes of migration 2026-12-31T10:00:00:000001 on both engines: the count
    over the facts (the eligible set, the sub-pool's links and the matching records, each from an index alone),
    and the page in id order with correlated EXISTS on the fact and the links, which stops after offset + limit
    rows instead of building the sets (plain SQL, the same on SQLite and PostgreSQL)."""
    e = ExpertEligibility
    count = e.count().where(e.eligible == eligible)
    page = Expert.objects().where(*conditions).where(WhereRaw(
        'EXISTS (SELECT 1 FROM expert_eligibility f WHERE f.expert = "expert"."id" AND f.eligible = {})', eligible))
    if codes is not None:  # first: SQLite walks the first set (a sub-pool's links are the smaller one)
        count = count.where(e.expert.is_in(ExpertSpecialty.select(ExpertSpecialty.expert).where(
            ExpertSpecialty.specialty_code.is_in(codes))))
        page = page.where(WhereRaw('EXISTS (SELECT 1 FROM expert_specialty l WHERE l.expert = "expert"."id" AND '
                                   f"l.specialty_code IN ({_placeholders(len(codes))}))", *codes))
    count = count.where(e.expert.is_in(Expert.select(Expert.id).where(*conditions)))
    rows, total = await paged(page.order_by(Expert.id), count, offset, limit)
    return s.ExpertPage(await expert_views(rows, on, detail=False), total, offset, limit)


async def _employed_by(employer: str, on: date) -> list[int]:
    """Experts with an employment current on ``on`` whose employer matches: the name as typed (folded to
    simplified characters too) or the linked institution's name."""
    folded = query_text(employer)
    current = (Employment.start <= on) & (Employment.end.is_null() | (Employment.end >= on))
    named = Employment.employer_name.ilike(f"%{employer}%") | Employment.employer_name.ilike(f"%{folded}%") \
        | Employment.institution.name.ilike(f"%{employer}%") | Employment.institution.name.ilike(f"%{folded}%")
    rows = await Employment.select(Employment.expert).where(current & named)
    return sorted({r["expert"] for r in rows}) or [-1]


# --- recruitment -----------------------------------------------------------------------------------
