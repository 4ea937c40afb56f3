"""The actions of the procedure's steps for the drafting unit (issue 15 over issue 14's services): hand-over, minutes,
the argument report, adoption, the item's next step, its filing, the post-decision evaluation (the evaluating unit's
report on ``/unit/evaluations/{item}``), and the downloads (专家抽取记录, 论证报告, 归档材料包 PDFs)
as page routes with the page session, for the unit that owns the item (``accounts.access.owns``, as the API's rule).
Each calls the same service as the API's controller; a refusal is shown beside its field on the page again. What
each section shows is ``web.unit.procedure``; the pages themselves are ``web.unit.pages``."""

from __future__ import annotations

from datetime import date, datetime

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from accounts.services import Principal
from assignment.procedure import evaluation_group, materials, report
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.errors import DomainError
from core.records import get_or_404
from decisions import filing as filings
from decisions import lifecycle
from decisions import schemas as ds
from decisions.tables import DecisionItem
from documents.controllers import argument_report_pdf, filing_package_pdf, selection_record_pdf
from web.forms import FormError, FormErrors, read_form, refusal, to_input
from web.render import render, see_other
from web.session import PAGE_DEPENDENCIES, require
from web.unit.pages import item_page, own_item, own_request, panel_page
from web.unit.procedure import (
    adoption_body,
    beside_file,
    beside_members,
    group_body,
    or_none,
    reader_of,
    report_body,
    upload_body,
)

Me = NamedDependency[Principal]
Today = NamedDependency[date]
Now = NamedDependency[datetime]
Live = NamedDependency[LiveGraph]


