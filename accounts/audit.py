"""The full-process record (全过程记录, R-REC-1, R-REC-2): an append-only, hash-chained event log.

Every change made through the API (and every conflict check, draw and job run) becomes one event:
who, when, what, on which record, why, with the request and the answer. Event n's hash covers event
n-1's hash and its own content, so editing or deleting any row breaks the chain there; ``verify``
names the first event that no longer fits. Personal data (ID numbers, phones, passwords) is never
copied into the log.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from accounts.tables import AuditEvent

GENESIS = "0" * 64
SECRET_FIELDS = {"id_number", "phone", "password", "secret", "token"}
MAX_ANSWER = 16_000
_DIGITS = re.compile(r"\d{15,}")


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
    return hashlib.sha256(content.encode()).hexdigest()


async def append(actor: str, action: str, subject: str, reason: str, data: dict, at: datetime) -> int:
    """Add one event at the end of the chain. Two writers racing for the same sequence number: the
    unique constraint lets one win, the other takes the next number."""
    data = json.loads(_canonical(scrub(data)))
    for _ in range(20):
        last = await AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq, ascending=False).first()
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
        row = AuditEvent(seq=seq, at=at, actor=actor[:100], action=action[:100], subject=subject[:100],
                         reason=reason[:2000], data=data, prev_hash=prev,
                         hash=event_hash(prev, seq, at, actor[:100], action[:100], subject[:100], reason[:2000], data))
        try:
            await row.save()
            return seq
        except Exception as exc:  # noqa: BLE001 - a unique violation differs by engine
            if "unique" not in str(exc).lower() and "duplicate" not in str(exc).lower():
                raise
    raise RuntimeError("could not append to the event log")


@dataclass
class ChainReport:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""


async def verify() -> ChainReport:
    """Walk the chain from the start; report the first event that was altered, or a gap."""
    rows = await AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True)
    prev, expected = GENESIS, 1
    for row in rows:
        if row["seq"] != expected:
            return ChainReport(False, len(rows), expected, f"event {expected} is missing")
        if row["prev_hash"] != prev:
            return ChainReport(False, len(rows), row["seq"], "does not follow the event before it")
        recomputed = event_hash(row["prev_hash"], row["seq"], row["at"], row["actor"], row["action"], row["subject"],
                                row["reason"], row["data"])
        if recomputed != row["hash"]:
            return ChainReport(False, len(rows), row["seq"], "its content was changed after it was written")
        prev, expected = row["hash"], expected + 1
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
