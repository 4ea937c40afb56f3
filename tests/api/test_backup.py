"""Backup and restore give back every record and a valid event chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.test_conflicts_api import make_item
from tests.support.database import TABLES, empty_all_tables
from tests.support.panels import post_request

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def counts() -> dict[str, int]:
    async def count_all():
        return {t._meta.tablename: await t.count() for t in TABLES}

    return asyncio.run(count_all())


def run(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=os.environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_restore_gives_back_every_record_and_a_valid_chain(client, pool, tmp_path):
    item = make_item(client)
    view = post_request(client, item).json()
    client.post(f"/api/v1/invitations/{view['invitations'][0]['id']}/answer", json={"accept": False, "reason": "出差"})
    before = counts()
    assert before["audit_event"] > 10 and before["panel"] == 2
    chain_before = client.get("/api/v1/audit/verification").json()

    run("core.backup", "create", str(tmp_path / "registry.backup"))
    asyncio.run(empty_all_tables())
    assert counts()["expert"] == 0
    run("core.backup", "restore", str(tmp_path / "registry.backup"))

    assert counts() == before
    assert client.get("/api/v1/audit/verification").json() == chain_before
    assert chain_before["ok"] is True, chain_before
    assert client.get(f"/api/v1/panel-requests/{view['id']}").json()["panel"]["supersedes"] is not None
