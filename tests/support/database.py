"""The test database of this process, migrated once.

On SQLite the migrations run once, into a template file; every database a test tier uses is a copy
of it (copying a file is much faster than migrating). On PostgreSQL (``DATABASE_URL`` set) the
database itself is migrated once; under pytest-xdist it is the worker's own database, created here
afresh from the server the run was given.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from piccolo.engine.sqlite import SQLiteEngine

from accounts.tables import TABLES as ACCOUNT_TABLES
from assignment.tables import TABLES as ASSIGNMENT_TABLES
from conflicts.tables import TABLES as CONFLICT_TABLES
from core.db import current_engine
from core.migrate import migrate
from core.settings import get_settings
from decisions.tables import TABLES as DECISION_TABLES
from notifications.tables import TABLES as NOTIFICATION_TABLES
from registry.tables import TABLES as REGISTRY_TABLES
from spreadsheets.tables import TABLES as SPREADSHEET_TABLES

TABLES = [*REGISTRY_TABLES, *DECISION_TABLES, *CONFLICT_TABLES, *ASSIGNMENT_TABLES, *NOTIFICATION_TABLES,
          *ACCOUNT_TABLES, *SPREADSHEET_TABLES]


def on_postgres() -> bool:
    return get_settings().database.is_postgres


def forget_checkpoints() -> None:
    """The chain's checkpoints belong to the database they anchor: an emptied database starts without any."""
    get_settings().record.checkpoint_file.unlink(missing_ok=True)


async def empty_all_tables() -> None:
    forget_checkpoints()
    db = TABLES[0]._meta.db
    names = [t._meta.tablename for t in TABLES]
    if db.engine_type == "postgres":
        await db.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        for name in reversed(names):
            await db.run_ddl(f"DELETE FROM {name}")
        if await db.run_ddl("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'"):
            await db.run_ddl("DELETE FROM sqlite_sequence")


@contextmanager
def sqlite_file(path: Path) -> Iterator[Path]:
    """Point the shared engine (every table's) at another SQLite file for the duration."""
    engine = current_engine()
    assert isinstance(engine, SQLiteEngine), "only SQLite databases are files"
    previous = engine.path
    engine.path = str(path)
    try:
        yield path
    finally:
        engine.path = previous


def copy_database(template: Path, to: Path) -> None:
    """Overwrite ``to`` with the template through SQLite's backup API: unlinking a database (or its -wal
    and -shm files) that a connection still holds open splits that connection's view from everyone else's."""
    if not to.exists():
        shutil.copyfile(template, to)
        return
    source, target = sqlite3.connect(template), sqlite3.connect(to, timeout=30)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


async def _create_worker_database() -> None:
    """Under pytest-xdist on PostgreSQL: a fresh database for this worker (see tests/conftest.py)."""
    import asyncpg

    server = os.environ.get("TEST_SERVER_DATABASE_URL")
    if not server:
        return
    name = urlsplit(get_settings().database.url).path.lstrip("/")
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        owner = unquote(urlsplit(server).username or "")
        await connection.execute(f'CREATE DATABASE "{name}"' + (f' OWNER "{owner}"' if owner else ""))
    finally:
        await connection.close()


@functools.cache
def migrated_template() -> Path | None:
    """Migrate once per process: on SQLite the template file's path, on PostgreSQL None (the database is migrated)."""
    if on_postgres():
        asyncio.run(_create_worker_database())
        asyncio.run(migrate())
        return None
    template = get_settings().data_dir / "migrated-template.sqlite"
    template.unlink(missing_ok=True)
    with sqlite_file(template):
        asyncio.run(migrate())
    return template


def migrate_test_database() -> None:
    """The database ``DATABASE_URL`` names (the one subprocesses of the tests use too), migrated."""
    template = migrated_template()
    if template is not None:
        copy_database(template, get_settings().database.sqlite_path)


def reset_test_database() -> None:
    """The test database emptied: on SQLite a fresh copy of the template (faster than deleting from every table)."""
    template = migrated_template()
    if template is None:
        asyncio.run(empty_all_tables())
    else:
        forget_checkpoints()
        copy_database(template, get_settings().database.sqlite_path)
