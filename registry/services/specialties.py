"""The specialty tree (专业分类) whose nodes are the expert sub-pools (R-POOL-1)."""

from __future__ import annotations

from core.errors import ErrorCollector, invalid
from core.uow import unit_of_work
from registry import schemas as s
from registry.domain.refusals import duplicate
from registry.domain.specialties import check_codes, default_specialties
from registry.inputs import cleaned
from registry.tables import Specialty


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
    """Collect the unknown or repeated codes of ``codes`` into ``errors`` (R-POOL-1)."""
    check_codes(codes, {row["code"] for row in await Specialty.select(Specialty.code)}, field_name, errors)


async def check_sub_pool_codes(codes: list[str], field_name: str, errors: ErrorCollector) -> None:
    """Issue 17 (R-POOL-1): the sub-pools a draw's universe is made of are nodes of the specialty tree (each with
    the specialties below it), each named once."""
    known = {row["code"] for row in await Specialty.select(Specialty.code)}
    for n, code in enumerate(codes):
        if code not in known:
            errors.add(f"{field_name}[{n}]", f"未知的专业分库「{code}」，见 GET /api/v1/specialties", "R-POOL-1")
    if len(set(codes)) != len(codes):
        errors.add(field_name, "专业分库重复", "R-POOL-1")


async def create_specialty(data: s.SpecialtyCreate) -> Specialty:
    data = cleaned(data)
    if await Specialty.exists().where(Specialty.code == data.code):
        raise duplicate("专业已存在", "code", f"专业代码「{data.code}」已在专业分类中")
    if data.parent_code is not None and not await Specialty.exists().where(Specialty.code == data.parent_code):
        raise invalid("parent_code", f"未知的专业代码「{data.parent_code}」", "R-POOL-1")
    row = Specialty(code=data.code, name=data.name, parent_code=data.parent_code)
    async with unit_of_work():
        await row.save()
    return row
