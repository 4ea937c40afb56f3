"""Spreadsheet endpoints (issue 16): imports with their per-row report, templates and exports. Thin: the
services do the work; every route here is the office's (``accounts.access``: unlisted routes are)."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.api import DEPS, Offset, chinese_reason
from core.errors import invalid
from core.schemas import Input, Name, Page
from registry.domain.vocab import Sector
from spreadsheets.domain.rows import MAX_FILE_BYTES
from spreadsheets.services import imports, workbooks
from spreadsheets.services.imports import ImportJobOut, ImportRowOut

Limit = Annotated[int, QueryParameter(ge=1, le=500)]
SearchText = Annotated[str | None, QueryParameter(max_length=200)]
_MAX_BASE64 = 4 * ((MAX_FILE_BYTES + 2) // 3)
MAX_BODY_BYTES = _MAX_BASE64 + 64 * 1024


class ImportFileIn(Input, kw_only=True):
    """A file in base64 (the other way is multipart/form-data with the field ``file``)."""

    filename: Name
    content_base64: Annotated[str, msgspec.Meta(min_length=1, max_length=_MAX_BASE64 + 4,
                                                description="the file's bytes in base64, up to 20 MB decoded")]


async def _uploaded(request: Request) -> tuple[str, bytes]:
    """The file of a multipart form (field ``file``) or of a JSON body ``{filename, content_base64}``."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise invalid("file", "表单中缺少文件（字段名 file）")
        return upload.filename or "", await upload.read()
    try:
        data = msgspec.json.decode(await request.body(), type=ImportFileIn)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in message else "body"
        raise invalid(field, chinese_reason(message.split(" - at ")[0])) from None
    except msgspec.DecodeError:
        raise invalid("body", "请求体须为 JSON {filename, content_base64}，"
                              "或 multipart/form-data 的 file 字段") from None
    try:
        return data.filename, base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("content_base64", "不是有效的 base64 编码") from None


def _started(job: ImportJobOut) -> Response[ImportJobOut]:
    return Response(job, status_code=202 if job.status == "running" else 201)


