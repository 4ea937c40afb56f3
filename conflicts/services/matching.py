"""Names typed as free text (an employer, a relation's target) linked to canonical institutions; the
unsure ones wait in a queue (待确认) until a person confirms a candidate or rejects them all."""

from __future__ import annotations

from datetime import UTC, datetime

from conflicts import schemas as s
from conflicts.events import EmploymentLinked, EmploymentsLinked, NameMatchConfirmed, NameMatchRejected, NameRematched
from conflicts.live import LiveGraph
from conflicts.names import POSSIBLE_SCORE, Match, MatchStatus
from conflicts.services.actors import with_sent_name
from conflicts.services.views import task_out
from conflicts.tables import NameMatchTask
from conflicts.tables import Relation as RelationRow
from core.bulk import insert_many
from core.errors import Duplicate, FieldError, invalid
from core.records import get_or_404, stored
from core.schemas import Page
from core.uow import emit, unit_of_work, update_protected
from registry.tables import Employment, Institution


def _candidates(live: LiveGraph, match: Match) -> list[dict]:
    """Best first. Below ``names.POSSIBLE_SCORE`` they are suggestions for the office only: no edge."""
    return [{"institution_id": i, "name": live.graph.name(("institution", i)), "score": round(score, 1)}
            for i, score in (match.alternatives or ((match.institution_id, match.score),)) if i is not None]


async def queue_match(live: LiveGraph, source: str, record_id: int, text: str, match: Match) -> NameMatchTask:
    task = NameMatchTask(source=source, record_id=record_id, text=text, candidates=_candidates(live, match))
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


async def link_employments_many(live: LiveGraph, rows: list[dict]) -> None:
    """``link_employments`` for many employments entered together (an import, issue 16; rows with ``id``,
    ``institution`` and ``employer_name``): each name is matched once, the sure ones linked in one UPDATE per
    institution, the unsure ones queued in batched inserts, and one ``EmploymentsLinked`` announces them all."""
    matches: dict[str, Match] = {}
    linked: dict[int, list[int]] = {}
    tasks: list[dict] = []
    for row in rows:
        if row["institution"] is not None:
            continue
        text = row["employer_name"]
        match = matches[text] if text in matches else matches.setdefault(text, live.matcher.match(text))
        if match.status == MatchStatus.SURE and match.institution_id is not None:
            linked.setdefault(match.institution_id, []).append(row["id"])
        else:
            tasks.append({"source": "employment", "record_id": row["id"], "text": text,
                          "candidates": _candidates(live, match)})
    async with unit_of_work():
        for institution_id, ids in linked.items():
            for start in range(0, len(ids), 1000):
                await Employment.update({Employment.institution: institution_id}).where(
                    Employment.id.is_in(ids[start:start + 1000]))
        await insert_many(NameMatchTask, tasks)
        if rows:
            emit(EmploymentsLinked(tuple(row["id"] for row in rows)))


async def rematch_open_names(live: LiveGraph, institution_id: int) -> int:
    """An institution was registered or renamed: every name still waiting in the queue that its names
    now fit is matched again, in the same unit of work. A sure match links the record and closes the task
    (decided by ``system``); an unsure one replaces the candidates (a possible conflict from now on).
    ``live`` is synced: its matcher knows the institution's names as they are now. Returns how many
    tasks changed."""
    changed = 0
    for task in await NameMatchTask.select().where(NameMatchTask.status == "open").order_by(
            NameMatchTask.id).output(load_json=True):
        if live.matcher.score(task["text"], institution_id) < POSSIBLE_SCORE:
            continue  # the new names do not fit this one: its match cannot have changed
        match = live.matcher.match(task["text"])
        if match.status == MatchStatus.NONE:
            continue
        sure = match.status == MatchStatus.SURE
        if task["source"] == "employment":
            if sure:
                await Employment.update({Employment.institution: match.institution_id}).where(
                    Employment.id == task["record_id"])
        else:
            await update_protected(RelationRow, {RelationRow.target_id: match.institution_id,
                                                 RelationRow.confirmed: sure, RelationRow.match_score: match.score},
                                   RelationRow.id == task["record_id"])
        values: dict = {NameMatchTask.candidates: _candidates(live, match)}
        if sure:
            values.update({NameMatchTask.status: "confirmed", NameMatchTask.chosen_institution: match.institution_id,
                           NameMatchTask.decided_by: "system", NameMatchTask.decided_at: datetime.now(UTC),
                           NameMatchTask.note: "机构登记或更名后自动重新匹配"})
        await NameMatchTask.update(values).where(NameMatchTask.id == task["id"])
        emit(NameRematched(task["id"], task["source"], task["record_id"], match.institution_id, sure))
        changed += 1
    return changed


async def list_tasks(status: str | None, offset: int, limit: int) -> Page[s.TaskOut]:
    query = NameMatchTask.select().order_by(NameMatchTask.id).offset(offset).limit(limit).output(load_json=True)
    count = NameMatchTask.count()
    if status:
        query, count = query.where(NameMatchTask.status == status), count.where(NameMatchTask.status == status)
    return Page([task_out(t) for t in await query], await count, offset, limit)


async def _open_task(task_id: int) -> NameMatchTask:
    task = await get_or_404(NameMatchTask, task_id, "名称匹配任务")
    if task.status != "open":
        raise Duplicate("该匹配已处理", [FieldError("id", f"此匹配已由 {task.decided_by} 处理（{task.status}）")])
    return task


async def confirm_task(task_id: int, data: s.TaskConfirmIn, now: datetime, actor: str) -> dict:
    """``actor``: the login."""
    task = await _open_task(task_id)
    if not await Institution.exists().where(Institution.id == data.institution_id):
        raise invalid("institution_id", f"不存在 id 为 {data.institution_id} 的机构")
    async with unit_of_work():
        if task.source == "employment":
            await Employment.update({Employment.institution: data.institution_id}).where(
                Employment.id == task.record_id)
        else:
            await update_protected(RelationRow, {RelationRow.target_id: data.institution_id,
                                                 RelationRow.confirmed: True}, RelationRow.id == task.record_id)
        task.status, task.chosen_institution, task.decided_by, task.decided_at, task.note = (
            "confirmed", data.institution_id, actor, now, with_sent_name(data.note, actor, data.by))
        await task.save()
        emit(NameMatchConfirmed(task.id, task.source, task.record_id, data.institution_id))
    return await stored(NameMatchTask, task_id)


async def reject_task(task_id: int, data: s.TaskRejectIn, now: datetime, actor: str) -> dict:
    """None of the candidates is meant: the record stays as written, with no link and no edge."""
    task = await _open_task(task_id)
    async with unit_of_work():
        if task.source == "relation":
            await update_protected(RelationRow, {RelationRow.target_id: None, RelationRow.confirmed: False},
                                   RelationRow.id == task.record_id)
        task.status, task.decided_by, task.decided_at, task.note = (
            "rejected", actor, now, with_sent_name(data.note, actor, data.by))
        await task.save()
        emit(NameMatchRejected(task.id, task.source, task.record_id))
    return await stored(NameMatchTask, task_id)