class UnitProcedurePages(Controller):
    """The actions of the procedure's steps for the drafting unit; each answers the panel or item page again."""

    path = "/unit"
    guards = [require("unit")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}
    include_in_schema = False

    async def _again(self, request: Request, request_id: int, today: date, live: LiveGraph, section: str,
                     exc: FormError, form: dict | None = None) -> Template:
        """The panel page again with the step's refusal beside its fields and what was typed kept."""
        return await panel_page(request, request_id, today, live, sections={section: exc.errors},
                                forms={section: form or {}}, status_code=exc.status)

    # --- hand-over (R-PANEL-4, R-PANEL-6) -----------------------------------------------------------------------
    @post("/requests/{request_id:int}/materials", request_max_body_size=materials.MAX_BODY_BYTES + 1024 * 1024)
    async def upload(self, request: Request, request_id: FromPath[int], principal: Me, today: Today, now: Now,
                     live: Live) -> Template | Redirect:

        await own_request(principal, request_id)
        try:
            data = to_input(materials.MaterialIn, await upload_body(request))
            try:
                await materials.upload(request_id, data, principal.username, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            exc.errors = beside_file(exc.errors)
            return await self._again(request, request_id, today, live, "materials", exc)
        return see_other(f"/unit/requests/{request_id}#materials", "材料已移交")

    @get("/materials/{material_id:int}")
    async def download(self, material_id: FromPath[int], principal: Me, today: Today, now: Now) -> File:
        """The file, for the unit that owns its request (the service's own check, as the API's; recorded)."""
        out, path = await materials.download(material_id, reader_of(principal), principal.username, today, now)
        return File(path=path, filename=out.filename, media_type=out.media_type)

    # --- the argument by mode (R-PANEL-5) -----------------------------------------------------------------------
    @post("/requests/{request_id:int}/minutes")
    async def minutes(self, request: Request, request_id: FromPath[int], principal: Me, today: Today, now: Now,
                      live: Live) -> Template | Redirect:

        await own_request(principal, request_id)
        form = await read_form(request, lists=("attendees",))
        try:
            data = to_input(report.MinutesIn, form)
            try:
                await report.record_minutes(request_id, data, principal.username, today, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._again(request, request_id, today, live, "minutes", exc, form)
        return see_other(f"/unit/requests/{request_id}#argument", "会议纪要已记录")

    @post("/requests/{request_id:int}/report")
    async def issue_report(self, request: Request, request_id: FromPath[int], principal: Me, today: Today, now: Now,
                           live: Live) -> Template | Redirect:

        await own_request(principal, request_id)
        await read_form(request)
        try:
            try:
                await report.issue_report(request_id, principal.username, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._again(request, request_id, today, live, "report", exc)
        return see_other(f"/unit/requests/{request_id}#report", "论证报告已形成")

    @post("/requests/{request_id:int}/adoption")
    async def adopt(self, request: Request, request_id: FromPath[int], principal: Me, today: Today, now: Now,
                    live: Live) -> Template | Redirect:

        await own_request(principal, request_id)
        form = await read_form(request)
        stored = await or_none(report.show_report(request_id, reader_of(principal)))
        members = stored.data["members"] if stored else []
        try:
            data = to_input(report.AdoptionIn, adoption_body(form, members))
            try:
                await report.adopt(request_id, data, reader_of(principal), principal.username, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            exc.errors = beside_members(exc.errors, members)
            return await self._again(request, request_id, today, live, "adoption", exc, form)
        return see_other(f"/unit/requests/{request_id}#adoption", "采纳情况已记录，未采纳的理由已反馈专家")

    # --- documents (issue 16) through the page session ----------------------------------------------------------
    @get("/requests/{request_id:int}/selection-record.pdf")
    async def selection_record(self, request_id: FromPath[int], principal: Me, today: Today,
                               live: Live) -> Response[bytes]:

        await own_request(principal, request_id)
        return await selection_record_pdf(live, request_id, today)

    @get("/requests/{request_id:int}/argument-report.pdf")
    async def argument_report(self, request_id: FromPath[int], principal: Me, today: Today) -> Response[bytes]:

        await own_request(principal, request_id)
        return await argument_report_pdf(request_id, today)

    @get("/items/{item_id:int}/filing-package.pdf")
    async def filing_package(self, item_id: FromPath[int], principal: Me, today: Today) -> Response[bytes]:

        await own_item(principal, item_id)
        return await filing_package_pdf(item_id, today)

    # --- the item's steps: decided, filed (R-REC-3) -------------------------------------------------------------
    @post("/items/{item_id:int}/transitions")
    async def transition(self, request: Request, item_id: FromPath[int], principal: Me, today: Today, now: Now,
                         live: Live) -> Template | Redirect:

        await own_item(principal, item_id)
        form = await read_form(request)
        try:
            data = to_input(ds.TransitionIn, form)
            try:
                await lifecycle.move_item(item_id, data, principal.username, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await item_page(request, item_id, principal, today, live, sections={"transition": exc.errors},
                                   forms={"transition": form}, status_code=exc.status)
        return see_other(f"/unit/items/{item_id}#steps", "事项状态已更新")

    @post("/items/{item_id:int}/filing")
    async def file(self, request: Request, item_id: FromPath[int], principal: Me, today: Today, now: Now,
                   live: Live, filing_digest: NamedDependency[filings.PackageDigest]
                   ) -> Template | Redirect:

        await own_item(principal, item_id)
        await read_form(request)
        try:
            try:
                await filings.file_item(item_id, filing_digest, principal.username, now, today)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await item_page(request, item_id, principal, today, live, sections={"filing": exc.errors},
                                   status_code=exc.status)
        return see_other(f"/unit/items/{item_id}#filing", "全过程记录已归档")

    # --- the post-decision evaluation (R-EVAL-1, R-EVAL-2) ------------------------------------------------------
    async def _on_item(self, request: Request, item_id: int, principal: Principal, today: date, live: LiveGraph,
                       section: str, exc: FormError, form: dict) -> Template:
        return await item_page(request, item_id, principal, today, live, sections={section: exc.errors},
                               forms={section: form}, status_code=exc.status)

    @post("/items/{item_id:int}/evaluations")
    async def open_evaluation(self, request: Request, item_id: FromPath[int], principal: Me, today: Today, now: Now,
                              live: Live) -> Template | Redirect:
        await own_item(principal, item_id)
        form = await read_form(request)
        try:
            data = to_input(ds.EvaluationIn, form)
            try:
                await lifecycle.open_evaluation(item_id, data, principal.username, now, today)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._on_item(request, item_id, principal, today, live, "evaluation", exc, form)
        return see_other(f"/unit/items/{item_id}#evaluation", "决策后评估已启动")

    @post("/items/{item_id:int}/evaluation-groups")
    async def compose_group(self, request: Request, item_id: FromPath[int], principal: Me, today: Today, now: Now,
                            live: Live) -> Template | Redirect:
        await own_item(principal, item_id)
        form = await read_form(request)
        try:
            data = to_input(evaluation_group.GroupIn, group_body(form))
            try:
                await evaluation_group.compose_group(item_id, data, principal.username, now)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._on_item(request, item_id, principal, today, live, "group", exc, form)
        return see_other(f"/unit/items/{item_id}#evaluation", "评估组已组成")

    async def _evaluation_page(self, request: Request, item_id: int, principal: Principal,
                               errors: FormErrors | None = None, form: dict | None = None,
                               status_code: int = 200) -> Template:
        groups = [g for g in (await evaluation_group.list_groups(item_id, 0, 20)).items]
        if not any(g.evaluating_unit_id == principal.unit_id for g in groups):
            raise PermissionDeniedException("只有评估组的评估单位可以查看此页面")
        item = await get_or_404(DecisionItem, item_id, "decision item", "item_id")
        evaluations = (await lifecycle.list_evaluations(item_id, 0, 20)).items
        current = next((e for e in evaluations if e.concluded_on is None), None)
        return render(request, "unit/evaluation.html", status_code=status_code, title=f"决策后评估：{item.title}",
                      item=item, groups=groups, evaluation=current, errors=errors or FormErrors(), form=form or {},
                      report=await or_none(evaluation_group.show_report(item_id, None)))

    @get("/evaluations/{item_id:int}")
    async def evaluation(self, request: Request, item_id: FromPath[int], principal: Me) -> Template:
        """The evaluating unit's page (it need not own the item): the group and the report to file."""
        return await self._evaluation_page(request, item_id, principal)

    @post("/evaluations/{item_id:int}/report")
    async def file_evaluation_report(self, request: Request, item_id: FromPath[int], principal: Me, today: Today,
                                     now: Now) -> Template | Redirect:
        form = await read_form(request)
        evaluations = (await lifecycle.list_evaluations(item_id, 0, 20)).items
        current = next((e for e in evaluations if e.concluded_on is None), None)
        try:
            data = to_input(evaluation_group.ReportIn, report_body(form, current.trigger if current else None))
            try:
                await evaluation_group.file_report(item_id, data, principal.role, principal.unit_id,
                                                   principal.username, now, today)
            except DomainError as exc:
                raise refusal(exc) from exc
        except FormError as exc:
            return await self._evaluation_page(request, item_id, principal, exc.errors, form, exc.status)
        return see_other(f"/unit/evaluations/{item_id}", "评估报告已提交，评估结束")


PAGES = [UnitProcedurePages]
