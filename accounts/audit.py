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

import functools
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from piccolo.conf.apps import Finder
from piccolo.table import Table

from accounts import chain
from accounts.tables import AuditEvent
from core.keys import load_or_create_key
from core.locks import take_turn
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


async def append(actor: str, action: str, subject: str, reason: str, data: dict, at: datetime) -> int:
    """Add one event at the end of the chain; ``data`` is scrubbed by the caller (digests must stay whole:
    a hex digest can hold a run of 15 digits that would pass for an ID number). Call inside a write
    transaction (a unit of work, or ``record``): it takes the head until commit, so no other writer can
    take the same sequence number."""
    await _take_the_head()
    data = json.loads(chain.canonical(data))
    actor, action, subject, reason = actor[:100], action[:100], subject[:100], reason[:2000]
    last = await AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq, ascending=False).first()
    seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, chain.GENESIS)
    await AuditEvent(seq=seq, at=at, actor=actor, action=action, subject=subject, reason=reason, data=data,
                     prev_hash=prev, hash=event_hash(prev, seq, at, actor, action, subject, reason, data)).save()
    return seq


async def record(actor: str, action: str, subject: str, reason: str, data: dict, at: datetime) -> int:
    """One event in a transaction of its own: for what changes nothing (a conflict check, a verification)."""
    async with write_transaction():
        return await append(actor, action, subject, reason, chain.scrub(data), at)


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
