"""Registry use cases: read records, ask the pure domain, store the decision. No HTTP here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone

from piccolo.table import Table

from conflicts.linking import link_employments
from conflicts.live import live_graph, note_change
from core.db import current_engine
from core.errors import ErrorCollector, conflict, invalid, not_found
from registry import schemas as s
from registry.domain import recruitment as rec
from registry.domain.eligibility import Eligibility, ExpertStanding, Reason, Term as TermView, expert_eligibility
from registry.domain.identifiers import mask_citizen_id, mask_phone, parse_citizen_id, validate_mobile, validate_uscc
from registry.domain.institutions import (
    InstitutionStanding,
    PoolApplication,
    admission_refusals,
    institution_eligibility,
)
from registry.domain.letters import validate_letter
from registry.domain.reviews import Rating, ReviewPolicy, propose
from registry.domain.specialties import default_specialties, subtree_codes
from registry.domain.terms import TermSpan, renewal_span, validate_term
from registry.domain.vocab import (
    DUTY_BREACH_GROUNDS,
    CreditStatus,
    DiscreditKind,
    DismissalReason,
    Gender,
    ReviewProposal,
)
from registry.privacy import get_vault
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
    ExpertSpecialty,
    Institution,
    PerformanceRating,
    PersonalDataAccess,
    RecruitmentCall,
    Specialty,
    Term,
)


def transaction():
    return current_engine().transaction()


async def get_or_404(table: type[Table], row_id: int, what: str, field_name: str = "id"):
    row = await table.objects().where(table.id == row_id).output(load_json=True).first()
    if row is None:
        raise not_found(what, row_id, field_name)
    return row


async def get_expert_record_or_404(table: type[Table], row_id: int, what: str, expert_id: int,
                                  field_name: str = "id"):
    """A record that belongs to one expert: another expert's record is as missing as a wrong id."""
    row = await get_or_404(table, row_id, what, field_name)
    if row.expert != expert_id:
        raise not_found(what, row_id, field_name)
    return row


def reasons_out(reasons: list[Reason]) -> list[s.ReasonOut]:
    return [s.ReasonOut(r.rule_id, r.code, r.message) for r in reasons]


def reasons_to_json(reasons: list[Reason]) -> list[dict]:
    return [{"rule_id": r.rule_id, "code": r.code, "message": r.message} for r in reasons]


# --- specialties (R-POOL-1) ------------------------------------------------------------------------
async def ensure_default_specialties() -> None:
    """Insert the default tree's missing nodes; offices' own additions are kept."""
    existing = {row["code"] for row in await Specialty.select(Specialty.code)}
    missing = [Specialty(code=x.code, name=x.name, parent_code=x.parent_code)
               for x in default_specialties() if x.code not in existing]
    if missing:
        await Specialty.insert(*missing)


async def all_specialties() -> list[Specialty]:
    return await Specialty.objects().order_by(Specialty.code)


async def check_specialty_codes(codes: list[str], field_name: str, errors: ErrorCollector) -> None:
    known = {row["code"] for row in await Specialty.select(Specialty.code)}
    for i, code in enumerate(codes):
        if code not in known:
            errors.add(f"{field_name}[{i}]", f"unknown specialty '{code}'; see GET /api/v1/specialties", "R-POOL-1")
    if len(set(codes)) != len(codes):
        errors.add(field_name, "lists a specialty more than once")


async def create_specialty(data: s.SpecialtyCreate) -> Specialty:
    if await Specialty.exists().where(Specialty.code == data.code):
        raise conflict("specialty exists", "code", f"'{data.code}' is already in the tree")
    if data.parent_code is not None and not await Specialty.exists().where(Specialty.code == data.parent_code):
        raise invalid("parent_code", f"unknown specialty '{data.parent_code}'", "R-POOL-1")
    row = Specialty(code=data.code, name=data.name, parent_code=data.parent_code)
    await row.save()
    return row


async def specialty_tree_with_counts(on: date) -> list[s.SpecialtyOut]:
    """Each node with the number of eligible experts in its sub-pool (its own code and all below it)."""
    tree = await all_specialties()
    links = await ExpertSpecialty.select(ExpertSpecialty.expert, ExpertSpecialty.specialty_code)
    eligible = {eid for eid, e in (await eligibility_for([l["expert"] for l in links], on)).items() if e.eligible}
    experts_by_code: dict[str, set[int]] = defaultdict(set)
    for link in links:
        if link["expert"] in eligible:
            experts_by_code[link["specialty_code"]].add(link["expert"])
    out = []
    for node in tree:
        members = set().union(*(experts_by_code[c] for c in subtree_codes(node.code, tree)))
        out.append(s.SpecialtyOut(node.code, node.name, node.parent_code, len(members)))
    return out


