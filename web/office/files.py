"""Documents and spreadsheets for the office's pages (issue 16's services reached with the page session): the
certificate (聘书) and signed commitment letter PDFs of an expert, the experts list and the annual review results
as XLSX, and the import page (upload an XLSX/CSV of experts, institutions or relations; template downloads; the
job's progress polled with htmx; the per-row report, shown and downloadable as XLSX).

The API's routes need a bearer token; these answer the same content to the office's session (the office may call
every route of the API, ``accounts.access``: the same role rule), through the same service functions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from accounts.services import Principal
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.errors import DomainError, not_found
from documents.controllers import certificate_pdf, letter_pdf
from registry.domain.vocab import Sector
from spreadsheets.controllers import xlsx_response
from spreadsheets.domain.rows import MAX_FILE_BYTES
from spreadsheets.services import imports, workbooks
from web.forms import FormError, FormErrors, PageOffset, Text, refusal
from web.render import render, see_other
from web.session import PAGE_DEPENDENCIES, require

PageLimit = Annotated[int, QueryParameter(ge=1, le=500)]
KINDS = {"experts": ("expert", "专家"), "institutions": ("institution", "机构"), "relations": ("relation", "关系")}
ROW_STATUSES = {"accepted": "已导入", "rejected": "未导入", "existing": "已存在（未新增）",
                "possible_duplicate": "已导入，疑似重复"}
JOB_STATUSES = {"running": "正在导入", "done": "已完成", "failed": "失败"}


class FilePages(Controller):
    path = "/office"
    include_in_schema = False
    guards = [require("office")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}

    # --- documents of an expert (R-POOL-4, R-DUTY-1) ---------------------------------------------------
    @get("/experts/{expert_id:int}/terms/{term_id:int}/certificate.pdf")
    async def certificate(self, expert_id: FromPath[int], term_id: FromPath[int],
                          today: NamedDependency[date]) -> Response[bytes]:
        return await certificate_pdf(expert_id, term_id, today)

    @get("/experts/{expert_id:int}/commitment-letters/{letter_id:int}/letter.pdf")
    async def letter(self, expert_id: FromPath[int], letter_id: FromPath[int],
                     today: NamedDependency[date]) -> Response[bytes]:
        return await letter_pdf(expert_id, letter_id, today)

    # --- exports -------------------------------------------------------------------------------------------
    @get("/experts.xlsx")
    async def experts_xlsx(self, today: NamedDependency[date], q: Text = None, employer: Text = None,
                           specialty: Text = None, status: Text = None, sector: Text = None,
                           region: Text = None) -> Response[bytes]:
        """The experts page's filtered list (the same filters), personal data masked."""
        eligible = {"eligible": True, "ineligible": False}.get(status or "")
        sector_value = sector if sector in {m.value for m in Sector} else None
        content = await workbooks.experts_workbook(today, specialty or None, sector_value, region or None, q or None,
                                                   eligible, employer or None)
        return xlsx_response(f"专家库-{today.isoformat()}.xlsx", content)

    @get("/reviews.xlsx")
    async def reviews_xlsx(self, status: Text = None,
                           year: Annotated[int | None, QueryParameter(ge=1949, le=2100)] = None) -> Response[bytes]:
        status = status if status in ("open", "decided") else None
        suffix = f"-{year}" if year is not None else ""
        return xlsx_response(f"年度考核{suffix}.xlsx", await workbooks.reviews_workbook(year, status, None))

    # --- imports -------------------------------------------------------------------------------------------
    async def _imports(self, request: Request, status_code: int = 200, errors: FormErrors | None = None,
                       failed: str = "", offset: int = 0) -> Response:
        jobs = await imports.list_jobs(offset, 20)
        return render(request, "office/imports.html", status_code, title="批量导入", jobs=jobs, kinds=KINDS,
                      statuses=JOB_STATUSES, errors=errors or FormErrors(), failed=failed,
                      max_mb=MAX_FILE_BYTES // (1024 * 1024))

    @get("/imports")
    async def imports_page(self, request: Request, offset: PageOffset = 0) -> Response:
        return await self._imports(request, offset=offset)

    @get("/imports/templates/{name:str}")
    async def template(self, name: FromPath[str]) -> Response[bytes]:
        if name == "experts.xlsx":
            return xlsx_response("专家导入模板.xlsx", await workbooks.expert_template())
        if name == "institutions.xlsx":
            return xlsx_response("机构导入模板.xlsx", workbooks.institution_template())
        if name == "relations.xlsx":
            return xlsx_response("关系导入模板.xlsx", workbooks.relation_template())
        raise not_found("template", name, "name")

    @post("/imports/{kind:str}", request_max_body_size=MAX_FILE_BYTES + 64 * 1024)
    async def upload(self, request: Request, kind: FromPath[str], principal: NamedDependency[Principal],
                     now: NamedDependency[datetime], today: NamedDependency[date],
                     live: NamedDependency[LiveGraph]) -> Response:
        if kind not in KINDS:
            raise not_found("import kind", kind, "kind")
        form = await request.form()
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise FormError(FormErrors(detail="请选择要上传的文件",
                                           fields={"file": ["请选择 XLSX、XLS 或 CSV 文件"]}))
            content = await upload.read()
            job = await imports.start_import(KINDS[kind][0], upload.filename, content, principal.username, now,
                                             today, live if kind == "relations" else None)
        except (FormError, DomainError) as exc:
            failure = exc if isinstance(exc, FormError) else refusal(exc)
            return await self._imports(request, failure.status, failure.errors, kind)
        return see_other(f"/office/imports/{job.id}", f"已上传 {upload.filename}，共 {job.total} 行")

    @get("/imports/{import_id:int}")
    async def job(self, request: Request, import_id: FromPath[int],
                  status: Annotated[str | None, QueryParameter(max_length=20)] = None, offset: PageOffset = 0,
                  limit: PageLimit = 100) -> Response:
        job = await imports.get_job(import_id)
        status = status if status in ROW_STATUSES else None
        report = await imports.report(import_id, status, offset, limit) if job.status != "running" else None
        return render(request, "office/import.html", title=f"导入 #{job.id}：{job.filename}", job=job,
                      report=report, row_statuses=ROW_STATUSES, statuses=JOB_STATUSES, status=status or "",
                      kinds={v[0]: v[1] for v in KINDS.values()})

    @get("/imports/{import_id:int}/progress")
    async def progress(self, request: Request, import_id: FromPath[int]) -> Response:
        """The progress line, polled by htmx while the job runs; when it ends the page reloads with its report."""
        job = await imports.get_job(import_id)
        response = render(request, "office/import_progress.html", job=job, statuses=JOB_STATUSES)
        if job.status != "running" and request.headers.get("hx-request"):
            response.headers["HX-Refresh"] = "true"
        return response

    @get("/imports/{import_id:int}/report.xlsx")
    async def report_xlsx(self, import_id: FromPath[int]) -> Response[bytes]:
        return xlsx_response(*await workbooks.report_workbook(import_id))
