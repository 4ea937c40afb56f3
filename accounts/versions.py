"""Change versions shared by every process on one database (issue 17).

A process keeps a read cache in memory (the expert list and records, ``READ_CACHE_SECONDS``). Another
process's change must empty it before the next request: every unit of work that commits a change bumps the
``reads`` version row in the same transaction (``bump_reads``, a before-commit step wired in
``app/wiring.py``), and a cached read first reads that row (one indexed read) and serves only answers cached
under the same version (``core.api.read_cache_key``). The row is the truth: a change committed before a
request began is seen by that request, whichever process made it.

What else a process keeps follows the database on its own: the relationship graph reads the change log
(``conflicts.live``) at each request, tokens and their revocation are read at each request
(``accounts.services.principal_for``), daily jobs claim a unique ``JobRun`` row, draws and the record's
chain take their turn in the database (``core.locks``).
"""

from __future__ import annotations

from accounts.tables import ChangeVersion
from core.api import READ_VERSION
from core.uow import UnitOfWork

READS = "reads"
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
    await bump(READS)
