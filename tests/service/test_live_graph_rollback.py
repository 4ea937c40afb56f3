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


def test_a_check_asks_the_graph_whether_a_record_is_stored_and_a_rolled_back_one_is_not():
    """Issue 17: a one-candidate check asks the synced graph, not the database, whether the expert and the item
    are stored (records are never deleted). An expert and an item whose creation rolled back after the graph read
    them inside their unit are not known any more; asking about an unknown id adds nothing to the graph."""
    from datetime import date

    from decisions.tables import DecisionItem
    from registry.tables import Expert

    async def create(n: int) -> tuple[int, int]:
        expert = Expert(name=f"回滚专家{n}", gender="女", id_number_encrypted="x", id_number_digest=f"rollback-{n}",
                        id_number_masked="1101**********0000", phone_encrypted="x", phone_masked="138****0000",
                        sector="academia", created_at=NOW)
        await expert.save()
        item = DecisionItem(title=f"回滚事项{n}", opened_on=date(2026, 11, 1), created_at=NOW)
        await item.save()
        await note_change("expert", expert.id)
        await note_change("item", item.id)
        return expert.id, item.id

    async def scenario() -> None:
        live = LiveGraph()
        await live.load()
        nodes = len(live.graph._nodes)
        assert not live.knows("expert", 987_654) and not live.knows("item", 987_654)
        assert len(live.graph._nodes) == nodes  # asking made no node
        with pytest.raises(Refused):
            async with unit_of_work():
                expert_id, item_id = await create(1)
                await live.sync()
                assert live.knows("expert", expert_id) and live.knows("item", item_id)  # read inside the unit
                raise Refused
        assert not live.knows("expert", expert_id) and not live.knows("item", item_id)
        async with unit_of_work():
            kept = await create(2)  # may reuse the rolled-back ids on SQLite
        await live.sync()
        assert live.knows("expert", kept[0]) and live.knows("item", kept[1])

    asyncio.run(scenario())