# --- institutions (R-POOL-8) -----------------------------------------------------------------------
async def _check_institution_fields(errors: ErrorCollector, uscc: str | None, parent_id: int | None,
                                    self_id: int | None = None) -> str | None:
    normalised = None
    if uscc is not None:
        try:
            normalised = validate_uscc(uscc)
        except ValueError as exc:
            errors.add("uscc", str(exc))
        else:
            query = Institution.exists().where(Institution.uscc == normalised)
            if self_id is not None:
                query = query.where(Institution.id != self_id)
            if await query:
                raise conflict("duplicate unified social credit code", "uscc",
                               f"another institution already has the code {normalised}")
    if parent_id is not None:
        if parent_id == self_id:
            errors.add("parent_id", "an institution cannot be its own parent")
        elif not await Institution.exists().where(Institution.id == parent_id):
            errors.add("parent_id", f"no institution with id {parent_id}")
        elif self_id is not None and self_id in await ancestor_ids(parent_id):
            errors.add("parent_id", "would make the hierarchy circular")
    return normalised


async def ancestor_ids(institution_id: int) -> list[int]:
    seen: list[int] = []
    current: int | None = institution_id
    while current is not None and current not in seen:
        seen.append(current)
        row = await Institution.select(Institution.parent).where(Institution.id == current).first()
        current = row["parent"] if row else None
    return seen


async def create_institution(data: s.InstitutionCreate) -> Institution:
    errors = ErrorCollector()
    uscc = await _check_institution_fields(errors, data.uscc, data.parent_id)
    errors.raise_if_any("institution refused")
    row = Institution(name=data.name.strip(), kind=data.kind.value, uscc=uscc, aliases=data.aliases,
                      parent=data.parent_id, region=data.region, credit_status=data.credit_status.value)
    async with transaction():
        await row.save()
        await note_change("institution", row.id)
    return row


async def update_institution(institution_id: int, data: s.InstitutionUpdate) -> Institution:
    row = await get_or_404(Institution, institution_id, "institution")
    errors = ErrorCollector()
    await _check_institution_fields(errors, None, data.parent_id, self_id=institution_id)
    errors.raise_if_any("institution update refused")
    if data.credit_status is CreditStatus.GOOD and row.blacklisted:
        raise conflict("blacklisted institution", "credit_status",
                       "a blacklisted institution is never commissioned again; its credit cannot be restored",
                       "R-POOL-8")
    for name in ("name", "aliases", "region"):
        if getattr(data, name) is not None:
            setattr(row, name, getattr(data, name))
    if data.parent_id is not None:
        row.parent = data.parent_id
    if data.credit_status is not None:
        row.credit_status = data.credit_status.value
    async with transaction():
        await row.save()
        await note_change("institution", row.id)
    return row


async def institution_pool_ids(ids: list[int] | None = None) -> set[int]:
    query = EvaluatorPoolEntry.select(EvaluatorPoolEntry.institution).where(
        (EvaluatorPoolEntry.admitted == True) & (EvaluatorPoolEntry.removed_on.is_null()))  # noqa: E712
    if ids is not None:
        query = query.where(EvaluatorPoolEntry.institution.is_in(ids or [-1]))
    return {row["institution"] for row in await query}


def institution_out(row: Institution, in_pool: bool) -> s.InstitutionOut:
    return s.InstitutionOut(id=row.id, name=row.name, kind=row.kind, uscc=row.uscc, aliases=list(row.aliases or []),
                            parent_id=row.parent, region=row.region, credit_status=row.credit_status,
                            blacklisted=row.blacklisted, in_evaluator_pool=in_pool)


async def list_institutions(q: str | None, kind: str | None, offset: int, limit: int) -> list[s.InstitutionOut]:
    query = Institution.objects().output(load_json=True).order_by(Institution.id).offset(offset).limit(limit)
    if q:
        query = query.where(Institution.name.ilike(f"%{q}%"))
    if kind:
        query = query.where(Institution.kind == kind)
    rows = await query
    pool = await institution_pool_ids([r.id for r in rows])
    return [institution_out(r, r.id in pool) for r in rows]


