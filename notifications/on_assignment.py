"""What the notifications capability does when panels change: the invited are sent their invitation
(e-mail with signed answer links, and the inbox), the drafting unit hears of the draw and of each
replacement. The notices are queued in the transaction of the change. Registered by the wiring."""

from __future__ import annotations

from assignment.events import MemberReplaced, MembersInvited, PanelDrawn
from assignment.procedure.report import ReportAdopted
from assignment.tables import Invitation, PanelRequest
from core.records import get_or_404
from core.uow import MessageBus
from decisions.tables import DecisionItem
from notifications.notices import invited, panel_drawn, replaced
from notifications.outbox import notify_expert


async def _request_and_item(request_id: int) -> tuple[PanelRequest, DecisionItem]:
    request = await get_or_404(PanelRequest, request_id, "panel request")
    return request, await get_or_404(DecisionItem, request.item, "decision item")


async def _members_invited(event: MembersInvited) -> None:
    request, item = await _request_and_item(event.request_id)
    invitations = await Invitation.objects().where(Invitation.id.is_in(list(event.invitation_ids))).order_by(
        Invitation.id)
    await invited(invitations, request, item.title, event.at)


async def _panel_drawn(event: PanelDrawn) -> None:
    request, item = await _request_and_item(event.request_id)
    await panel_drawn(request, item, event.members, event.seed, event.at)


async def _member_replaced(event: MemberReplaced) -> None:
    request, item = await _request_and_item(event.request_id)
    await replaced(request, item, event.leaving, event.joining, event.reason, event.panel_id, event.at)


async def _report_adopted(event: ReportAdopted) -> None:
    """R-PANEL-7: each member whose opinion was not adopted is told why (e-mail and inbox)."""
    for expert_id, reason in event.not_adopted:
        await notify_expert(expert_id, "opinion_not_adopted",
                            {"item": event.item_title, "reason": reason, "correction": event.correction},
                            f"opinion-not-adopted:{event.adoption_id}:{expert_id}", event.at)


def register(bus: MessageBus) -> None:
    bus.subscribe(MembersInvited, _members_invited)
    bus.subscribe(PanelDrawn, _panel_drawn)
    bus.subscribe(MemberReplaced, _member_replaced)
    bus.subscribe(ReportAdopted, _report_adopted)
