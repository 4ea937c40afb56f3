"""What the expert's invitations page shows of the argument they sit on (issue 14's steps, issue 15): the handed-over
materials to download (once accepted with the letter signed, R-PANEL-6, R-DUTY-1), and in group mode the leader's
draft with the co-signatures; the leader drafts, a member co-signs or dissents with a reason (R-PANEL-5).
Read through the same services as the API (``assignment.procedure``); their refusals are shown, never re-decided."""

from __future__ import annotations

from datetime import date
from typing import Any

from assignment.domain.procedure import Reader
from assignment.procedure import materials, report
from core.errors import Forbidden, NotFound


async def argument_of(request_id: int, mode: str, expert_id: int, today: date) -> dict[str, Any]:
    """One accepted invitation's argument as the expert may see it: ``materials`` (or ``materials_refused``, the
    service's reason), and in group mode the ``draft`` (or None) and whether this expert has signed it."""
    who = Reader(role="expert", expert_id=expert_id)
    out: dict[str, Any] = {"materials": [], "materials_refused": "", "draft": None, "signed": False, "names": {}}
    try:
        out["materials"] = (await materials.list_materials(request_id, who, today, 0, 100)).items
    except Forbidden as exc:
        out["materials_refused"] = exc.errors[0].reason if exc.errors else exc.detail
    if mode == "group":
        out["names"] = {m["expert_id"]: m["name"] for m in await report.members_of(request_id)}
        try:
            out["draft"] = await report.group_draft(request_id, who)
        except (NotFound, Forbidden):
            out["draft"] = None
        if out["draft"] is not None:
            out["signed"] = any(c.expert_id == expert_id for c in out["draft"].cosignatures)
    return out