def xlsx_response(filename: str, content: bytes) -> Response[bytes]:
    """A workbook download with its Chinese file name (RFC 5987); never cached (personal data, as the PDFs).
    The API's controllers and the pages (web/) answer the same way."""
    return Response(content, media_type=workbooks.XLSX, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store"})


class ImportController(Controller):
    path = "/imports"
    tags = ["spreadsheets"]
    dependencies = DEPS

    @post("/experts", request_max_body_size=MAX_BODY_BYTES, status_code=201,
          summary="Import experts from an office's XLSX / XLS / CSV (UTF-8 or GB18030): each row through the "
                  "registry's own checks; a job with a per-row report (202 while a large file runs in the background)")
    async def experts(self, request: Request, now: NamedDependency[datetime],
                      today: NamedDependency[date]) -> Response[ImportJobOut]:
        filename, content = await _uploaded(request)
        return _started(await imports.start_import("expert", filename, content, request.user.username, now, today))

    @post("/institutions", request_max_body_size=MAX_BODY_BYTES, status_code=201,
          summary="Import institutions (统一社会信用代码 checked, GB 32100) the same way")
    async def institutions(self, request: Request, now: NamedDependency[datetime],
                           today: NamedDependency[date]) -> Response[ImportJobOut]:
        filename, content = await _uploaded(request)
        return _started(await imports.start_import("institution", filename, content, request.user.username, now,
                                                   today))

    @post("/relations", request_max_body_size=MAX_BODY_BYTES, status_code=201, dependencies=LIVE,
          summary="Import relations between registered records (kinds of the conflict policy: 亲属, 持股, 担任顾问 "
                  "...) through the conflicts service's own checks")
    async def relations(self, request: Request, now: NamedDependency[datetime], today: NamedDependency[date],
                        live: NamedDependency[LiveGraph]) -> Response[ImportJobOut]:
        filename, content = await _uploaded(request)
        return _started(await imports.start_import("relation", filename, content, request.user.username, now,
                                                   today, live))

    @get("/templates/relations.xlsx", summary="The relation template (kind and end-type drop-downs)")
    async def relation_template(self) -> Response[bytes]:
        return xlsx_response("关系导入模板.xlsx", workbooks.relation_template())

    @get("/", summary="The import jobs, newest first")
    async def index(self, offset: Offset = 0, limit: Limit = 50) -> Page[ImportJobOut]:
        return await imports.list_jobs(offset, limit)

    @get("/{import_id:int}", summary="An import job: status and rows done of total")
    async def show(self, import_id: FromPath[int]) -> ImportJobOut:
        return await imports.get_job(import_id)

    @get("/{import_id:int}/report", summary="The per-row report: accepted, rejected (column, reason, rule), "
                                            "existing (nothing added) or a likely duplicate left for a person")
    async def report(self, import_id: FromPath[int], offset: Offset = 0, limit: Limit = 100,
                     status: FromQuery[Literal["accepted", "rejected", "existing", "possible_duplicate"] | None]
                     = None) -> Page[ImportRowOut]:
        return await imports.report(import_id, status, offset, limit)

    @get("/{import_id:int}/report.xlsx", summary="The per-row report as an XLSX workbook")
    async def report_xlsx(self, import_id: FromPath[int]) -> Response[bytes]:
        return xlsx_response(*await workbooks.report_workbook(import_id))

    @get("/templates/experts.xlsx", summary="The expert template: headers, drop-down lists (gender, sector, "
                                           "specialty, sub-pool), ID and phone columns as text")
    async def expert_template(self) -> Response[bytes]:
        return xlsx_response("专家导入模板.xlsx", await workbooks.expert_template())

    @get("/templates/institutions.xlsx", summary="The institution template (kind drop-down, credit code as text)")
    async def institution_template(self) -> Response[bytes]:
        return xlsx_response("机构导入模板.xlsx", workbooks.institution_template())


class ExportController(Controller):
    path = "/exports"
    tags = ["spreadsheets"]
    dependencies = {**DEPS, **LIVE}

    @get("/experts.xlsx", summary="The pool list as XLSX, with the same filters as GET /experts (personal data "
                                  "masked)")
    async def experts(self, today: NamedDependency[date], specialty: SearchText = None,
                      sector: FromQuery[Sector | None] = None, region: SearchText = None, q: SearchText = None,
                      employer: SearchText = None, eligible: FromQuery[bool | None] = None,
                      on: FromQuery[date | None] = None) -> Response[bytes]:
        content = await workbooks.experts_workbook(on or today, specialty, sector.value if sector else None, region,
                                                   q, eligible, employer)
        return xlsx_response(f"专家库-{(on or today).isoformat()}.xlsx", content)

    @get("/items/{item_id:int}/panels.xlsx", summary="An item's panel requests, every draw with its members and "
                                                      "chances, and each exclusion with its stage and rule ids")
    async def item_panels(self, item_id: FromPath[int], today: NamedDependency[date],
                          live: NamedDependency[LiveGraph]) -> Response[bytes]:
        return xlsx_response(f"事项{item_id}-专家抽取.xlsx", await workbooks.item_panels_workbook(live, item_id, today))

    @get("/annual-reviews.xlsx", summary="The annual review results (R-POOL-6): filter by year, status "
                                         "(open|decided) and proposal")
    async def annual_reviews(self, year: Annotated[int | None, QueryParameter(ge=1949, le=2100)] = None,
                             status: FromQuery[Literal["open", "decided"] | None] = None,
                             proposal: FromQuery[Literal["renew", "keep", "dismiss"] | None] = None) -> Response[bytes]:
        suffix = f"-{year}" if year is not None else ""
        return xlsx_response(f"年度考核{suffix}.xlsx", await workbooks.reviews_workbook(year, status, proposal))


CONTROLLERS = [ImportController, ExportController]
