"""HTTP plumbing shared by every capability: error answers of one shape, the clock dependency."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
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
_MISSING = re.compile(r"missing required field `([^`]*)`")
_CJK = re.compile(r"[\u3400-\u9fff]")


def has_chinese(text: object) -> bool:
    return isinstance(text, str) and bool(_CJK.search(text))


def _field_of(item: dict) -> tuple[str, str]:
    """Name the exact field: msgspec reports nested paths (``- at `$.expert.phone` ``) inside the message, and
    the unknown or missing field inside it too (``Object missing required field `name` `` → ``name``)."""
    message = str(item.get("message", ""))
    key = item.get("key") or item.get("source") or "body"
    if match := _AT_PATH.search(message):
        message = message[: match.start()]
        key = match.group(1) or key
    if match := _UNKNOWN.search(message) or _MISSING.search(message):
        prefix = "" if key in ("data", "body") else f"{key}."
        key = prefix + match.group(1)
    return key, message


# --- the framework's own answers, in Chinese (issue 13) ----------------------------------------------
# msgspec and Litestar explain a refusal in English; the user reads the Chinese reason below, with the field
# named as before. The English original goes to the log only (logger "registry.validation", DEBUG).
_TYPE_NAMES = {"str": "文本", "int": "整数", "float": "数字", "decimal": "数字", "bool": "布尔值（true 或 false）",
               "null": "空值 null", "object": "对象", "array": "列表", "tuple": "列表", "set": "列表",
               "date": "日期", "datetime": "日期时间", "time": "时间", "timedelta": "时长", "uuid": "UUID",
               "bytes": "字节串"}


def _type_name(spec: str) -> str:
    return "或".join(_TYPE_NAMES.get(part.strip(), part.strip()) for part in spec.split("|"))


def _pattern_hint(pattern: str) -> str:
    """What a text pattern asks for, in words (the patterns of ``core.schemas`` and the few of their own).
    msgspec quotes the pattern as its repr: backslashes come doubled."""
    pattern = pattern.replace("\\\\", "\\")
    if pattern.startswith("^https?://"):
        return "须以 http:// 或 https:// 开头"
    if pattern == "^[A-Za-z0-9_.@-]+$":
        return "只能由英文字母、数字和 _ . @ - 组成"
    if pattern.startswith("^[A-Z][A-Z0-9_.]*"):
        return "须以大写英文字母开头，只含大写字母、数字、下划线和点"
    if "@" in pattern:
        return "须为有效的电子邮件地址（或留空）"
    blank = "不能为空白，" if r"(?!\s*" in pattern else ""
    if r"\x0b" in pattern:
        return f"{blank}不能含控制字符（可以换行）"
    if r"\x1f" in pattern:
        return f"须为一行文字，{blank}不能含换行或控制字符"
    return "格式不符合要求"


_PARAM_KINDS = {"query": "查询", "header": "请求头", "cookie": "Cookie ", "path": "路径"}
_BOUNDS = {">=": "不得小于", "<=": "不得大于", ">": "须大于", "<": "须小于"}
_LENGTH_UNITS = {"str": "个字符", "array": "项", "object": "个键", "bytes": "字节"}


def _length_reason(kind: str, op: str, n: int) -> str:
    unit = _LENGTH_UNITS.get(kind, "项")
    if op == ">=" and n == 1:
        return "不能为空" if kind == "str" else f"至少要有 1 {unit}"
    if op in (">=", ">"):
        return f"至少 {n + (op == '>')} {unit}"
    if op in ("<=", "<"):
        return f"最多 {n - (op == '<')} {unit}"
    return f"长度须为 {n} {unit}"


_REASONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^Expected `([^`]+)` of length (>=|<=|>|<)? ?(\d+)"),
     lambda m: _length_reason(m.group(1), m.group(2) or "=", int(m.group(3)))),
    (re.compile(r"^Expected `[^`]+` matching regex '(.*)'$", re.S), lambda m: _pattern_hint(m.group(1))),
    (re.compile(r"^Expected `[^`]+` (>=|<=|>|<) (-?[\d.e+]+)"),
     lambda m: f"{_BOUNDS[m.group(1)]} {m.group(2)}"),
    (re.compile(r"^Expected `[^`]+` that is a multiple of (\S+)"), lambda m: f"须为 {m.group(1)} 的整数倍"),
    (re.compile(r"^Expected `([^`]+)`, got `([^`]+)`"),
     lambda m: f"类型不对：应为{_type_name(m.group(1))}，收到的是{_type_name(m.group(2))}"),
    (re.compile(r"^Expected `([^`]+)`"), lambda m: f"类型不对：应为{_type_name(m.group(1))}"),
    (re.compile(r"unknown field `([^`]*)`"), lambda m: f"不接受字段 {m.group(1)}（请检查拼写，或删去该字段）"),
    (re.compile(r"missing required field `([^`]*)`"), lambda m: f"缺少必填字段 {m.group(1)}"),
    (re.compile(r"^Invalid enum value (.*)$"), lambda m: f"取值 {m.group(1)} 不在允许的范围内"),
    (re.compile(r"^Invalid value (.*)$"), lambda m: f"取值 {m.group(1)} 不在允许的范围内"),
    (re.compile(r"^Invalid RFC3339 encoded date$"), lambda m: "日期格式不正确，应为 YYYY-MM-DD（如 2026-12-01）"),
    (re.compile(r"^Invalid RFC3339 encoded datetime$"),
     lambda m: "日期时间格式不正确，应如 2026-12-01T09:00:00+08:00"),
    (re.compile(r"^Invalid RFC3339 encoded time$"), lambda m: "时间格式不正确，应如 09:00:00"),
    (re.compile(r"^Invalid (.+)$"), lambda m: "格式不正确"),
    (re.compile(r"[Ii]nteger value out of range"), lambda m: "数值超出范围"),
    (re.compile(r"^Missing required (\w+) parameter '([^']*)'"),
     lambda m: f"缺少必填的{_PARAM_KINDS.get(m.group(1), '')}参数 {m.group(2)}"),
    (re.compile(r"JSON is malformed: .*\(byte (\d+)\)"),
     lambda m: f"请求体不是合法的 JSON（约第 {m.group(1)} 字节处有误）"),
    (re.compile(r"JSON is malformed"), lambda m: "请求体不是合法的 JSON"),
    (re.compile(r"Input data was truncated"), lambda m: "请求体不是合法的 JSON（内容不完整）"),
]
_MISSING_PARAM = re.compile(r"^Missing required \w+ parameter '([^']*)'")


def chinese_reason(message: str, fallback: str = "请求内容不符合要求") -> str:
    """The user's reason for one of msgspec's or Litestar's English messages (a Chinese text stays as it is)."""
    if has_chinese(message):
        return message
    for pattern, reason in _REASONS:
        if match := pattern.search(message):
            return reason(match)
    logging.getLogger("registry.validation").info("untranslated framework message: %s", message)
    return fallback


