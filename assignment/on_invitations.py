"""R-COI-3 from the system's own records: a member who accepted an invitation to an item's argument or
risk-assessment panel took part in its pre-decision work, so the conflicts capability records the relation
``argued_before`` member → item, in the same unit of work as the answer. Its origin names the panel record
(``panel:<id>``) and its detail the request, panel and invitation, so a later post-decision evaluation check
of that item excludes the member with a path that shows where the fact came from. Subscribed by the wiring."""

from __future__ import annotations

from assignment.events import InvitationAccepted
from conflicts import schemas as cs
from conflicts.live import LiveGraph
from conflicts.policy import EdgeKind, Purpose
from conflicts.services.relations import create_relations
from core.uow import MessageBus

PRE_DECISION = {Purpose.ARGUMENT.value, Purpose.RISK_ASSESSMENT.value}


def panel_origin(panel_id: int) -> str:
    """The relation's origin: the panel record that invited the member (fits the column's 16 characters)."""
    return f"panel:{panel_id}"


def register(bus: MessageBus, live: LiveGraph) -> None:
    async def argued_before(event: InvitationAccepted) -> None:
        if event.purpose not in PRE_DECISION:
            return
        detail = (f"panel-request:{event.request_id} panel:{event.panel_id} invitation:{event.invitation_id} "
                  f"({event.purpose})")
        declaration = cs.DeclarationIn(kind=EdgeKind.ARGUED_BEFORE, target=cs.NodeRef(kind="item", id=event.item_id),
                                       detail=detail)
        await create_relations(live, [(declaration, (event.subject_kind, event.subject_id))],
                               panel_origin(event.panel_id), f"panel-request:{event.request_id}")

    bus.subscribe(InvitationAccepted, argued_before)
