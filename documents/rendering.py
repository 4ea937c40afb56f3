"""HTML (Jinja) → PDF with WeasyPrint: A4, page numbers, the office's name, the fonts Debian's fonts-noto-cjk
installs (Noto Serif CJK SC for text, Noto Sans CJK SC for headings), embedded as subsets.

Rendering is CPU work (layout, font subsetting: a few hundred milliseconds a page), so the web layer calls
``render_pdf_async``, which runs it in a worker thread and never blocks the event loop. Renders take turns in
one process (a lock): Pango and fontconfig are not safe to drive from several threads at once.

Each PDF is PDF/A-3b (``pdf_variant="pdf/a-3b"``) for filing: WeasyPrint 70 writes the sRGB output intent, the
XMP metadata and embeds every font (it refuses nothing the templates use)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from documents.formatting import cn_date, cn_datetime, cn_stored_time, percent

TEMPLATES = Path(__file__).parent / "templates"
PDF_VARIANT = "pdf/a-3b"
DEFAULT_OFFICE_NAME = "重大行政决策论证专家库管理办公室（政策法规处）"

_environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_environment.filters.update(cn_date=cn_date, cn_datetime=cn_datetime, cn_stored_time=cn_stored_time, percent=percent)
_render_lock = threading.Lock()


def office_name() -> str:
    """The office that issues the documents: ``OFFICE_NAME`` in the environment, else a generic name."""
    return os.environ.get("OFFICE_NAME", "").strip() or DEFAULT_OFFICE_NAME


def render_html(template: str, context: dict[str, Any]) -> str:
    return _environment.get_template(template).render(office=office_name(), **context)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The PDF of one template (synchronous: call it from a worker thread)."""
    html = render_html(template, context)
    with _render_lock:
        pdf = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(pdf_variant=PDF_VARIANT)
    assert pdf is not None  # write_pdf without a target returns the bytes
    return pdf


async def render_pdf_async(template: str, context: dict[str, Any]) -> bytes:
    """The PDF, rendered in a worker thread so the event loop keeps serving other requests."""
    return await anyio.to_thread.run_sync(render_pdf, template, context)

