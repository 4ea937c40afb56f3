"""An expert's year on panels, for the annual review (年度考核, R-POOL-6): invitations, answers and
written opinions. The registry's review receives these functions through the application's wiring:
``participation`` for one expert (the API), ``participation_of`` for a batch (the annual job, issue 17)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from assignment.domain.membership import member_deadline, opinion_status
from assignment.tables import Invitation
from core.records import rows_within

FIGURES = ("invitations", "accepted", "declined", "expired", "opinions_on_time", "opinions_late", "opinions_missing")


def _query():
    return Invitation.select(Invitation.subject_id, Invitation.status, Invitation.opinion_submitted_on,
                             Invitation.request.deadline, Invitation.deadline, Invitation.created_at).where(
        Invitation.subject_kind == "expert")


def count(rows: list[dict], year: int, today: date) -> dict[str, int]:
    """The figures of one expert's invitations; an opinion is on time or late against the member's own study
    deadline (a replacement's may be later than the request's)."""
    figures: Counter[str] = Counter()
    for r in rows:
        if r["created_at"].year != year:
            continue
        figures["invitations"] += 1
        figures[r["status"]] += 1
        if r["status"] == "accepted":
            own = member_deadline(r["deadline"], r["request.deadline"])  # R-PANEL-4: the member's own deadline
            figures["opinions_" + opinion_status(r["opinion_submitted_on"], own, today)] += 1
    return {k: figures.get(k, 0) for k in FIGURES}


async def participation(expert_id: int, year: int, today: date) -> dict[str, int]:
    """Invitations and opinions of one expert in a year, for the annual review (R-POOL-6)."""
    return count(await _query().where(Invitation.subject_id == expert_id), year, today)


async def participation_of(expert_ids: list[int], year: int, today: date) -> dict[int, dict[str, int]]:
    """The same figures for many experts, read in one query (issue 17: the annual job's batches)."""
    by_expert: dict[int, list[dict]] = {i: [] for i in expert_ids}
    for r in await rows_within(_query(), Invitation.subject_id, expert_ids):
        by_expert[r["subject_id"]].append(r)
    return {i: count(rows, year, today) for i, rows in by_expert.items()}
