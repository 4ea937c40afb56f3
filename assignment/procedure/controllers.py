"""Material hand-over endpoints (issue 14, R-PANEL-4, R-PANEL-6): thin, the rules live in the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import File

from assignment.domain.procedure import Reader
from assignment.procedure import materials, opinions
from core.api import DEPS, Offset
from core.schemas import Page

Limit = Annotated[int, QueryParameter(ge=1, le=100)]


def reader(request: Request) -> Reader:
    user = request.user
    return Reader(role=user.role, unit_id=user.unit_id, expert_id=user.expert_id)


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


CONTROLLERS = [MaterialController, OpinionTextController]
