"""The full-process record (全过程记录, R-REC-1, R-REC-2): an append-only, keyed hash chain.

Every change made through the API (and every conflict check, draw and job run) becomes one event:
who, when, what, on which record, why, with the request and the answer. Event n's hash covers event
n-1's hash and its own content, keyed with HMAC by a key kept outside the database, so editing or
deleting any row breaks the chain there and nobody without the key can re-hash it; ``verify`` names the
first event that no longer fits. The head is anchored outside the database (``write_checkpoint``): a
chain cut short or rewritten behind the latest checkpoint is named too. Personal data (ID numbers, phones, passwords) is never
copied into the log.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from piccolo.conf.apps import Finder

from accounts.tables import AuditEvent
from core.locks import take_turn
from core.keys import load_or_create_key
from core.settings import get_settings
from core.uow import UnitOfWork, write_transaction

GENESIS = "0" * 64
SECRET_FIELDS = {"id_number", "phone", "password", "secret", "token"}
MAX_ANSWER = 16_000
MAX_REQUEST = 4_000  # a request body is kept whole up to this size; a larger one by its digest and its keys
CHAIN_LOCK_KEY = 7_301_2027  # PostgreSQL: appenders take turns at the head of the chain
_DIGITS = re.compile(r"\d{15,}")


@functools.cache
def chain_key() -> bytes:
    """The chain's HMAC key (``AUDIT_KEY``, or a 0600 file in development): kept outside the database, so
    whoever can write the database cannot re-hash an edited chain."""
    record = get_settings().record
    return load_or_create_key(record.key, record.key_file, record.require_key, "AUDIT_KEY")


def scrub(value):
    """The value without personal data or secrets."""
    if isinstance(value, dict):
        return {k: ("***" if k in SECRET_FIELDS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return _DIGITS.sub("***", value)
    return value


def _at_text(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _canonical(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str, reason: str,
               data) -> str:
    content = _canonical([prev_hash, seq, _at_text(at), actor, action, subject, reason, data])
    return hmac.new(chain_key(), content.encode(), hashlib.sha256).hexdigest()


def bounded(value, limit: int = MAX_REQUEST):
    """What the record keeps of a body: whole when small, otherwise its digest, size and top-level keys."""
    text = _canonical(value)
    if len(text) <= limit:
        return value
    kept = {"sha256": hashlib.sha256(text.encode()).hexdigest(), "size": len(text), "truncated": True}
    if isinstance(value, dict):
        kept["fields"] = {k: v for k, v in value.items() if len(_canonical(v)) <= 200}
    return kept


def row_digest(row: dict) -> str:
    """A protected row's fingerprint: every column, in a canonical form."""
    return hmac.new(chain_key(), _canonical(row).encode(), hashlib.sha256).hexdigest()


async def row_digests(touched: dict) -> dict[str, str | None]:
    """``table:id`` → digest of the row as it will be committed (None: the row was deleted)."""
    digests: dict[str, str | None] = {}
    for (tablename, row_id), table in sorted(touched.items(), key=lambda kv: kv[0]):
        row = await table.select().where(table.id == row_id).output(load_json=True).first()
        digests[f"{tablename}:{row_id}"] = row_digest(row) if row is not None else None
    return digests


def event_data(event) -> dict:
    """A domain event as the record keeps it: its kind and its fields."""
    fields = dataclasses.asdict(event) if dataclasses.is_dataclass(event) else {"value": str(event)}
    return {"event": type(event).__name__, **fields}


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
    data = {"request": bounded(scrub(context.request)) if context and context.request is not None else None,
            "events": scrub([event_data(e) for e in uow.events])}
    if uow.touched:
        data["rows"] = await row_digests(uow.touched)
    uow.recorded_seq = await append(actor, action, context.subject if context else "",
                                    context.reason if context else "", data, at)
    if context is not None:
        context.recorded.append(uow.recorded_seq)


async def append(actor: str, action: str, subject: str, reason: str, data: dict, at: datetime) -> int:
    """Add one event at the end of the chain; ``data`` is scrubbed by the caller (digests must stay whole:
    a hex digest can hold a run of 15 digits that would pass for an ID number). Call inside a write transaction (a unit of work, or
    ``record``): it takes the head until commit, so no other writer can take the same sequence number."""
    await _take_the_head()
    data = json.loads(_canonical(data))
    actor, action, subject, reason = actor[:100], action[:100], subject[:100], reason[:2000]
    last = await AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq, ascending=False).first()
    seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
    await AuditEvent(seq=seq, at=at, actor=actor, action=action, subject=subject, reason=reason, data=data,
                     prev_hash=prev, hash=event_hash(prev, seq, at, actor, action, subject, reason, data)).save()
    return seq


async def record(actor: str, action: str, subject: str, reason: str, data: dict, at: datetime) -> int:
    """One event in a transaction of its own: for what changes nothing (a conflict check, a verification)."""
    async with write_transaction():
        return await append(actor, action, subject, reason, scrub(data), at)


@dataclass
class ChainReport:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""