async def apply_to_evaluator_pool(institution_id: int, data: s.PoolApplicationIn) -> EvaluatorPoolEntry:
    """Admit or refuse at once, recording the reasons (R-POOL-8)."""
    inst = await get_or_404(Institution, institution_id, "institution")
    if institution_id in await institution_pool_ids([institution_id]):
        raise conflict("already in the pool", "institution_id", "this institution is already admitted", "R-POOL-8")
    refusals = admission_refusals(PoolApplication(
        credit_status=CreditStatus(inst.credit_status), has_facilities=data.has_facilities,
        staff_competences=set(data.staff_competences), blacklisted=inst.blacklisted))
    entry = EvaluatorPoolEntry(institution=institution_id, qualifications=data.qualifications,
                               staff_competences=[c.value for c in data.staff_competences],
                               has_facilities=data.has_facilities, admitted=not refusals,
                               reasons=reasons_to_json(refusals))
    await entry.save()
    return entry


async def pool_entries(institution_id: int | None = None, admitted_only: bool = False) -> list[s.PoolEntryOut]:
    query = EvaluatorPoolEntry.select(EvaluatorPoolEntry.all_columns(), EvaluatorPoolEntry.institution.name) \
        .order_by(EvaluatorPoolEntry.id).output(load_json=True)
    if institution_id is not None:
        query = query.where(EvaluatorPoolEntry.institution == institution_id)
    if admitted_only:
        query = query.where((EvaluatorPoolEntry.admitted == True)  # noqa: E712
                            & EvaluatorPoolEntry.removed_on.is_null())
    return [s.PoolEntryOut(id=r["id"], institution_id=r["institution"], institution_name=r["institution.name"],
                           admitted=r["admitted"], reasons=[s.ReasonOut(**x) for x in r["reasons"]],
                           qualifications=r["qualifications"], staff_competences=r["staff_competences"],
                           has_facilities=r["has_facilities"], created_at=r["created_at"])
            for r in await query]


async def institution_eligibility_of(institution_id: int) -> list[Reason]:
    inst = await get_or_404(Institution, institution_id, "institution")
    return institution_eligibility(InstitutionStanding(
        in_pool=institution_id in await institution_pool_ids([institution_id]),
        credit_status=CreditStatus(inst.credit_status), blacklisted=inst.blacklisted))


async def record_institution_discredit(institution_id: int, data: s.DiscreditIn) -> DiscreditRecord:
    """A discredit record makes the credit 'discredited'; cheating in an evaluation also blacklists (SY 三(一)4)."""
    inst = await get_or_404(Institution, institution_id, "institution")
    async with transaction():
        record = DiscreditRecord(institution=institution_id, kind=data.kind.value, facts=data.facts,
                                 recorded_on=data.recorded_on)
        await record.save()
        inst.credit_status = CreditStatus.DISCREDITED.value
        if data.kind is DiscreditKind.EVALUATION_CHEATING:
            inst.blacklisted = True
        await inst.save()
    return record


# --- experts ---------------------------------------------------------------------------------------
async def _check_employments(employments: list[s.EmploymentIn], errors: ErrorCollector, prefix: str) -> None:
    ids = [e.institution_id for e in employments if e.institution_id is not None]
    known = {r["id"] for r in await Institution.select(Institution.id).where(Institution.id.is_in(ids))} if ids else set()
    for i, e in enumerate(employments):
        if e.end is not None and e.end < e.start:
            errors.add(f"{prefix}[{i}].end", f"end {e.end} is before start {e.start}")
        if e.institution_id is not None and e.institution_id not in known:
            errors.add(f"{prefix}[{i}].institution_id", f"no institution with id {e.institution_id}")


