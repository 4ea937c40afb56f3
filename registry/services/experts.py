"""Expert profiles: registration, changes, employment history, and the logged reveal of personal data."""

from __future__ import annotations

from datetime import datetime

from core.errors import ErrorCollector, conflict, invalid
from core.records import get_or_404
from core.schemas import clean
from core.uow import emit, save_protected, unit_of_work, update_protected
from registry import schemas as s
from registry.domain.identifiers import (
    mask_citizen_id,
    mask_phone,
    parse_citizen_id,
    validate_mobile,
)
from registry.domain.refusals import duplicate
from registry.domain.specialties import check_codes
from registry.domain.vocab import Gender
from registry.events import (
    EmploymentAdded,
    ExpertChanged,
    ExpertChangeDecided,
    ExpertChangeRequested,
    ExpertRegistered,
)
from registry.inputs import add_day_problems, cleaned
from registry.privacy import get_vault
from registry.services.eligibility_facts import eligibility_changed
from registry.services.search import refresh_search_keys
from registry.services.specialties import check_specialty_codes
from registry.tables import (
    Employment,
    Expert,
    ExpertChangeRequest,
    ExpertSpecialty,
    Institution,
    PersonalDataAccess,
    Specialty,
)


def employment_problems(employments: list[s.EmploymentIn], errors: ErrorCollector, prefix: str,
                        known: set[int]) -> None:
    """Pure: an end before its start, an institution id not among ``known``."""
    for i, e in enumerate(employments):
        if e.end is not None and e.end < e.start:
            errors.add(f"{prefix}[{i}].end", f"结束日期 {e.end} 早于开始日期 {e.start}")
        if e.institution_id is not None and e.institution_id not in known:
            errors.add(f"{prefix}[{i}].institution_id", f"没有编号为 {e.institution_id} 的机构")


async def known_institutions(employments: list[s.EmploymentIn]) -> set[int]:
    ids = sorted({e.institution_id for e in employments if e.institution_id is not None})
    return {r["id"] for r in await Institution.select(Institution.id).where(Institution.id.is_in(ids))} \
        if ids else set()


async def _check_employments(employments: list[s.EmploymentIn], errors: ErrorCollector, prefix: str) -> None:
    employment_problems(employments, errors, prefix, await known_institutions(employments))


def expert_problems(data: s.ExpertCreate, prefix: str, specialty_codes: set[str], institutions: set[int],
                    errors: ErrorCollector) -> tuple[str, str]:
    """Pure: every problem of a new expert given the specialty codes and institutions known; returns the
    normalised ID number and phone (empty when refused)."""
    add_day_problems(data, errors, prefix)
    id_number = phone = ""
    try:
        parsed = parse_citizen_id(data.id_number)
        id_number = parsed.number
        if parsed.is_male != (data.gender is Gender.MALE):
            errors.add(f"{prefix}gender", "与身份证号码第 17 位所示性别不符")
    except ValueError as exc:
        errors.add(f"{prefix}id_number", str(exc))
    try:
        phone = validate_mobile(data.phone)
    except ValueError as exc:
        errors.add(f"{prefix}phone", str(exc))
    if data.email and ("@" not in data.email or data.email.startswith("@") or data.email.endswith("@")):
        errors.add(f"{prefix}email", "不是有效的电子邮件地址")
    check_codes(data.specialties, specialty_codes, f"{prefix}specialties", errors)
    employment_problems(data.employments, errors, f"{prefix}employments", institutions)
    return id_number, phone


async def validate_expert(data: s.ExpertCreate, prefix: str = "") -> tuple[str, str]:
    """Every problem of a new expert at once; returns the normalised ID number and phone."""
    errors = ErrorCollector()
    codes = {row["code"] for row in await Specialty.select(Specialty.code)}
    id_number, phone = expert_problems(data, prefix, codes, await known_institutions(data.employments), errors)
    errors.raise_if_any("专家信息不符合要求")
    if id_number and await Expert.exists().where(Expert.id_number_digest == get_vault().digest(id_number)):
        raise duplicate("专家重复", f"{prefix}id_number", "该身份证号码的专家已登记")
    return id_number, phone


