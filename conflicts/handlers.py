"""What the conflict capability does when other capabilities change something: keep the graph's
change log in step, in the same transaction as the change. Registered by the application's wiring."""

from __future__ import annotations

from conflicts.live import note_change
from core.uow import MessageBus
from decisions.events import ItemRegistered


async def _item_registered(event: ItemRegistered) -> None:
    await note_change("item", event.item_id)


def register(bus: MessageBus) -> None:
    bus.subscribe(ItemRegistered, _item_registered)