async def validate_expert(data: s.ExpertCreate, prefix: str = "") -> tuple[str, str]:
    """Every problem of a new expert at once; returns the normalised ID number and phone."""
    errors = ErrorCollector()
    id_number = phone = ""
    try:
        parsed = parse_citizen_id(data.id_number)
        id_number = parsed.number
        if parsed.is_male != (data.gender is Gender.MALE):
            errors.add(f"{prefix}gender", "does not match the gender coded in the ID number (17th digit)")
    except ValueError as exc:
        errors.add(f"{prefix}id_number", str(exc))
    try:
        phone = validate_mobile(data.phone)
    except ValueError as exc:
        errors.add(f"{prefix}phone", str(exc))
    if data.email and ("@" not in data.email or data.email.startswith("@") or data.email.endswith("@")):
        errors.add(f"{prefix}email", "is not an e-mail address")
    await check_specialty_codes(data.specialties, f"{prefix}specialties", errors)
    await _check_employments(data.employments, errors, f"{prefix}employments")
    errors.raise_if_any("expert refused")
    if id_number and await Expert.exists().where(Expert.id_number_digest == get_vault().digest(id_number)):
        raise conflict("duplicate expert", f"{prefix}id_number", "an expert with this ID number is already registered")
    return id_number, phone


async def create_expert(data: s.ExpertCreate, prefix: str = "") -> Expert:
    id_number, phone = await validate_expert(data, prefix)
    vault = get_vault()
    expert = Expert(
        name=data.name.strip(), gender=data.gender.value,
        id_number_encrypted=vault.encrypt(id_number), id_number_digest=vault.digest(id_number),
        id_number_masked=mask_citizen_id(id_number),
        phone_encrypted=vault.encrypt(phone), phone_masked=mask_phone(phone),
        email=data.email, title=data.title, region=data.region, sector=data.sector.value,
    )
    await live_graph().sync()  # free-text employers are matched against the institutions as they are now
    async with transaction():
        await expert.save()
        await ExpertSpecialty.insert(*[ExpertSpecialty(expert=expert.id, specialty_code=c) for c in data.specialties])
        await note_change("expert", expert.id)
        if data.employments:
            rows = [_employment_row(expert.id, e) for e in data.employments]
            await Employment.insert(*rows)
            await link_employments(rows)
    return expert


def _employment_row(expert_id: int, e: s.EmploymentIn) -> Employment:
    return Employment(expert=expert_id, institution=e.institution_id, employer_name=e.employer_name.strip(),
                      position=e.position, start=e.start, end=e.end)


async def update_expert(expert_id: int, data: s.ExpertUpdate) -> None:
    expert = await get_or_404(Expert, expert_id, "expert")
    errors = ErrorCollector()
    phone = None
    if data.phone is not None:
        try:
            phone = validate_mobile(data.phone)
        except ValueError as exc:
            errors.add("phone", str(exc))
    if data.specialties is not None:
        await check_specialty_codes(data.specialties, "specialties", errors)
    errors.raise_if_any("expert update refused")
    async with transaction():
        if phone is not None:
            expert.phone_encrypted, expert.phone_masked = get_vault().encrypt(phone), mask_phone(phone)
        for name in ("email", "title", "region"):
            if getattr(data, name) is not None:
                setattr(expert, name, getattr(data, name))
        if data.sector is not None:
            expert.sector = data.sector.value
        await expert.save()
        if data.specialties is not None:
            await ExpertSpecialty.delete().where(ExpertSpecialty.expert == expert_id)
            await ExpertSpecialty.insert(*[ExpertSpecialty(expert=expert_id, specialty_code=c)
                                           for c in data.specialties])


async def add_employment(expert_id: int, data: s.EmploymentIn) -> Employment:
    await get_or_404(Expert, expert_id, "expert")
    errors = ErrorCollector()
    await _check_employments([data], errors, "employment")
    errors.raise_if_any("employment refused")
    row = _employment_row(expert_id, data)
    await live_graph().sync()
    async with transaction():
        await row.save()
        await link_employments([row])
    return row


async def reveal_personal_data(expert_id: int, reason: str) -> s.PersonalDataOut:
    """Unmasked ID number and phone, logged with the reason (R-REC-4)."""
    expert = await get_or_404(Expert, expert_id, "expert")
    await PersonalDataAccess(expert=expert_id, reason=reason).save()
    vault = get_vault()
    return s.PersonalDataOut(expert_id, vault.decrypt(expert.id_number_encrypted), vault.decrypt(expert.phone_encrypted))


