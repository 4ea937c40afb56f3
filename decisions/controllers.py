"""Decision item endpoints under /api/v1/items: register, read, list, change."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from core.api import DEPS, Limit, Offset, unit_scope
from core.errors import forbidden
from core.records import get_or_404
from decisions import schemas as s
from decisions import services as svc
from decisions.tables import DecisionItem

SearchText = Annotated[str | None, QueryParameter(max_length=300)]  # bounded like a title (issue 12)


class ItemController(Controller):
    path = "/items"
    tags = ["decision items and conflicts"]
    dependencies = DEPS

    @post("/", summary="Register a decision item (重大行政决策事项)")
    async def create(self, data: JSONBody[s.ItemCreate], request: Request) -> s.ItemOut:
        unit = unit_scope(request)
        if unit is not None:  # a drafting unit registers items for itself
            if data.drafting_unit_id not in (None, unit):
                raise forbidden("not your unit", "drafting_unit_id", "a drafting unit registers its own items")
            data.drafting_unit_id = unit
        return svc.item_out(await svc.create_item(data))

    @get("/", summary="Decision items (a drafting unit sees its own)")
    async def index(self, request: Request, offset: Offset = 0, limit: Limit = 50,
                    q: SearchText = None) -> list[s.ItemOut]:
        return await svc.list_items(q, offset, limit, unit_scope(request))

    @get("/{item_id:int}")
    async def show(self, item_id: FromPath[int]) -> s.ItemOut:
        return svc.item_out(await get_or_404(DecisionItem, item_id, "decision item"))

    @patch("/{item_id:int}", summary="Mark the item decided, or change its gravity flags: a change needs a reason "
                                      "and is recorded; once a panel is drawn a flag may not be cleared (R-PANEL-1)")
    async def update(self, item_id: FromPath[int], data: JSONBody[s.ItemUpdate],
                     drawn_panels: NamedDependency[svc.DrawnPanels]) -> s.ItemOut:
        row, notes = await svc.update_item(item_id, data, drawn_panels)
        return svc.item_out(row, notes)


async def require_own_item(connection: Request, item_id: int, field: str = "item_id") -> None:
    """A unit acts only on its own decision items (checked on a request body)."""
    unit = unit_scope(connection)
    if unit is not None and await svc.item_unit(item_id) != unit:
        raise forbidden("not your decision item", field, "a drafting unit acts on its own items only")


CONTROLLERS = [ItemController]
