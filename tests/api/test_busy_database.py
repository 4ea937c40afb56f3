"""A write that meets another writer's lock for longer than the busy timeout answers 503 with Retry-After and
nothing changed, never a 500 (issue 13: intermittent "database is locked" on applications)."""

from __future__ import annotations

import sqlite3

from asyncpg.exceptions import DeadlockDetectedError
from litestar import Litestar, post
from litestar.testing import TestClient

from core.api import EXCEPTION_HANDLERS


@post("/locked")
async def locked() -> None:
    raise sqlite3.OperationalError("database is locked")


@post("/deadlock")
async def deadlock() -> None:
    raise DeadlockDetectedError("deadlock detected")


@post("/schema-bug")
async def schema_bug() -> None:
    raise sqlite3.OperationalError("no such column: term")


def test_a_busy_database_is_a_503_to_retry_and_a_schema_bug_stays_a_500():
    app = Litestar([locked, deadlock, schema_bug], exception_handlers=EXCEPTION_HANDLERS)
    with TestClient(app) as client:
        for path in ("/locked", "/deadlock"):
            response = client.post(path)
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "1"
            assert "未作任何更改" in response.json()["errors"][0]["reason"]
        assert client.post("/schema-bug").status_code == 500
