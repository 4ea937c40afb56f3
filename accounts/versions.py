"""Change versions shared by every process on one database (issue 17).

A process keeps a read cache in memory (the expert list and records, ``READ_CACHE_SECONDS``). Another
process's change must empty it before the next request: every unit of work that commits a change bumps the
``reads`` version row in the same transaction (``bump_reads``, a before-commit step wired in
``app/wiring.py``), and a cached read first reads that row (one indexed read) and serves only answers cached
under the same version (``core.api.read_cache_key``). The row is the truth: a change committed before a
request began is seen by that request, whichever process made it. On PostgreSQL the bump also sends a NOTIFY,
a hint on which every process brings its graph up to date before the next request asks (``listen``).

What else a process keeps follows the database on its own: the relationship graph reads the change log
(``conflicts.live``) at each request, tokens and their revocation are read at each request
(``accounts.services.principal_for``), daily jobs claim a unique ``JobRun`` row, draws and the record's
chain take their turn in the database (``core.locks``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from accounts.tables import ChangeVersion
from core.api import READ_VERSION
from core.db import current_engine
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
READS = "reads"
CHANNEL = "registry_changes"  # PostgreSQL NOTIFY: a hint that a change committed (the version row is the truth)
SCOPE_KEY = READ_VERSION  # where a request keeps the version it read, for the cache key (core.api)


async def bump(topic: str = READS) -> int:
    """Inside the writer's transaction: one more change of ``topic``; the new version. The row lock is held
    until commit, so bump last (writers already take turns at the record's head just before)."""
    column = ChangeVersion.version
    for _ in range(2):
        rows = await ChangeVersion.update({column: column + 1}).where(ChangeVersion.topic == topic).returning(column)
        if rows:
            return rows[0]["version"]
        await ChangeVersion.insert(ChangeVersion(topic=topic, version=0)).on_conflict(
            target=ChangeVersion.topic, action="DO NOTHING")
    raise RuntimeError(f"change version {topic} could not be bumped")  # pragma: no cover - the row exists now


async def current(topic: str = READS) -> int:
    row = await ChangeVersion.select(ChangeVersion.version).where(ChangeVersion.topic == topic).first()
    return row["version"] if row else 0


async def bump_reads(uow: UnitOfWork) -> None:
    """Before a unit of work commits: a unit that changed something makes every process's read cache stale."""
    if uow.context is None and not uow.events and not uow.touched:
        return
    version = await bump(READS)
    engine = current_engine()
    if engine.engine_type == "postgres":  # the hint, delivered to every listener when this transaction commits
        await engine.run_ddl(f"NOTIFY {CHANNEL}, '{int(version)}'")


async def listen(on_change: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]] | None:
    """PostgreSQL: call ``on_change`` soon after another process (or this one) commits a change, so what this
    process keeps (its graph) is brought up to date before the next request asks. Only a hint: a notice is lost
    while the listening connection is down, and every request still reads the truth (the version row, the
    graph's change log). Several notices in a burst make one call at a time. Returns the closer; None on
    SQLite."""
    engine = current_engine()
    if engine.engine_type != "postgres":
        return None
    import asyncpg

    connection = await asyncpg.connect(**engine.config)  # type: ignore[attr-defined]
    state = {"running": False, "again": False}
    tasks: set[asyncio.Task] = set()

    async def follow() -> None:
        state["running"] = True
        try:
            while True:
                state["again"] = False
                try:
                    await on_change()
                except Exception:  # a hint must never take the process down; the next request syncs anyway
                    log.exception("following a change notice failed")
                if not state["again"]:
                    return
        finally:
            state["running"] = False

    def notified(*_args: object) -> None:
        if state["running"]:
            state["again"] = True
            return
        task = asyncio.get_running_loop().create_task(follow())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    await connection.add_listener(CHANNEL, notified)

    async def close() -> None:
        for task in list(tasks):
            task.cancel()
        await connection.close()

    return close
