"""Linking names typed as free text to canonical institutions, and queueing the unsure ones."""

from __future__ import annotations

from conflicts.live import LiveGraph, live_graph, note_change
from conflicts.names import MatchStatus
from conflicts.tables import NameMatchTask
from registry.tables import Employment


async def queue_match(live: LiveGraph, source: str, record_id: int, text: str, match) -> NameMatchTask:
    candidates = [{"institution_id": i, "name": live.graph.name(("institution", i)), "score": round(score, 1)}
                  for i, score in (match.alternatives or ((match.institution_id, match.score),)) if i is not None]
    task = NameMatchTask(source=source, record_id=record_id, text=text, candidates=candidates)
    await task.save()
    return task


async def link_employments(rows: list[Employment]) -> None:
    """Employers typed as free text: a sure match links, an unsure one waits in the queue and counts as
    a possible conflict. Call inside the writer's transaction, after the rows are saved."""
    live = live_graph()
    for row in rows:
        if row.institution is None:
            match = live.matcher.match(row.employer_name)
            if match.status == MatchStatus.SURE:
                row.institution = match.institution_id
                await row.save([Employment.institution])
            else:
                await queue_match(live, "employment", row.id, row.employer_name, match)
        await note_change("employment", row.id)
