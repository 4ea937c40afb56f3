"""The full-process record (全过程记录, R-REC-1, R-REC-2): an append-only, keyed hash chain.

Every change made through the API (and every conflict check, draw and job run) becomes one event:
who, when, what, on which record, why, with the request and the answer. Event n's hash covers event
n-1's hash and its own content, keyed with HMAC by a key kept outside the database, so editing or
deleting any row breaks the chain there and nobody without the key can re-hash it; ``verify`` names the
first event that no longer fits. The head is anchored outside the database (``write_checkpoint``): a
chain cut short or rewritten behind the latest checkpoint is named too. Personal data (ID numbers,
phones, passwords) is never copied into the log. The rules themselves are pure, in ``accounts.chain``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import os
import weakref
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from piccolo.conf.apps import Finder
from piccolo.table import Table

from accounts import chain
from accounts.tables import AuditEvent
from core.bulk import insert_many
from core.keys import load_or_create_key
from core.locks import take_turn
from core.records import Statement
from core.settings import get_settings
from core.uow import UnitOfWork, write_transaction

CHAIN_LOCK_KEY = 7_301_2027  # PostgreSQL: appenders take turns at the head of the chain


@functools.cache
def chain_key() -> bytes:
    """The chain's HMAC key (``AUDIT_KEY``, or a 0600 file in development): kept outside the database, so
    whoever can write the database cannot re-hash an edited chain."""
    record = get_settings().record
    return load_or_create_key(record.key, record.key_file, record.require_key, "AUDIT_KEY")


def event_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str, reason: str,
               data) -> str:
    return chain.event_hash(chain_key(), prev_hash, seq, at, actor, action, subject, reason, data)


def row_digest(row: dict) -> str:
    return chain.row_digest(chain_key(), row)


async def row_digests(touched: dict) -> dict[str, str | None]:
    """``table:id`` → digest of the row as it will be committed (None: the row was deleted)."""
    digests: dict[str, str | None] = {}
    for (tablename, row_id), table in sorted(touched.items(), key=lambda kv: kv[0]):
        row = await table.select().where(table.id == row_id).output(load_json=True).first()
        digests[f"{tablename}:{row_id}"] = row_digest(row) if row is not None else None
    return digests


async def _take_the_head() -> None:
    """Appenders take turns at the head of the chain until their transaction commits."""
    await take_turn(CHAIN_LOCK_KEY)


async def record_unit(uow: UnitOfWork) -> None:
    """Before a unit of work commits: its record, in the same transaction (R-REC-1). A unit with neither a
    context (request or job) nor events changed nothing worth recording."""
    context = uow.context
    if context is None and not uow.events and not uow.touched:
        return
    at = (context.at if context else None) or datetime.now(timezone.utc)
    actor, action = (context.actor, context.action) if context else ("system", "service")
    data = {"request": chain.bounded(chain.scrub(context.request)) if context and context.request is not None else None,
            "events": chain.scrub([chain.event_data(e) for e in uow.events])}
    if uow.touched:
        data["rows"] = await row_digests(uow.touched)
    seq = await append(actor, action, context.subject if context else "", context.reason if context else "", data, at)
    if context is not None:
        context.recorded.append(seq)


# the chain's last event, read once the head is taken (compiled once: read for every batch of recorded reads)
_HEAD = Statement(lambda: AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(
    AuditEvent.seq, ascending=False).limit(1))
Event = tuple[str, str, str, str, dict, datetime]  # actor, action, subject, reason, data (scrubbed), at
MAX_BATCH = 500  # events appended in one transaction by the group recorder
GATHER_SECONDS = 0.010  # how long a flush waits at most for reads still being answered


async def append(actor: str, action: str, subject: str, reason: str, data: dict, at: datetime) -> int:
    """Add one event at the end of the chain; ``data`` is scrubbed by the caller (digests must stay whole:
    a hex digest can hold a run of 15 digits that would pass for an ID number). Call inside a write
    transaction (a unit of work, or ``record``): it takes the head until commit, so no other writer can
    take the same sequence number."""
    return (await append_many([(actor, action, subject, reason, data, at)]))[0]


async def append_many(events: list[Event]) -> list[int]:
    """Add ``events`` at the end of the chain, in their order, with one turn at the head and one batched
    INSERT: each is still its own row with its sequence number, chained to the one before it and hashed as
    ``append`` would. Inside a write transaction; the sequence numbers given, in order."""
    await _take_the_head()
    last = await _HEAD.rows()
    seq, prev = (last[0]["seq"], last[0]["hash"]) if last else (0, chain.GENESIS)
    rows = []
    for actor, action, subject, reason, data, at in events:
        seq += 1
        data = json.loads(chain.canonical(data))
        actor, action, subject, reason = actor[:100], action[:100], subject[:100], reason[:2000]
        digest = event_hash(prev, seq, at, actor, action, subject, reason, data)
        rows.append({"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject, "reason": reason,
                     "data": data, "prev_hash": prev, "hash": digest})
        prev = digest
    await insert_many(AuditEvent, rows)
    return [row["seq"] for row in rows]


class GroupRecorder:
    """Group commit of the reads the record keeps (a conflict check, a verification), one per event loop.

    Concurrent requests each hand their event over and wait; one flush at a time appends every event waiting
    in ONE transaction (one turn at the chain's head, one batched INSERT) and answers each with its sequence
    number once the transaction has committed, so a read is answered only after it is recorded. Events that
    arrive during a flush go in the next one, and a flush waits a few milliseconds for the reads still being
    answered (``answering``): a lone request is appended at once, and under load one commit serves many. A
    failed transaction fails every request of its batch (the caller answers 503, nothing is recorded as answered
    that was not)."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Event, asyncio.Future[int]]] = []
        self.flushing: asyncio.Task | None = None
        self.batches = 0  # transactions committed (for tests and figures)
        self.coming = 0  # reads being answered (``answering``) that have not handed over their event yet
        self.arrived: asyncio.Future[None] | None = None  # set when an event is handed over while a flush gathers

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Around a read the record keeps, from its start: while such reads are still being answered, a flush
        waits a moment (at most ``GATHER_SECONDS``) for their events, so one commit serves them too instead of
        one commit each (issue 17). A read refused or failed before handing over stops being waited for."""
        ticket = _Announced(self)
        token = _COMING.set(ticket)
        self.coming += 1
        try:
            yield
        finally:
            if ticket.hand_over():  # not handed over: a flush waiting for it goes on
                self._wake()
            _COMING.reset(token)

    def _wake(self) -> None:
        if self.arrived is not None and not self.arrived.done():
            self.arrived.set_result(None)

    async def record(self, event: Event) -> int:
        loop = asyncio.get_running_loop()
        ticket = _COMING.get()
        if ticket is not None and ticket.recorder is self:  # an announced read hands over: no longer coming
            ticket.hand_over()
        future: asyncio.Future[int] = loop.create_future()
        self.waiting.append((event, future))
        self._wake()
        if self.flushing is None:
            # a context of its own: not the first caller's transaction, unit of work or request
            self.flushing = loop.create_task(self._flush(), context=contextvars.Context())
        return await future

    async def _gather(self) -> None:
        """Wait while reads being answered have yet to hand over their event, until the batch is full or
        ``GATHER_SECONDS`` have passed: a lone read is appended at once, and under load a commit serves more."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        while self.coming > 0 and len(self.waiting) < MAX_BATCH and loop.time() < deadline:
            self.arrived = loop.create_future()
            timer = loop.call_at(deadline, self._wake)
            try:
                await self.arrived  # an event handed over, a read gone without one, or the deadline
            finally:
                timer.cancel()
                self.arrived = None

    async def _flush(self) -> None:
        try:
            while self.waiting:
                batch: list[tuple[Event, asyncio.Future[int]]] = []
                try:
                    await self._gather()  # cancelled here, those waiting fail below, as in the transaction
                    async with write_transaction():
                        # the batch is taken once the transaction is open: the reads that finished meanwhile
                        # join it, and fewer commits serve the same reads
                        batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                        seqs = await append_many([event for event, _ in batch])
                except BaseException as error:
                    failure = error if isinstance(error, Exception) else RuntimeError("记录写入被中断")
                    if not batch:  # the transaction did not even open: those waiting fail now, not in a loop
                        batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(failure)
                    if not isinstance(error, Exception):
                        raise
                    continue
                self.batches += 1
                for (_, future), seq in zip(batch, seqs, strict=True):
                    if not future.done():
                        future.set_result(seq)
        finally:
            self.flushing = None


class _Announced:
    """A check announced to its recorder (``answering``). Handed over once only, wherever it happens: a task the
    request starts runs in a copy of its context, and a flag in the shared ticket is seen by both."""

    __slots__ = ("recorder", "handed")

    def __init__(self, recorder: GroupRecorder) -> None:
        self.recorder, self.handed = recorder, False

    def hand_over(self) -> bool:
        """No longer coming (its event handed over, or the read gone without one); False when it already was."""
        if self.handed:
            return False
        self.handed = True
        self.recorder.coming -= 1
        return True


_COMING: contextvars.ContextVar[_Announced | None] = contextvars.ContextVar("recorded_read_coming",
                                                                             default=None)
_RECORDERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupRecorder] = weakref.WeakKeyDictionary()


