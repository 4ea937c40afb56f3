"""Material hand-over endpoints (issue 14, R-PANEL-4, R-PANEL-6): thin, the rules live in the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import File

from assignment.domain.procedure import Reader
from assignment.procedure import materials, opinions, report
from core.api import DEPS, Offset
from core.schemas import Page

Limit = Annotated[int, QueryParameter(ge=1, le=100)]


def reader(request: Request) -> Reader:
    user = request.user
    return Reader(role=user.role, unit_id=user.unit_id, expert_id=user.expert_id,
                  item_id=getattr(user, "commission_item_id", None))


class MaterialController(Controller):
    path = "/"
    tags = ["panels"]
    dependencies = DEPS

    @post("/panel-requests/{request_id:int}/materials", request_max_body_size=materials.MAX_BODY_BYTES,
          summary="The drafting unit hands over a file for its panel request (R-PANEL-4): pdf, docx, xlsx, txt, "
                  "png or jpg, up to 20 MB, in base64; stored by its SHA-256, with the login and the server's time")
    async def upload(self, request_id: FromPath[int], data: JSONBody[materials.MaterialIn],
                     now: NamedDependency[datetime], request: Request) -> materials.MaterialOut:
        return await materials.upload(request_id, data, request.user.username, now)

    @get("/panel-requests/{request_id:int}/materials",
         summary="The files handed over for a panel request, a page (the unit, the office, the members who "
                 "accepted and signed their commitment letter)")
    async def index(self, request_id: FromPath[int], today: NamedDependency[date], request: Request,
                    offset: Offset = 0, limit: Limit = 20) -> Page[materials.MaterialOut]:
        return await materials.list_materials(request_id, reader(request), today, offset, limit)

    @get("/materials/{material_id:int}/content",
         summary="A handed-over file's content: the unit that owns the request, the office, and members who "
                 "accepted and signed the commitment letter for their current term (R-DUTY-1/2); each download "
                 "is on the record")
    async def content(self, material_id: FromPath[int], today: NamedDependency[date],
                      now: NamedDependency[datetime], request: Request) -> File:
        out, path = await materials.download(material_id, reader(request), request.user.username, today, now)
        return File(path=path, filename=out.filename, media_type=out.media_type)


class OpinionTextController(Controller):
    path = "/invitations"
    tags = ["panels"]
    dependencies = DEPS

    @get("/{invitation_id:int}/opinion", summary="The signed text of a member's written opinion (R-DUTY-2): the "
                                                  "request's unit, the office and the expert")
    async def show(self, invitation_id: FromPath[int], request: Request) -> opinions.OpinionTextOut:
        return await opinions.show(invitation_id, reader(request))


class ArgumentController(Controller):
    """The argument by mode and its report (issue 14, R-PANEL-5, R-DUTY-2)."""

    path = "/"
    tags = ["panels"]
    dependencies = DEPS

    @post("/invitations/{invitation_id:int}/opinion/attachment", request_max_body_size=materials.MAX_BODY_BYTES,
          summary="The invited expert attaches one file to their signed opinion (R-DUTY-2): after the opinion, "
                  "once; the hand-over's types and 20 MB limit")
    async def attach(self, invitation_id: FromPath[int], data: JSONBody[materials.MaterialIn],
                     now: NamedDependency[datetime], request: Request) -> report.AttachmentOut:
        return await report.attach(invitation_id, data, reader(request), request.user.username, now)

    @get("/invitations/{invitation_id:int}/opinion/attachment",
         summary="The file attached to a signed opinion: the request's unit, the office and the expert")
    async def attachment(self, invitation_id: FromPath[int], request: Request) -> File:
        out, path = await report.attachment(invitation_id, reader(request))
        return File(path=path, filename=out.filename, media_type=out.media_type)

    @post("/panel-requests/{request_id:int}/minutes",
          summary="Meeting mode (R-PANEL-5): the unit or the office records the minutes once: text, the meeting's "
                  "date and the attending members among those who accepted; login and server time")
    async def record_minutes(self, request_id: FromPath[int], data: JSONBody[report.MinutesIn],
                             today: NamedDependency[date], now: NamedDependency[datetime],
                             request: Request) -> report.MinutesOut:
        return await report.record_minutes(request_id, data, request.user.username, today, now)

    @get("/panel-requests/{request_id:int}/minutes",
         summary="The meeting's minutes: the unit, the office, the auditor and the members")
    async def minutes(self, request_id: FromPath[int], request: Request) -> report.MinutesOut:
        return await report.minutes(request_id, reader(request))

    @post("/panel-requests/{request_id:int}/group-draft",
          summary="Group mode (R-PANEL-5): the leader (组长) drafts the report with their own login, signed, once")
    async def draft(self, request_id: FromPath[int], data: JSONBody[report.DraftIn], now: NamedDependency[datetime],
                    request: Request) -> report.GroupDraftOut:
        return await report.submit_draft(request_id, data, reader(request), request.user.username, now)

    @get("/panel-requests/{request_id:int}/group-draft",
         summary="The leader's draft and the co-signatures or dissents: the unit, the office, the auditor, members")
    async def group_draft(self, request_id: FromPath[int], request: Request) -> report.GroupDraftOut:
        return await report.group_draft(request_id, reader(request))

    @post("/panel-requests/{request_id:int}/group-draft/signatures",
          summary="Group mode (R-PANEL-5): a member other than the leader co-signs the draft or records dissent "
                  "with a reason; own login, signed, once")
    async def cosign(self, request_id: FromPath[int], data: JSONBody[report.CoSignIn],
                     now: NamedDependency[datetime], request: Request) -> report.GroupDraftOut:
        return await report.cosign(request_id, data, reader(request), request.user.username, now)

    @get("/panel-requests/{request_id:int}/argument",
         summary="Whether the argument is complete for its mode, and what is missing (R-PANEL-5)")
    async def argument(self, request_id: FromPath[int]) -> report.ArgumentOut:
        return await report.argument(request_id)

    @post("/panel-requests/{request_id:int}/report",
          summary="The unit assembles the argument report (论证报告) from what is on file, once; 409 with what is "
                  "missing while the argument is incomplete for its mode (R-PANEL-5); stored with its SHA-256")
    async def issue_report(self, request_id: FromPath[int], now: NamedDependency[datetime],
                           request: Request) -> report.ReportOut:
        return await report.issue_report(request_id, request.user.username, now)

    @get("/panel-requests/{request_id:int}/report",
         summary="The argument report as stored: the unit, the office, the auditor and the report's members")
    async def show_report(self, request_id: FromPath[int], request: Request) -> report.ReportOut:
        return await report.show_report(request_id, reader(request))

    @post("/panel-requests/{request_id:int}/report/adoption",
          summary="R-PANEL-7: the unit records once, member by member, whether each opinion was adopted and, where "
                  "not, why (fed back to the expert); the office corrects with a reason, both kept")
    async def adopt(self, request_id: FromPath[int], data: JSONBody[report.AdoptionIn],
                    now: NamedDependency[datetime], request: Request) -> report.AdoptionsOut:
        return await report.adopt(request_id, data, reader(request), request.user.username, now)

    @get("/panel-requests/{request_id:int}/report/adoption",
         summary="The report's adoption: the unit's record and the office's corrections (R-PANEL-7)")
    async def adoptions(self, request_id: FromPath[int]) -> report.AdoptionsOut:
        return await report.adoptions(request_id)


CONTROLLERS = [MaterialController, OpinionTextController, ArgumentController]
