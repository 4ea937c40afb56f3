"""The auditor's read-only pages (the office may read them too): the full-process record, a panel's
verification (re-run from the record alone, R-PANEL-2) and the record's chain state (R-REC-2)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from accounts import audit
from accounts.services import Principal
from accounts.tables import AuditEvent
from assignment.procedure import report
from assignment.services import views as panels
from assignment.tables import Panel, PanelRequest
from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.records import get_or_404
from documents.controllers import argument_report_pdf, selection_record_pdf
from spreadsheets.controllers import xlsx_response
from spreadsheets.services import workbooks
from web.auditor import verifications
from web.forms import PageLimit, PageOffset
from web.render import render
from web.session import PAGE_DEPENDENCIES, require

Subject = Annotated[str | None, QueryParameter(max_length=100)]


class AuditorPages(Controller):
    path = "/auditor"
    include_in_schema = False
    guards = [require("auditor", "office")]
    dependencies = {**PAGE_DEPENDENCIES, **LIVE}

    @get("/")
    async def home(self, request: Request) -> Response:
        recent = await Panel.select(Panel.id, Panel.panel_request, Panel.created_at).order_by(
            Panel.id, ascending=False).limit(20)
        return render(request, "auditor/home.html", title="审计首页", panels=recent)

    @get("/record")
    async def record(self, request: Request, subject: Subject = None, offset: PageOffset = 0,
                     limit: PageLimit = 50) -> Response:
        """The event log, newest first; ``subject`` (e.g. item:3, panel:7) narrows it to one record."""
        where = AuditEvent.subject == subject if subject else None
        query = AuditEvent.select(AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
                                  AuditEvent.subject, AuditEvent.reason).order_by(AuditEvent.seq, ascending=False)
        count = AuditEvent.count()
        if where is not None:
            query, count = query.where(where), count.where(where)
        events = await query.offset(offset).limit(limit)
        page = {"items": events, "total": await count, "offset": offset, "limit": limit}
        return render(request, "auditor/record.html", title="全过程记录", page=page, subject=subject or "")

    @get("/chain")
    async def chain(self, request: Request) -> Response:
        return render(request, "auditor/chain.html", title="记录完整性", chain=await audit.verify())

    @get("/panels/{panel_id:int}")
    async def panel(self, request: Request, panel_id: FromPath[int], principal: NamedDependency[Principal],
                    now: NamedDependency[datetime], recheck: FromQuery[bool] = False) -> Response:
        """The verification kept from its last run while the record is unchanged (``web.auditor.verifications``);
        ``?recheck=true`` re-runs the draw now."""
        kept, reused = await verifications.verification(panel_id, now, fresh=recheck)
        verification = kept.result
        # a verification is a read the record keeps (as GET /api/v1/panels/{id}/verification is)
        await audit.record(principal.name, "GET /auditor/panels/{panel_id}", f"panel:{panel_id}", "",
                           {"verified": verification.verified, "members": verification.members,
                            "verified_at": kept.verified_at.isoformat(), "kept": reused}, now)
        drawn = await get_or_404(PanelRequest, (await panels.panel_record(panel_id))["panel_request"],
                                 "panel request")
        return render(request, "auditor/panel.html", title=f"论证组 #{panel_id} 核验", v=verification,
                      verified_at=kept.verified_at, reused=reused, record_sha=kept.digest, drawn=drawn,
                      report_issued=(await report.argument(drawn.id)).report_issued)

    # --- documents (issue 16) through the page session: the auditor reads every record, as on the API -----------
    @get("/requests/{request_id:int}/selection-record.pdf")
    async def selection_record(self, request_id: FromPath[int], today: NamedDependency[date],
                               live: NamedDependency[LiveGraph]) -> Response:
        return await selection_record_pdf(live, request_id, today)

    @get("/requests/{request_id:int}/argument-report.pdf")
    async def argument_report(self, request_id: FromPath[int], today: NamedDependency[date]) -> Response:
        return await argument_report_pdf(request_id, today)

    @get("/items/{item_id:int}/panels.xlsx")
    async def panels_xlsx(self, item_id: FromPath[int], today: NamedDependency[date],
                          live: NamedDependency[LiveGraph]) -> Response:
        return xlsx_response(f"事项{item_id}-专家抽取.xlsx", await workbooks.item_panels_workbook(live, item_id, today))
