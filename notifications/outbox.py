"""Queue notifications in the caller's transaction, and deliver them with retries and back-off.

``enqueue`` writes an outbox row beside the change that causes it; nothing is sent there. A worker
(``deliver_due``) claims due rows with a lease, sends each through its channel and records the
outcome: sent, or failed with the error and the next attempt at an exponentially later time. A
worker killed mid-batch leaves its claimed rows; when the lease runs out another worker sends them.
E-mails carry a Message-ID and webhooks an Idempotency-Key derived from the row, so the one
ambiguous case (killed after the server accepted but before the row was marked) can be recognised
by the receiver.

A failure that no retry can mend (issue 12: an invalid address, a recipient or message the SMTP
server refuses with 5xx, a webhook URL that points into the service's own network) marks the row
dead at once with the reason; anything else is retried with back-off until ``max_attempts``. No row
stays "sending": an unexpected error is a failure like any other, and a row whose lease ran out after
its last allowed attempt is dead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
import httpx

from core.settings import NotificationSettings, get_settings
from notifications.links import live_body, mask_links
from notifications.tables import InboxMessage, Outbox, WebhookEndpoint
from notifications.templates import render
from notifications.webhooks import UrlRefused, check_url
from registry.tables import Expert

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
FIRST_BACKOFF = timedelta(seconds=30)


# One mailbox: no white space, control characters, quotes, brackets or list separators anywhere.
_ADDRESS_PART = r"[^@\s\x00-\x1f\x7f<>()\[\]\\,;:\"]+"
_ADDRESS = re.compile(rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}")


def address_problem(address: str) -> str | None:
    """Why an e-mail address cannot be used (issue 12: CR/LF would forge headers), or None."""
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        return f"收件地址无效：{address!r}"
    return None


def _bounded_key(key: str) -> str:
    """The dedupe key within its column: a long one keeps its start and a digest of the whole."""
    return key if len(key) <= 200 else key[:150] + "#" + hashlib.sha256(key.encode()).hexdigest()[:40]


def outbox_row(channel: str, recipient: str, template: str, context: dict, dedupe_key: str, now: datetime,
               payload: dict | None = None, link: dict | None = None) -> Outbox:
    """One notification as its outbox row. An e-mail to an invalid address is stored dead with the reason:
    visible in the outbox, never sent. ``link`` (``links.issue``) lets the invitee's own channel show the masked
    answer links live; the row itself never holds a live link (issue 11)."""
    subject, body = render(template, context)
    problem = address_problem(recipient) if channel == "email" else None
    payload = payload or {"template": template, **{k: str(v) for k, v in context.items()}}
    if link is not None and channel != "webhook":  # a webhook's endpoint may be registered by the office
        payload = {**payload, "signed_link": link}
    return Outbox(channel=channel, recipient=recipient[:300], template=template, subject=subject, body=body,
                  payload=payload,
                  dedupe_key=_bounded_key(f"{dedupe_key}|{channel}|{recipient}"), next_attempt_at=now, created_at=now,
                  state="dead" if problem else "pending", last_error=problem or "")


async def enqueue(channel: str, recipient: str, template: str, context: dict, dedupe_key: str, now: datetime,
                  payload: dict | None = None, link: dict | None = None) -> None:
    """Queue one notification; a second one for the same event, channel and recipient is ignored."""
    await Outbox.insert(outbox_row(channel, recipient, template, context, dedupe_key, now, payload, link)
                        ).on_conflict(target=Outbox.dedupe_key, action="DO NOTHING")


OUTBOX_BATCH = 500  # rows per INSERT (13 columns: well within PostgreSQL's 32,767 parameters)


async def enqueue_rows(rows: list[Outbox]) -> int:
    """Queue many notifications in a few statements (issue 17: a whole-pool job), each row ignored when its
    dedupe key is already queued, as ``enqueue`` does. Returns the number of rows offered."""
    first: dict[str, Outbox] = {}
    for row in rows:  # in their order, the first row of a repeated key
        first.setdefault(row.dedupe_key, row)
    unique = list(first.values())
    for start in range(0, len(unique), OUTBOX_BATCH):
        await Outbox.insert(*unique[start:start + OUTBOX_BATCH]).on_conflict(
            target=Outbox.dedupe_key, action="DO NOTHING")
    return len(unique)


def expert_rows(expert: dict, template: str, context: dict, key: str, now: datetime,
                link: dict | None = None) -> list[Outbox]:
    """The rows of a notice to an expert (``expert``: id, name, email): e-mail when known, and the inbox."""
    context = {"name": expert["name"], **context}
    rows = [outbox_row("email", expert["email"], template, context, key, now, link=link)] if expert["email"] else []
    return [*rows, outbox_row("inbox", f"expert:{expert['id']}", template, context, key, now, link=link)]


async def notify_expert(expert_id: int, template: str, context: dict, key: str, now: datetime,
                        link: dict | None = None) -> None:
    """The expert's e-mail (when known) and in-app inbox."""
    expert = await Expert.select(Expert.id, Expert.name, Expert.email).where(Expert.id == expert_id).first()
    assert expert is not None, f"expert {expert_id}"
    for row in expert_rows(expert, template, context, key, now, link):
        await Outbox.insert(row).on_conflict(target=Outbox.dedupe_key, action="DO NOTHING")


