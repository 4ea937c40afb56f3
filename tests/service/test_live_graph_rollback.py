"""The live graph reads its own unit of work's uncommitted change rows (to match names against an institution
registered a moment ago); when that unit rolls back, the graph forgets what it read, and a change row that
reuses the rolled-back id is still applied."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import date, datetime, timezone

import pytest

from conflicts.live import LiveGraph, note_change
from conflicts.policy import Purpose
from conflicts.services import checks
from core.errors import NotFound
from core.uow import unit_of_work
from decisions.tables import DecisionItem
from registry.tables import Expert, Institution

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
                # read inside the unit, but not stored for anyone until it commits
                assert live.graph.knows(("expert", expert_id)) and not live.knows("expert", expert_id)
                raise Refused
        assert not live.knows("expert", expert_id) and not live.knows("item", item_id)
        async with unit_of_work():
            kept = await create(2)  # may reuse the rolled-back ids on SQLite
        await live.sync()
        assert live.knows("expert", kept[0]) and live.knows("item", kept[1])

    asyncio.run(scenario())


def test_a_record_read_only_by_its_uncommitted_unit_is_not_stored_for_anyone_else():
    """Registering an institution syncs the graph inside its unit of work (to match names against it): until that
    unit commits, a one-candidate check from another request of the same process answers 404, as the database
    does and as another process would; rolled back it stays unknown, committed it is known (issue 17)."""
    day = date(2026, 11, 24)

    async def check(live: LiveGraph, item_id: int, institution_id: int) -> str:
        await live.sync()
        try:
            return (await checks.check_candidate(live, item_id, "institution", institution_id, Purpose("argument"),
                                                 day)).status
        except NotFound:
            return "404"

    async def during(live: LiveGraph, item_id: int, name: str, commit: bool, elsewhere: bool = False
                     ) -> tuple[str, int]:
        seen: dict = {}
        inside, done = asyncio.Event(), asyncio.Event()

        async def another_request() -> None:
            await inside.wait()
            seen["answer"] = await check(live, item_id, seen["id"])
            done.set()

        if elsewhere:  # committed by another process: this unit's sync is the first to read it
            async with unit_of_work():
                seen["id"] = await _register(name)
        other = asyncio.get_running_loop().create_task(another_request(), context=contextvars.Context())
        try:
            async with unit_of_work():
                if not elsewhere:
                    seen["id"] = await _register(name)
                await live.sync()  # as conflicts.on_registry does
                inside.set()
                await done.wait()
                if not commit:
                    raise Refused
        except Refused:
            pass
        await other
        return seen["answer"], seen["id"]

    async def scenario() -> dict:
        item = DecisionItem(title="事项", opened_on=date(2026, 11, 1), created_at=NOW)
        await item.save()
        live = LiveGraph()
        await live.load()
        rolled_back, phantom = await during(live, item.id, "幻影大学", commit=False)
        phantom_after = await check(live, item.id, phantom)  # before SQLite may give its id to the next one
        committed, real = await during(live, item.id, "真实大学", commit=True)
        # one another process committed, first read by a unit's sync here: stored, the database says (no 404)
        arrived, _ = await during(live, item.id, "他处大学", commit=False, elsewhere=True)
        return {"rolled_back": rolled_back, "phantom_after": phantom_after, "committed": committed,
                "real_after": await check(live, item.id, real), "arrived": arrived}

    assert asyncio.run(scenario()) == {"rolled_back": "404", "phantom_after": "404", "committed": "404",
                                       "real_after": "clear", "arrived": "clear"}


def test_a_rolled_back_institution_leaves_no_place_under_its_parent():
    """An institution under an item's drafting unit, read inside its unit of work and rolled back: its edge to the
    parent goes with it, so no check names it (and none names a record a one-candidate check says is not stored)."""
    async def scenario() -> tuple:
        parent = Institution(name="承办局", kind="government", created_at=NOW)
        await parent.save()
        item = DecisionItem(title="事项", opened_on=date(2026, 11, 1), drafting_unit=parent.id, created_at=NOW)
        await item.save()
        live = LiveGraph()
        await live.load()
        with pytest.raises(Refused):
            async with unit_of_work():
                child = Institution(name="幻影下属中心", kind="public_institution", parent=parent.id, created_at=NOW)
                await child.save()
                await note_change("institution", child.id)
                await live.sync()
                assert live.edge(f"parent:{child.id}") is not None  # read inside the unit
                raise Refused
        await live.sync()
        named = {c.subject for p in Purpose for c in live.item_conflicts(item.id, p, date(2026, 11, 24))}
        return child.id, live.edge(f"parent:{child.id}"), named

    phantom, edge, named = asyncio.run(scenario())
    assert edge is None and ("institution", phantom) not in named
