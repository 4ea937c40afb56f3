"""The application's wiring (app/wiring.py): listeners write in the emitting transaction."""

from __future__ import annotations

import asyncio

import pytest

from app.wiring import wire
from core.uow import MessageBus, emit, unit_of_work
from decisions.events import ItemRegistered
from tests.service.test_unit_of_work import Refused, noted


@pytest.fixture
def wired_bus() -> MessageBus:
    """A bus with the application's handlers subscribed, as at start-up (without an app's cache)."""
    return wire(bus=MessageBus())


def test_a_registered_item_is_logged_for_the_graph_in_the_same_transaction(wired_bus: MessageBus) -> None:
    async def register(item_id: int) -> None:
        async with unit_of_work(bus=wired_bus):
            emit(ItemRegistered(item_id))

    asyncio.run(register(7))
    assert asyncio.run(noted("item")) == [7]

    async def refuse(event: ItemRegistered) -> None:  # runs after the wired handlers
        raise Refused

    wired_bus.subscribe(ItemRegistered, refuse)
    with pytest.raises(Refused):
        asyncio.run(register(8))
    assert asyncio.run(noted("item")) == [7]  # the log row went with the refused change
