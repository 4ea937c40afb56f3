"""Errors on pages: any exception on a page answers a Chinese message page with the right status, never a
traceback. The API keeps its JSON answers: ``page_aware`` wraps each of the app's exception handlers, lets the
original build its answer (its Chinese reasons, its status) and, on a page, shows that answer as HTML."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from core.api import server_error_handler, status_reason
from web.session import LoginRequired, is_page

TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "找不到页面或记录", 405: "不支持的操作",
          409: "与当前状态冲突", 413: "提交的内容过大", 422: "无法办理", 429: "尝试次数过多", 503: "服务暂时不可用"}
HTMX_ERROR_TARGET = "#messages"
CSRF_FAILED = "CSRF token verification failed"  # litestar.middleware.csrf's refusal
CSRF_MESSAGE = "表单已过期或来源不明（CSRF 校验未通过），未作任何更改。请刷新页面后重新提交。"


def error_page(request: Request, status: int, detail: str, reasons: list[str] | None = None) -> Response:
    title = TITLES.get(status, "请求未能处理" if status < 500 else "服务器内部错误")
    context = {"me": request.scope.get("user"), "messages": [], "title": title, "status": status,
               "detail": detail or status_reason(status), "reasons": [r for r in reasons or [] if r != detail]}
    if request.headers.get("hx-request"):  # a partial update: the message goes into the page's messages area
        return Template(template_name="error_fragment.html", context=context, status_code=status,
                        media_type="text/html",
                        headers={"HX-Retarget": HTMX_ERROR_TARGET, "HX-Reswap": "innerHTML"})
    return Template(template_name="error.html", context=context, status_code=status,
                    media_type="text/html")


def _html_on_pages(handler: Callable[[Request, Any], Response]) -> Callable[[Request, Any], Response]:
    def handle(request: Request, exc: Any) -> Response:
        answer = handler(request, exc)
        if not is_page(request.url.path):
            return answer
        content = answer.content if isinstance(answer.content, dict) else {}
        if getattr(exc, "detail", "") == CSRF_FAILED:
            return error_page(request, 403, CSRF_MESSAGE)
        reasons = [str(e.get("reason", "")) for e in content.get("errors", []) if isinstance(e, dict)]
        return error_page(request, answer.status_code or 500, str(content.get("detail") or ""), reasons)

    return handle


def login_redirect(request: Request, _: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/login?next={quote(target)}"
    if request.headers.get("hx-request"):  # htmx follows HX-Redirect with a full page load
        return Response(b"", status_code=401, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)


def page_aware(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """The app's exception handlers, answering HTML on pages; plus LoginRequired → /login."""
    wrapped: dict = {key: _html_on_pages(handler) for key, handler in handlers.items()}
    wrapped.setdefault(500, _html_on_pages(server_error_handler))
    wrapped[LoginRequired] = login_redirect
    return wrapped


log = logging.getLogger("web")