async def create_expert(data: s.ExpertCreate, prefix: str = "") -> Expert:
    """Register a profile; ``prefix`` names its fields inside a larger input (an application)."""
    data = cleaned(data)
    id_number, phone = await validate_expert(data, prefix)
    vault = get_vault()
    expert = Expert(
        name=data.name, gender=data.gender.value,
        id_number_encrypted=vault.encrypt(id_number), id_number_digest=vault.digest(id_number),
        id_number_masked=mask_citizen_id(id_number),
        phone_encrypted=vault.encrypt(phone), phone_masked=mask_phone(phone),
        email=data.email, title=data.title, region=data.region, sector=data.sector.value,
    )
    async with unit_of_work():
        await expert.save()
        await ExpertSpecialty.insert(*[ExpertSpecialty(expert=expert.id, specialty_code=c) for c in data.specialties])
        rows = [_employment_row(expert.id, e) for e in data.employments]
        for row in rows:
            await row.save()
        await refresh_search_keys([expert.id])
        await eligibility_changed(expert.id)  # issue 17: no term yet; the fact says why
        emit(ExpertRegistered(expert.id, tuple(row.id for row in rows)))
    return expert


def _employment_row(expert_id: int, e: s.EmploymentIn) -> Employment:
    return Employment(expert=expert_id, institution=e.institution_id, employer_name=clean(e.employer_name),
                      position=clean(e.position), start=e.start, end=e.end)


# The fields that place an expert in sub-pools (专业分库) and sectors: only the office changes them; an
# expert's own change to them is a pending request the office decides (issue 11, R-POOL-1, R-PANEL-2).
SUB_POOL_FIELDS = ("specialties", "sector")
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


async def _specialties_of(expert_id: int) -> list[str]:
    rows = await ExpertSpecialty.select(ExpertSpecialty.specialty_code).where(
        ExpertSpecialty.expert == expert_id).order_by(ExpertSpecialty.id)
    return [r["specialty_code"] for r in rows]


def _sub_pool_changes(data: s.ExpertUpdate, specialties: list[str], sector: str) -> dict:
    """The sub-pool fields the update really changes (a list of the same codes in another order is no change)."""
    changes: dict = {}
    if data.specialties is not None and set(data.specialties) != set(specialties):
        changes["specialties"] = list(dict.fromkeys(data.specialties))
    if data.sector is not None and data.sector.value != sector:
        changes["sector"] = data.sector.value
    return changes


async def _apply_sub_pools(expert: Expert, changes: dict) -> None:
    """The office's change of specialties and sector, inside the caller's unit of work."""
    if "sector" in changes:
        expert.sector = changes["sector"]
        await expert.save()
    if "specialties" in changes:
        await ExpertSpecialty.delete().where(ExpertSpecialty.expert == expert.id)
        await ExpertSpecialty.insert(*[ExpertSpecialty(expert=expert.id, specialty_code=c)
                                       for c in changes["specialties"]])


