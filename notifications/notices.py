"""What each change tells whom: the notices (invitations with signed answer links, panel drawn,
replacement, dismissal) queued in the outbox. Called by the event handlers (``on_assignment``,
``on_registry``) inside the transaction of the change, so the notices and the change are stored
together or not at all."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clock import Clock
from core.settings import get_settings
from notifications.links import MASKED, issue
from notifications.outbox import notify_expert, notify_unit

PURPOSES = {"argument": "专家论证", "risk_assessment": "风险评估", "post_evaluation": "决策后评估"}
MODES = {"meeting": "论证会", "individual": "书面论证", "group": "论证小组"}


async def invited(invitations: list, request, item_title: str, now: datetime) -> None:
    """Each new member is invited (e-mail with signed accept/decline links, and the inbox)."""
    link_expires = (now + timedelta(days=get_settings().notifications.link_days)).date()
    for inv in invitations:
        # The rows keep the links masked; only the invitee's e-mail and own inbox show them live (issue 11).
        context = {"item": item_title, "purpose": PURPOSES[request.purpose], "mode": MODES[request.mode],
                   "leader": inv.leader, "answer_by": inv.answer_by, "handover_on": request.handover_on,
                   # a replacement's own deadline may be later than the request's (R-PANEL-4, issue 13)
                   "deadline": inv.deadline or request.deadline, "accept_url": MASKED["accept"],
                   "decline_url": MASKED["decline"], "link_expires": link_expires}
        if inv.subject_kind == "expert":
            link = issue(inv.id, f"expert:{inv.subject_id}", Clock(fixed=now))
            await notify_expert(inv.subject_id, "invitation", context, f"invitation:{inv.id}", now, link)
        else:
            link = issue(inv.id, f"unit:{inv.subject_id}", Clock(fixed=now))
            await notify_unit(inv.subject_id, "invitation", {"name": "", **context}, f"invitation:{inv.id}", now,
                              link)


async def panel_drawn(request, item, members: int, seed: str, now: datetime) -> None:
    await notify_unit(item.drafting_unit, "panel_drawn", {
        "item": item.title, "purpose": PURPOSES[request.purpose], "members": members, "seed": seed,
        "deadline": request.deadline}, f"panel-drawn:{request.id}", now)


async def replaced(request, item, leaving: str, joining: str, why: str, panel_id: int, now: datetime) -> None:
    await notify_unit(item.drafting_unit, "replacement", {
        "item": item.title, "leaving": leaving, "joining": joining, "why": why, "deadline": request.deadline},
        f"replacement:{panel_id}", now)


async def dismissed(expert_id: int, effective_on, reason: str, dismissal_id: int, now: datetime) -> None:
    await notify_expert(expert_id, "dismissal", {"effective_on": effective_on, "reason": reason},
                        f"dismissal:{dismissal_id}", now)