async def load_standings(expert_ids: list[int]) -> dict[int, ExpertStanding]:
    ids = sorted(set(expert_ids)) or [-1]
    terms = await Term.select().where(Term.expert.is_in(ids))
    letters = await CommitmentLetter.select(CommitmentLetter.term).where(CommitmentLetter.expert.is_in(ids))
    dismissals = await Dismissal.select(Dismissal.expert, Dismissal.effective_on).where(Dismissal.expert.is_in(ids))
    discredits = await DiscreditRecord.select(DiscreditRecord.expert, DiscreditRecord.recorded_on) \
        .where(DiscreditRecord.expert.is_in(ids))
    signed = {row["term"] for row in letters}
    by_expert: dict[int, dict] = {i: {"terms": [], "dismissed": None, "discredited": None} for i in ids}
    for t in terms:
        by_expert[t["expert"]]["terms"].append(
            TermView(t["id"], TermSpan(t["start"], t["end"]), t["ended_early_on"]))
    for d in dismissals:
        slot = by_expert[d["expert"]]
        slot["dismissed"] = min(filter(None, [slot["dismissed"], d["effective_on"]]))
    for d in discredits:
        slot = by_expert[d["expert"]]
        slot["discredited"] = min(filter(None, [slot["discredited"], d["recorded_on"]]))
    return {i: ExpertStanding(terms=v["terms"], signed_letter_term_ids={t.id for t in v["terms"]} & signed,
                              dismissed_on=v["dismissed"], discredited_on=v["discredited"])
            for i, v in by_expert.items() if i != -1}


async def eligibility_for(expert_ids: list[int], on: date) -> dict[int, Eligibility]:
    """The registry's answer for many experts at once (R-POOL-4, R-DUTY-1, R-POOL-5, R-POOL-7)."""
    return {i: expert_eligibility(standing, on) for i, standing in (await load_standings(expert_ids)).items()}


def eligibility_out(expert_id: int, on: date, e: Eligibility) -> s.EligibilityOut:
    return s.EligibilityOut(expert_id, on, e.eligible, e.current_term_id, reasons_out(e.reasons))


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
    return view


async def open_duplicate_ids(kind: str, record_id: int) -> list[int]:
    from conflicts.tables import PossibleDuplicate

    rows = await PossibleDuplicate.select(PossibleDuplicate.first_id, PossibleDuplicate.second_id).where(
        (PossibleDuplicate.kind == kind) & (PossibleDuplicate.status == "open")
        & ((PossibleDuplicate.first_id == record_id) | (PossibleDuplicate.second_id == record_id)))
    return sorted({r["first_id"] if r["second_id"] == record_id else r["second_id"] for r in rows})


async def list_experts(on: date, specialty: str | None, sector: str | None, region: str | None,
                       q: str | None, eligible: bool | None, offset: int, limit: int) -> s.ExpertPage:
    query = Expert.objects().order_by(Expert.id)
    count = Expert.count()
    conditions = []
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


# --- recruitment (R-POOL-2, R-POOL-3) --------------------------------------------------------------
async def create_call(data: s.CallCreate) -> RecruitmentCall:
    errors = ErrorCollector()
    if data.closes_on < data.opens_on:
        errors.add("closes_on", f"{data.closes_on} is before opens_on {data.opens_on}")
    await check_specialty_codes(data.specialty_codes, "specialty_codes", errors)
    errors.raise_if_any("call refused")
    row = RecruitmentCall(title=data.title, specialty_codes=data.specialty_codes, description=data.description,
                          opens_on=data.opens_on, closes_on=data.closes_on)
    await row.save()
    return row


def application_out(row: Application, term_id: int | None = None) -> s.ApplicationOut:
    state = rec.ApplicationState(row.state)
    return s.ApplicationOut(id=row.id, call_id=row.call, expert_id=row.expert, state=state, state_label=state.label,
                            allowed_next_steps=[x.value for x in rec.allowed_steps(state)],
                            recommended_by_id=row.recommended_by, findings=list(row.findings or []),
                            reasons=list(row.reasons or []), term_id=term_id)


