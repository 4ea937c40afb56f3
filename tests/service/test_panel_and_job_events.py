"""Panel and job events on a real database, through the application's wiring (no app): the drafting
unit's notices of a draw or a replacement (notifications/on_assignment.py) and the record of a job
run (accounts/handlers.py) are written in the emitting transaction, or not at all."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

import pytest

from accounts.tables import AuditEvent
from app.wiring import wire
from assignment.events import MemberReplaced, PanelDrawn
from assignment.tables import PanelRequest
from core.uow import MessageBus, emit, unit_of_work
from decisions.tables import DecisionItem
from notifications.events import JobRan
from notifications.tables import Outbox
from registry.tables import Institution
from tests.service.test_unit_of_work import Refused

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def wired_bus() -> MessageBus:
    return wire(bus=MessageBus())


async def _panel_request() -> tuple[int, int]:
    """A drafting unit and one of its panel requests."""
    unit = Institution(name="某市司法局", kind="government", created_at=NOW)
    await unit.save()
    item = DecisionItem(title="某市停车收费调整", drafting_unit=unit.id, opened_on=date(2026, 11, 1), created_at=NOW)
    await item.save()
    request = PanelRequest(item=item.id, subject_kind="expert", purpose="argument", mode="meeting", size=5,
                           handover_on=date(2026, 11, 24), deadline=date(2026, 12, 3), constraints={},
                           requested_by="test", created_at=NOW)
    await request.save()
    return unit.id, request.id


async def _emit(bus: MessageBus, event: object) -> None:
    async with unit_of_work(bus=bus):
        emit(event)


async def _unit_notices(unit_id: int) -> list[tuple[str, str]]:
    rows = await Outbox.select(Outbox.template, Outbox.dedupe_key).where(Outbox.recipient == f"unit:{unit_id}")
    return sorted((r["template"], r["dedupe_key"].split("|")[0]) for r in rows)


async def _refuse(_event: object) -> None:  # subscribed after the wired handlers: runs last
    raise Refused


def test_the_drafting_unit_hears_of_the_draw_and_the_replacement_in_the_same_transaction(wired_bus):
    unit_id, request_id = asyncio.run(_panel_request())
    asyncio.run(_emit(wired_bus, PanelDrawn(request_id, 1, 5, "42", NOW)))
    asyncio.run(_emit(wired_bus, MemberReplaced(request_id, 2, "张三", "李四", "张三 declined: 出差", NOW)))
    assert asyncio.run(_unit_notices(unit_id)) == [("panel_drawn", f"panel-drawn:{request_id}"),
                                                   ("replacement", "replacement:2")]

    wired_bus.subscribe(MemberReplaced, _refuse)
    with pytest.raises(Refused):
        asyncio.run(_emit(wired_bus, MemberReplaced(request_id, 3, "李四", "王五", "李四 declined: 生病", NOW)))
    assert len(asyncio.run(_unit_notices(unit_id))) == 2  # the notice went with the refused change


def test_a_job_run_becomes_an_event_of_the_record_in_the_same_transaction(wired_bus):
    async def recorded() -> list[dict]:
        return await AuditEvent.select(AuditEvent.actor, AuditEvent.action, AuditEvent.data).where(
            AuditEvent.action == "job record_filing").output(load_json=True)

    ran = JobRan("record_filing", "决策作出后10个工作日提醒承办单位归档全过程记录 (R-REC-3)", "process-a",
                 date(2026, 11, 30), {"reminded": 1}, NOW)
    asyncio.run(_emit(wired_bus, ran))
    [event] = asyncio.run(recorded())
    assert event["actor"] == "scheduler:process-a" and event["action"] == "job record_filing"
    assert event["data"]["request"] == {"day": "2026-11-30", "result": {"reminded": 1}}
    assert [e["event"] for e in event["data"]["events"]] == ["JobRan"]

    wired_bus.subscribe(JobRan, _refuse)
    with pytest.raises(Refused):
        asyncio.run(_emit(wired_bus, ran))
    assert len(asyncio.run(recorded())) == 1