async def _altered_row(rows: list[dict]) -> tuple[int, str] | None:
    """The first protected row whose content no longer matches the digest its latest event recorded."""
    latest: dict[str, tuple[int, str | None]] = {}
    for row in rows:
        for key, digest in ((row["data"] or {}).get("rows") or {}).items():
            latest[key] = (row["seq"], digest)
    tables = _tables_by_name()
    by_table: dict[str, list[int]] = {}
    for key in latest:
        tablename, _, row_id = key.rpartition(":")
        by_table.setdefault(tablename, []).append(int(row_id))
    for tablename, ids in sorted(by_table.items()):
        table = tables.get(tablename)
        if table is None:
            continue
        current = {r["id"]: r for r in await table.select().where(table.id.is_in(ids)).output(load_json=True)}
        for row_id in sorted(ids):
            seq, digest = latest[f"{tablename}:{row_id}"]
            found = current.get(row_id)
            if digest is None and found is None:
                continue
            if found is None:
                return seq, f"row {tablename}:{row_id} was deleted after event {seq} recorded it"
            if not hmac.compare_digest(row_digest(found), digest or ""):
                return seq, f"row {tablename}:{row_id} was changed outside the service after event {seq} recorded it"
    return None


def _tables_by_name() -> dict[str, type]:
    return {table._meta.tablename: table for table in Finder().get_table_classes()}


# --- anchoring: the head of the chain written outside the database --------------------------------
def _checkpoint_mac(seq: int, head: str, at: str) -> str:
    return hmac.new(chain_key(), f"checkpoint:{seq}:{head}:{at}".encode(), hashlib.sha256).hexdigest()


def read_checkpoints(path: Path | None = None) -> list[dict]:
    """Every checkpoint whose own MAC holds (a forged line is ignored, and reported by ``verify``)."""
    path = path or get_settings().record.checkpoint_file
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            entry["genuine"] = hmac.compare_digest(entry["mac"], _checkpoint_mac(entry["seq"], entry["hash"], entry["at"]))
        except (ValueError, KeyError, TypeError):
            continue
        found.append(entry)
    return found


async def write_checkpoint(now: datetime, path: Path | None = None) -> dict:
    """Append the chain's head (sequence number and hash) to the checkpoint file, 0600, one JSON line."""
    path = path or get_settings().record.checkpoint_file
    last = await AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq, ascending=False).first()
    seq, head = (last["seq"], last["hash"]) if last else (0, GENESIS)
    at = _at_text(now)
    entry = {"seq": seq, "hash": head, "at": at, "mac": _checkpoint_mac(seq, head, at)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return entry


async def verify(checkpoint_file: Path | None = None) -> ChainReport:
    """Walk the chain from the start; report the first event that was altered, or a gap; then hold the
    chain against the latest genuine checkpoint: events it saw must still be there, unchanged."""
    rows = await AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True)
    prev, expected = GENESIS, 1
    for row in rows:
        if row["seq"] != expected:
            return ChainReport(False, len(rows), expected, f"event {expected} is missing")
        if row["prev_hash"] != prev:
            return ChainReport(False, len(rows), row["seq"], "does not follow the event before it")
        recomputed = event_hash(row["prev_hash"], row["seq"], row["at"], row["actor"], row["action"], row["subject"],
                                row["reason"], row["data"])
        if not hmac.compare_digest(recomputed, row["hash"]):
            return ChainReport(False, len(rows), row["seq"], "its content was changed after it was written")
        prev, expected = row["hash"], expected + 1
    if problem := await _altered_row(rows):
        return ChainReport(False, len(rows), problem[0], problem[1])
    checkpoints = read_checkpoints(checkpoint_file)
    genuine = [c for c in checkpoints if c["genuine"]]
    if len(genuine) < len(checkpoints):
        forged = next(c for c in checkpoints if not c["genuine"])
        return ChainReport(False, len(rows), forged.get("seq"), "a checkpoint line was forged or altered")
    if genuine:
        latest = max(genuine, key=lambda c: c["seq"])
        count = len(rows)
        if latest["seq"] > count:
            return ChainReport(False, count, count + 1,
                               f"events {count + 1}..{latest['seq']} are missing: the checkpoint of {latest['at']} "
                               f"saw {latest['seq']} events")
        if latest["seq"] and rows[latest["seq"] - 1]["hash"] != latest["hash"]:
            return ChainReport(False, count, latest["seq"],
                               f"the chain up to event {latest['seq']} was rewritten after the checkpoint of {latest['at']}")
    return ChainReport(True, len(rows))


def answer_summary(body: bytes) -> object:
    """The response as recorded: whole when small, otherwise its id and a digest of the whole."""
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        return {"sha256": hashlib.sha256(body).hexdigest()}
    if len(body) <= MAX_ANSWER:
        return parsed
    summary = {"sha256": hashlib.sha256(body).hexdigest(), "truncated": True}
    if isinstance(parsed, dict):
        summary.update({k: parsed[k] for k in ("id", "status", "seed", "candidates_hash", "members", "panel")
                        if k in parsed and len(_canonical(parsed[k])) < MAX_ANSWER // 2})
    return summary
