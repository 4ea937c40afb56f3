"""Every change through the API, and every conflict check, goes into the full-process record.

A change is recorded by its unit of work, inside the same transaction (``accounts.audit.record_unit``,
a before-commit step of the message bus): this middleware only says who acts, on which record and why
(a ``RecordContext`` for the request). A read that the record keeps (a conflict check, a verification)
is recorded with its answer before the answer goes out (grouped with concurrent reads in one commit,
``accounts.audit.GroupRecorder``); when it cannot be recorded the caller gets a 503, not the answer. A
successful change that ran no unit of work (which should not happen) is still recorded afterwards, marked
``"atomic": false``, and logged as a defect.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from typing import cast
from urllib.parse import parse_qsl

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPScope, Message, Receive, ReceiveMessage, Scope, Send

from accounts import audit, chain, versions
from assignment.tables import Invitation, PanelRequest
from core.api import forget_cached_reads
from core.db import current_engine
from core.uow import RecordContext, acting_as, write_transaction
from notifications.links import LinkError, read_token
from registry.tables import Expert, Institution

log = logging.getLogger(__name__)
_LINK_TOKEN = re.compile(r"(/respond/)[^/?\s]+")  # a signed link's token never goes into the record
RECORDED_READS = ("/conflicts", "/conflict-recheck", "/verification", "/personal-data")
_ONE_CHECK = re.compile(r"/conflicts/(expert|institution)/\d+$")  # one candidate checked before inviting
_CHECK = re.compile(r"/items/\d+/conflicts(/(expert|institution)/\d+)?$")  # the conflict checks (reads only)
CHANGES = ("POST", "PUT", "PATCH", "DELETE")
SUBJECT_KEYS = ("item_id", "request_id", "panel_id", "invitation_id", "expert_id", "institution_id", "unit_id",
                "application_id", "relation_id", "task_id", "dismissal_id", "flag_id", "call_id", "message_id",
                "change_request_id", "year", "rating_id", "person_id")


def _subject(scope: Scope) -> str:
    params = scope.get("path_params") or {}
    for key in SUBJECT_KEYS:
        if key in params:
            return f"{key.removesuffix('_id').replace('_', '-')}:{params[key]}"
    return ""


def _parse(body: bytes) -> object:
    if not body:
        return {}
    if body[:1] in (b"{", b"["):
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return {"unparsed": len(body)}
    return {"form": body[:2000].decode(errors="replace")}


async def _link_answer(scope: Scope, path: str) -> dict | None:
    """Who answers through a signed link (issue 11, R-REC-1): the invitee the link was issued to, named with
    the invitation, its panel request and its decision item, so the answer is on the item's record under the
    invitation. None when the link is altered, expired or names no invitation (the page refuses it)."""
    token = path.removeprefix("/respond/").split("/")[0]
    try:
        invitation_id = read_token(token, scope["app"].state.clock)
    except LinkError:
        return None
    invitation = await Invitation.select(Invitation.id, Invitation.request, Invitation.subject_kind,
                                         Invitation.subject_id).where(Invitation.id == invitation_id).first()
    if invitation is None:
        return None
    request = await PanelRequest.select(PanelRequest.item).where(PanelRequest.id == invitation["request"]).first()
    if invitation["subject_kind"] == "expert":
        who = await Expert.select(Expert.name).where(Expert.id == invitation["subject_id"]).first()
        invitee = f"专家 {who['name'] if who else ''} (expert:{invitation['subject_id']})"
    else:
        who = await Institution.select(Institution.name).where(Institution.id == invitation["subject_id"]).first()
        invitee = f"机构 {who['name'] if who else ''} (unit:{invitation['subject_id']})"
    return {"actor": f"{invitee} 通过签名链接", "invitation": invitation["id"], "request": invitation["request"],
            "item": request["item"] if request else None}


def _fill_from_body(context: RecordContext, body: object, link: dict | None = None) -> None:
    if link is not None and isinstance(body, dict) and "form" in body:  # a signed link's answer form
        form = dict(parse_qsl(str(body["form"]), keep_blank_values=True))
        answer = form.get("action", "")
        context.request = {"signed_link": {k: link[k] for k in ("invitation", "request", "item")},
                           "answer": answer, "reason": form.get("reason", "")}
        context.reason = form.get("reason", "").strip() if answer == "decline" else ""
        return
    context.request = body
    if isinstance(body, dict):
        context.reason = str(body.get("reason") or body.get("explanation") or body.get("note") or "")
        if not context.subject and isinstance(body.get("item_id"), int):
            context.subject = f"item:{body['item_id']}"  # a panel request names its item in the body


class RecordingMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        method, path = cast("HTTPScope", scope)["method"], scope["path"]
        is_change = method in CHANGES
        recorded_read = method == "GET" and path.startswith("/api/v1/") and (
            path.endswith(RECORDED_READS) or _ONE_CHECK.search(path) is not None)
        if (not is_change and not recorded_read) or path.startswith(("/api/v1/auth/", "/api/v1/audit/")):
            cached_route = getattr(scope.get("route_handler"), "cache", False)
            if method == "GET" and cached_route:  # answers cached under an older change version are not served
                state = scope.get("state")
                if state is None:
                    state = scope["state"] = {}
                state[versions.SCOPE_KEY] = await versions.current()
            if method == "GET" and current_engine().engine_type == "sqlite" and not cached_route:
                # piccolo's SQLite engine opens a connection per query; a read transaction reuses one
                async with current_engine().transaction():
                    await next_app(scope, receive, send)
                return
            await next_app(scope, receive, send)
            return
        user = scope.get("user")
        actor = user.name if user is not None else "anonymous"
        context = RecordContext(actor=actor, action=f"{method} {scope.get('path_template', path)}",
                                subject=_subject(scope), at=scope["app"].state.clock.now())
        link = await _link_answer(scope, path) if user is None and path.startswith("/respond/") else None
        if link is not None:
            context.actor, context.subject = link["actor"], f"invitation:{link['invitation']}"
        request_body, answer, status = bytearray(), bytearray(), [0]

        async def receive_and_keep() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.request":
                request_body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    _fill_from_body(context, _parse(bytes(request_body)), link)
            return message

        held: list[Message] = []  # a recorded read's answer goes out once its record has committed

        async def send_and_keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
            if recorded_read:
                held.append(message)
                return
            await send(message)

        # a conflict check (milliseconds; a verification can take seconds) is announced from its start, so the
        # record's group commit waits a moment for it instead of committing without it
        is_check = recorded_read and _CHECK.search(path) is not None
        with audit.recorder().answering() if is_check else contextlib.nullcontext():
            with acting_as(context):
                if is_check and current_engine().engine_type == "sqlite":
                    async with current_engine().transaction():  # a check only reads: one connection for its reads
                        await next_app(scope, receive_and_keep, send_and_keep)
                else:
                    await next_app(scope, receive_and_keep, send_and_keep)
            if status[0] >= 400:
                for message in held:
                    await send(message)
                return  # refused requests change nothing; they are not decisions
            if recorded_read or not context.recorded:
                data = {"path": _LINK_TOKEN.sub(r"\1***", path), "query": scope.get("query_string", b"").decode(),
                        "request": chain.bounded(context.request), "status": status[0],
                        "answer": chain.answer_summary(bytes(answer))}
                if is_change:
                    data["atomic"] = False
                    log.error("%s changed data outside a unit of work; recorded afterwards", context.action)
                    await forget_cached_reads(scope["app"])
                    async with write_transaction():
                        await versions.bump()
                at = context.at or scope["app"].state.clock.now()
                try:
                    await audit.record(context.actor, context.action, context.subject, context.reason, data, at)
                except Exception:
                    if not recorded_read:
                        raise
                    log.exception("%s could not be recorded; answered 503 instead", context.action)
                    await _unrecorded(send)
                    return
                for message in held:
                    await send(message)


async def _unrecorded(send: Send) -> None:
    """A read the record keeps that could not be recorded is not answered (R-REC-1): 503, try again."""
    reason = "本次查询未能写入全过程记录，未予答复，请稍后重试"
    body = json.dumps({"status_code": 503, "detail": reason, "errors": [
        {"field": "", "reason": reason, "rule_id": "R-REC-1"}]}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"1")]})
    await send({"type": "http.response.body", "body": body, "more_body": False})