async def update_expert(expert_id: int, data: s.ExpertUpdate, now: datetime, by: str = "office",
                        by_office: bool = True) -> ExpertChangeRequest | None:
    """Change a profile. The office's change applies at once. The expert's own change applies contact data
    at once, and turns a change of specialties or sector into a pending request (returned) dated by the
    service's clock ``now``; one pending request per expert (409 for a second)."""
    expert = await get_or_404(Expert, expert_id, "expert")
    data = cleaned(data)
    errors = ErrorCollector()
    phone = None
    if data.phone is not None:
        try:
            phone = validate_mobile(data.phone)
        except ValueError as exc:
            errors.add("phone", str(exc))
    if data.specialties is not None:
        await check_specialty_codes(data.specialties, "specialties", errors)
    errors.raise_if_any("专家信息修改不符合要求")
    specialties = await _specialties_of(expert_id)
    changes = _sub_pool_changes(data, specialties, expert.sector)
    request = None
    async with unit_of_work():
        if phone is not None:
            expert.phone_encrypted, expert.phone_masked = get_vault().encrypt(phone), mask_phone(phone)
        for name in ("email", "title", "region"):
            if getattr(data, name) is not None:
                setattr(expert, name, getattr(data, name))
        # Writing the expert's row first holds it (a row lock on PostgreSQL; SQLite's write lock is held from
        # the start), so two simultaneous requests of one expert see each other's pending request.
        await expert.save()
        if changes and not by_office:
            pending = await ExpertChangeRequest.select(ExpertChangeRequest.id).where(
                (ExpertChangeRequest.expert == expert_id) & (ExpertChangeRequest.status == PENDING)).first()
            if pending is not None:  # raised inside the unit: the contact data above is not kept either
                raise conflict("已有待审核的变更请求", "specialties",
                               f"变更请求 {pending['id']} 尚待政策法规处审核，审核前不能再次提出", "R-POOL-1",
                               pending_request_id=pending["id"])
        if by_office:
            await _apply_sub_pools(expert, changes)
        elif changes:
            previous = {"specialties": specialties, "sector": expert.sector}
            request = await save_protected(ExpertChangeRequest(
                expert=expert_id, fields=changes, previous={k: previous[k] for k in changes},
                reason=data.reason or "", status=PENDING, requested_by=by, created_at=now))
            emit(ExpertChangeRequested(request.id, expert_id))
        emit(ExpertChanged(expert_id, tuple(changes) if by_office else ()))
    return request


async def decide_change_request(request_id: int, data: s.ChangeDecisionIn, by: str,
                                now: datetime) -> ExpertChangeRequest:
    """The office approves (the change applies as the office's own would) or refuses (with a reason) a
    pending request; a decided request is not decided again (409)."""
    row = await get_or_404(ExpertChangeRequest, request_id, "change request")
    data = cleaned(data)
    if not data.approve and not data.reason:
        raise invalid("reason", "不同意变更须说明理由")
    fields = dict(row.fields or {})
    if data.approve and "specialties" in fields:
        errors = ErrorCollector()
        await check_specialty_codes(fields["specialties"], "specialties", errors)
        errors.raise_if_any("所请求的专业已不在专业分类中")
    async with unit_of_work():
        decided = await update_protected(ExpertChangeRequest, {
            ExpertChangeRequest.status: APPROVED if data.approve else REFUSED,
            ExpertChangeRequest.decided_by: by, ExpertChangeRequest.decided_at: now,
            ExpertChangeRequest.decision_reason: data.reason,
        }, (ExpertChangeRequest.id == request_id) & (ExpertChangeRequest.status == PENDING))
        if not decided:
            raise conflict("变更请求已审核", "change_request_id",
                           f"该变更请求已{'同意' if row.status == APPROVED else '拒绝'}，不能再次审核")
        if data.approve:
            expert = await get_or_404(Expert, row.expert, "expert")
            await _apply_sub_pools(expert, fields)
            emit(ExpertChanged(row.expert, tuple(fields)))
        emit(ExpertChangeDecided(request_id, row.expert, bool(data.approve)))
    return await get_or_404(ExpertChangeRequest, request_id, "change request")


async def add_employment(expert_id: int, data: s.EmploymentIn) -> Employment:
    await get_or_404(Expert, expert_id, "expert")
    data = cleaned(data)
    errors = ErrorCollector()
    add_day_problems(data, errors)
    await _check_employments([data], errors, "employment")
    errors.raise_if_any("任职经历不符合要求")
    row = _employment_row(expert_id, data)
    async with unit_of_work():
        await row.save()
        await refresh_search_keys([expert_id])  # a new current employer is found by ?q= too
        emit(EmploymentAdded(row.id))
    return row


async def reveal_personal_data(expert_id: int, reason: str) -> s.PersonalDataOut:
    """Unmasked ID number and phone, logged with the reason (R-REC-4)."""
    expert = await get_or_404(Expert, expert_id, "expert")
    async with unit_of_work():
        await PersonalDataAccess(expert=expert_id, reason=clean(reason)).save()
    vault = get_vault()
    return s.PersonalDataOut(expert_id, vault.decrypt(expert.id_number_encrypted),
                             vault.decrypt(expert.phone_encrypted))
