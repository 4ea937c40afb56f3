"""The unit of work: one database transaction, and the domain events raised inside it.

A service opens ``async with unit_of_work():`` around its writes and calls ``emit(event)`` for each
thing that happened (an employment added, a panel drawn, an expert dismissed). Before the
transaction commits, every handler subscribed to the event's type runs *inside the same
transaction*: the graph change log, outbox rows and record rows are stored with the change or not
at all. Handlers may emit further events; they are handled in the same pass. After the commit,
``after_commit`` callbacks run (forgetting cached reads, nudging in-process state); they never write.
Last inside the transaction, ``before_commit`` callbacks run: the record of the change (R-REC-1) is
written there, so a change and its record commit together or not at all.

A nested ``unit_of_work()`` joins the outer one, so services compose. Which handler answers which
event is decided in one place, the application's wiring (``app/wiring.py``); capability code only
emits. This keeps imports pointing one way: the emitter never imports its listeners.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from piccolo.engine.sqlite import TransactionType

from core.db import current_engine

Handler = Callable[[Any], Awaitable[None]]
AfterCommit = Callable[[list[Any]], Awaitable[None]]
BeforeCommit = Callable[["UnitOfWork"], Awaitable[None]]

# Bounded so a handler that keeps emitting (a bug) fails loudly instead of looping for ever.
MAX_EVENTS_PER_UNIT = 100_000


class MessageBus:
    """Event type → handlers, filled by the wiring at start-up. Handlers run in subscription order."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._after_commit: list[AfterCommit] = []
        self._before_commit: list[BeforeCommit] = []

    def subscribe(self, event_type: type, handler: Handler) -> None:
        if handler not in self._handlers[event_type]:
            self._handlers[event_type].append(handler)

    def after_commit(self, callback: AfterCommit) -> None:
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def before_commit(self, callback: BeforeCommit) -> None:
        """Runs last inside the transaction, after every event handler (the record is written here)."""
        if callback not in self._before_commit:
            self._before_commit.append(callback)

    def handlers_for(self, event: Any) -> list[Handler]:
        found: list[Handler] = []
        for kind in type(event).__mro__:
            found.extend(self._handlers.get(kind, ()))
        return found

    def clear(self) -> None:
        self._handlers.clear()
        self._after_commit.clear()
        self._before_commit.clear()


BUS = MessageBus()


@dataclass
class RecordContext:
    """Who acts and why, for the record of whatever the current request or job changes (R-REC-1).
    The request body and reason are filled in as the body arrives, before any unit of work commits."""

    actor: str
    action: str
    subject: str = ""
    reason: str = ""
    request: Any = None
    at: datetime | None = None  # the service clock's time of the request
    recorded: list[int] = field(default_factory=list)  # sequence numbers of the record events written


_RECORD: ContextVar[RecordContext | None] = ContextVar("record_context", default=None)


@contextmanager
def acting_as(context: RecordContext) -> Iterator[RecordContext]:
    """Every unit of work inside this block is recorded under ``context``."""
    token = _RECORD.set(context)
    try:
        yield context
    finally:
        _RECORD.reset(token)


@dataclass
class UnitOfWork:
    events: list[Any] = field(default_factory=list)
    handled: int = 0
    context: RecordContext | None = None
    touched: dict[tuple[str, int], Any] = field(default_factory=dict)  # protected rows written, by (table, id)
    rollback_actions: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    commit_actions: list[Callable[[], None]] = field(default_factory=list)

    def on_rollback(self, undo: Callable[[], Awaitable[None]]) -> None:
        """Run ``undo`` if this unit rolls back: in-process state (the live graph) that read its own
        uncommitted writes must forget them."""
        self.rollback_actions.append(undo)

    def on_commit(self, done: Callable[[], None]) -> None:
        """Run ``done`` once this unit has committed: in-process state that held back what the unit wrote (the
        live graph does not say a record is stored before it is) may now say it."""
        self.commit_actions.append(done)

    def touch(self, table: Any, row_id: int) -> None:
        """A protected business row was written: the record will carry its digest (R-REC-2)."""
        self.touched[(table._meta.tablename, int(row_id))] = table

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
    uow = UnitOfWork(context=_RECORD.get())
    token = _CURRENT.set(uow)
    try:
        async with (transaction_factory or write_transaction)():
            yield uow
            await uow.handle_pending(bus)
            for callback in bus._before_commit:
                await callback(uow)
    except BaseException:
        for undo in reversed(uow.rollback_actions):  # in-process state that followed the rolled-back writes
            await undo()
        raise
    finally:
        _CURRENT.reset(token)
    for done in uow.commit_actions:
        done()
    for after in bus._after_commit:
        await after(uow.events)


def write_transaction() -> Any:
    """A transaction that writes. On SQLite it takes the write lock at once (BEGIN IMMEDIATE): a deferred
    transaction that read first and writes later can fail with "database is locked" when another writer
    committed in between, instead of waiting its turn."""
    engine = current_engine()
    if engine.engine_type == "sqlite":
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def current_unit() -> UnitOfWork | None:
    return _CURRENT.get()


def emit(event: Any) -> None:
    """Record a domain event in the current unit of work (there must be one: events are never lost)."""
    uow = _CURRENT.get()
    if uow is None:
        raise RuntimeError(f"{type(event).__name__} emitted outside a unit of work")
    uow.emit(event)


def touch(table: Any, row_id: int) -> None:
    """Mark a protected row (term, letter, rating, decline, dismissal, discredit record, panel, invitation,
    relation) as written in the current unit of work; its digest goes into the unit's record."""
    uow = _CURRENT.get()
    if uow is None:
        raise RuntimeError(f"{table._meta.tablename}:{row_id} written outside a unit of work")
    uow.touch(table, row_id)


async def save_protected(row: Any) -> Any:
    """Save a protected row inside the current unit of work and mark it for the record's digest."""
    await row.save()
    touch(type(row), row.id)
    return row


async def save_new(row: Any, announce: Callable[[int], Any]) -> Any:
    """Save a new row in a unit of work and emit ``announce(row.id)`` (an event type taking the new id)."""
    async with unit_of_work():
        await row.save()
        emit(announce(row.id))
    return row


async def update_protected(table: Any, values: dict, where: Any) -> list[int]:
    """An UPDATE of protected rows inside the current unit of work; every row it changed is marked."""
    rows = await table.update(values).where(where).returning(table.id)
    for row in rows:
        touch(table, row["id"])
    return [row["id"] for row in rows]


def in_unit_of_work() -> bool:
    return _CURRENT.get() is not None
