"""One writer at a time for decisions that read before they write (drawing a panel).

Workload caps are checked on what is stored, then the panel is stored: two requests at the same
moment must not both see an expert as free. Inside one process an asyncio lock orders them; across
processes a transaction does: PostgreSQL takes a transaction-level advisory lock, SQLite begins the
transaction IMMEDIATE (its write lock).

Hold it briefly: slow work (the draw's linear program) is done before taking it, and what it read is
confirmed under it (``assignment.services.requests``), so one slow request never holds up the others.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString

from core.db import current_engine
from core.records import Statement

_LOCAL = asyncio.Lock()
SELECTION_LOCK_KEY = 7_301_2026
START_UP_LOCK_KEY = 7_301_2029


async def take_turn(key: int) -> None:
    """Inside a write transaction: wait for the other holders of ``key`` until this transaction ends.
    PostgreSQL takes a transaction-level advisory lock; SQLite's write transaction already excludes
    every other writer (BEGIN IMMEDIATE), so there is nothing more to take."""
    if current_engine().engine_type == "postgres":
        await _ADVISORY_LOCK.rows(int(key))


# compiled once (core.records): the record's chain takes its turn for every batch of reads it appends
_ADVISORY_LOCK = Statement(lambda key: QueryString("SELECT pg_advisory_xact_lock({})", key))


@asynccontextmanager
async def exclusive(key: int = SELECTION_LOCK_KEY):
    db = current_engine()
    async with _LOCAL:
        if db.engine_type == "postgres":
            async with db.transaction():
                await take_turn(key)
                yield
        else:
            async with db.transaction(transaction_type=TransactionType.immediate):
                yield


def read_transaction():
    """Several reads on one connection (piccolo's SQLite engine opens one per query otherwise)."""
    return current_engine().transaction()


@asynccontextmanager
async def start_up_turn():
    """Processes starting at the same moment (``uvicorn --workers N``, several machines) migrate and fill the
    default rows one after the other: the second finds the work done. PostgreSQL: a session-level advisory
    lock on a connection of its own (the migrations run on others); SQLite: a lock on a file beside the
    database."""
    db = current_engine()
    if db.engine_type == "postgres":
        import asyncpg

        connection = await asyncpg.connect(**db.config)
        try:
            await connection.execute(f"SELECT pg_advisory_lock({START_UP_LOCK_KEY})")
            yield
        finally:
            await connection.close()  # the session's lock goes with it
        return
    path = f"{db.path}.start-lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock
