"""The piccolo engine chosen by ``DATABASE_URL``: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
import functools
import os
import weakref
from typing import Any
from urllib.parse import unquote, urlparse

from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from core.keys import private_file
from core.settings import DatabaseSettings


class LoopPostgresEngine(PostgresEngine):
    """PostgreSQL with one connection pool per event loop.

    asyncpg's connections belong to the loop that opened them. Piccolo keeps one ``pool`` per engine, so a
    query from another loop (a job thread, a test's own ``run_sync`` beside the app) would borrow a
    connection of the web loop and fail. Here ``pool`` is the pool of the running loop, or None there: that
    loop opens a connection per query, as without a pool.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        super().__init__(*args, **kwargs)

    @staticmethod
    def _loop() -> asyncio.AbstractEventLoop | None:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    @property
    def pool(self) -> Any:
        loop = self._loop()
        return self._pools.get(loop) if loop is not None else None

    @pool.setter
    def pool(self, value: Any) -> None:
        loop = self._loop()
        if loop is None:
            return  # piccolo's __init__ sets None before any loop runs
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value


def make_engine(database: DatabaseSettings) -> Engine:
    if database.is_postgres:
        parts = urlparse(database.url)
        return LoopPostgresEngine(
            config={
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or 5432,
                "user": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "database": parts.path.lstrip("/"),
            }
        )
    path = database.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # Only the service's user may read the database (its -wal and -shm files take the same mode).
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    private_file(path)
    # A busy timeout lets concurrent writers wait instead of failing with "database is locked".
    return SQLiteEngine(path=str(path), timeout=30)


@functools.cache
def current_engine() -> Engine:
    """The engine every table shares (the one piccolo_conf made), for transactions, locks and pragmas."""
    engine = engine_finder()
    if engine is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("piccolo_conf defines no engine")
    return engine


async def _keep_session(_connection: Any) -> None:
    """A pooled connection goes back without asyncpg's reset statement (``pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL``, one more round trip after every query outside a transaction): nothing here leaves
    session state on a pooled connection (LISTEN and session-level advisory locks use connections of their own,
    ``core.locks``/``accounts.versions``; the other locks end with their transaction, no query SETs or DECLAREs).
    asyncpg still rolls back a transaction left open before the connection is reused."""


async def start_pool(size: int) -> None:
    """PostgreSQL: keep ``size`` connections open instead of one per query (asyncpg's minimum is 10 by
    default, so a smaller pool must say its minimum too)."""
    engine = current_engine()
    if isinstance(engine, PostgresEngine) and size > 0:
        await engine.start_connection_pool(min_size=min(size, 2), max_size=size, reset=_keep_session)
