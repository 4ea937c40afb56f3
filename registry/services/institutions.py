"""Institutions and the third-party evaluator pool (第三方评估机构库), R-POOL-8."""

from __future__ import annotations

from core.errors import ErrorCollector
from core.records import get_or_404
from core.uow import emit, save_new, save_protected, unit_of_work
from registry import schemas as s
from registry.domain.eligibility import Reason
from registry.domain.identifiers import validate_uscc
from registry.domain.institutions import (
    InstitutionStanding,
    PoolApplication,
    admission_refusals,
    check_credit_change,
    check_may_apply,
    check_not_in_pool,
    credit_after_discredit,
    institution_eligibility,
    listed_in_pool,
)
from registry.domain.refusals import duplicate
from registry.domain.vocab import CreditStatus, DiscreditKind, InstitutionKind
from registry.events import InstitutionChanged, InstitutionRegistered
from registry.inputs import cleaned, taken_in
from registry.services.records import reasons_to_json
from registry.tables import DiscreditRecord, EvaluatorPoolEntry, Institution


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
                raise duplicate("统一社会信用代码重复", "uscc",
                                f"已有机构使用统一社会信用代码 {normalised}")
    if parent_id is not None:
        if parent_id == self_id:
            errors.add("parent_id", "机构不能是自己的上级单位")
        elif not await Institution.exists().where(Institution.id == parent_id):
            errors.add("parent_id", f"没有编号为 {parent_id} 的机构")
        elif self_id is not None and self_id in await ancestor_ids(parent_id):
            errors.add("parent_id", "会使上下级关系形成循环")
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
    data = cleaned(data)
    errors = ErrorCollector()
    uscc = await _check_institution_fields(errors, data.uscc, data.parent_id)
    errors.raise_if_any("机构信息不符合要求")
    row = Institution(name=data.name, kind=data.kind.value, uscc=uscc, aliases=data.aliases,
                      parent=data.parent_id, region=data.region, credit_status=data.credit_status.value)
    return await save_new(row, InstitutionRegistered)


async def update_institution(institution_id: int, data: s.InstitutionUpdate) -> Institution:
    row = await get_or_404(Institution, institution_id, "institution")
    data = cleaned(data)
    errors = ErrorCollector()
    await _check_institution_fields(errors, None, data.parent_id, self_id=institution_id)
    errors.raise_if_any("机构信息修改不符合要求")
    check_credit_change(row.blacklisted, data.credit_status)
    for name in ("name", "aliases", "region"):
        if getattr(data, name) is not None:
            setattr(row, name, getattr(data, name))
    if data.parent_id is not None:
        row.parent = data.parent_id
    if data.credit_status is not None:
        row.credit_status = data.credit_status.value
    async with unit_of_work():
        await row.save()
        emit(InstitutionChanged(row.id))
    return row


async def institution_pool_ids(ids: list[int] | None = None) -> set[int]:
    """Institutions admitted to the evaluator pool, not removed, and still listed: blacklisted and
    discredited institutions and government bodies leave every pool list and every draw (R-POOL-8,
    R-COI-4). Among ``ids`` when given."""
    entry = EvaluatorPoolEntry
    query = entry.select(entry.institution, entry.institution.kind, entry.institution.credit_status,
                         entry.institution.blacklisted).where(entry.admitted.eq(True) & entry.removed_on.is_null())
    if ids is not None:
        query = query.where(entry.institution.is_in(ids or [-1]))
    return {row["institution"] for row in await query
            if listed_in_pool(InstitutionKind(row["institution.kind"]), CreditStatus(row["institution.credit_status"]),
                              bool(row["institution.blacklisted"]))}


async def apply_to_evaluator_pool(institution_id: int, data: s.PoolApplicationIn) -> EvaluatorPoolEntry:
    """Admit or refuse at once, recording the reasons (R-POOL-8)."""
    inst = await get_or_404(Institution, institution_id, "institution")
    data = cleaned(data)
    check_may_apply(InstitutionKind(inst.kind), inst.blacklisted)
    check_not_in_pool(institution_id in await institution_pool_ids([institution_id]))
    refusals = admission_refusals(PoolApplication(
        credit_status=CreditStatus(inst.credit_status), has_facilities=data.has_facilities,
        staff_competences=set(data.staff_competences), blacklisted=inst.blacklisted))
    entry = EvaluatorPoolEntry(institution=institution_id, qualifications=data.qualifications,
                               staff_competences=[c.value for c in data.staff_competences],
                               has_facilities=data.has_facilities, admitted=not refusals,
                               reasons=reasons_to_json(refusals))
    async with unit_of_work():
        await entry.save()
    return entry


async def institution_eligibility_of(institution_id: int) -> list[Reason]:
    inst = await get_or_404(Institution, institution_id, "institution")
    return institution_eligibility(InstitutionStanding(
        in_pool=institution_id in await institution_pool_ids([institution_id]),
        credit_status=CreditStatus(inst.credit_status), blacklisted=inst.blacklisted,
        government_body=inst.kind == InstitutionKind.GOVERNMENT_BODY.value))


async def record_institution_discredit(institution_id: int, data: s.DiscreditIn) -> DiscreditRecord:
    """A discredit record makes the credit 'discredited'; cheating in an evaluation also blacklists (SY 三(一)4)."""
    inst = await get_or_404(Institution, institution_id, "institution")
    data = taken_in(data, "失信记录不符合要求")
    credit = credit_after_discredit(data.kind, inst.blacklisted)
    async with unit_of_work():
        record = await save_protected(DiscreditRecord(institution=institution_id, kind=data.kind.value,
                                                      facts=data.facts, recorded_on=data.recorded_on))
        if credit.blacklisted and not inst.blacklisted:  # removed from the pool for good, with the reason
            why = f"列入黑名单：{DiscreditKind(data.kind).label}（失信记录 {record.id}）"
            await EvaluatorPoolEntry.update({
                EvaluatorPoolEntry.removed_on: data.recorded_on, EvaluatorPoolEntry.removal_reason: why,
            }).where((EvaluatorPoolEntry.institution == institution_id) & EvaluatorPoolEntry.removed_on.is_null()
                     & EvaluatorPoolEntry.admitted.eq(True))
        inst.credit_status, inst.blacklisted = credit.status.value, credit.blacklisted
        await inst.save()
        emit(InstitutionChanged(institution_id))
    return record
