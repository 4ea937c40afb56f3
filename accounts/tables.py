"""Accounts, access tokens, login attempts and the append-only, hash-chained event log."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class Account(Table):
    """A user: pool office (政策法规处), drafting unit (决策承办单位, bound to its unit), expert, or auditor."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    username = Varchar(length=64, unique=True)
    password_hash = Varchar(length=200)  # argon2id
    role = Varchar(length=16)  # office | unit | expert | auditor
    unit = Integer(null=True, default=None)  # institution id, for a drafting unit's account
    expert = Integer(null=True, default=None)  # expert id, for an expert's account
    active = Boolean(default=True)
    created_at = Timestamptz()


class AccessToken(Table):
    """A bearer token; only its SHA-256 is stored."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    digest = Varchar(length=64, unique=True)
    account = ForeignKey(Account, index=True)
    expires_at = Timestamptz()
    revoked = Boolean(default=False)
    created_at = Timestamptz()


class LoginAttempt(Table):
    id: Serial  # the primary key piccolo adds, declared for the type checker

    username = Varchar(length=64, index=True)
    client = Varchar(length=64)
    success = Boolean()
    at = Timestamptz()


class AuditEvent(Table):
    """全过程记录: one decision, who made it, when and why. Each row's hash covers the previous row's hash,
    so an edited or deleted row breaks the chain from that point on."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    seq = Integer(unique=True)
    at = Timestamptz()
    actor = Varchar(length=100)
    action = Varchar(length=100)
    subject = Varchar(length=100, default="")  # e.g. item:12, expert:5, panel-request:3
    reason = Text(default="")
    data = JSON(default={})
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class ChangeVersion(Table):
    """How many changes each topic has seen, across every process (issue 17): bumped in the transaction of the
    change, read per request by the processes that keep what it names in memory (``accounts.versions``)."""

    id: Serial  # the primary key piccolo adds, declared for the type checker

    topic = Varchar(length=32, unique=True)  # "reads": the read cache of every process
    version = Integer(default=0)


TABLES: list[type[Table]] = [Account, AccessToken, LoginAttempt, AuditEvent, ChangeVersion]
