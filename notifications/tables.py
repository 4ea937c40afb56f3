"""The outbox, the in-app inbox, webhook endpoints and the record of scheduled job runs."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.tables import Institution


class Outbox(Table):
    """One notification to deliver, written in the same transaction as the change that caused it.

    ``dedupe_key`` is unique: a job that runs again, or two processes running it, cannot queue the same
    notice twice. A worker claims a row with a lease (``claimed_until``) before sending, so a crashed
    worker's rows are picked up again when the lease runs out."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    channel = Varchar(length=16)  # email | inbox | webhook
    recipient = Varchar(length=300)  # e-mail address, inbox key (office, expert:5, unit:3) or webhook endpoint id
    template = Varchar(length=64)
    subject = Varchar(length=300)
    body = Text()
    payload = JSON(default={})
    dedupe_key = Varchar(length=200, unique=True)
    state = Varchar(length=16, default="pending", index=True)  # pending | sending | sent | failed | dead
    attempts = Integer(default=0)
    last_error = Text(default="")
    next_attempt_at = Timestamptz()
    claimed_by = Varchar(length=64, default="")
    claimed_until = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class InboxMessage(Table):
    """An in-app message (站内信) for a user: the pool office, an expert or a drafting unit."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    recipient = Varchar(length=64, index=True)
    outbox = Integer(unique=True)  # delivered once per outbox row
    subject = Varchar(length=300)
    body = Text()
    read_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class WebhookEndpoint(Table):
    """A drafting unit's own system: notifications are POSTed there with an HMAC-SHA256 signature."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    unit = ForeignKey(Institution, index=True)
    url = Varchar(length=500)
    secret = Varchar(length=128)
    active = Boolean(default=True)
    created_at = Timestamptz()


class JobRun(Table):
    """One run of a scheduled job for one day. ``run_key`` is unique: of two processes, one runs it."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    job = Varchar(length=64)
    run_key = Varchar(length=100, unique=True)  # job:YYYY-MM-DD
    state = Varchar(length=16)  # running | done | failed
    claimed_by = Varchar(length=64)
    result = JSON(default={})
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [Outbox, InboxMessage, WebhookEndpoint, JobRun]
