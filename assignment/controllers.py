"""Panel endpoints under /api/v1: requests and their draws, panel records, invitations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from assignment import schemas as s
from assignment.domain.membership import ACTIVE
from assignment.services import invitations, requests, views
from conflicts import schemas as cs
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.policy import Purpose
from conflicts.services.checks import check
from core.api import DEPS, Offset, unit_scope
from decisions.controllers import require_own_item

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Live = NamedDependency[LiveGraph]  # the process's graph, synced once for the request (conflicts.deps)


class PanelRequestController(Controller):
    path = "/panel-requests"
    tags = ["panels"]
    dependencies = {**DEPS, **LIVE}

    @post("/", summary="Request a panel: size (R-PANEL-1), balance (R-PANEL-2), out-of-pool experts (R-PANEL-3), "
                       "deadline in Chinese working days (R-PANEL-4); the draw is made and recorded at once")
    async def create(self, data: JSONBody[s.PanelRequestIn], today: NamedDependency[date],
                     now: NamedDependency[datetime], request: Request, live: Live) -> s.PanelRequestOut:
        await require_own_item(request, data.item_id)
        created = await requests.create_request(live, data, today, now)
        return await views.request_view(live, created.id, today)

    @get("/", summary="Panel requests (a drafting unit sees its own)")
    async def index(self, today: NamedDependency[date], request: Request, live: Live,
                    item_id: FromQuery[int | None] = None, offset: Offset = 0, limit: Limit = 20
                    ) -> list[s.PanelRequestOut]:
        return await views.list_requests(live, item_id, offset, limit, today, unit_scope(request))

    @get("/{request_id:int}")
    async def show(self, request_id: FromPath[int], today: NamedDependency[date], live: Live) -> s.PanelRequestOut:
        return await views.request_view(live, request_id, today)

    @get("/{request_id:int}/panels", summary="Every panel record of the request: the draw, then each replacement")
    async def panels(self, request_id: FromPath[int], live: Live) -> list[s.PanelOut]:
        return await views.panel_history(live, request_id)

    @get("/{request_id:int}/conflict-recheck",
         summary="Re-check the current members against today's records and policy")
    async def recheck(self, request_id: FromPath[int], today: NamedDependency[date], live: Live) -> cs.CheckOut:
        view = await views.request_view(live, request_id, today)
        current = [(i.subject.kind, i.subject.id) for i in view.invitations if i.status in ACTIVE]
        return await check(live, view.item_id, Purpose(view.purpose), today, current)

    @post("/{request_id:int}/leader-report", summary="Group mode: the leader's (组长) report was submitted (R-PANEL-5)")
    async def leader_report(self, request_id: FromPath[int], data: JSONBody[s.SubmissionIn],
                            today: NamedDependency[date], live: Live) -> s.PanelRequestOut:
        return await invitations.submit_leader_report(live, request_id, data, today)


class PanelController(Controller):
    path = "/panels"
    tags = ["panels"]
    dependencies = LIVE

    @get("/{panel_id:int}", summary="An issued panel record (never changed afterwards)")
    async def show(self, panel_id: FromPath[int], live: Live) -> s.PanelOut:
        return await views.panel_view(live, panel_id)

    @get("/{panel_id:int}/probabilities", summary="Each eligible candidate's chance of selection, for audit")
    async def probabilities(self, panel_id: FromPath[int]) -> dict[str, float]:
        return (await views.panel_record(panel_id))["probabilities"]

    @get("/{panel_id:int}/verification",
         summary="Re-run the draw from the recorded candidates, constraints and seed, and compare")
    async def verification(self, panel_id: FromPath[int]) -> s.VerificationOut:
        return await views.verify(panel_id)


class InvitationController(Controller):
    path = "/invitations"
    tags = ["panels"]
    dependencies = {**DEPS, **LIVE}

    @post("/{invitation_id:int}/answer",
          summary="Accept, or decline with a reason; a decline draws a replacement that keeps every constraint")
    async def answer(self, invitation_id: FromPath[int], data: JSONBody[s.AnswerIn], today: NamedDependency[date],
                     now: NamedDependency[datetime], live: Live) -> s.AnswerOut:
        return await invitations.answer(live, invitation_id, data, today, now)

    @post("/{invitation_id:int}/opinion", summary="The member's written opinion was submitted (on time or late)")
    async def opinion(self, invitation_id: FromPath[int], data: JSONBody[s.SubmissionIn],
                      today: NamedDependency[date], live: Live) -> s.InvitationOut:
        return await invitations.submit_opinion(live, invitation_id, data, today)

    @post("/expire-overdue", summary="Unanswered invitations past their answer date count as declined and are replaced")
    async def expire(self, today: NamedDependency[date], now: NamedDependency[datetime], live: Live
                     ) -> list[s.AnswerOut]:
        return await invitations.expire_overdue(live, today, now)


CONTROLLERS = [PanelRequestController, PanelController, InvitationController]
