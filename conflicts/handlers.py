"""What the conflict capability does when a record the graph is built from changes: append to the
graph change log, in the same transaction as the change. Registered by the application's wiring."""

from __future__ import annotations

from conflicts.events import EmploymentsLinked, GraphChanged
from conflicts.live import LiveGraph, note_change, note_changes
from core.uow import MessageBus
from decisions.events import ItemChanged, ItemRegistered


async def _graph_changed(event: GraphChanged) -> None:
    await note_change(*event.graph_record)


async def _employments_linked(event: EmploymentsLinked) -> None:
    await note_changes("employment", event.employment_ids)


async def _item_registered(event: ItemRegistered | ItemChanged) -> None:
    """The item's node and its drafting unit's edge (承办, R-COI-4) follow the item."""
    await note_change("item", event.item_id)


def register(bus: MessageBus, live: LiveGraph | None = None) -> None:
    """``live`` (the process's graph) is not needed here: these handlers only write the log that
    every process's graph syncs from."""
    bus.subscribe(GraphChanged, _graph_changed)
    bus.subscribe(EmploymentsLinked, _employments_linked)
    bus.subscribe(ItemRegistered, _item_registered)
    bus.subscribe(ItemChanged, _item_registered)
