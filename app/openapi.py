"""The OpenAPI document declares every error answer (issue 12).

Every refusal has one shape, ``{status_code, detail, errors: [{field, reason, rule_id}]}`` (``core.api``
writes it). After the application's routes are registered, each operation under ``/api/v1`` is given
the 4xx answers it can give, all referring to one schema component: 400 (a body or parameter that is
not well formed), 401 and 403 (not logged in, not allowed; not for the public pages), 404 (a record
named in the path or the body does not exist), 409 (a duplicate or a step out of order; for writes),
422 (a rule refuses the request) and, for the log-in, 401 (wrong user name or password) and 429 (too
many attempts).
"""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from msgspec import Struct

from accounts.access import PUBLIC

API_PREFIX = "/api/v1"
LOGIN = f"{API_PREFIX}/auth/login"


class FieldProblem(Struct):
    """One problem: the field (a dotted path into the body, a parameter, or ``request``), the reason and,
    where a rule of DOMAIN.md applies, its id."""

    field: str
    reason: str
    rule_id: str | None


class ErrorResponse(Struct):
    """Every refusal's shape; some conflicts add keys of their own (the clashing record's id)."""

    status_code: int
    detail: str
    errors: list[FieldProblem]


DESCRIPTIONS = {
    400: "Malformed request: a body or parameter of the wrong form (请求格式不正确)",
    401: "Not logged in (send 'Authorization: Bearer <token>'), or a wrong user name or password (未登录或密码错误)",
    403: "The account may not do this, or not on this record (无权操作)",
    404: "A record named in the path or the body does not exist (记录不存在)",
    409: "Conflicts with the current state: a duplicate, or a step out of order (与当前状态冲突)",
    422: "Refused by a rule; rule_id names it in DOMAIN.md (不符合规则)",
    429: "Too many attempts: wait before trying again (尝试次数过多)",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _spec(status: int) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorResponse, generate_examples=False, description=DESCRIPTIONS[status])


def error_statuses(path: str, method: str) -> list[int]:
    """The 4xx answers an operation can give."""
    public = any(re.search(pattern, path) for pattern in PUBLIC)
    statuses = [400, 422]
    if not public:
        statuses += [401, 403]
    if "{" in path or method in WRITES:
        statuses.append(404)
    if method in WRITES:
        statuses.append(409)
    if path == LOGIN:
        statuses += [401, 429]
    return sorted(statuses)


def declare_error_answers(app: Litestar) -> None:
    """Give each API operation its error answers (kept where a handler declared its own)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API_PREFIX):
            continue
        for handler in route.route_handlers:
            method = sorted(handler.http_methods)[0]
            declared = dict(handler.responses or {})
            for status in error_statuses(route.path_format, method):
                declared.setdefault(status, _spec(status))
            handler.responses = declared
