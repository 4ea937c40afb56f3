"""Panel endpoints under /api/v1: requests and their draws, panel records, invitations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from decisions.controllers import require_own_item
from assignment import schemas as s
from assignment import services as svc
from assignment.tables import PanelRequest
from conflicts import schemas as cs
from core.api import DEPS, Offset, unit_scope
from conflicts.policy import Purpose
from conflicts.live import synced_live_graph
from conflicts.services.checks import check

Limit = Annotated[int, QueryParameter(ge=1, le=100)]


class PanelRequestController(Controller):
    path = "/panel-requests"
    tags = ["panels"]
    dependencies = DEPS

    @post("/", summary="Request a panel: size (R-PANEL-1), balance (R-PANEL-2), out-of-pool experts (R-PANEL-3), "
                       "deadline in Chinese working days (R-PANEL-4); the draw is made and recorded at once")
    async def create(self, data: JSONBody[s.PanelRequestIn], today: NamedDependency[date],
                     now: NamedDependency[datetime], request: Request) -> s.PanelRequestOut:
        await require_own_item(request, data.item_id)
        created = await svc.create_request(data, today, now)
        return await svc.request_view(created.id, today)

    @get("/", summary="Panel requests (a drafting unit sees its own)")
    async def index(self, today: NamedDependency[date], request: Request, item_id: FromQuery[int | None] = None,
                    offset: Offset = 0, limit: Limit = 20) -> list[s.PanelRequestOut]:
        return await svc.list_requests(item_id, offset, limit, today, unit_scope(request))

    @get("/{request_id:int}")
    async def show(self, request_id: FromPath[int], today: NamedDependency[date]) -> s.PanelRequestOut:
        return await svc.request_view(request_id, today)

    @get("/{request_id:int}/panels", summary="Every panel record of the request: the draw, then each replacement")
    async def panels(self, request_id: FromPath[int]) -> list[s.PanelOut]:
        return await svc.panel_history(request_id)

    @get("/{request_id:int}/conflict-recheck",
         summary="Re-check the current members against today's records and policy")
    async def recheck(self, request_id: FromPath[int], today: NamedDependency[date]) -> cs.CheckOut:
        view = await svc.request_view(request_id, today)
        current = [(i.subject.kind, i.subject.id) for i in view.invitations if i.status in svc.ACTIVE]
        return await check(await synced_live_graph(), view.item_id, Purpose(view.purpose), today, current)

    @post("/{request_id:int}/leader-report", summary="Group mode: the leader's (组长) report was submitted (R-PANEL-5)")
    async def leader_report(self, request_id: FromPath[int], data: JSONBody[s.SubmissionIn],
                            today: NamedDependency[date]) -> s.PanelRequestOut:
        return await svc.submit_leader_report(request_id, data, today)


class PanelController(Controller):
    path = "/panels"
    tags = ["panels"]

    @get("/{panel_id:int}", summary="An issued panel record (never changed afterwards)")
    async def show(self, panel_id: FromPath[int]) -> s.PanelOut:
        record = await svc.panel_record(panel_id)
        request = await svc.get_or_404(PanelRequest, record["panel_request"], "panel request")
        return svc.panel_out(record, request.subject_kind)

    @get("/{panel_id:int}/probabilities", summary="Each eligible candidate's chance of selection, for audit")
    async def probabilities(self, panel_id: FromPath[int]) -> dict[str, float]:
        return (await svc.panel_record(panel_id))["probabilities"]

    @get("/{panel_id:int}/verification",
         summary="Re-run the draw from the recorded candidates, constraints and seed, and compare")
    async def verification(self, panel_id: FromPath[int]) -> s.VerificationOut:
        return await svc.verify(panel_id)


class InvitationController(Controller):
    path = "/invitations"
    tags = ["panels"]
    dependencies = DEPS

    @post("/{invitation_id:int}/answer",
          summary="Accept, or decline with a reason; a decline draws a replacement that keeps every constraint")
    async def answer(self, invitation_id: FromPath[int], data: JSONBody[s.AnswerIn], today: NamedDependency[date],
                     now: NamedDependency[datetime]) -> s.AnswerOut:
        return await svc.answer(invitation_id, data, today, now)

    @post("/{invitation_id:int}/opinion", summary="The member's written opinion was submitted (on time or late)")
    async def opinion(self, invitation_id: FromPath[int], data: JSONBody[s.SubmissionIn],
                      today: NamedDependency[date]) -> s.InvitationOut:
        return await svc.submit_opinion(invitation_id, data, today)

    @post("/expire-overdue", summary="Unanswered invitations past their answer date count as declined and are replaced")
    async def expire(self, today: NamedDependency[date], now: NamedDependency[datetime]) -> list[s.AnswerOut]:
        return await svc.expire_overdue(today, now)


CONTROLLERS = [PanelRequestController, PanelController, InvitationController]
