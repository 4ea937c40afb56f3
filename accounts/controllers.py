"""Log in and out, accounts (the pool office manages them), the event log and its verification."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta, Struct

from accounts import audit
from accounts import services as svc
from accounts.tables import Account, AuditEvent
from assignment.tables import Invitation, Panel, PanelRequest
from conflicts.tables import ConflictDismissal
from core.api import DEPS, Limit, Offset
from core.errors import not_found
from core.records import get_or_404
from core.schemas import Input, Page
from core.uow import unit_of_work
from decisions.tables import DecisionItem
from registry.tables import Expert, Institution

Username = Annotated[str, Meta(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]


class LoginIn(Input, kw_only=True):
    username: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class TokenOut(Struct):
    token: str
    expires_at: datetime
    role: str
    unit_id: int | None
    expert_id: int | None


class AccountIn(Input, kw_only=True):
    username: Username
    password: Annotated[str, Meta(min_length=1, max_length=200)]
    role: Literal["office", "unit", "expert", "auditor"]
    unit_id: int | None = None
    expert_id: int | None = None


class AccountOut(Struct):
    id: int
    username: str
    role: str
    unit_id: int | None
    expert_id: int | None
    active: bool


class EventOut(Struct):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    reason: str
    data: dict
    hash: str


class ChainOut(Struct):
    ok: bool
    events: int
    first_bad_seq: int | None
    problem: str


def account_out(a: Account) -> AccountOut:
    return AccountOut(a.id, a.username, a.role, a.unit, a.expert, a.active)


class AuthController(Controller):
    path = "/auth"
    tags = ["accounts"]
    dependencies = DEPS

    @post("/login", summary="Exchange a username and password for a bearer token (12 hours); rate-limited")
    async def login(self, data: JSONBody[LoginIn], request: Request, now: NamedDependency[datetime]) -> TokenOut:
        client = request.client.host if request.client else ""
        token, expires, account = await svc.login(data.username, data.password, client, now)
        return TokenOut(token, expires, account.role, account.unit, account.expert)

    @post("/logout", status_code=204)
    async def logout(self, request: Request) -> None:
        await svc.logout(request.auth)

    @get("/me")
    async def me(self, request: Request) -> dict:
        p: svc.Principal = request.user
        return {"username": p.username, "role": p.role, "unit_id": p.unit_id, "expert_id": p.expert_id}


class AccountController(Controller):
    path = "/accounts"
    tags = ["accounts"]
    dependencies = DEPS

    @post("/", summary="Create an account (pool office only); a unit's or expert's account is bound to it")
    async def create(self, data: JSONBody[AccountIn], now: NamedDependency[datetime]) -> AccountOut:
        if data.unit_id is not None:
            await get_or_404(Institution, data.unit_id, "institution", "unit_id")
        if data.expert_id is not None:
            await get_or_404(Expert, data.expert_id, "expert", "expert_id")
        return account_out(await svc.create_account(data.username, data.password, data.role, now, data.unit_id,
                                                    data.expert_id))

    @get("/", summary="Every account, oldest first")
    async def index(self, role: FromQuery[Literal["office", "unit", "expert", "auditor"] | None] = None,
                    offset: Offset = 0, limit: Limit = 100) -> Page[AccountOut]:
        query, count = Account.objects().order_by(Account.id).offset(offset).limit(limit), Account.count()
        if role:
            query, count = query.where(Account.role == role), count.where(Account.role == role)
        return Page([account_out(a) for a in await query], await count, offset, limit)

    @post("/{account_id:int}/deactivation", status_code=200)
    async def deactivate(self, account_id: FromPath[int]) -> AccountOut:
        account = await get_or_404(Account, account_id, "account")
        account.active = False
        async with unit_of_work():
            await account.save()
        return account_out(account)


class AuditController(Controller):
    path = "/audit"
    tags = ["full-process record"]
    dependencies = DEPS

    @get("/events", summary="The event log (全过程记录), oldest first; ``after`` skips the events up to that "
                            "sequence number, ``offset`` skips that many of the rest")
    async def events(self, subject: FromQuery[Annotated[str, Meta(max_length=100)] | None] = None,
                     after: Offset = 0, offset: Offset = 0, limit: Limit = 200) -> Page[EventOut]:
        where = [AuditEvent.seq > after]
        if subject:
            where.append(AuditEvent.subject == subject)
        rows = await AuditEvent.select().where(*where).order_by(AuditEvent.seq).offset(offset).limit(limit).output(
            load_json=True)
        items = [EventOut(r["seq"], r["at"], r["actor"], r["action"], r["subject"], r["reason"], r["data"], r["hash"])
                 for r in rows]
        return Page(items, await AuditEvent.count().where(*where), offset, limit)

    @post("/checkpoints", summary="Anchor the chain's head outside the database now (also done daily)")
    async def checkpoint(self, now: NamedDependency[datetime]) -> dict:
        entry = await audit.write_checkpoint(now)
        return {"seq": entry["seq"], "hash": entry["hash"], "at": entry["at"]}

    @get("/verification", summary="Check the hash chain; names the first altered or missing event")
    async def verification(self) -> ChainOut:
        report = await audit.verify()
        return ChainOut(report.ok, report.events, report.first_bad_seq, report.problem)


async def item_record(item_id: int) -> dict:
    """Everything about one decision item, for filing (R-REC-3): the item, its panel requests with every
    panel record and invitation, conflict dismissals, and the events of the log that concern them."""
    item = await DecisionItem.select().where(DecisionItem.id == item_id).output(load_json=True).first()
    if item is None:
        raise not_found("decision item", item_id, "item_id")
    requests = await PanelRequest.select().where(PanelRequest.item == item_id).order_by(PanelRequest.id).output(
        load_json=True)
    request_ids = [r["id"] for r in requests] or [-1]
    panels = await Panel.select().where(Panel.panel_request.is_in(request_ids)).order_by(Panel.id).output(
        load_json=True)
    invitations = await Invitation.select().where(Invitation.request.is_in(request_ids)).order_by(Invitation.id)
    subjects = [f"item:{item_id}", *(f"request:{i}" for i in request_ids), *(f"panel:{p['id']}" for p in panels),
                *(f"invitation:{i['id']}" for i in invitations)]
    events = await AuditEvent.select().where(AuditEvent.subject.is_in(subjects)).order_by(AuditEvent.seq).output(
        load_json=True)
    chain = await audit.verify()
    return {"item": item, "panel_requests": requests, "panels": panels, "invitations": invitations,
            "conflict_dismissals": await ConflictDismissal.select().where(ConflictDismissal.item == item_id).output(
                load_json=True),
            "events": events, "chain": {"ok": chain.ok, "events": chain.events, "first_bad_seq": chain.first_bad_seq,
                                        "problem": chain.problem}}


class RecordController(Controller):
    path = "/items/{item_id:int}/record"
    tags = ["full-process record"]

    @get("/", summary="Export a decision item's whole record for filing (R-REC-3)")
    async def export(self, item_id: FromPath[int]) -> dict:
        return await item_record(item_id)


CONTROLLERS = [AuthController, AccountController, AuditController, RecordController]