async def notify_unit(unit_id: int | None, template: str, context: dict, key: str, now: datetime,
                      link: dict | None = None) -> None:
    """A unit's inbox and each of its webhooks (which carry answer links masked: only the unit's own inbox,
    read by the unit, shows them)."""
    if unit_id is None:
        return
    await enqueue("inbox", f"unit:{unit_id}", template, context, key, now, link=link)
    for endpoint in await WebhookEndpoint.select(WebhookEndpoint.id).where(
            (WebhookEndpoint.unit == unit_id) & WebhookEndpoint.active.eq(True)):
        await enqueue("webhook", str(endpoint["id"]), template, context, key, now)


def office_rows(template: str, context: dict, key: str, now: datetime) -> list[Outbox]:
    """The rows of a notice to the pool office: its inbox, and its e-mail address when one is configured."""
    address = get_settings().notifications.office_email
    return [outbox_row("inbox", "office", template, context, key, now),
            *([outbox_row("email", address, template, context, key, now)] if address else [])]


async def notify_office(template: str, context: dict, key: str, now: datetime) -> None:
    """The pool office's inbox, and its e-mail address when one is configured."""
    for row in office_rows(template, context, key, now):
        await Outbox.insert(row).on_conflict(target=Outbox.dedupe_key, action="DO NOTHING")


async def email_office(template: str, context: dict, key: str, now: datetime) -> bool:
    """Only the office's e-mail address, when one is configured (what must leave the database)."""
    address = get_settings().notifications.office_email
    if address:
        await enqueue("email", address, template, context, key, now)
    return bool(address)


# --- delivery --------------------------------------------------------------------------------------
class DeliveryError(Exception):
    """A failed attempt; ``permanent`` when no retry can succeed (the row is dead at once)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _refused_for_good(exc: aiosmtplib.SMTPException) -> bool:
    """A 5xx answer about this message (its recipient, its content): the same message fails again. A 5xx
    about the session (greeting, HELO, log-in, sender) is the server's configuration: once it is mended the
    queued messages go, so those are retried like a server that is down."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(500 <= r.code < 600 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return 500 <= exc.code < 600
    return False


async def _send_email(row: dict, settings: NotificationSettings) -> None:
    if problem := address_problem(row["recipient"]):  # checked again: rows queued before the check existed
        raise DeliveryError(problem, permanent=True)
    message = EmailMessage()
    try:
        message["From"], message["To"], message["Subject"] = settings.sender, row["recipient"], row["subject"]
    except ValueError as exc:  # a header with CR/LF: the message cannot be written
        raise DeliveryError(f"邮件头无效：{exc}", permanent=True) from exc
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<outbox-{row['id']}@registry.local>"  # the same on every attempt
    message.set_content(live_body(row["body"], row["payload"]))  # the e-mail to the invitee carries the live links
    try:
        await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port,
                              username=settings.smtp_user or None, password=settings.smtp_password or None,
                              start_tls=settings.smtp_starttls, timeout=15)
    except aiosmtplib.SMTPException as exc:
        raise DeliveryError(f"邮件服务器 smtp {settings.smtp_host}:{settings.smtp_port} 拒收或出错：{exc}",
                            permanent=_refused_for_good(exc)) from exc
    except OSError as exc:
        raise DeliveryError(f"无法连接邮件服务器 smtp {settings.smtp_host}:{settings.smtp_port}：{exc}") from exc


