"""A panel's verification, kept (issue 15): re-running a draw from its record takes a few hundred milliseconds
(``assignment.services.views.verify``), and the record it reads never changes once written (a panel record is a
protected row). The result is kept in this process keyed by the panel and the SHA-256 of the record it was computed
from (the record and, for a replacement, the members it replaced): a record changed behind the service's back has
another digest, so it is verified again, never answered from the kept result. The auditor re-runs it on demand.

Only presentation: the verification itself is the service's answer, unchanged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from assignment import schemas as s
from assignment.services import views as panels
from assignment.tables import Panel

MAX_KEPT = 1000  # panels' results kept per process (oldest dropped)


@dataclass(frozen=True)
class Kept:
    digest: str
    result: s.VerificationOut
    verified_at: datetime


_KEPT: dict[int, Kept] = {}


async def record_digest(panel_id: int) -> str:
    """The SHA-256 of what a verification reads: the panel's record and the one it supersedes (404 if none)."""
    record = await panels.panel_record(panel_id)
    previous = None
    if record["supersedes"] is not None:
        previous = await Panel.select(Panel.members).where(Panel.id == record["supersedes"]).output(load_json=True)
    text = json.dumps([record, previous], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def verification(panel_id: int, now: datetime, fresh: bool = False) -> tuple[Kept, bool]:
    """The panel's verification and whether it was kept from earlier (False: computed now)."""
    digest = await record_digest(panel_id)
    kept = _KEPT.get(panel_id)
    if kept is not None and kept.digest == digest and not fresh:
        return kept, True
    kept = Kept(digest, await panels.verify(panel_id), now)
    _KEPT.pop(panel_id, None)
    _KEPT[panel_id] = kept
    while len(_KEPT) > MAX_KEPT:
        _KEPT.pop(next(iter(_KEPT)))
    return kept, False
