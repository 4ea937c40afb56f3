"""Multi-option items (R-PANEL-6): the owning unit records the options argued together; they are shown on the
item (``GET /items/{id}``) and on its own route. Setting them replaces the list; each setting is on the record
(the unit of work's event carries the list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from core.api import DEPS
from core.errors import RuleViolation
from core.records import get_or_404
from core.schemas import Input, Note, ShortName, clean
from core.uow import emit, unit_of_work
from decisions.domain.options import MAX_OPTIONS, Option, option_problems
from decisions.schemas import OptionOut
from decisions.tables import DecisionItem, ItemOption


class OptionIn(Input, kw_only=True):
    label: ShortName
    summary: Note


class OptionsIn(Input, kw_only=True):
    """The whole list: two to ten options argued together, or none (one proposal)."""

    options: Annotated[list[OptionIn], Meta(max_length=MAX_OPTIONS)]


class OptionsOut(Struct):
    item_id: int
    options: list[OptionOut]
    entered_by: str = ""
    entered_at: datetime | None = None
    rule_id: str = "R-PANEL-6"


@dataclass(frozen=True)
class ItemOptionsSet:
    """The owning unit set the options argued together (R-PANEL-6)."""

    item_id: int
    labels: tuple[str, ...]


async def options_of(item_id: int) -> OptionsOut:
    rows = await ItemOption.select().where(ItemOption.item == item_id).order_by(ItemOption.position)
    return OptionsOut(item_id, [OptionOut(r["label"], r["summary"]) for r in rows],
                      rows[0]["entered_by"] if rows else "", rows[0]["entered_at"] if rows else None)


async def set_options(item_id: int, data: OptionsIn, actor: str, now: datetime) -> OptionsOut:
    await get_or_404(DecisionItem, item_id, "decision item", "item_id")
    options = [Option(clean(o.label), clean(o.summary)) for o in data.options]
    if problems := option_problems(options):
        raise RuleViolation(detail="备选方案未登记", errors=problems)
    async with unit_of_work():
        await ItemOption.delete().where(ItemOption.item == item_id)
        if options:
            await ItemOption.insert(*[ItemOption(item=item_id, position=n, label=o.label, summary=o.summary,
                                                 entered_by=actor[:100], entered_at=now)
                                      for n, o in enumerate(options)])
        emit(ItemOptionsSet(item_id, tuple(o.label for o in options)))
    return await options_of(item_id)


class ItemOptionController(Controller):
    path = "/items"
    tags = ["decision items and conflicts"]
    dependencies = DEPS

    @put("/{item_id:int}/options", summary="Set the options of a multi-option item, argued together (R-PANEL-6): "
                                           "two to ten {label, summary}, or none")
    async def set(self, item_id: FromPath[int], data: JSONBody[OptionsIn], request: Request,
                  now: NamedDependency[datetime]) -> OptionsOut:
        return await set_options(item_id, data, request.user.username, now)

    @get("/{item_id:int}/options", summary="The options of a multi-option item (R-PANEL-6)")
    async def show(self, item_id: FromPath[int]) -> OptionsOut:
        await get_or_404(DecisionItem, item_id, "decision item", "item_id")
        return await options_of(item_id)


CONTROLLERS = [ItemOptionController]
