"""The unit of work: one database transaction, and the domain events raised inside it.

A service opens ``async with unit_of_work():`` around its writes and calls ``emit(event)`` for each
thing that happened (an employment added, a panel drawn, an expert dismissed). Before the
transaction commits, every handler subscribed to the event's type runs *inside the same
transaction*: the graph change log, outbox rows and record rows are stored with the change or not
at all. Handlers may emit further events; they are handled in the same pass. After the commit,
``after_commit`` callbacks run (forgetting cached reads, nudging in-process state); they never write.

A nested ``unit_of_work()`` joins the outer one, so services compose. Which handler answers which
event is decided in one place, the application's wiring (``app/wiring.py``); capability code only
emits. This keeps imports pointing one way: the emitter never imports its listeners.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from core.db import current_engine

Handler = Callable[[Any], Awaitable[None]]
AfterCommit = Callable[[list[Any]], Awaitable[None]]

# Bounded so a handler that keeps emitting (a bug) fails loudly instead of looping for ever.
MAX_EVENTS_PER_UNIT = 100_000


class MessageBus:
    """Event type → handlers, filled by the wiring at start-up. Handlers run in subscription order."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._after_commit: list[AfterCommit] = []

    def subscribe(self, event_type: type, handler: Handler) -> None:
        if handler not in self._handlers[event_type]:
            self._handlers[event_type].append(handler)

    def after_commit(self, callback: AfterCommit) -> None:
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def handlers_for(self, event: Any) -> list[Handler]:
        found: list[Handler] = []
        for kind in type(event).__mro__:
            found.extend(self._handlers.get(kind, ()))
        return found

    def clear(self) -> None:
        self._handlers.clear()
        self._after_commit.clear()


BUS = MessageBus()


@dataclass
class UnitOfWork:
    events: list[Any] = field(default_factory=list)
    handled: int = 0

    def emit(self, event: Any) -> None:
        if len(self.events) >= MAX_EVENTS_PER_UNIT:
            raise RuntimeError("too many domain events in one unit of work")
        self.events.append(event)

    async def handle_pending(self, bus: MessageBus) -> None:
        """Run the handlers of every event not handled yet, including events they emit."""
        while self.handled < len(self.events):
            event = self.events[self.handled]
            self.handled += 1
            for handler in bus.handlers_for(event):
                await handler(event)


_CURRENT: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


@asynccontextmanager
async def unit_of_work(transaction_factory: Callable[[], Any] | None = None,
                       bus: MessageBus = BUS) -> AsyncIterator[UnitOfWork]:
    """One transaction whose events are handled before it commits. Nested calls join the outer unit.

    ``transaction_factory`` opens the transaction (default: the shared engine's); the draw passes
    one that also takes the selection lock.
    """
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    uow = UnitOfWork()
    token = _CURRENT.set(uow)
    try:
        async with (transaction_factory or current_engine().transaction)():
            yield uow
            await uow.handle_pending(bus)
    finally:
        _CURRENT.reset(token)
    for callback in bus._after_commit:
        await callback(uow.events)


def emit(event: Any) -> None:
    """Record a domain event in the current unit of work (there must be one: events are never lost)."""
    uow = _CURRENT.get()
    if uow is None:
        raise RuntimeError(f"{type(event).__name__} emitted outside a unit of work")
    uow.emit(event)


def in_unit_of_work() -> bool:
    return _CURRENT.get() is not None
