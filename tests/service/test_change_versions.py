"""The change version (accounts/versions.py, issue 17): a unit of work that changes something bumps it in its
own transaction, one that rolls back or changes nothing leaves it; on PostgreSQL the commit also notifies every
listener (the hint on which a process brings its graph up to date)."""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass

import pytest

from accounts import versions
from core.uow import MessageBus, emit, unit_of_work
from tests.support.database import on_postgres


@dataclass(frozen=True)
class Changed:
    n: int


def _bus() -> MessageBus:
    bus = MessageBus()
    bus.before_commit(versions.bump_reads)
    return bus


def test_a_committed_change_bumps_the_read_version_and_a_rolled_back_one_does_not():
    async def go() -> tuple[int, int, int, int]:
        bus = _bus()
        start = await versions.current()
        async with unit_of_work(bus=bus):
            emit(Changed(1))
        after_change = await versions.current()
        with pytest.raises(RuntimeError):
            async with unit_of_work(bus=bus):
                emit(Changed(2))
                raise RuntimeError("refused")
        after_rollback = await versions.current()
        async with unit_of_work(bus=bus):
            pass  # nothing changed, nobody acting: nothing to forget
        return start, after_change, after_rollback, await versions.current()

    start, after_change, after_rollback, after_nothing = asyncio.run(go())
    assert after_change == start + 1 and after_rollback == after_change and after_nothing == after_change


@pytest.mark.skipif(not on_postgres(), reason="LISTEN/NOTIFY is PostgreSQL's")
def test_a_commit_notifies_the_listeners_on_postgresql():
    async def go() -> int:
        heard = asyncio.Event()
        calls = []

        async def on_change() -> None:
            calls.append(await versions.current())
            heard.set()

        close = await versions.listen(on_change)
        assert close is not None
        try:
            async with unit_of_work(bus=_bus()):
                emit(Changed(1))
            await asyncio.wait_for(heard.wait(), timeout=30)
            return calls[0] - await versions.current()
        finally:
            await close()

    assert asyncio.run(go()) == 0  # called after the commit: the version it reads is the new one


@pytest.mark.skipif(not on_postgres(), reason="SQLite's write transaction already excludes every other writer")
def test_graph_change_ids_become_visible_in_their_order_on_postgresql():
    """A writer took id n of the change log and has not committed; a second writer must not commit n+1 before
    it: a process reading the log between the two commits would skip n for ever (conflicts.live.sync)."""
    from conflicts.live import note_change
    from conflicts.tables import GraphChange

    async def go() -> tuple[list[int], int]:
        seen: list[int] = []

        async def second_writer() -> None:
            async with unit_of_work(bus=MessageBus()):
                await note_change("order-test", 2)
            # right after this commit, what a reading process sees of the log up to this id
            seen.extend(r["id"] for r in await GraphChange.select(GraphChange.id).where(
                GraphChange.record_table == "order-test"))

        async with unit_of_work(bus=MessageBus()):
            await note_change("order-test", 1)
            second = asyncio.create_task(second_writer(), context=contextvars.Context())  # its own transaction
            await asyncio.wait({second}, timeout=1)  # the second writer would commit meanwhile without the turn
        await second
        first = await GraphChange.select(GraphChange.id).where(
            (GraphChange.record_table == "order-test") & (GraphChange.record_id == 1))
        return sorted(seen), first[0]["id"] if first else 0

    seen, first_id = asyncio.run(go())
    assert first_id in seen and first_id < max(seen)  # the earlier id was committed before the later one
