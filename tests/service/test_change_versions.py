"""The change version (accounts/versions.py, issue 17): a unit of work that changes something bumps it in its
own transaction, one that rolls back or changes nothing leaves it; on PostgreSQL the commit also notifies every
listener (the hint on which a process brings its graph up to date)."""

from __future__ import annotations

import asyncio
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
