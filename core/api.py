"""HTTP plumbing shared by every capability: error answers of one shape, the clock dependency."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Annotated

from litestar import Request, Response
from litestar.di import Provide
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_400_BAD_REQUEST
from litestar.types import ExceptionHandlersMap

from core.errors import (
    DomainError,
    Forbidden,
    NotFound,
    StateConflict,
    TooManyAttempts,
    Unauthenticated,
)


def _body(status: int, detail: str, errors: list[dict], **extra) -> dict:
    return {"status_code": status, "detail": detail, "errors": errors, **extra}


# The one place where a kind of refusal becomes an HTTP status; anything else the domain refuses is 422.
HTTP_STATUS: dict[type[DomainError], int] = {
    NotFound: 404, StateConflict: 409, Forbidden: 403, Unauthenticated: 401, TooManyAttempts: 429,
}


def http_status(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 422


def domain_error_handler(_: Request, exc: DomainError) -> Response:
    errors = [{"field": e.field, "reason": e.reason, "rule_id": e.rule_id} for e in exc.errors]
    status = http_status(exc)
    return Response(_body(status, exc.detail, errors, **exc.extra), status_code=status)


_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_UNKNOWN = re.compile(r"unknown field `([^`]*)`")


def _field_of(item: dict) -> tuple[str, str]:
    """Name the exact field: msgspec reports nested paths (``- at `$.expert.phone` ``) inside the message."""
    message = str(item.get("message", ""))
    key = item.get("key") or item.get("source") or "body"
    if match := _AT_PATH.search(message):
        message = message[: match.start()]
        key = match.group(1) or key
    if match := _UNKNOWN.search(message):
        prefix = "" if key in ("data", "body") else f"{key}."
        key = prefix + match.group(1)
    return key, message


def validation_error_handler(_: Request, exc: ValidationException) -> Response:
    """Litestar's body and parameter errors, with the field named the same way as domain errors."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field_name, reason = _field_of(item)
            errors.append({"field": field_name, "reason": reason, "rule_id": None})
    if not errors:
        errors.append({"field": "body", "reason": exc.detail, "rule_id": None})
    detail = exc.detail if exc.detail != "Bad Request" else "invalid request"
    return Response(_body(HTTP_400_BAD_REQUEST, detail, errors), status_code=HTTP_400_BAD_REQUEST)


def http_error_handler(_: Request, exc: HTTPException) -> Response:
    field_name, detail = "request", exc.detail
    if isinstance(exc.__cause__, SerializationException):  # the body is not JSON at all
        field_name, detail = "body", f"malformed JSON body: {exc.detail}"
    errors = [{"field": field_name, "reason": detail, "rule_id": None}]
    return Response(_body(exc.status_code, detail, errors), status_code=exc.status_code,
                    headers=exc.headers or None)


def unreadable_body_handler(_: Request, exc: Exception) -> Response:
    """A body nested beyond any real document, or not UTF-8: refused before anything reads it."""
    reason = "JSON nested too deeply" if isinstance(exc, RecursionError) else "the body is not valid UTF-8 JSON"
    errors = [{"field": "body", "reason": reason, "rule_id": None}]
    return Response(_body(HTTP_400_BAD_REQUEST, reason, errors), status_code=HTTP_400_BAD_REQUEST)


def out_of_range_handler(_: Request, exc: Exception) -> Response:
    """A number too large for the database (an id of 10^30): no such record can exist."""
    errors = [{"field": "body", "reason": "a number is out of range (ids and counts fit in 32 bits)", "rule_id": None}]
    return Response(_body(422, "a number is out of range", errors), status_code=422)


def server_error_handler(request: Request, exc: Exception) -> Response:
    """A bug, not a bad request: logged with its traceback, answered in the usual shape."""
    logging.getLogger("registry").error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    errors = [{"field": "request", "reason": "internal error; it has been logged", "rule_id": None}]
    return Response(_body(500, "Internal Server Error", errors), status_code=500)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    OverflowError: out_of_range_handler,
    RecursionError: unreadable_body_handler,
    UnicodeDecodeError: unreadable_body_handler,
    500: server_error_handler,
}
try:  # PostgreSQL says the same with its own exception
    from asyncpg.exceptions import DataError, NumericValueOutOfRangeError

    EXCEPTION_HANDLERS[NumericValueOutOfRangeError] = out_of_range_handler
    EXCEPTION_HANDLERS[DataError] = out_of_range_handler  # an argument the column cannot hold
except ImportError:  # pragma: no cover - asyncpg comes with piccolo[postgres]
    pass


# Paging parameters of every list: bounded, so a huge number is a clear 400, never a database error.
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1)]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]


def provide_today(request: Request) -> date:
    return request.app.state.clock.today()


def provide_now(request: Request) -> datetime:
    return request.app.state.clock.now()


# The service clock for every controller: ``today`` (UTC+8 date) and ``now``.
DEPS = {"today": Provide(provide_today, sync_to_thread=False), "now": Provide(provide_now, sync_to_thread=False)}


READ_CACHE_STORE = "response_cache"


def read_cache_key(request: Request) -> str:
    """Path, sorted query and the service's day: an eligibility shown yesterday is not served today."""
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()))
    return f"{request.url.path}?{query}|{request.app.state.clock.today()}"


async def forget_cached_reads(app) -> None:
    """Any change made through this process empties the read cache at once; another process's cache
    forgets by itself within READ_CACHE_SECONDS."""
    await app.stores.get(READ_CACHE_STORE).delete_all()


def unit_scope(connection) -> int | None:
    """The drafting unit a caller is limited to, or None for the office and the auditor."""
    principal = connection.user
    return principal.unit_id if principal.role == "unit" else None


_LINK_TOKEN = re.compile(r"(/respond/)[^/?\s]+")


class RedactLinkTokens(logging.Filter):
    """A signed answer link is a key to the invitation: the access log keeps its path, never the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_LINK_TOKEN.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _LINK_TOKEN.sub(r"\1***", record.msg)
        return True


def redact_tokens_in_access_log() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())
