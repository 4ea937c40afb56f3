"""The record's chain state for a page that must answer fast (the office's home): the last full verification,
remembered with the chain head it covered, and a cheap check of what was appended since.

A full verification (``accounts.audit.verify``) walks every event and every protected row: seconds on a long
record. ``verify_and_remember`` runs one and keeps its result with the head it covered (sequence number and hash)
and the time; ``state`` then answers in a few indexed reads: the current head, whether it is still the head that
was verified, and, for events appended since, whether each still links to the one before it (the keyed hash
chain, R-REC-1) — without the protected-row and checkpoint checks, which only the full verification does; the
answer says which checks were done, on which events, and when. Kept in this process's memory (every process
remembers its own last verification, in the application's state: a restart forgets it, and the page says none
was run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts import audit, chain
from accounts.tables import AuditEvent

MAX_TAIL = 5_000  # events appended since the last full verification that a page still checks link by link


@dataclass(frozen=True)
class Verified:
    report: chain.ChainReport
    seq: int  # the last event the verification covered
    hash: str
    at: datetime


@dataclass(frozen=True)
class ChainState:
    head_seq: int
    head_hash: str
    last: Verified | None  # the last full verification in this process
    tail: int  # events appended since it (all of them when there was none)
    tail_checked: bool  # those events' links were checked just now
    tail_report: chain.ChainReport | None  # the first broken link among them (None: they link)
    checkpoint: dict | None  # the latest genuine anchor outside the database

    @property
    def current(self) -> bool:
        """The full verification covered the head as it is now."""
        return self.last is not None and self.last.seq == self.head_seq and self.last.hash == self.head_hash


class Memory:
    """Where a process keeps its last full verification (one per application: ``memory_of(app.state)``)."""

    def __init__(self) -> None:
        self.last: Verified | None = None


def memory_of(app_state: Any) -> Memory:
    memory = getattr(app_state, "chain_memory", None)
    if not isinstance(memory, Memory):
        memory = Memory()
        app_state.chain_memory = memory
    return memory


async def _head() -> tuple[int, str]:
    row = await AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq, ascending=False).first()
    return (row["seq"], row["hash"]) if row else (0, chain.GENESIS)


async def verify_and_remember(memory: Memory, now: datetime) -> Verified:
    """A full verification, remembered with the head it covered."""
    report = await audit.verify()
    row = await AuditEvent.select(AuditEvent.hash).where(AuditEvent.seq == report.events).first()
    verified = Verified(report, report.events, row["hash"] if row else chain.GENESIS, now)
    memory.last = verified
    return verified


async def state(memory: Memory) -> ChainState:
    seq, head = await _head()
    last = memory.last
    checkpoints = [c for c in audit.read_checkpoints() if c.get("genuine")]
    checkpoint = max(checkpoints, key=lambda c: c["seq"]) if checkpoints else None
    if last is None or not last.report.ok:
        return ChainState(seq, head, last, seq - (last.seq if last else 0), False, None, checkpoint)
    tail = seq - last.seq
    if tail <= 0 or tail > MAX_TAIL:
        return ChainState(seq, head, last, tail, False, None, checkpoint)
    rows = await AuditEvent.select().where(AuditEvent.seq > last.seq).order_by(AuditEvent.seq).output(load_json=True)
    report = chain.broken_link(audit.chain_key(), rows, prev=last.hash, expected=last.seq + 1)
    return ChainState(seq, head, last, tail, True, report, checkpoint)
