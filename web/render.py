"""Rendering pages: the template configuration (Jinja, ``web/templates``), ``render`` and ``see_other``.

    return render(request, "office/home.html", title="工作台", rows=rows)
    return see_other("/office/experts/12", "已保存")     # after a POST: redirect with a message shown once

Every template extends ``base.html`` (navigation by role, the messages area, htmx, the progress indicator) and
gets ``request``, ``csrf_input`` (put it in every form), ``me`` (the Principal or None), ``messages``, the
filters of ``web.format`` and the macros of ``macros.html`` (``{% from "macros.html" import field_error %}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from accounts.access import ROLE_NAMES
from web.format import FILTERS
from web.session import cookie_secure

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
FLASH = "flash"

# The navigation of each role: (path, label). A page of another role answers 403.
NAVIGATION: dict[str, list[tuple[str, str]]] = {
    "office": [("/office", "工作台"), ("/office/experts", "专家"), ("/office/pool", "专家库统计"),
               ("/office/recruitment", "公开遴选"), ("/office/reviews", "年度考核"), ("/office/records", "解聘与失信"),
               ("/office/institutions", "评估机构库"), ("/office/relations", "关系"), ("/office/policy", "回避规则"),
               ("/office/imports", "批量导入"), ("/auditor/record", "全过程记录"),
               ("/auditor/chain", "记录完整性")],
    "unit": [("/unit", "工作台")],
    "expert": [("/expert", "我的主页")],
    "organiser": [("/organiser", "受托组织论证")],
    "auditor": [("/auditor", "审计首页"), ("/auditor/record", "全过程记录"), ("/auditor/chain", "记录完整性")],
}


def _configure(engine: JinjaTemplateEngine) -> None:
    env: Environment = engine.engine
    env.filters.update(FILTERS)
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)
    env.globals.update(NAVIGATION=NAVIGATION, ROLE_NAMES=ROLE_NAMES)


TEMPLATE_CONFIG = TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_configure)


def messages_of(request: Request) -> list[str]:
    raw = request.cookies.get(FLASH)
    return [unquote(raw)] if raw else []


def render(request: Request, template: str, status_code: int = 200, messages: list[str] | None = None,
           **context: Any) -> Template:
    """The page ``template`` with ``context``; a message left by ``see_other`` is shown once."""
    shown = messages_of(request) + list(messages or [])
    response = Template(template_name=template, status_code=status_code, media_type="text/html",
                        context={"me": request.scope.get("user"), "messages": shown, **context})
    if request.cookies.get(FLASH):
        response.delete_cookie(FLASH)
    return response


def see_other(url: str, message: str | None = None) -> Redirect:
    """303 to ``url`` (after a POST), with ``message`` shown on the next page. For an htmx request the
    browser follows the 303 itself and htmx swaps the page it lands on."""
    response = Redirect(url, status_code=303)
    if message:
        response.set_cookie(FLASH, quote(message), max_age=60, httponly=True, samesite="lax", secure=cookie_secure())
    return response


def chart_options(options: dict) -> Markup:
    """ECharts options built on the server, as JSON safe inside a <script type="application/json">."""
    text = json.dumps(options, ensure_ascii=False).replace("</", "<\\/")
    return Markup(text)
