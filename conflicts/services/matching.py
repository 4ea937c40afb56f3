"""Names typed as free text (an employer, a relation's target) linked to canonical institutions; the
unsure ones wait in a queue (待确认) until a person confirms a candidate or rejects them all."""

from __future__ import annotations

from datetime import datetime

from conflicts import schemas as s
from conflicts.events import EmploymentLinked, NameMatchConfirmed, NameMatchRejected
from conflicts.live import LiveGraph
from conflicts.names import Match, MatchStatus
from conflicts.services.views import task_out
from conflicts.tables import NameMatchTask
from conflicts.tables import Relation as RelationRow
from core.errors import Duplicate, FieldError, invalid
from core.records import get_or_404, stored
from core.uow import emit, unit_of_work, update_protected
from registry.tables import Employment, Institution


async def queue_match(live: LiveGraph, source: str, record_id: int, text: str, match: Match) -> NameMatchTask:
    candidates = [{"institution_id": i, "name": live.graph.name(("institution", i)), "score": round(score, 1)}
                  for i, score in (match.alternatives or ((match.institution_id, match.score),)) if i is not None]
    task = NameMatchTask(source=source, record_id=record_id, text=text, candidates=candidates)
    await task.save()
    return task


async def link_employments(live: LiveGraph, rows: list[Employment]) -> None:
    """Employers typed as free text: a sure match links, an unsure one waits in the queue and counts as
    a possible conflict. Call in the writer's transaction, after the rows are saved, with ``live``
    synced (the institutions as they are now)."""
    async with unit_of_work():
        for row in rows:
            if row.institution is None:
                match = live.matcher.match(row.employer_name)
                if match.status == MatchStatus.SURE:
                    row.institution = match.institution_id
                    await row.save([Employment.institution])
                else:
                    await queue_match(live, "employment", row.id, row.employer_name, match)
            emit(EmploymentLinked(row.id))


async def list_tasks(status: str | None, offset: int, limit: int) -> list[s.TaskOut]:
    query = NameMatchTask.select().order_by(NameMatchTask.id).offset(offset).limit(limit).output(load_json=True)
    if status:
        query = query.where(NameMatchTask.status == status)
    return [task_out(t) for t in await query]


async def _open_task(task_id: int) -> NameMatchTask:
    task = await get_or_404(NameMatchTask, task_id, "name-match task")
    if task.status != "open":
        raise Duplicate("task already decided",
                        [FieldError("id", f"this match was {task.status} by {task.decided_by}")])
    return task


async def confirm_task(task_id: int, data: s.TaskConfirmIn, now: datetime) -> dict:
    task = await _open_task(task_id)
    if not await Institution.exists().where(Institution.id == data.institution_id):
        raise invalid("institution_id", f"no institution with id {data.institution_id}")
    async with unit_of_work():
        if task.source == "employment":
            await Employment.update({Employment.institution: data.institution_id}).where(
                Employment.id == task.record_id)
        else:
            await update_protected(RelationRow, {RelationRow.target_id: data.institution_id,
                                                 RelationRow.confirmed: True}, RelationRow.id == task.record_id)
        task.status, task.chosen_institution, task.decided_by, task.decided_at, task.note = (
            "confirmed", data.institution_id, data.by, now, data.note)
        await task.save()
        emit(NameMatchConfirmed(task.id, task.source, task.record_id, data.institution_id))
    return await stored(NameMatchTask, task_id)


async def reject_task(task_id: int, data: s.TaskRejectIn, now: datetime) -> dict:
    """None of the candidates is meant: the record stays as written, with no link and no edge."""
    task = await _open_task(task_id)
    async with unit_of_work():
        if task.source == "relation":
            await update_protected(RelationRow, {RelationRow.target_id: None, RelationRow.confirmed: False},
                                   RelationRow.id == task.record_id)
        task.status, task.decided_by, task.decided_at, task.note = "rejected", data.by, now, data.note
        await task.save()
        emit(NameMatchRejected(task.id, task.source, task.record_id))
    return await stored(NameMatchTask, task_id)
