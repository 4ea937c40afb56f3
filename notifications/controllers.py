"""Notification endpoints: the outbox's state, the in-app inbox, drafting units' webhooks, the jobs."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta, Struct

from core.api import DEPS, Limit, Offset
from core.errors import invalid, not_found
from core.locks import take_turn
from core.records import get_or_404
from core.schemas import Input, Page
from core.uow import unit_of_work
from notifications import jobs
from notifications.links import live_body, mask_links
from notifications.outbox import deliver_due
from notifications.tables import InboxMessage, JobRun, Outbox, WebhookEndpoint
from notifications.webhooks import MAX_ENDPOINTS_PER_UNIT, UrlRefused, check_url
from registry.tables import Institution


class OutboxOut(Struct):
    id: int
    channel: str
    recipient: str
    template: str
    subject: str
    state: str
    attempts: int
    last_error: str
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime


class DeliveryOut(Struct):
    claimed: int
    sent: int
    failed: int


class InboxOut(Struct):
    id: int
    recipient: str
    subject: str
    body: str
    read_at: datetime | None
    created_at: datetime


class WebhookIn(Input, kw_only=True):
    url: Annotated[str, Meta(min_length=8, max_length=500, pattern=r"^https?://")]
    secret: Annotated[str, Meta(min_length=16, max_length=128)] | None = None  # generated when left out


class WebhookOut(Struct):
    id: int
    unit_id: int
    url: str
    secret: str
    active: bool


class WebhookListed(Struct):
    """A registered endpoint as listed: the signing secret is shown once, when it is registered."""

    id: int
    unit_id: int
    url: str
    active: bool
    created_at: datetime


class JobRunOut(Struct):
    run_key: str
    state: str
    claimed_by: str
    result: dict
    started_at: datetime
    finished_at: datetime | None


class JobOut(Struct):
    name: str
    description: str
    schedule: str
    next_check: datetime | None
    last_run: JobRunOut | None


WEBHOOK_LOCK_KEY = 7_301_2031  # PostgreSQL: registrations take turns, so a sixth cannot slip in beside a fifth


async def _bodies_for(request: Request, rows: list[dict]) -> dict[int, str]:
    """Each message's body as this caller may see it (issue 11): a signed answer link is live only for the
    invitee reading their own inbox (an expert, or an invited institution's unit account); the office, the
    auditor and anyone else see it masked."""
    principal = request.user
    reader = principal.inbox if principal.role in ("expert", "unit") else None
    own = {r["id"] for r in rows if reader is not None and r["recipient"] == reader}
    payloads = {}
    if own:
        payloads = {o["id"]: o["payload"] for o in await Outbox.select(Outbox.id, Outbox.payload).where(
            Outbox.id.is_in([r["outbox"] for r in rows if r["id"] in own])).output(load_json=True)}
    return {r["id"]: live_body(r["body"], payloads.get(r["outbox"]), reader) if r["id"] in own
            else mask_links(r["body"]) for r in rows}


def _run_out(r: dict) -> JobRunOut:
    return JobRunOut(r["run_key"], r["state"], r["claimed_by"], r["result"], r["started_at"], r["finished_at"])


class NotificationController(Controller):
    path = "/"
    tags = ["notifications and jobs"]
    dependencies = DEPS

    @get("/outbox", summary="Queued notifications and their delivery state (pending, sending, sent, failed, dead), "
                            "newest first; each e-mail, inbox and webhook delivery is one row")
    async def outbox(self,
                     delivery_state: FromQuery[Literal["pending", "sending", "sent", "failed", "dead"] | None] = None,
                     channel: FromQuery[Literal["email", "inbox", "webhook"] | None] = None,
                     offset: Offset = 0, limit: Limit = 100) -> Page[OutboxOut]:
        where = []
        if delivery_state:
            where.append(Outbox.state == delivery_state)
        if channel:
            where.append(Outbox.channel == channel)
        query = Outbox.select().order_by(Outbox.id, ascending=False).offset(offset).limit(limit)
        count = Outbox.count()
        if where:
            query, count = query.where(*where), count.where(*where)
        items = [OutboxOut(r["id"], r["channel"], r["recipient"], r["template"], r["subject"], r["state"],
                           r["attempts"], r["last_error"], r["next_attempt_at"], r["sent_at"], r["created_at"])
                 for r in await query]
        return Page(items, await count, offset, limit)

    @post("/outbox/delivery", summary="Run one delivery pass now (the scheduler does this every ten seconds)")
    async def deliver(self, now: NamedDependency[datetime]) -> DeliveryOut:
        report = await deliver_due(now)
        return DeliveryOut(report.claimed, report.sent, report.failed)

    @get("/inbox/{recipient:str}", summary="In-app messages of office, expert:<id> or unit:<id>")
    async def inbox(self, recipient: FromPath[str], request: Request, unread: FromQuery[bool] = False,
                    offset: Offset = 0, limit: Limit = 100) -> Page[InboxOut]:
        numbered = recipient.startswith(("expert:", "unit:")) and recipient.split(":")[1].isdigit()
        if recipient != "office" and not numbered:
            raise invalid("recipient", "收件人须为 office、expert:<编号> 或 unit:<编号>")
        where = [InboxMessage.recipient == recipient]
        if unread:
            where.append(InboxMessage.read_at.is_null())
        rows = await InboxMessage.select().where(*where).order_by(InboxMessage.id).offset(offset).limit(limit)
        bodies = await _bodies_for(request, rows)
        items = [InboxOut(r["id"], r["recipient"], r["subject"], bodies[r["id"]], r["read_at"], r["created_at"])
                 for r in rows]
        return Page(items, await InboxMessage.count().where(*where), offset, limit)

    @post("/inbox/messages/{message_id:int}/read", status_code=200)
    async def read(self, message_id: FromPath[int], now: NamedDependency[datetime], request: Request) -> InboxOut:
        row = await get_or_404(InboxMessage, message_id, "message")
        if row.read_at is None:
            row.read_at = now
            async with unit_of_work():  # recorded with the change, in the same transaction
                await row.save([InboxMessage.read_at])
        bodies = await _bodies_for(request, [row.to_dict()])
        return InboxOut(row.id, row.recipient, row.subject, bodies[row.id], row.read_at, row.created_at)

    @post("/institutions/{unit_id:int}/webhooks",
          summary="A drafting unit's endpoint (http or https, a public address, at most 5 per unit): notifications "
                  "are POSTed with an X-Signature HMAC-SHA256 header")
    async def add_webhook(self, unit_id: FromPath[int], data: JSONBody[WebhookIn], now: NamedDependency[datetime]
                          ) -> WebhookOut:
        await get_or_404(Institution, unit_id, "institution", "unit_id")
        try:
            await check_url(data.url)  # issue 12: never the service's own network
        except UrlRefused as refused:
            raise invalid("url", refused.reason) from None
        async with unit_of_work():  # counted and added in one transaction, one registration at a time
            await take_turn(WEBHOOK_LOCK_KEY)
            active = await WebhookEndpoint.count().where((WebhookEndpoint.unit == unit_id)
                                                         & WebhookEndpoint.active.eq(True))
            if active >= MAX_ENDPOINTS_PER_UNIT:
                raise invalid("url", f"每个承办单位最多登记 {MAX_ENDPOINTS_PER_UNIT} 个 webhook 地址，"
                                     f"本单位已登记 {active} 个")
            row = WebhookEndpoint(unit=unit_id, url=data.url, secret=data.secret or secrets.token_urlsafe(32),
                                  created_at=now)
            await row.save()
        return WebhookOut(row.id, unit_id, row.url, row.secret, row.active)

    @get("/institutions/{unit_id:int}/webhooks", summary="A drafting unit's registered webhook endpoints (the "
                                                         "signing secret is shown only when one is registered)")
    async def webhooks(self, unit_id: FromPath[int], offset: Offset = 0, limit: Limit = 100
                       ) -> Page[WebhookListed]:
        await get_or_404(Institution, unit_id, "institution", "unit_id")
        where = WebhookEndpoint.unit == unit_id
        rows = await WebhookEndpoint.select(
            WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.active, WebhookEndpoint.created_at
        ).where(where).order_by(WebhookEndpoint.id).offset(offset).limit(limit)
        items = [WebhookListed(r["id"], unit_id, r["url"], r["active"], r["created_at"]) for r in rows]
        return Page(items, await WebhookEndpoint.count().where(where), offset, limit)

    @get("/jobs", summary="The scheduled jobs, when they are next checked and how each last ran")
    async def jobs(self, request: Request, offset: Offset = 0, limit: Limit = 100) -> Page[JobOut]:
        scheduler = getattr(request.app.state, "scheduler", None)
        daily = scheduler.get_job("daily_jobs") if scheduler else None
        out = []
        for job in jobs.DAILY_JOBS[offset:offset + limit]:
            last = await JobRun.select().where(JobRun.job == job.name).order_by(
                JobRun.id, ascending=False).first().output(load_json=True)
            out.append(JobOut(job.name, job.description, "每天运行一次（每 5 分钟检查一次）",
                              daily.next_run_time if daily else None, _run_out(last) if last else None))
        return Page(out, len(jobs.DAILY_JOBS), offset, limit)

    @post("/jobs/{name:str}/run", status_code=200, summary="Run a job for today now, unless it already ran today")
    async def run(self, name: FromPath[str], request: Request) -> dict:
        job = jobs.JOBS.get(name)
        if job is None:
            raise not_found("job", name, "name")
        result = await jobs.run_job(job, request.app.state.clock, live=request.app.state.live_graph)
        return {"job": name, "ran": result is not None, "result": result or {}}


CONTROLLERS = [NotificationController]
