"""Expert profiles: registration, changes, employment history, and the logged reveal of personal data."""

from __future__ import annotations

from core.errors import ErrorCollector
from core.records import get_or_404
from core.schemas import clean
from core.uow import emit, unit_of_work
from registry import schemas as s
from registry.domain.identifiers import (
    mask_citizen_id,
    mask_phone,
    parse_citizen_id,
    validate_mobile,
)
from registry.domain.refusals import duplicate
from registry.domain.vocab import Gender
from registry.events import EmploymentAdded, ExpertRegistered
from registry.inputs import add_day_problems, cleaned
from registry.privacy import get_vault
from registry.services.specialties import check_specialty_codes
from registry.tables import (
    Employment,
    Expert,
    ExpertSpecialty,
    Institution,
    PersonalDataAccess,
)


async def _check_employments(employments: list[s.EmploymentIn], errors: ErrorCollector, prefix: str) -> None:
    ids = [e.institution_id for e in employments if e.institution_id is not None]
    known = {r["id"] for r in await Institution.select(Institution.id).where(Institution.id.is_in(ids))} \
        if ids else set()
    for i, e in enumerate(employments):
        if e.end is not None and e.end < e.start:
            errors.add(f"{prefix}[{i}].end", f"end {e.end} is before start {e.start}")
        if e.institution_id is not None and e.institution_id not in known:
            errors.add(f"{prefix}[{i}].institution_id", f"no institution with id {e.institution_id}")


async def validate_expert(data: s.ExpertCreate, prefix: str = "") -> tuple[str, str]:
    """Every problem of a new expert at once; returns the normalised ID number and phone."""
    errors = ErrorCollector()
    add_day_problems(data, errors, prefix)
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
        raise duplicate("duplicate expert", f"{prefix}id_number", "an expert with this ID number is already registered")
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
        emit(ExpertRegistered(expert.id, tuple(row.id for row in rows)))
    return expert


def _employment_row(expert_id: int, e: s.EmploymentIn) -> Employment:
    return Employment(expert=expert_id, institution=e.institution_id, employer_name=clean(e.employer_name),
                      position=clean(e.position), start=e.start, end=e.end)


async def update_expert(expert_id: int, data: s.ExpertUpdate) -> None:
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
    errors.raise_if_any("expert update refused")
    async with unit_of_work():
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
    data = cleaned(data)
    errors = ErrorCollector()
    add_day_problems(data, errors)
    await _check_employments([data], errors, "employment")
    errors.raise_if_any("employment refused")
    row = _employment_row(expert_id, data)
    async with unit_of_work():
        await row.save()
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