async def submit_application(call_id: int, data: s.ApplicationCreate, today: date) -> Application:
    call = await get_or_404(RecruitmentCall, call_id, "recruitment call", "call_id")
    applied_on = data.applied_on or today
    if not (call.opens_on <= applied_on <= call.closes_on):
        raise conflict("call not open", "applied_on",
                       f"the call accepts applications from {call.opens_on} to {call.closes_on}", "R-POOL-2")
    if (data.expert is None) == (data.expert_id is None):
        raise invalid("expert", "give either a new candidate's profile in 'expert' or an existing 'expert_id'")
    if data.recommended_by_id is not None and not await Institution.exists().where(
            Institution.id == data.recommended_by_id):
        raise invalid("recommended_by_id", f"no institution with id {data.recommended_by_id}")
    async with transaction():
        if data.expert is not None:
            expert_id = (await create_expert(data.expert, prefix="expert.")).id
        else:
            expert_id = (await get_or_404(Expert, data.expert_id, "expert", "expert_id")).id
            if await Application.exists().where((Application.call == call_id) & (Application.expert == expert_id)
                                                & (Application.state != rec.ApplicationState.WITHDRAWN.value)):
                raise conflict("duplicate application", "expert_id", "this expert already applied to this call")
        row = Application(call=call_id, expert=expert_id, recommended_by=data.recommended_by_id,
                          recommendation_note=data.recommendation_note, state=rec.ApplicationState.SUBMITTED.value)
        await row.save()
    return row


async def _application_at(application_id: int, step: rec.ApplicationStep) -> Application:
    row = await get_or_404(Application, application_id, "application")
    rec.require_step(rec.ApplicationState(row.state), step)
    return row


async def review_qualification(application_id: int, data: s.QualificationReviewIn) -> Application:
    row = await _application_at(application_id, rec.ApplicationStep.QUALIFICATION_REVIEW)
    findings = [rec.ConditionFinding(f.condition, f.met, f.note) for f in data.findings]
    missing = rec.missing_conditions(findings)
    if missing or len({f.condition for f in findings}) != len(findings):
        errors = ErrorCollector()
        for c in missing:
            errors.add(f"findings.{c.value}", f"not reviewed: {c.label}", "R-POOL-3")
        if len({f.condition for f in findings}) != len(findings):
            errors.add("findings", "a condition is reviewed more than once", "R-POOL-3")
        errors.raise_if_any("qualification review incomplete")
    state, reasons = rec.qualification_outcome(findings)
    row.state, row.reasons = state.value, reasons
    row.findings = [{"condition": f.condition.value, "label": f.condition.label, "met": f.met, "note": f.note}
                    for f in findings]
    await row.save()
    return row


async def decide_collectively(application_id: int, data: s.CollectiveDecisionIn) -> Application:
    row = await _application_at(application_id, rec.ApplicationStep.COLLECTIVE_DECISION)
    row.state = (rec.ApplicationState.APPROVED if data.approved else rec.ApplicationState.NOT_APPROVED).value
    row.decision_meeting_on, row.decision_note = data.meeting_on, data.note
    await row.save()
    return row


async def appoint(application_id: int, data: s.AppointmentIn) -> tuple[Application, Term]:
    """Appointment in the office's name: a term of at most three years and a certificate (聘书)."""
    row = await _application_at(application_id, rec.ApplicationStep.APPOINTMENT)
    async with transaction():
        term = await _new_term(row.expert, data.start, data.end, data.certificate_no, previous_id=None)
        row.state, row.certificate_no = rec.ApplicationState.APPOINTED.value, data.certificate_no
        await row.save()
    return row, term


async def withdraw(application_id: int, data: s.WithdrawalIn) -> Application:
    row = await _application_at(application_id, rec.ApplicationStep.WITHDRAWAL)
    row.state, row.decision_note = rec.ApplicationState.WITHDRAWN.value, data.reason
    await row.save()
    return row


# --- terms and letters (R-POOL-4, R-DUTY-1) --------------------------------------------------------
async def _refuse_if_removed(expert_id: int, field_name: str) -> None:
    standing = (await load_standings([expert_id]))[expert_id]
    if standing.discredited_on is not None:
        raise conflict("expert discredited", field_name, "an expert with a discredit record cannot be appointed",
                       "R-POOL-7")
    if standing.dismissed_on is not None:
        raise conflict("expert dismissed", field_name, "a dismissed expert cannot be appointed again", "R-POOL-5")


async def _new_term(expert_id: int, start: date, end: date, certificate_no: str, previous_id: int | None) -> Term:
    await _refuse_if_removed(expert_id, "expert_id")
    existing = [TermSpan(t["start"], t["end"]) for t in await Term.select().where(Term.expert == expert_id)]
    validate_term(start, end, existing)
    term = Term(expert=expert_id, start=start, end=end, previous=previous_id, certificate_no=certificate_no)
    await term.save()
    return term