def recorder() -> GroupRecorder:
    """This event loop's group recorder (a process serves on one loop; tests start several)."""
    loop = asyncio.get_running_loop()
    found = _RECORDERS.get(loop)
    if found is None:
        found = _RECORDERS[loop] = GroupRecorder()
    return found


async def record(actor: str, action: str, subject: str, reason: str, data: dict, at: datetime) -> int:
    """One event for what changes nothing (a conflict check, a verification), committed before this returns:
    grouped with the concurrent ones in one transaction (``GroupRecorder``). Inside a transaction already (a
    caller's unit of work), in that transaction, as before: a separate one could wait on the head it holds."""
    event = (actor, action, subject, reason, chain.scrub(data), at)
    if AuditEvent._meta.db.current_transaction.get() is not None:
        async with write_transaction():
            return await append(*event)
    return await recorder().record(event)


async def _current_rows(names: list[str]) -> dict[str, dict | None]:
    """The protected rows named ``table:id``, as they are now (None: no longer there)."""
    tables = _tables_by_name()
    by_table: dict[str, list[int]] = {}
    for name in names:
        tablename, _, row_id = name.rpartition(":")
        by_table.setdefault(tablename, []).append(int(row_id))
    current: dict[str, dict | None] = {}
    for tablename, ids in by_table.items():
        table = tables.get(tablename)
        if table is None:
            continue
        found = {r["id"]: r for r in await table.select().where(table._meta.primary_key.is_in(ids)).output(
            load_json=True)}
        current.update({f"{tablename}:{i}": found.get(i) for i in ids})
    return current


