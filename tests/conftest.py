"""Test set-up. The engine is the one ``DATABASE_URL`` names (CI runs the suite on SQLite and on
PostgreSQL); without it, a SQLite file in a temporary folder. The environment is set before the app
is imported, because settings and piccolo's engine are read once."""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import datetime, timezone

import pytest

_TMP = tempfile.mkdtemp(prefix="registry-tests-")
os.environ.setdefault("DATA_DIR", _TMP)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP}/test.sqlite")
os.environ["PII_KEY"] = "q4rcLr1oChPqvAt7Me7N4g6Fv7rUZM2hpXBiEsYxO4s="
os.environ["PICCOLO_CONF"] = "piccolo_conf"
os.environ["TOKEN_HOURS"] = "100000"  # tests move the clock by months; token expiry has its own test
os.environ["RUN_SCHEDULER"] = "0"  # tests move time with the injected clock and call the jobs themselves

from litestar.testing import TestClient  # noqa: E402

from app import create_app  # noqa: E402
from core.clock import Clock  # noqa: E402
from core.migrate import migrate  # noqa: E402
from assignment.tables import TABLES as ASSIGNMENT_TABLES  # noqa: E402
from accounts.services import create_account  # noqa: E402
from accounts.tables import TABLES as ACCOUNT_TABLES  # noqa: E402
from conflicts.tables import TABLES as CONFLICT_TABLES  # noqa: E402
from decisions.tables import TABLES as DECISION_TABLES  # noqa: E402
from notifications.tables import TABLES as NOTIFICATION_TABLES  # noqa: E402
from registry.tables import TABLES as REGISTRY_TABLES  # noqa: E402

TABLES = [*REGISTRY_TABLES, *DECISION_TABLES, *CONFLICT_TABLES, *ASSIGNMENT_TABLES, *NOTIFICATION_TABLES, *ACCOUNT_TABLES]
PASSWORD = "correct horse battery staple"

TODAY = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


async def _empty_all_tables() -> None:
    db = TABLES[0]._meta.db
    names = [t._meta.tablename for t in TABLES]
    if db.engine_type == "postgres":
        await db.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        for name in reversed(names):
            await db.run_ddl(f"DELETE FROM {name}")
        if await db.run_ddl("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'"):
            await db.run_ddl("DELETE FROM sqlite_sequence")


@pytest.fixture(scope="session", autouse=True)
def _schema():
    asyncio.run(migrate())


@pytest.fixture
def clock() -> Clock:
    return Clock(fixed=TODAY)


def login(client, username: str, password: str = PASSWORD) -> dict:
    """Log in and keep the token on the client, as a browser session would."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return response.json()


def add_account(username: str, role: str, unit_id: int | None = None, expert_id: int | None = None) -> None:
    asyncio.run(create_account(username, PASSWORD, role, TODAY, unit_id, expert_id))


@pytest.fixture
def client(clock):
    """The app on an empty database, logged in as the pool office (政策法规处)."""
    asyncio.run(_empty_all_tables())
    add_account("office", "office")
    with TestClient(create_app(clock=clock, migrate_on_start=False)) as test_client:
        login(test_client, "office")
        yield test_client

