"""Decision item use cases: register, change, list. No HTTP here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from core.errors import ErrorCollector, conflict, invalid
from core.locks import exclusive
from core.records import get_or_404
from core.schemas import Page
from core.uow import emit, save_new, unit_of_work
from decisions import schemas as s
from decisions.domain.gravity import GRAVITY_FLAGS, DrawnPanel, judge_gravity_change, minimum_panel_size
from decisions.events import GravityChanged, ItemChanged, ItemRegistered
from decisions.lifecycle import decide_by_date
from decisions.tables import DecisionItem
from registry.inputs import add_day_problems, cleaned
from registry.services.specialties import check_specialty_codes, check_sub_pool_codes
from registry.tables import Institution


def gravity_of(row: DecisionItem) -> dict[str, bool]:
    return {name: bool(getattr(row, name)) for name in GRAVITY_FLAGS}


def item_minimum_panel(row: DecisionItem) -> int:
    """R-PANEL-1 for a stored item."""
    return minimum_panel_size(gravity_of(row))


def item_out(row: DecisionItem, notes: tuple[str, ...] = ()) -> s.ItemOut:
    return s.ItemOut(row.id, row.title, row.drafting_unit, list(row.specialty_codes), row.wide_scope,
                     row.controversial, row.complex, row.sensitive, row.opened_on, row.decided_on,
                     item_minimum_panel(row), list(notes), sub_pools=list(row.sub_pools or []))


async def create_item(data: s.ItemCreate) -> DecisionItem:
    data = cleaned(data)
    errors = ErrorCollector()
    add_day_problems(data, errors)
    if data.drafting_unit_id is not None and not await Institution.exists().where(
            Institution.id == data.drafting_unit_id):
        errors.add("drafting_unit_id", f"没有 id 为 {data.drafting_unit_id} 的机构")
    await check_specialty_codes(data.specialty_codes, "specialty_codes", errors)
    await check_sub_pool_codes(data.sub_pools, "sub_pools", errors)
    errors.raise_if_any("决策事项登记被拒绝")
    row = DecisionItem(title=data.title, drafting_unit=data.drafting_unit_id,
                       specialty_codes=data.specialty_codes, wide_scope=data.wide_scope,
                       controversial=data.controversial, complex=data.complex, sensitive=data.sensitive,
                       opened_on=data.opened_on, created_at=datetime.now(timezone.utc), sub_pools=data.sub_pools)
    return await save_new(row, ItemRegistered)


# The panels of experts already drawn for an item. Panels belong to assignment, a capability above this one:
# the application hands the function down (``app.wiring.DEPENDENCIES["drawn_panels"]``).
DrawnPanels = Callable[[int], Awaitable[list[DrawnPanel]]]


async def update_item(item_id: int, data: s.ItemUpdate, drawn_panels: DrawnPanels, actor: str = "",
                      now: datetime | None = None) -> tuple[DecisionItem, tuple[str, ...]]:
    """Mark the item decided, or change its gravity flags. A flag change needs a reason and is recorded
    (``GravityChanged``: old → new, the reason); once a panel of experts has been drawn for the item a flag
    may be raised (the answer notes a panel now below the minimum) but never cleared (409, R-PANEL-1).
    Returns the item and the notes."""
    row = await get_or_404(DecisionItem, item_id, "decision item")
    errors = ErrorCollector()
    add_day_problems(data, errors)
    if data.sub_pools is not None:
        await check_sub_pool_codes(data.sub_pools, "sub_pools", errors)
    errors.raise_if_any("决策事项修改被拒绝")
    if data.decided_on is not None and data.decided_on < row.opened_on:
        raise invalid("decided_on", f"决策作出日期 {data.decided_on} 早于事项登记日期（{row.opened_on}）")
    reason = (data.reason or "").strip()
    # Judged under the draw's lock (core.locks.exclusive), against the panels drawn until now: on PostgreSQL a draw
    # committing between the count and the change would otherwise let a flag be cleared after it.
    async with unit_of_work(transaction_factory=exclusive):
        await row.refresh(load_json=True)  # read raw, JSON columns come back as text (issue 13)
        wanted = {name: getattr(data, name) for name in GRAVITY_FLAGS}
        change = judge_gravity_change(gravity_of(row), wanted, reason, await drawn_panels(row.id))
        if change.problem is not None:
            p = change.problem
            if p.kind == "conflict":
                raise conflict("已抽取论证专家后不能取消重大性标记", p.field, p.reason, p.rule_id)
            raise invalid(p.field, p.reason, p.rule_id)
        if data.decided_on is not None:
            # issue 14: an argued or assessed item is decided through the same recorded step
            await decide_by_date(row, data.decided_on, actor, now or datetime.now(timezone.utc))
            row.decided_on = data.decided_on
        for name, (_, new) in change.changes.items():
            setattr(row, name, new)
        if data.sub_pools is not None:
            row.sub_pools = list(data.sub_pools)
        await row.save()
        if change.changes:
            emit(GravityChanged(row.id, {n: {"old": old, "new": new} for n, (old, new) in change.changes.items()},
                                reason, change.minimum_before, change.minimum_after, change.notes))
        emit(ItemChanged(row.id))
    return row, change.notes


async def list_items(q: str | None, offset: int, limit: int, unit: int | None = None) -> Page[s.ItemOut]:
    """One page of items (a unit's own only), with the count of all that match. JSON columns are decoded
    (``load_json``): read raw, ``specialty_codes`` came back as the characters of its JSON text (issue 13)."""
    where = []
    if unit is not None:
        where.append(DecisionItem.drafting_unit == unit)
    if q:
        where.append(DecisionItem.title.ilike(f"%{q}%"))
    query = DecisionItem.objects().where(*where).order_by(DecisionItem.id).offset(offset).limit(limit)
    total = await DecisionItem.count().where(*where)
    return Page([item_out(r) for r in await query.output(load_json=True)], total, offset, limit)


async def item_unit(item_id: int) -> int | None:
    """The drafting unit that owns an item (None for an item of no unit, or no such item)."""
    row = await DecisionItem.select(DecisionItem.drafting_unit).where(DecisionItem.id == item_id).first()
    return row["drafting_unit"] if row else None
