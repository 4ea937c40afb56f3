"""Decision item use cases: register, change, list. No HTTP here."""

from __future__ import annotations

from datetime import datetime, timezone

from core.errors import ErrorCollector, invalid
from core.records import get_or_404
from core.uow import emit, save_new, unit_of_work
from decisions import schemas as s
from decisions.domain.gravity import GRAVITY_FLAGS, minimum_panel_size
from decisions.events import ItemChanged, ItemRegistered
from decisions.tables import DecisionItem
from registry.inputs import add_day_problems, cleaned
from registry.services.specialties import check_specialty_codes
from registry.tables import Institution


def gravity_of(row: DecisionItem) -> dict[str, bool]:
    return {name: bool(getattr(row, name)) for name in GRAVITY_FLAGS}


def item_minimum_panel(row: DecisionItem) -> int:
    """R-PANEL-1 for a stored item."""
    return minimum_panel_size(gravity_of(row))


def item_out(row: DecisionItem) -> s.ItemOut:
    return s.ItemOut(row.id, row.title, row.drafting_unit, list(row.specialty_codes), row.wide_scope,
                     row.controversial, row.complex, row.sensitive, row.opened_on, row.decided_on,
                     item_minimum_panel(row))


async def create_item(data: s.ItemCreate) -> DecisionItem:
    data = cleaned(data)
    errors = ErrorCollector()
    add_day_problems(data, errors)
    if data.drafting_unit_id is not None and not await Institution.exists().where(
            Institution.id == data.drafting_unit_id):
        errors.add("drafting_unit_id", f"no institution with id {data.drafting_unit_id}")
    await check_specialty_codes(data.specialty_codes, "specialty_codes", errors)
    errors.raise_if_any("decision item refused")
    row = DecisionItem(title=data.title, drafting_unit=data.drafting_unit_id,
                       specialty_codes=data.specialty_codes, wide_scope=data.wide_scope,
                       controversial=data.controversial, complex=data.complex, sensitive=data.sensitive,
                       opened_on=data.opened_on, created_at=datetime.now(timezone.utc))
    return await save_new(row, ItemRegistered)


async def update_item(item_id: int, data: s.ItemUpdate) -> DecisionItem:
    row = await get_or_404(DecisionItem, item_id, "decision item")
    errors = ErrorCollector()
    add_day_problems(data, errors)
    errors.raise_if_any("decision item update refused")
    if data.decided_on is not None and data.decided_on < row.opened_on:
        raise invalid("decided_on", f"{data.decided_on} is before the item was opened ({row.opened_on})")
    for name in ("decided_on", "wide_scope", "controversial", "complex", "sensitive"):
        if getattr(data, name) is not None:
            setattr(row, name, getattr(data, name))
    async with unit_of_work():
        await row.save()
        emit(ItemChanged(row.id))
    return row


async def list_items(q: str | None, offset: int, limit: int, unit: int | None = None) -> list[s.ItemOut]:
    query = DecisionItem.objects().order_by(DecisionItem.id).offset(offset).limit(limit)
    if unit is not None:
        query = query.where(DecisionItem.drafting_unit == unit)
    if q:
        query = query.where(DecisionItem.title.ilike(f"%{q}%"))
    return [item_out(r) for r in await query]


async def item_unit(item_id: int) -> int | None:
    """The drafting unit that owns an item (None for an item of no unit, or no such item)."""
    row = await DecisionItem.select(DecisionItem.drafting_unit).where(DecisionItem.id == item_id).first()
    return row["drafting_unit"] if row else None
