"""The compact record of a draw (issue 17): the frozen candidate list in one canonical form, stored once per
panel request, and the exclusions counted by stage and by rule id. Pure: no database.

The canonical form is the rows ``candidates_hash`` is computed over: ``[id, specialties (sorted), employer,
sector, region]``, sorted by id, as compact JSON; it is stored zlib-compressed and base64-encoded, with the
SHA-256 of the uncompressed text. Unpacking gives the same candidates, in id order, so the hash the record
and the verification use is unchanged."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping

from assignment.selection.constraints import Candidate
from assignment.selection.constraints import canonical_rows as candidate_rows


def canonical_text(candidates: Iterable[Candidate]) -> str:
    return _text(candidate_rows(candidates))


def _text(rows: list) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def pack_candidates(candidates: Iterable[Candidate]) -> tuple[str, str, int]:
    """(the stored text, the SHA-256 of the canonical text, how many)."""
    return pack_rows(candidate_rows(candidates))


def pack_rows(rows: list[list]) -> tuple[str, str, int]:
    """``pack_candidates`` of canonical rows already made."""
    text = _text(rows)
    packed = base64.b64encode(zlib.compress(text.encode(), 6)).decode("ascii")
    return packed, hashlib.sha256(text.encode()).hexdigest(), len(rows)


def unpack_candidates(packed: str) -> list[Candidate]:
    """The candidates of a stored text, in id order (raises ValueError when it is not one)."""
    try:
        rows = json.loads(zlib.decompress(base64.b64decode(packed.encode("ascii"), validate=True)))
    except (zlib.error, ValueError, UnicodeError) as exc:
        raise ValueError("the stored candidate list cannot be read") from exc
    return [Candidate(r[0], frozenset(r[1]), r[2], r[3], r[4]) for r in rows]


def packed_digest(packed: str) -> str:
    """The SHA-256 of the canonical text a stored list unpacks to."""
    return hashlib.sha256(canonical_text(unpack_candidates(packed)).encode()).hexdigest()


def rule_ids(reasons: Iterable[Mapping]) -> list[str]:
    """The distinct rule ids of one exclusion's reasons, in their order."""
    return list(dict.fromkeys(str(r.get("rule_id") or "") for r in reasons if r.get("rule_id")))


def rule_key(reasons: Iterable[Mapping]) -> str:
    """The rule ids as stored for filtering: ``,R-COI-1,R-POOL-4,`` (a rule id is matched as ``,id,``)."""
    ids = rule_ids(reasons)
    return f",{','.join(ids)}," if ids else ","


def exclusions_summary(exclusions: Iterable[Mapping]) -> dict:
    """{total, by_stage: {stage: n}, by_rule: {rule id: n}}: an exclusion counts once per stage, and once for
    each distinct rule id among its reasons."""
    by_stage: Counter = Counter()
    by_rule: Counter = Counter()
    total = 0
    for e in exclusions:
        total += 1
        by_stage[e["stage"]] += 1
        by_rule.update(rule_ids(e["reasons"]))
    return {"total": total, "by_stage": dict(sorted(by_stage.items())), "by_rule": dict(sorted(by_rule.items()))}


def exclusion_row(e: Mapping) -> list:
    """One exclusion in the canonical form its list's hash is computed over."""
    return [e["kind"], int(e["id"]), e["stage"], [[r.get("rule_id") or "", r.get("message") or "",
                                                  r.get("explanation") or ""] for r in e["reasons"]]]


def exclusions_hash(exclusions: Iterable[Mapping]) -> str:
    """The SHA-256 of the exclusions (kind, id, stage, reasons), sorted by kind and id: kept with the draw so a
    row changed, added or removed in the exclusion table behind the record's back is detected."""
    rows = sorted((exclusion_row(e) for e in exclusions), key=lambda r: (r[0], r[1], r[2]))
    return hashlib.sha256(_text(rows).encode()).hexdigest()
