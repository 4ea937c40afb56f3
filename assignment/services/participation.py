"""An expert's year on panels, for the annual review (年度考核, R-POOL-6): invitations, answers and
written opinions. The registry's review receives this function through the application's wiring."""

from __future__ import annotations

from collections import Counter
from datetime import date

from assignment.domain.membership import member_deadline, opinion_status
from assignment.tables import Invitation

FIGURES = ("invitations", "accepted", "declined", "expired", "opinions_on_time", "opinions_late", "opinions_missing")


async def participation(expert_id: int, year: int, today: date) -> dict[str, int]:
    """Invitations and opinions of one expert in a year, for the annual review (R-POOL-6); an opinion is on time
    or late against the member's own study deadline (a replacement's may be later than the request's)."""
    rows = await Invitation.select(Invitation.status, Invitation.opinion_submitted_on, Invitation.request.deadline,
                                   Invitation.deadline, Invitation.created_at).where(
        (Invitation.subject_kind == "expert") & (Invitation.subject_id == expert_id))
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
