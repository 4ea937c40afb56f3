"""Every change through the API, and every conflict check, goes into the event log with its answer."""

from __future__ import annotations

import json
import logging

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from accounts import audit
from core.api import forget_cached_reads
from core.db import current_engine

log = logging.getLogger(__name__)
RECORDED_READS = ("/conflicts", "/conflict-recheck", "/verification", "/personal-data")


def _sqlite() -> bool:
    return current_engine().engine_type == "sqlite"


def _subject(scope: Scope) -> str:
    params = scope.get("path_params") or {}
    for key in ("item_id", "request_id", "panel_id", "invitation_id", "expert_id", "institution_id", "unit_id",
                "application_id", "relation_id", "task_id", "dismissal_id", "flag_id", "call_id", "message_id"):
        if key in params:
            return f"{key.removesuffix('_id').replace('_', '-')}:{params[key]}"
    return ""


class RecordingMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        method, path = scope["method"], scope["path"]
        wanted = method in ("POST", "PUT", "PATCH", "DELETE") or (
            method == "GET" and path.startswith("/api/v1/") and path.endswith(RECORDED_READS))
        if not wanted or path.startswith(("/api/v1/auth/", "/api/v1/audit/")):
            cached_route = getattr(scope.get("route_handler"), "cache", False)
            if method == "GET" and _sqlite() and not cached_route:  # a cache hit needs no connection at all
                # piccolo's SQLite engine opens a connection per query; a read transaction reuses one
                async with current_engine().transaction():
                    await next_app(scope, receive, send)
                return
            await next_app(scope, receive, send)
            if method not in ("GET", "HEAD", "OPTIONS"):
                await forget_cached_reads(scope["app"])
            return
        request_body, answer, status = bytearray(), bytearray(), [0]

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.extend(message.get("body", b""))
            return message

        async def send_and_keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
            await send(message)

        await next_app(scope, receive_and_keep, send_and_keep)
        if status[0] >= 400:
            return  # refused requests change nothing; they are not decisions
        if method != "GET":
            await forget_cached_reads(scope["app"])
        try:
            body = json.loads(request_body) if request_body and request_body[:1] in (b"{", b"[") else (
                {"form": request_body.decode(errors="replace")} if request_body else {})
        except ValueError:
            body = {}
        user = scope.get("user")
        actor = user.name if user is not None else ("signed-link" if path.startswith("/respond/") else "anonymous")
        reason = ""
        if isinstance(body, dict):
            reason = str(body.get("reason") or body.get("explanation") or body.get("note") or "")
        action = f"{method} {scope.get('path_template', path)}"
        subject = _subject(scope)
        if not subject and isinstance(body, dict) and isinstance(body.get("item_id"), int):
            subject = f"item:{body['item_id']}"  # a panel request names its item in the body
        data = {"path": path, "query": scope.get("query_string", b"").decode(), "request": body,
                "status": status[0], "answer": audit.answer_summary(bytes(answer))}
        try:
            await audit.append(actor, action, subject, reason, data, scope["app"].state.clock.now())
        except Exception:  # the change stands; a failed record is logged loudly for the office to see
            log.exception("could not record %s", action)
