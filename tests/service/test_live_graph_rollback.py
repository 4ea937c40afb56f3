"""The live graph reads its own unit of work's uncommitted change rows (to match names against an institution
registered a moment ago); when that unit rolls back, the graph forgets what it read, and a change row that
reuses the rolled-back id is still applied."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from conflicts.live import LiveGraph, note_change
from core.uow import unit_of_work
from registry.tables import Institution

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


class Refused(Exception):
    pass


async def _register(name: str) -> int:
    row = Institution(name=name, kind="university", created_at=NOW)
    await row.save()
    await note_change("institution", row.id)
    return row.id


def test_a_rolled_back_registration_leaves_no_trace_in_the_graph():
    async def scenario() -> None:
        live = LiveGraph()
        await live.load()
        cursor = live.cursor
        with pytest.raises(Refused):
            async with unit_of_work():
                phantom = await _register("幻影理工大学")
                await live.sync()
                assert live.matcher.match("幻影理工大学").institution_id == phantom  # read inside the unit
                raise Refused
        assert live.matcher.match("幻影理工大学").institution_id is None
        assert live.cursor == cursor
        async with unit_of_work():
            real = await _register("真实理工大学")  # may reuse the rolled-back ids on SQLite
        await live.sync()
        assert live.matcher.match("真实理工大学").institution_id == real

    asyncio.run(scenario())