async def _post_webhook(row: dict) -> None:
    endpoint = await WebhookEndpoint.select().where(WebhookEndpoint.id == int(row["recipient"])).first()
    if endpoint is None or not endpoint["active"]:
        raise DeliveryError("该 webhook 地址已删除或停用")
    try:
        target = await check_url(endpoint["url"])  # again: DNS may point elsewhere now
    except UrlRefused as refused:
        raise DeliveryError(f"webhook {endpoint['url']}：{refused.reason}", permanent=not refused.transient) from None
    payload = {k: v for k, v in row["payload"].items() if k != "signed_link"}
    body = json.dumps({"id": row["id"], "subject": row["subject"], "body": mask_links(row["body"]),
                       **{k: mask_links(v) if isinstance(v, str) else v for k, v in payload.items()}},
                      ensure_ascii=False, sort_keys=True).encode()
    url = httpx.URL(endpoint["url"])
    headers = {"content-type": "application/json", "x-signature": signature(endpoint["secret"], body),
               "idempotency-key": f"outbox-{row['id']}", "host": url.netloc.decode("ascii")}
    try:
        async with httpx.AsyncClient(timeout=10) as client:  # to the address checked, under the URL's own name
            response = await client.post(url.copy_with(host=target.address), content=body, headers=headers,
                                         extensions={"sni_hostname": target.host})
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {endpoint['url']} 无法送达：{exc!r}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {endpoint['url']} 答复 HTTP {response.status_code}，未接收")


async def _to_inbox(row: dict, now: datetime) -> None:
    await InboxMessage.insert(InboxMessage(recipient=row["recipient"], outbox=row["id"], subject=row["subject"],
                                           body=row["body"], created_at=now)).on_conflict(
        target=InboxMessage.outbox, action="DO NOTHING")


def backoff(attempts: int) -> timedelta:
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def deliver_due(now: datetime, limit: int = 100, me: str | None = None) -> DeliveryReport:
    """One pass of the worker: claim what is due, send it, record each outcome as it happens."""
    settings = get_settings().notifications
    me = me or worker_id()
    report = DeliveryReport()
    # A row whose worker died during its last allowed attempt is not claimed again: it is dead.
    await Outbox.update({Outbox.state: "dead", Outbox.claimed_until: None,
                         Outbox.last_error: "最后一次投递尝试未完成（处理进程中断），已达最大尝试次数"}).where(
        (Outbox.state == "sending") & (Outbox.claimed_until < now) & (Outbox.attempts >= settings.max_attempts))
    # Due: waiting or failed and its time has come, or claimed by a worker whose lease ran out.
    is_due = ((((Outbox.state == "pending") | (Outbox.state == "failed")) & (Outbox.next_attempt_at <= now))
              | ((Outbox.state == "sending") & (Outbox.claimed_until < now)))
    due = await Outbox.select(Outbox.id).where(is_due).order_by(Outbox.id).limit(limit)
    for candidate in due:
        claimed = await Outbox.update({
            Outbox.state: "sending", Outbox.claimed_by: me, Outbox.claimed_until: now + timedelta(
                seconds=settings.lease_seconds), Outbox.attempts: Outbox.attempts + 1,
        }).where((Outbox.id == candidate["id"]) & is_due).returning(Outbox.id)  # still due: nobody took it
        if not claimed:
            continue  # another worker took it first
        report.claimed += 1
        row = await Outbox.select().where(Outbox.id == candidate["id"]).output(load_json=True).first()
        try:
            if row["channel"] == "email":
                await _send_email(row, settings)
            elif row["channel"] == "webhook":
                await _post_webhook(row)
            else:
                await _to_inbox(row, now)
        except Exception as exc:
            if not isinstance(exc, DeliveryError):
                log.exception("outbox row %s: unexpected error", row["id"])
            report.failed += 1
            dead = getattr(exc, "permanent", False) or row["attempts"] >= settings.max_attempts
            await Outbox.update({Outbox.state: "dead" if dead else "failed", Outbox.last_error: str(exc)[:2000],
                                 Outbox.next_attempt_at: now + backoff(row["attempts"]), Outbox.claimed_until: None}
                                ).where(Outbox.id == row["id"])
            continue
        report.sent += 1
        await Outbox.update({Outbox.state: "sent", Outbox.sent_at: now, Outbox.claimed_until: None,
                             Outbox.last_error: ""}).where(Outbox.id == row["id"])
    return report
