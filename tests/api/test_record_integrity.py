"""The record cannot be cut or rewritten, and no request can stall the service (R-REC-1, R-REC-2).

An attacker with write access to the database but not the chain key, or one who cuts events after a
checkpoint, or rewrites the chain behind it, is named by the verification."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import stat
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from accounts import audit, chain
from accounts.tables import AuditEvent
from core.api import RedactLinkTokens
from core.db import make_engine
from core.settings import DatabaseSettings, get_settings
from tests.api.test_conflicts_api import make_item
from tests.support.app import PASSWORD, add_account
from tests.support.live import live_service
from tests.support.panels import post_request

API = "/api/v1"


@pytest.fixture
def checkpoints():
    """The checkpoint file of these tests, removed afterwards: tests empty the tables between them."""
    path = get_settings().record.checkpoint_file
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def _rows() -> list[dict]:
    return asyncio.run(AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True).run())


def _rehash_from(seq: int, hasher) -> None:
    """What an insider does after editing event ``seq``: recompute every hash from there on."""
    async def go():
        rows = await AuditEvent.select().order_by(AuditEvent.seq).output(load_json=True)
        prev = rows[seq - 2]["hash"] if seq > 1 else chain.GENESIS
        for row in rows[seq - 1:]:
            new = hasher(prev, row)
            await AuditEvent.update({AuditEvent.prev_hash: prev, AuditEvent.hash: new}).where(
                AuditEvent.seq == row["seq"])
            prev = new
    asyncio.run(go())


def _plain_sha256(prev: str, row: dict) -> str:
    content = chain.canonical([prev, row["seq"], chain.at_text(row["at"]), row["actor"], row["action"],
                                row["subject"], row["reason"], row["data"]])
    return hashlib.sha256(content.encode()).hexdigest()


def _with_the_key(prev: str, row: dict) -> str:
    return audit.event_hash(prev, row["seq"], row["at"], row["actor"], row["action"], row["subject"], row["reason"],
                            row["data"])


def _verification(client) -> dict:
    return client.get(f"{API}/audit/verification").json()


def test_an_edited_and_rehashed_chain_is_found_without_the_key_R_REC_2(client, pool):
    post_request(client, make_item(client))
    asyncio.run(AuditEvent.update({AuditEvent.reason: "改过的理由"}).where(AuditEvent.seq == 2).run())
    _rehash_from(2, _plain_sha256)  # SHA-256 as anyone can compute it: the chain is keyed, so it fails
    report = _verification(client)
    assert report["ok"] is False and report["first_bad_seq"] == 2 and "改动" in report["problem"]


def test_cutting_the_last_events_after_a_checkpoint_is_named_R_REC_2(client, pool, checkpoints):
    post_request(client, make_item(client))
    written = client.post(f"{API}/audit/checkpoints").json()
    total = len(_rows())
    assert written["seq"] == total and stat.S_IMODE(checkpoints.stat().st_mode) == 0o600
    asyncio.run(AuditEvent.delete().where(AuditEvent.seq >= total - 1).run())
    report = _verification(client)
    assert report["ok"] is False and report["first_bad_seq"] == total - 1
    assert f"第 {total - 1}..{total} 条记录缺失" in report["problem"]


def test_rewriting_the_chain_behind_a_checkpoint_is_named_even_with_the_key_R_REC_2(client, pool, checkpoints):
    post_request(client, make_item(client))
    audit_seq = client.post(f"{API}/audit/checkpoints").json()["seq"]
    asyncio.run(AuditEvent.update({AuditEvent.reason: "改过的理由"}).where(AuditEvent.seq == 2).run())
    _rehash_from(2, _with_the_key)  # an insider who also holds the key: the chain is consistent again
    report = _verification(client)
    assert report["ok"] is False and report["first_bad_seq"] == audit_seq and "改写" in report["problem"]


def test_a_forged_checkpoint_line_is_named_R_REC_2(client, checkpoints):
    client.post(f"{API}/audit/checkpoints")
    line = json.loads(checkpoints.read_text().splitlines()[-1])
    line["seq"] += 5
    with checkpoints.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    report = _verification(client)
    assert report["ok"] is False and "伪造" in report["problem"]


def test_record_keeps_a_bounded_copy_of_a_large_body_R_REC_1():
    large = {"title": "x" * 10_000, "opened_on": "2026-11-24"}
    kept = chain.bounded(large)
    assert kept["truncated"] is True and kept["size"] > 10_000 and kept["fields"] == {"opened_on": "2026-11-24"}
    assert chain.bounded({"small": 1}) == {"small": 1}


def test_deep_json_and_bad_utf8_are_400_not_500(client):
    deep = client.post(f"{API}/items", content="[" * 10_000 + "]" * 10_000,
                       headers={"content-type": "application/json"})
    assert deep.status_code == 400 and deep.json()["errors"][0]["field"] == "body"
    broken = client.post(f"{API}/items", content=b'{"title": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["errors"][0]["field"] == "body"


def test_database_key_and_backup_files_are_private(client, tmp_path):
    settings = get_settings()
    fresh, existing = tmp_path / "fresh.sqlite", tmp_path / "existing.sqlite"
    existing.write_bytes(b"")
    existing.chmod(0o644)
    for path in (fresh, existing):
        make_engine(DatabaseSettings(url=f"sqlite:///{path}", pool_size=0))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    audit.chain_key()
    if settings.record.key is None:
        assert stat.S_IMODE(settings.record.key_file.stat().st_mode) == 0o600
    if not settings.database.is_postgres:
        from core.backup import create

        target = tmp_path / "backup.sqlite"
        create(target)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_link_tokens_never_reach_the_access_log():
    path = "/respond/eyJpbnZpdGF0aW9uIjo1fQ.abc?answer=accept"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
    RedactLinkTokens().filter(record)
    assert "eyJ" not in record.getMessage() and "/respond/***?answer=accept" in record.getMessage()


def test_parallel_login_guesses_stop_at_the_limit(client):
    add_account("target", "office")
    with live_service() as base:
        def guess(n: int) -> int:
            return httpx.post(f"{base}{API}/auth/login", json={"username": "target", "password": f"wrong guess {n:04}"},
                              timeout=60).status_code

        with ThreadPoolExecutor(max_workers=20) as threads:
            codes = list(threads.map(guess, range(20)))
    assert codes.count(401) == 5 and codes.count(429) == 15  # five checked, whatever the timing
    assert client.post(f"{API}/auth/login", json={"username": "target", "password": PASSWORD}).status_code == 429


def test_deactivation_and_logout_take_effect_at_once_in_every_process(client):
    add_account("clerk", "auditor")
    with live_service() as other:
        token = httpx.post(f"{other}{API}/auth/login", json={"username": "clerk", "password": PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{other}{API}/auth/me", headers=headers).status_code == 200
        account_id = next(a["id"] for a in client.get(f"{API}/accounts").json()["items"] if a["username"] == "clerk")
        assert client.post(f"{API}/accounts/{account_id}/deactivation").status_code == 200
        assert httpx.get(f"{other}{API}/auth/me", headers=headers).status_code == 401  # no 30-second grace
        second = httpx.post(f"{other}{API}/auth/login", json={"username": "office", "password": PASSWORD}).json()
        office = {"Authorization": f"Bearer {second['token']}"}
        assert httpx.get(f"{other}{API}/auth/me", headers=office).status_code == 200
        client.headers["Authorization"] = office["Authorization"]
        assert client.post(f"{API}/auth/logout").status_code == 204
        assert httpx.get(f"{other}{API}/auth/me", headers=office).status_code == 401


def test_a_protected_row_edited_in_the_database_is_named_R_REC_2(client):
    """The digest of every protected row a unit of work writes is in its record; a direct edit is found."""
    from accounts.tables import Account
    from core.uow import touch, unit_of_work

    async def write_protected() -> int:
        async with unit_of_work():
            row = await Account.objects().where(Account.username == "office").first()
            touch(Account, row.id)
            return row.id

    account_id = asyncio.run(write_protected())
    assert _verification(client)["ok"] is True
    asyncio.run(Account.update({Account.role: "auditor"}).where(Account.id == account_id).run())
    report = _verification(client)
    assert report["ok"] is False and f"account:{account_id}" in report["problem"] and "改动" in report["problem"]
    asyncio.run(Account.update({Account.role: "office"}).where(Account.id == account_id).run())
    assert _verification(client)["ok"] is True