def _tables_by_name() -> dict[str, type[Table]]:
    return {table._meta.tablename: table for table in Finder().get_table_classes()}


# --- anchoring: the head of the chain written outside the database --------------------------------
def read_checkpoints(path: Path | None = None) -> list[dict]:
    """Every checkpoint whose own MAC holds (a forged line is ignored, and reported by ``verify``)."""
    path = path or get_settings().record.checkpoint_file
    if not path.exists():
        return []
    return chain.parse_checkpoints(chain_key(), path.read_text(encoding="utf-8").splitlines())


async def write_checkpoint(now: datetime, path: Path | None = None) -> dict:
    """Append the chain's head (sequence number and hash) to the checkpoint file, 0600, one JSON line."""
    path = path or get_settings().record.checkpoint_file
    last = await AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq, ascending=False).first()
    seq, head = (last["seq"], last["hash"]) if last else (0, chain.GENESIS)
    at = chain.at_text(now)
    entry = {"seq": seq, "hash": head, "at": at, "mac": chain.checkpoint_mac(chain_key(), seq, head, at)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return entry


async def verify(checkpoint_file: Path | None = None) -> chain.ChainReport:
    """Walk the chain from the start; report the first event that was altered, or a gap; then hold the
    chain against the latest genuine checkpoint: events it saw must still be there, unchanged."""
    rows = await AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True)
    key = chain_key()
    if report := chain.broken_link(key, rows):
        return report
    latest = chain.recorded_rows(rows)
    if problem := chain.altered_row(key, latest, await _current_rows(list(latest))):
        return chain.ChainReport(False, len(rows), problem[0], problem[1])
    return chain.behind_checkpoint(rows, read_checkpoints(checkpoint_file)) or chain.ChainReport(True, len(rows))