def _summary(errors: list[dict]) -> str:
    return "请求不符合要求：" + "；".join(f"{e['field']}：{e['reason']}" for e in errors[:5]) + (
        f"（另有 {len(errors) - 5} 处）" if len(errors) > 5 else "")


def validation_error_handler(_: Request, exc: ValidationException) -> Response:
    """Litestar's body and parameter errors, with the field named the same way as domain errors, in Chinese."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field_name, english = _field_of(item)
            logging.getLogger("registry.validation").debug("%s: %s", field_name, english)
            errors.append({"field": field_name, "reason": chinese_reason(english), "rule_id": None})
    if not errors:
        field_name = match.group(1) if (match := _MISSING_PARAM.search(str(exc.detail))) else "body"
        errors.append({"field": field_name, "reason": chinese_reason(str(exc.detail)), "rule_id": None})
    return Response(_body(HTTP_400_BAD_REQUEST, _summary(errors), errors), status_code=HTTP_400_BAD_REQUEST)


# A Chinese answer for each status the framework itself gives (routing, size limits, methods).
STATUS_REASONS = {
    400: "请求格式不正确", 401: "请先登录：在请求头中发送 Authorization: Bearer <令牌>", 403: "无权进行此操作",
    404: "找不到该地址或记录", 405: "此地址不支持该请求方法", 406: "无法提供所要求的响应格式",
    408: "请求超时", 409: "与当前状态冲突", 411: "缺少 Content-Length 请求头", 413: "请求体过大",
    414: "请求地址过长", 415: "不支持的请求体类型（请发送 application/json）", 422: "不符合规则",
    429: "尝试次数过多，请稍后再试", 500: "服务器内部错误，已记录日志", 502: "上游服务无响应",
    503: "服务暂时不可用，请稍后再试",
}


def status_reason(status: int) -> str:
    return STATUS_REASONS.get(status, "请求未能处理" if status < 500 else "服务器内部错误，已记录日志")


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    field_name, detail = "request", exc.detail
    if isinstance(exc.__cause__, SerializationException):  # the body is not JSON at all
        field_name, detail = "body", chinese_reason(str(exc.detail), "请求体不是合法的 JSON")
    elif exc.status_code == 405:
        allow = (exc.headers or {}).get("allow", "")
        detail = f"{request.url.path} 不支持 {request.method} 方法" + (f"（可用：{allow}）" if allow else "")
    elif exc.status_code == 404 and not has_chinese(detail):
        detail = f"找不到 {request.url.path}：没有这个地址，或路径中的编号格式不对"
    elif not has_chinese(detail):
        logging.getLogger("registry.validation").debug("%s: %s", exc.status_code, detail)
        detail = status_reason(exc.status_code)
    errors = [{"field": field_name, "reason": detail, "rule_id": None}]
    return Response(_body(exc.status_code, detail, errors), status_code=exc.status_code,
                    headers=exc.headers or None)


def unreadable_body_handler(_: Request, exc: Exception) -> Response:
    """A body nested beyond any real document, or not UTF-8: refused before anything reads it."""
    reason = "JSON 嵌套层数过多" if isinstance(exc, RecursionError) else "请求体不是合法的 UTF-8 编码 JSON"
    errors = [{"field": "body", "reason": reason, "rule_id": None}]
    return Response(_body(HTTP_400_BAD_REQUEST, reason, errors), status_code=HTTP_400_BAD_REQUEST)


def out_of_range_handler(_: Request, exc: Exception) -> Response:
    """A number too large for the database (an id of 10^30): no such record can exist."""
    errors = [{"field": "body", "reason": "数值超出范围（编号和数量须在 32 位整数以内）", "rule_id": None}]
    return Response(_body(422, "数值超出范围", errors), status_code=422)


def server_error_handler(request: Request, exc: Exception) -> Response:
    """A bug, not a bad request: logged with its traceback, answered in the usual shape."""
    logging.getLogger("registry").error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    errors = [{"field": "request", "reason": "服务器内部错误，已记录日志", "rule_id": None}]
    return Response(_body(500, "服务器内部错误", errors), status_code=500)


def busy_handler(request: Request, exc: Exception) -> Response:
    """Another writer held the database longer than the busy timeout (SQLite "database is locked") or the
    database chose this transaction to break a deadlock: the unit of work rolled back, nothing was written.
    A 503 the client may retry, never a 500 (issue 13); anything else of the same class is still a bug."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and "locked" not in text and "busy" not in text:
        return server_error_handler(request, exc)
    logging.getLogger("registry").warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    reason = "数据库正忙（其他写入正在进行），本次请求未作任何更改，请稍后重试"
    errors = [{"field": "request", "reason": reason, "rule_id": None}]
    return Response(_body(503, "数据库正忙，请稍后重试", errors), status_code=503, headers={"Retry-After": "1"})


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    sqlite3.OperationalError: busy_handler,
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
    from asyncpg.exceptions import DeadlockDetectedError, LockNotAvailableError, SerializationError

    for _busy in (DeadlockDetectedError, LockNotAvailableError, SerializationError):
        EXCEPTION_HANDLERS[_busy] = busy_handler
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


READ_VERSION = "read_version"  # the change version a request read before its cached read (accounts.versions)


def read_cache_key(request: Request) -> str:
    """Path, sorted query, the service's day (an eligibility shown yesterday is not served today) and the change
    version the request read first: a change committed by any process is never answered from the cache."""
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()))
    version = (request.scope.get("state") or {}).get(READ_VERSION, "")
    return f"{request.url.path}?{query}|{request.app.state.clock.today()}|v{version}"


async def forget_cached_reads(app) -> None:
    """Any change made through this process empties the read cache at once (the memory goes back); another
    process's answers are keyed by the change version it read, so they are not served once a change committed."""
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