async def renew_term(expert_id: int, term_id: int, data: s.RenewalIn) -> Term:
    previous = await get_expert_record_or_404(Term, term_id, "term", expert_id, "term_id")
    if previous.ended_early_on is not None:
        raise conflict("term ended early", "term_id", "a term ended by dismissal cannot be renewed", "R-POOL-5")
    if await Term.exists().where(Term.previous == term_id):
        raise conflict("already renewed", "term_id", "this term has already been renewed", "R-POOL-4")
    start, end = renewal_span(TermSpan(previous.start, previous.end), data.end, data.start)
    if start <= previous.end:
        raise invalid("start", f"a renewal starts after the previous term ends ({previous.end})", "R-POOL-4")
    return await _new_term(expert_id, start, end, data.certificate_no, previous_id=term_id)


async def sign_letter(expert_id: int, data: s.LetterIn) -> CommitmentLetter:
    term = await get_or_404(Term, data.term_id, "term", "term_id")
    if term.expert != expert_id:
        raise invalid("term_id", "the term belongs to another expert")
    validate_letter(data.text_version, data.commitments)
    if data.signed_on > term.end:
        raise invalid("signed_on", f"after the term ended ({term.end})", "R-DUTY-1")
    if await CommitmentLetter.exists().where(CommitmentLetter.term == data.term_id):
        raise conflict("letter exists", "term_id", "a commitment letter is already signed for this term", "R-DUTY-1")
    row = CommitmentLetter(expert=expert_id, term=data.term_id, text_version=data.text_version,
                           commitments=data.commitments, signed_on=data.signed_on)
    await row.save()
    return row


# --- reviews (R-POOL-6) ----------------------------------------------------------------------------
async def add_rating(expert_id: int, data: s.RatingIn) -> PerformanceRating:
    await get_or_404(Expert, expert_id, "expert")
    unit = await Institution.objects().where(Institution.id == data.unit_id).first()
    if unit is None:
        raise invalid("unit_id", f"no institution with id {data.unit_id}")
    row = PerformanceRating(expert=expert_id, unit=data.unit_id, assignment_ref=data.assignment_ref,
                            participation=data.participation, reliability=data.reliability,
                            implementation_effect=data.implementation_effect, comment=data.comment,
                            rated_on=data.rated_on)
    await row.save()
    return row


async def rate_effect(expert_id: int, rating_id: int, data: s.RatingEffectIn) -> PerformanceRating:
    row = await get_expert_record_or_404(PerformanceRating, rating_id, "rating", expert_id)
    if row.implementation_effect is not None:
        raise conflict("effect already rated", "implementation_effect",
                       f"already rated {row.implementation_effect}; ratings are not overwritten", "R-POOL-6")
    row.implementation_effect = data.implementation_effect
    await row.save()
    return row


async def add_decline(expert_id: int, data: s.DeclineIn) -> Decline:
    await get_or_404(Expert, expert_id, "expert")
    row = Decline(expert=expert_id, assignment_ref=data.assignment_ref, declined_on=data.declined_on,
                  reason=data.reason, good_reason=data.good_reason)
    await row.save()
    return row


async def open_annual_review(expert_id: int, data: s.AnnualReviewIn,
                             policy: ReviewPolicy = ReviewPolicy()) -> AnnualReview:
    await get_or_404(Expert, expert_id, "expert")
    if await AnnualReview.exists().where((AnnualReview.expert == expert_id) & (AnnualReview.year == data.year)):
        raise conflict("review exists", "year", f"the {data.year} review of this expert is already open", "R-POOL-6")
    first, last = date(data.year, 1, 1), date(data.year, 12, 31)
    ratings = await PerformanceRating.select().where(
        (PerformanceRating.expert == expert_id) & (PerformanceRating.rated_on >= first)
        & (PerformanceRating.rated_on <= last))
    declines = await Decline.select(Decline.good_reason).where(
        (Decline.expert == expert_id) & (Decline.declined_on >= first) & (Decline.declined_on <= last))
    standing = (await load_standings([expert_id]))[expert_id]
    term = next((t for t in standing.terms if t.active_on(data.review_date)), None)
    result = propose([Rating(r["participation"], r["reliability"], r["implementation_effect"]) for r in ratings],
                     [d["good_reason"] for d in declines], term.span.end if term else None, data.review_date, policy)
    f = result.figures
    row = AnnualReview(
        expert=expert_id, year=data.year, review_date=data.review_date, proposal=result.proposal.value,
        proposed_dismissal_reason=result.dismissal_reason.value if result.dismissal_reason else None,
        reasons=reasons_to_json(result.reasons),
        figures={"ratings": f.ratings, "mean_participation": f.mean_participation,
                 "mean_reliability": f.mean_reliability, "mean_implementation_effect": f.mean_implementation_effect,
                 "overall": f.overall, "declines_without_good_reason": f.declines_without_good_reason,
                 "declines_with_good_reason": f.declines_with_good_reason,
                 **await _participation(expert_id, data.year, data.review_date)})
    await row.save()
    return row


