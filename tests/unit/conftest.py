"""Unit tier: pure code only. No test here may import the application or open a database.

Two guards: a database connection opened during a unit test fails it, and a run of this tier alone
(as bin/test does) fails when collecting it imported the app, piccolo or a web/database library."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

UNIT_DIR = Path(__file__).parent
FORBIDDEN = ("app", "piccolo_conf", "piccolo", "litestar", "aiosqlite", "asyncpg")


def _refuse(*_args, **_kwargs):
    raise AssertionError("a unit test opened a database: move it to tests/service or tests/api")


@pytest.fixture(autouse=True)
def _no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite3, "connect", _refuse)
    for name in ("aiosqlite", "asyncpg"):
        if name in sys.modules:
            monkeypatch.setattr(sys.modules[name], "connect", _refuse)


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.items or any(UNIT_DIR not in Path(str(item.path)).parents for item in session.items):
        return  # other tiers in the same run import the app on purpose
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
    if loaded:
        raise pytest.UsageError(f"the unit tier imported {', '.join(loaded[:8])}: unit tests must stay pure")
