"""Accounts: argon2 password hashes, expiring bearer tokens, login rate limits."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from piccolo.querystring import QueryString

from accounts.tables import AccessToken, Account, LoginAttempt
from assignment.tables import Commission
from core.errors import FieldError, TooManyAttempts, Unauthenticated, conflict, invalid
from core.locks import take_turn
from core.records import Statement
from core.uow import write_transaction

ROLES = ("office", "unit", "expert", "auditor", "organiser")  # organiser: a commissioned institution (R-PANEL-8)
TOKEN_HOURS = int(os.environ.get("TOKEN_HOURS", "12"))
FAILURES_PER_WINDOW = 5  # per username, and 4× that per client address
WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 12
LOGIN_LOCK_KEY = 7_301_2028
TOO_MANY = "登录失败次数过多，请 15 分钟后再试"
WRONG_PASSWORD = "用户名或密码错误"
# ARGON2_CHEAP=1 (the test suite only): the cheapest argon2id parameters; a real hash costs ~0.3 s per password.
# Production ignores it: weak hashes there would be a configuration mistake nobody notices.
_CHEAP = os.environ.get("ARGON2_CHEAP") == "1" and os.environ.get("APP_ENV") != "production"
_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1) if _CHEAP else PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who is asking: the account, its role and, for a unit or an expert, whose records are theirs."""

    account_id: int
    username: str
    role: str
    unit_id: int | None = None
    expert_id: int | None = None
    expires_at: datetime | None = None
    # an organiser (R-PANEL-8): the commission it is bound to, and that commission's decision item
    commission_id: int | None = None
    commission_item_id: int | None = None

    @property
    def inbox(self) -> str:
        inboxes = {"office": "office", "unit": f"unit:{self.unit_id}", "expert": f"expert:{self.expert_id}"}
        return inboxes.get(self.role, "")

    @property
    def name(self) -> str:
        return f"{self.role}:{self.username}"


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise invalid(field, f"密码至少 {MIN_PASSWORD} 个字符")
    if password.lower() in ("password1234", "123456789012") or len(set(password)) < 5:
        raise invalid(field, "密码过于简单，容易被猜中")


async def create_account(username: str, password: str, role: str, now: datetime, unit_id: int | None = None,
                         expert_id: int | None = None) -> Account:
    if role not in ROLES:
        raise invalid("role", f"角色须为 {'、'.join(ROLES)} 之一")
    if role == "unit" and unit_id is None:
        raise invalid("unit_id", "决策承办单位的账号须绑定其单位（unit_id）")
    if role == "organiser" and unit_id is None:
        raise invalid("unit_id", "组织机构的账号须绑定受委托的机构（unit_id）", "R-PANEL-8")
    if role == "expert" and expert_id is None:
        raise invalid("expert_id", "专家的账号须绑定其专家记录（expert_id）")
    check_password_strength(password)
    if await Account.exists().where(Account.username == username):
        raise conflict("用户名已被占用", "username", "已有使用此用户名的账号")
    password_hash = await asyncio.to_thread(_HASHER.hash, password)
    account = Account(username=username, password_hash=password_hash, role=role, unit=unit_id, expert=expert_id,
                      created_at=now)
    await account.save()
    return account


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _count_attempt(username: str, client: str, now: datetime) -> int:
    """Record the attempt as failed *before* checking the password, and count, in one write transaction:
    parallel guesses are counted one after another, so the sixth is refused whatever the timing."""
    since = now - WINDOW
    async with write_transaction():
        await take_turn(LOGIN_LOCK_KEY)
        failed = LoginAttempt.success.eq(False) & (LoginAttempt.at > since)
        failures = await LoginAttempt.count().where((LoginAttempt.username == username) & failed)
        from_client = await LoginAttempt.count().where((LoginAttempt.client == client) & failed)
        if failures >= FAILURES_PER_WINDOW or from_client >= 4 * FAILURES_PER_WINDOW:
            raise TooManyAttempts(TOO_MANY, [FieldError("username", TOO_MANY)])
        attempt = LoginAttempt(username=username, client=client, success=False, at=now)
        rows = await LoginAttempt.insert(attempt).returning(LoginAttempt.id)
    return rows[0]["id"]


async def login(username: str, password: str, client: str, now: datetime) -> tuple[str, datetime, Account]:
    attempt_id = await _count_attempt(username, client, now)
    account = await Account.objects().where((Account.username == username) & Account.active.eq(True)).first()
    # argon2 takes tens of milliseconds of CPU: off the event loop, so other requests go on meanwhile
    if account is not None:
        ok = await asyncio.to_thread(_verify, account.password_hash, password)
    else:
        await asyncio.to_thread(_HASHER.hash, password)  # the same work as a real check: timing reveals no username
        ok = False
    if account is None or not ok:
        raise Unauthenticated(WRONG_PASSWORD, [FieldError("password", WRONG_PASSWORD)])
    await LoginAttempt.update({LoginAttempt.success: True}).where(LoginAttempt.id == attempt_id)
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = await asyncio.to_thread(_HASHER.hash, password)
        await account.save([Account.password_hash])
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=TOKEN_HOURS)  # read at call time so a test can shorten it
    await AccessToken(digest=_digest(token), account=account.id, expires_at=expires, created_at=now).save()
    return token, expires, account


_PRINCIPAL_SQL = (  # every request asks it: one plain statement (piccolo's join select cost ~0.9 ms of CPU more)
    f"SELECT t.expires_at, t.revoked, a.id, a.username, a.role, a.unit, a.expert, a.active "
    f"FROM {AccessToken._meta.get_formatted_tablename()} t JOIN {Account._meta.get_formatted_tablename()} a "
    f"ON a.id = t.account WHERE t.digest = {{}}")
_PRINCIPAL = Statement(lambda digest: QueryString(_PRINCIPAL_SQL, digest))  # compiled once (core.records)


async def principal_for(token: str, now: datetime) -> Principal | None:
    rows = await _PRINCIPAL.rows(_digest(token))
    row = rows[0] if rows else None
    if row is None or row["revoked"] or row["expires_at"] <= now or not row["active"]:
        return None
    commission = None
    if row["role"] == "organiser":  # bound to one commission (R-PANEL-8)
        commission = await Commission.select(Commission.id, Commission.item).where(
            Commission.organiser_account == row["id"]).first()
    return Principal(row["id"], row["username"], row["role"], row["unit"], row["expert"], row["expires_at"],
                     commission["id"] if commission else None, commission["item"] if commission else None)


async def logout(token: str) -> None:
    await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.digest == _digest(token))