async def _participation(expert_id: int, year: int, on: date) -> dict[str, int]:
    """Invitations, answers and written opinions of the year, from panel assignment (issue 4)."""
    from assignment.services import participation

    return await participation(expert_id, year, on)


async def decide_annual_review(expert_id: int, review_id: int, data: s.AnnualDecisionIn) -> AnnualReview:
    """The office's decision; 'dismiss' files the dismissal, 'renew' creates the next term."""
    row = await get_expert_record_or_404(AnnualReview, review_id, "annual review", expert_id)
    if row.decision is not None:
        raise conflict("already decided", "decision", f"decided '{row.decision}' on {row.decided_on}", "R-POOL-6")
    async with transaction():
        if data.decision is ReviewProposal.DISMISS:
            code = DismissalReason(row.proposed_dismissal_reason or DismissalReason.INCOMPETENT.value)
            await dismiss(expert_id, s.DismissalIn(reason_code=code, effective_on=data.decided_on,
                                                   explanation=data.note or f"{row.year} 年度考核：{code.label}"))
        elif data.decision is ReviewProposal.RENEW:
            if not data.certificate_no:
                raise invalid("certificate_no", "a renewal needs the new appointment certificate number", "R-POOL-4")
            standing = (await load_standings([expert_id]))[expert_id]
            term = next((t for t in standing.terms if t.active_on(row.review_date)), None)
            if term is None:
                raise conflict("no term to renew", "decision", "the expert had no active term at the review",
                               "R-POOL-4")
            await renew_term(expert_id, term.id, s.RenewalIn(certificate_no=data.certificate_no))
        row.decision, row.decision_note, row.decided_on = data.decision.value, data.note, data.decided_on
        await row.save()
    return row


# --- dismissal and discredit (R-POOL-5, R-POOL-7) --------------------------------------------------
async def dismiss(expert_id: int, data: s.DismissalIn, now: datetime | None = None) -> Dismissal:
    """提前解聘: the current term ends on the effective day; the history stays."""
    await get_or_404(Expert, expert_id, "expert")
    if await Dismissal.exists().where(Dismissal.expert == expert_id):
        raise conflict("already dismissed", "expert_id", "this expert has already been dismissed", "R-POOL-5")
    if data.duty_breach is not None and data.reason_code not in DUTY_BREACH_GROUNDS:
        raise invalid("duty_breach", "a breach of the expert's duties supports dismissal codes 1 and 2 only", "R-DUTY-2")
    async with transaction():
        row = Dismissal(expert=expert_id, reason_code=data.reason_code.value, explanation=data.explanation,
                        duty_breach=data.duty_breach.value if data.duty_breach else None,
                        effective_on=data.effective_on)
        await row.save()
        await Term.update({Term.ended_early_on: data.effective_on}).where(
            (Term.expert == expert_id) & (Term.end >= data.effective_on) & Term.ended_early_on.is_null())
        from notifications.events import dismissed

        await dismissed(expert_id, data.effective_on, f"{DismissalReason(data.reason_code).label}：{data.explanation}",
                        row.id, now or datetime.now(timezone.utc))
    return row


async def record_expert_discredit(expert_id: int, data: s.DiscreditIn) -> DiscreditRecord:
    """Qualification cancelled, appointment ended, discredit record filed (R-POOL-7)."""
    await get_or_404(Expert, expert_id, "expert")
    async with transaction():
        record = DiscreditRecord(expert=expert_id, kind=data.kind.value, facts=data.facts,
                                 recorded_on=data.recorded_on)
        await record.save()
        if not await Dismissal.exists().where(Dismissal.expert == expert_id):
            await dismiss(expert_id, s.DismissalIn(reason_code=DismissalReason.VIOLATION, effective_on=data.recorded_on,
                                                   explanation=f"失信记录：{DiscreditKind(data.kind).label}。{data.facts}"))
    return record
