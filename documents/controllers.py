"""PDF downloads under /api/v1: the appointment certificate (聘书), the commitment letter as signed (专家承诺书)
and the panel selection record for filing (专家抽取记录). Thin: the services gather, the renderer prints in a
worker thread. Who may download is in ``accounts/access.py`` (the office; the expert their own certificate and
letter; the drafting unit its own request's record; the auditor reads all)."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from conflicts.deps import LIVE
from conflicts.live import LiveGraph
from core.api import DEPS
from documents import services
from documents.formatting import content_disposition
from documents.rendering import render_pdf_async

PDF = "application/pdf"


def pdf_response(content: bytes, filename: str, fallback: str) -> Response[bytes]:
    """``application/pdf`` with the Chinese file name (RFC 5987) and an ASCII fallback; never cached."""
    return Response(content=content, media_type=PDF, headers={
        "Content-Disposition": content_disposition(filename, fallback), "Cache-Control": "no-store"})


# One function per document: the API's controllers below and the pages (web/) answer the same file the same way.
async def certificate_pdf(expert_id: int, term_id: int, today: date) -> Response[bytes]:
    context = await services.certificate_data(expert_id, term_id, today)
    pdf = await render_pdf_async("certificate.html", context)
    return pdf_response(pdf, f"聘书-{context['expert'].name}-{context['number']}.pdf",
                        f"certificate-{expert_id}-{term_id}.pdf")


async def letter_pdf(expert_id: int, letter_id: int, today: date) -> Response[bytes]:
    context = await services.letter_data(expert_id, letter_id, today)
    pdf = await render_pdf_async("letter.html", context)
    return pdf_response(pdf, f"专家承诺书-{context['expert'].name}-聘期{context['term'].id}.pdf",
                        f"commitment-letter-{expert_id}-{letter_id}.pdf")


async def selection_record_pdf(live: LiveGraph, request_id: int, today: date) -> Response[bytes]:
    context = await services.selection_record_data(live, request_id, today)
    pdf = await render_pdf_async("selection_record.html", context)
    return pdf_response(pdf, f"专家抽取记录-请求{request_id}.pdf", f"selection-record-{request_id}.pdf")


async def argument_report_pdf(request_id: int, today: date) -> Response[bytes]:
    context = await services.argument_report_context(request_id, today)
    pdf = await render_pdf_async("argument_report.html", context)
    return pdf_response(pdf, f"论证报告-请求{request_id}.pdf", f"argument-report-{request_id}.pdf")


async def filing_package_pdf(item_id: int, today: date) -> Response[bytes]:
    context = await services.filing_package_context(item_id, today)
    pdf = await render_pdf_async("filing_package.html", context)
    return pdf_response(pdf, f"归档材料包-事项{item_id}.pdf", f"filing-package-{item_id}.pdf")


class ExpertDocumentController(Controller):
    path = "/experts"
    tags = ["documents"]
    dependencies = DEPS

    @get("/{expert_id:int}/terms/{term_id:int}/certificate.pdf", media_type=PDF,
         summary="The appointment certificate (聘书) of one term, as PDF/A (R-POOL-4)")
    async def certificate(self, expert_id: FromPath[int], term_id: FromPath[int],
                          today: NamedDependency[date]) -> Response[bytes]:
        return await certificate_pdf(expert_id, term_id, today)

    @get("/{expert_id:int}/commitment-letters/{letter_id:int}/letter.pdf", media_type=PDF,
         summary="The commitment letter (专家承诺书) as signed: text version, the four commitments, signer, date "
                 "(R-DUTY-1)")
    async def letter(self, expert_id: FromPath[int], letter_id: FromPath[int],
                     today: NamedDependency[date]) -> Response[bytes]:
        return await letter_pdf(expert_id, letter_id, today)


class PanelDocumentController(Controller):
    path = "/panel-requests"
    tags = ["documents"]
    dependencies = {**DEPS, **LIVE}

    @get("/{request_id:int}/selection-record.pdf", media_type=PDF,
         summary="The selection record (专家抽取记录) for filing: constraints, exclusions by stage with rule ids, "
                 "members and chances, seed, candidate hash and its verification (R-PANEL-2, R-REC-1)")
    async def selection_record(self, request_id: FromPath[int], today: NamedDependency[date],
                               live: NamedDependency[LiveGraph]) -> Response[bytes]:
        return await selection_record_pdf(live, request_id, today)

    @get("/{request_id:int}/argument-report.pdf", media_type=PDF,
         summary="The stored argument report (论证报告) with its SHA-256: members, signed opinions, minutes or the "
                 "group's draft, agreements and dissents (R-PANEL-5, R-DUTY-2); 404 while none is stored")
    async def argument_report(self, request_id: FromPath[int], today: NamedDependency[date]) -> Response[bytes]:
        return await argument_report_pdf(request_id, today)


class ItemDocumentController(Controller):
    path = "/items"
    tags = ["documents"]
    dependencies = DEPS

    @get("/{item_id:int}/filing-package.pdf", media_type=PDF,
         summary="The item's filing package (归档材料包) as PDF: steps, conflict checks, draws with their "
                 "verification, invitations and signed opinions, the record's events and their chain check, SHA-256 "
                 "(R-REC-3, R-REC-1)")
    async def filing_package(self, item_id: FromPath[int], today: NamedDependency[date]) -> Response[bytes]:
        return await filing_package_pdf(item_id, today)


CONTROLLERS = [ExpertDocumentController, PanelDocumentController, ItemDocumentController]
