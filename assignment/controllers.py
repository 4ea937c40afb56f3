"""Panel endpoints under /api/v1: requests and their draws, panel records, invitations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from assignment import schemas as s
from assignment.domain.membership import ACTIVE
from assignment.procedure import commission_controllers, opinions
from assignment.procedure.controllers import CONTROLLERS as PROCEDURE_CONTROLLERS
from assignment.procedure.controllers import reader
from assignment.procedure.evaluation_group import CONTROLLERS as EVALUATION_GROUP_CONTROLLERS
from assignment.services import invitations, requests, views
from conflicts import schemas as cs
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from conflicts.policy import Purpose
from conflicts.services.checks import check
from core.api import DEPS, Offset, unit_scope
from core.api import Limit as PageLimit
from core.records import get_or_404
from core.schemas import Page
from decisions.controllers import require_own_item
from decisions.tables import DecisionItem
from registry.schemas import RatingOut
from registry.services.office_views import rating_out
from registry.services.reviews import correct_rating

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Live = NamedDependency[LiveGraph]  # the process's graph, synced once for the request (conflicts.deps)
RequestStatus = Literal["active", "cancellation_requested", "cancelled"]
InvitationStatus = Literal["pending", "accepted", "declined", "expired", "awaiting_approval", "refused", "withdrawn"]


def actor(request: Request) -> str:
    """Who acts, from the login (issue 13): the username, and for a drafting unit its unit id."""
    user = request.user
    return f"{user.username}（承办单位 {user.unit_id}）" if user.role == "unit" else user.username


class PanelRequestController(Controller):
    path = "/panel-requests"
    tags = ["panels"]
    dependencies = {**DEPS, **LIVE}

    @post("/", summary="Request a panel: size (R-PANEL-1), balance (R-PANEL-2), out-of-pool experts (R-PANEL-3), "
                       "deadline in Chinese working days (R-PANEL-4); the draw is made and recorded at once")
    async def create(self, data: JSONBody[s.PanelRequestIn], today: NamedDependency[date],
                     now: NamedDependency[datetime], request: Request, live: Live) -> s.PanelRequestOut:
        await require_own_item(request, data.item_id)
        created = await requests.create_request(live, data, today, now, actor(request))
        return await views.request_view(live, created.id, today)

    @get("/", summary="Panel requests, a page (a drafting unit sees its own)")
    async def index(self, today: NamedDependency[date], request: Request, live: Live,
                    item_id: FromQuery[int | None] = None, status: FromQuery[RequestStatus | None] = None,
                    offset: Offset = 0, limit: Limit = 20) -> Page[s.PanelRequestOut]:
        return await views.list_requests(live, item_id, offset, limit, today, unit_scope(request), status)

    @get("/{request_id:int}")
    async def show(self, request_id: FromPath[int], today: NamedDependency[date], live: Live) -> s.PanelRequestOut:
        return await views.request_view(live, request_id, today)

    @get("/{request_id:int}/panels", summary="Every panel record of the request: the draw, then each replacement")
    async def panels(self, request_id: FromPath[int], live: Live) -> list[s.PanelOut]:
        return await views.panel_history(live, request_id)

    @get("/{request_id:int}/exclusions",
         summary="Everyone the draw left out, a page at a time, by stage, rule id or subject, each with its reasons "
                 "(issue 17; the panel answer carries only the counts)")
    async def exclusions(self, request_id: FromPath[int], live: Live,
                         stage: Annotated[str | None, QueryParameter(max_length=40)] = None,
                         rule_id: Annotated[str | None, QueryParameter(max_length=40)] = None,
                         subject_id: FromQuery[int | None] = None, offset: Offset = 0,
                         limit: PageLimit = 50) -> Page[s.ExclusionOut]:
        return await views.request_exclusions(live, request_id, stage, rule_id, subject_id, offset, limit)

    @get("/{request_id:int}/exclusions/{subject_id:int}",
         summary="Why was this expert (institution) not drawn: excluded with the stage and reasons, a candidate "
                 "not drawn, or outside the draw's pool")
    async def left_out(self, request_id: FromPath[int], subject_id: FromPath[int], live: Live) -> s.LeftOutOut:
        return await views.why_left_out(live, request_id, subject_id)

    @get("/{request_id:int}/conflict-recheck",
         summary="Re-check the current members against today's records and policy")
    async def recheck(self, request_id: FromPath[int], today: NamedDependency[date], live: Live) -> cs.CheckOut:
        view = await views.request_view(live, request_id, today)
        current = [(i.subject.kind, i.subject.id) for i in view.invitations if i.status in ACTIVE]
        return await check(live, view.item_id, Purpose(view.purpose), today, current)

    @post("/{request_id:int}/cancellation", summary="The unit asks for its draw to be cancelled, with a reason, "
                                                     "to draw again for this item and purpose (R-PANEL-2)")
    async def cancellation(self, request_id: FromPath[int], data: JSONBody[s.CancellationIn],
                           today: NamedDependency[date], now: NamedDependency[datetime], live: Live
                           ) -> s.PanelRequestOut:
        await requests.request_cancellation(request_id, data, now)
        return await views.request_view(live, request_id, today)

    @post("/{request_id:int}/cancellation/decision",
          summary="The office approves (cancelled; open invitations withdrawn) or refuses a cancellation (R-PANEL-2)")
    async def cancellation_decision(self, request_id: FromPath[int], data: JSONBody[s.DecisionIn],
                                    today: NamedDependency[date], now: NamedDependency[datetime], live: Live
                                    ) -> s.PanelRequestOut:
        await requests.decide_cancellation(request_id, data, now)
        return await views.request_view(live, request_id, today)

    @post("/{request_id:int}/out-of-pool/{expert_id:int}/decision",
          summary="The office approves an out-of-pool expert (the invitation goes out) or refuses it (R-PANEL-3)")
    async def out_of_pool_decision(self, request_id: FromPath[int], expert_id: FromPath[int],
                                   data: JSONBody[s.DecisionIn], today: NamedDependency[date],
                                   now: NamedDependency[datetime], live: Live) -> s.PanelRequestOut:
        await requests.decide_out_of_pool(live, request_id, expert_id, data, today, now)
        return await views.request_view(live, request_id, today)

    @post("/{request_id:int}/leader", summary="Group mode: the unit names the leader (组长) among the members who "
                                               "accepted (R-PANEL-5); a non-member is refused (422)")
    async def leader(self, request_id: FromPath[int], data: JSONBody[s.LeaderIn], today: NamedDependency[date],
                     now: NamedDependency[datetime], request: Request, live: Live) -> s.PanelRequestOut:
        return await invitations.name_leader(live, request_id, data.expert_id, actor(request), today, now)

    @post("/{request_id:int}/leader-report", summary="Group mode: the leader's (组长) report was submitted "
                                                      "(R-PANEL-5), dated today by the server")
    async def leader_report(self, request_id: FromPath[int], data: JSONBody[s.SubmissionIn],
                            today: NamedDependency[date], live: Live) -> s.PanelRequestOut:
        return await invitations.submit_leader_report(live, request_id, today)

    @post("/{request_id:int}/paper-leader-report",
          summary="The office records a leader's report received on paper earlier: the day and why (R-PANEL-5)")
    async def paper_leader_report(self, request_id: FromPath[int], data: JSONBody[s.PaperSubmissionIn],
                                  today: NamedDependency[date], live: Live) -> s.PanelRequestOut:
        return await invitations.submit_leader_report(live, request_id, today, data.received_on)


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
    async def opinion(self, invitation_id: FromPath[int], data: JSONBody[opinions.OpinionIn],
                      today: NamedDependency[date], now: NamedDependency[datetime], request: Request, live: Live
                      ) -> s.InvitationOut:
        # issue 14: optional signed text, by the invited expert's own login only (R-DUTY-2)
        return await opinions.submit(live, invitation_id, data, reader(request), request.user.username, today, now)

    @post("/{invitation_id:int}/paper-opinion",
          summary="The office records an opinion received on paper earlier: the day it was received and why")
    async def paper_opinion(self, invitation_id: FromPath[int], data: JSONBody[s.PaperSubmissionIn],
                            today: NamedDependency[date], live: Live) -> s.InvitationOut:
        return await invitations.submit_opinion(live, invitation_id, today, data.received_on)

    @post("/{invitation_id:int}/decline-judgement",
          summary="The office judges whether a decline's reason was good (R-POOL-5(3)); a correction needs a reason")
    async def decline_judgement(self, invitation_id: FromPath[int], data: JSONBody[s.DeclineJudgementIn],
                                today: NamedDependency[date], request: Request) -> s.DeclineJudgementOut:
        return await invitations.judge_decline(invitation_id, data, request.user.username, today)

    @post("/{invitation_id:int}/rating",
          summary="The drafting unit whose panel it was rates an accepted invitation, once (R-POOL-6)")
    async def rating(self, invitation_id: FromPath[int], data: JSONBody[s.InvitationRatingIn],
                     today: NamedDependency[date], request: Request) -> RatingOut:
        return rating_out(await invitations.rate(invitation_id, data, unit_scope(request), today))

    @post("/expire-overdue", summary="Unanswered invitations past their answer date count as declined and are replaced")
    async def expire(self, today: NamedDependency[date], now: NamedDependency[datetime], live: Live
                     ) -> list[s.AnswerOut]:
        return await invitations.expire_overdue(live, today, now)


class RatingController(Controller):
    path = "/ratings"
    tags = ["panels"]
    dependencies = DEPS

    @post("/{rating_id:int}/correction",
          summary="The office corrects a rating with a reason (R-POOL-6); the original stays visible")
    async def correction(self, rating_id: FromPath[int], data: JSONBody[s.RatingCorrectionIn],
                         today: NamedDependency[date], request: Request) -> RatingOut:
        return rating_out(await correct_rating(rating_id, data.participation, data.reliability,
                                               data.implementation_effect, data.reason, request.user.username, today))


class PanelListController(Controller):
    """Lists seen from an item and from an expert (issue 13)."""

    path = "/"
    tags = ["panels"]
    dependencies = {**DEPS, **LIVE}

    @get("/items/{item_id:int}/panel-requests", summary="The panel requests of one decision item, a page")
    async def item_requests(self, item_id: FromPath[int], today: NamedDependency[date], request: Request, live: Live,
                            status: FromQuery[RequestStatus | None] = None, offset: Offset = 0, limit: Limit = 20
                            ) -> Page[s.PanelRequestOut]:
        await get_or_404(DecisionItem, item_id, "decision item", "item_id")
        return await views.list_requests(live, item_id, offset, limit, today, unit_scope(request), status)

    @get("/experts/{expert_id:int}/invitations",
         summary="An expert's invitations, newest first, with their requests and items, a page")
    async def expert_invitations(self, expert_id: FromPath[int], today: NamedDependency[date], live: Live,
                                 status: FromQuery[InvitationStatus | None] = None, offset: Offset = 0,
                                 limit: Limit = 20) -> Page[s.ExpertInvitationOut]:
        return await views.expert_invitations(live, expert_id, status, offset, limit, today)


CONTROLLERS = [PanelRequestController, PanelController, InvitationController, RatingController, PanelListController,
               *PROCEDURE_CONTROLLERS]  # material hand-over (issue 14)
CONTROLLERS.extend(commission_controllers.CONTROLLERS)  # the commissioned organiser (issue 14, R-PANEL-8, R-COI-5)
CONTROLLERS += EVALUATION_GROUP_CONTROLLERS  # mixed evaluation groups and the evaluation report (issue 14, R-EVAL-1)
