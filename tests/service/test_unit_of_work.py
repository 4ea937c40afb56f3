"""The unit of work (core/uow.py) on a real database: one transaction, its events handled inside it
before the commit, nested units joining the outer one, after-commit callbacks only after a commit.

The rows written are graph change-log rows (a table with no foreign keys) under a tag of their own."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest

from conflicts.tables import GraphChange
from core.uow import MessageBus, emit, in_unit_of_work, unit_of_work

TAG = "uow-test"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Noted:
    record_id: int


@dataclass(frozen=True)
class FollowedUp:
    record_id: int


class Refused(Exception):
    pass


async def note(record_id: int, tag: str = TAG) -> None:
    await GraphChange.insert(GraphChange(record_table=tag, record_id=record_id, created_at=NOW))


async def noted(tag: str = TAG) -> list[int]:
    rows = await GraphChange.select(GraphChange.record_id).where(GraphChange.record_table == tag)
    return sorted(row["record_id"] for row in rows)


@pytest.fixture(autouse=True)
def _no_rows_of_earlier_tests() -> None:
    asyncio.run(GraphChange.delete(force=True).run())


def test_handlers_run_inside_the_emitting_transaction_before_it_commits() -> None:
    bus, seen = MessageBus(), []

    async def handler(event: Noted) -> None:
        seen.append(await noted())  # the uncommitted row is visible: same transaction
        await note(event.record_id + 100)

    bus.subscribe(Noted, handler)

    async def scenario() -> None:
        async with unit_of_work(bus=bus):
            await note(1)
            emit(Noted(1))
            assert seen == []  # handlers wait for the end of the unit

    asyncio.run(scenario())
    assert seen == [[1]]
    assert asyncio.run(noted()) == [1, 101]


def test_a_failing_handler_rolls_the_whole_change_back() -> None:
    bus = MessageBus()

    async def refuse(event: Noted) -> None:
        await note(999)
        raise Refused

    bus.subscribe(Noted, refuse)

    async def scenario() -> None:
        async with unit_of_work(bus=bus):
            await note(1)
            emit(Noted(1))

    with pytest.raises(Refused):
        asyncio.run(scenario())
    assert asyncio.run(noted()) == []


def test_events_emitted_by_handlers_are_handled_in_the_same_unit() -> None:
    bus = MessageBus()

    async def follow_up(event: Noted) -> None:
        emit(FollowedUp(event.record_id))

    async def store(event: FollowedUp) -> None:
        await note(event.record_id + 100)

    bus.subscribe(Noted, follow_up)
    bus.subscribe(FollowedUp, store)

    async def scenario() -> list[Any]:
        async with unit_of_work(bus=bus) as uow:
            emit(Noted(1))
        return uow.events

    assert asyncio.run(scenario()) == [Noted(1), FollowedUp(1)]
    assert asyncio.run(noted()) == [101]


def test_a_nested_unit_joins_the_outer_one() -> None:
    bus, handled = MessageBus(), []

    async def handler(event: Noted) -> None:
        handled.append(event)

    bus.subscribe(Noted, handler)

    async def scenario(fail_after_inner: bool) -> None:
        async with unit_of_work(bus=bus) as outer:
            async with unit_of_work() as inner:  # a service called by another service
                assert inner is outer
                await note(1)
                emit(Noted(1))
            assert handled == []  # the inner unit's end is not a commit
            if fail_after_inner:
                raise Refused

    with pytest.raises(Refused):
        asyncio.run(scenario(fail_after_inner=True))
    assert asyncio.run(noted()) == [] and handled == []  # the inner unit's write went with the outer

    asyncio.run(scenario(fail_after_inner=False))
    assert asyncio.run(noted()) == [1] and handled == [Noted(1)]


def test_after_commit_callbacks_run_after_the_commit_and_only_then() -> None:
    bus, calls = MessageBus(), []

    async def after_commit(events: list[Any]) -> None:
        calls.append((events, in_unit_of_work(), await noted()))

    bus.after_commit(after_commit)

    async def scenario(fail: bool) -> None:
        async with unit_of_work(bus=bus):
            await note(1)
            emit(Noted(1))
            if fail:
                raise Refused

    with pytest.raises(Refused):
        asyncio.run(scenario(fail=True))
    assert calls == []
    asyncio.run(scenario(fail=False))
    assert calls == [([Noted(1)], False, [1])]  # outside the unit, the row already committed


def test_emit_outside_a_unit_of_work_raises() -> None:
    with pytest.raises(RuntimeError, match="Noted emitted outside a unit of work"):
        emit(Noted(1))
