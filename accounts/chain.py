"""The rules of the full-process record (全过程记录), as pure functions over plain data (R-REC-1, R-REC-2).

What the record keeps of a change (scrubbed of personal data, bounded in size), how each event is
chained to the one before it with a keyed hash, how a protected row is fingerprinted, and how a chain
is judged: a gap, an altered event, a row changed behind the record's back, a chain cut short or
rewritten behind a checkpoint. ``accounts.audit`` reads the rows and files and asks these functions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS = "0" * 64
SECRET_FIELDS = {"id_number", "phone", "password", "secret", "token"}
MAX_ANSWER = 16_000
MAX_REQUEST = 4_000  # a request body is kept whole up to this size; a larger one by its digest and its keys
_DIGITS = re.compile(r"\d{15,}")


@dataclass
class ChainReport:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""


def scrub(value: Any) -> Any:
    """The value without personal data or secrets (R-REC-4): named secret fields and long digit runs."""
    if isinstance(value, dict):
        return {k: ("***" if k in SECRET_FIELDS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return _DIGITS.sub("***", value)
    return value


def at_text(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(key: bytes, prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str,
               reason: str, data: Any) -> str:
    """Event n's hash: HMAC over event n-1's hash and n's content; without the key nobody can re-hash."""
    content = canonical([prev_hash, seq, at_text(at), actor, action, subject, reason, data])
    return hmac.new(key, content.encode(), hashlib.sha256).hexdigest()


def bounded(value: Any, limit: int = MAX_REQUEST) -> Any:
    """What the record keeps of a body: whole when small, otherwise its digest, size and short top-level fields."""
    text = canonical(value)
    if len(text) <= limit:
        return value
    kept: dict[str, Any] = {"sha256": hashlib.sha256(text.encode()).hexdigest(), "size": len(text), "truncated": True}
    if isinstance(value, dict):
        kept["fields"] = {k: v for k, v in value.items() if len(canonical(v)) <= 200}
    return kept


def row_digest(key: bytes, row: dict) -> str:
    """A protected row's fingerprint: every column, in a canonical form, keyed."""
    return hmac.new(key, canonical(row).encode(), hashlib.sha256).hexdigest()


def event_data(event: Any) -> dict:
    """A domain event as the record keeps it: its kind and its fields."""
    fields = dataclasses.asdict(event) if dataclasses.is_dataclass(event) and not isinstance(event, type) else {
        "value": str(event)}
    return {"event": type(event).__name__, **fields}


def answer_summary(body: bytes) -> object:
    """A response as recorded: whole when small, otherwise its id and a digest of the whole."""
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        return {"sha256": hashlib.sha256(body).hexdigest()}
    if len(body) <= MAX_ANSWER:
        return parsed
    summary = {"sha256": hashlib.sha256(body).hexdigest(), "truncated": True}
    if isinstance(parsed, dict):
        summary.update({k: parsed[k] for k in ("id", "status", "seed", "candidates_hash", "members", "panel")
                        if k in parsed and len(canonical(parsed[k])) < MAX_ANSWER // 2})
    return summary


# --- judging a chain -------------------------------------------------------------------------------
def broken_link(key: bytes, rows: list[dict], prev: str = GENESIS, expected: int = 1) -> ChainReport | None:
    """The first gap, misplaced or altered event of a chain read in sequence order (None: whole); ``prev`` and
    ``expected`` start the walk after an event already checked (its hash and the next sequence number)."""
    for row in rows:
        if row["seq"] != expected:
            return ChainReport(False, len(rows), expected, f"第 {expected} 条记录缺失")
        if row["prev_hash"] != prev:
            return ChainReport(False, len(rows), row["seq"], "与前一条记录衔接不上（前序哈希不符）")
        recomputed = event_hash(key, row["prev_hash"], row["seq"], row["at"], row["actor"], row["action"],
                                row["subject"], row["reason"], row["data"])
        if not hmac.compare_digest(recomputed, row["hash"]):
            return ChainReport(False, len(rows), row["seq"], "写入后内容被改动")
        prev, expected = row["hash"], expected + 1
    return None


def recorded_rows(rows: list[dict]) -> dict[str, tuple[int, str | None]]:
    """``table:id`` → (the event that last recorded the row, its digest then)."""
    latest: dict[str, tuple[int, str | None]] = {}
    for row in rows:
        for name, digest in ((row["data"] or {}).get("rows") or {}).items():
            latest[name] = (row["seq"], digest)
    return latest


def altered_row(key: bytes, latest: dict[str, tuple[int, str | None]], current: dict[str, dict | None]
                ) -> tuple[int, str] | None:
    """The first protected row (by name) that differs from what its latest event recorded."""
    for name in sorted(latest):
        seq, digest = latest[name]
        found = current.get(name)
        if digest is None and found is None:
            continue
        if found is None:
            return seq, f"数据行 {name} 在第 {seq} 条记录登记后被删除"
        if not hmac.compare_digest(row_digest(key, found), digest or ""):
            return seq, f"数据行 {name} 在第 {seq} 条记录登记后被绕过本服务改动"
    return None


def checkpoint_mac(key: bytes, seq: int, head: str, at: str) -> str:
    return hmac.new(key, f"checkpoint:{seq}:{head}:{at}".encode(), hashlib.sha256).hexdigest()


def parse_checkpoints(key: bytes, lines: list[str]) -> list[dict]:
    """Every readable checkpoint line, marked genuine when its own MAC holds."""
    found = []
    for line in lines:
        try:
            entry = json.loads(line)
            entry["genuine"] = hmac.compare_digest(entry["mac"], checkpoint_mac(key, entry["seq"], entry["hash"],
                                                                                entry["at"]))
        except (ValueError, KeyError, TypeError):
            continue
        found.append(entry)
    return found


def behind_checkpoint(rows: list[dict], checkpoints: list[dict]) -> ChainReport | None:
    """Hold the chain against the latest genuine checkpoint: a forged line, events cut off after it, or a
    chain rewritten up to it are each named."""
    genuine = [c for c in checkpoints if c["genuine"]]
    if len(genuine) < len(checkpoints):
        forged = next(c for c in checkpoints if not c["genuine"])
        return ChainReport(False, len(rows), forged.get("seq"), "锚点文件中有一行被伪造或改动")
    if not genuine:
        return None
    latest = max(genuine, key=lambda c: c["seq"])
    count = len(rows)
    if latest["seq"] > count:
        return ChainReport(False, count, count + 1, f"第 {count + 1}..{latest['seq']} 条记录缺失："
                                                     f"{latest['at']} 的锚点已记到第 {latest['seq']} 条")
    if latest["seq"] and rows[latest["seq"] - 1]["hash"] != latest["hash"]:
        return ChainReport(False, count, latest["seq"], f"第 {latest['seq']} 条及以前的记录链在 "
                                                        f"{latest['at']} 的锚点之后被改写")
    return None
