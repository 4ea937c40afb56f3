"""Being on a panel: workload caps, answering an invitation, written opinions, and the modes of
argument (R-PANEL-5): 论证会 meeting, 书面论证 individual opinions, 论证小组 a group whose leader (组长)
writes the report."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from core.errors import FieldError

MODES = ("meeting", "individual", "group")
ACTIVE = ("pending", "accepted")  # invitations that hold a seat


# --- workload --------------------------------------------------------------------------------------
def workload(invitations: Iterable[tuple[int, date, datetime]], day: date) -> tuple[Counter, Counter]:
    """From (expert, study deadline, invited at) of the active invitations: the panels each expert is
    on now (deadline not passed) and the panels of this calendar year."""
    now: Counter[int] = Counter()
    year: Counter[int] = Counter()
    for expert_id, deadline, invited_at in invitations:
        if deadline >= day:
            now[expert_id] += 1
        if invited_at.year == day.year:
            year[expert_id] += 1
    return now, year


def workload_problem(active: int, this_year: int, max_active: int, max_per_year: int) -> str | None:
    """An expert at either cap is not drawn."""
    if active >= max_active or this_year >= max_per_year:
        return f"on {active} active panels (limit {max_active}), {this_year} this year (limit {max_per_year})"
    return None


# --- modes (R-PANEL-5) -----------------------------------------------------------------------------
def has_leader(mode: str) -> bool:
    """R-PANEL-5: only a group has a leader, and only a group's leader writes a report."""
    return mode == "group"


def choose_leader(mode: str, members: Sequence[int], seed: int) -> int | None:
    """R-PANEL-5: a group's leader, drawn among all its members with the draw's seed (so a re-run of
    the recorded draw names the same leader)."""
    return random.Random(seed + 1).choice(members) if has_leader(mode) else None


def leader_after_replacement(leader: int | None, leaving: int, joining: int) -> int | None:
    """A leader who leaves is followed by the member replacing them."""
    return joining if leader == leaving else leader


def leader_report_problem(mode: str) -> FieldError | None:
    if has_leader(mode):
        return None
    return FieldError("mode", "only group mode has a leader's report (R-PANEL-5)", "R-PANEL-5")


def leader_report_status(mode: str, submitted: date | None, deadline: date, today: date) -> str:
    return opinion_status(submitted, deadline, today) if has_leader(mode) else "not_applicable"


# --- answers and opinions --------------------------------------------------------------------------
def answer_problem(status: str) -> FieldError | None:
    """An invitation is answered once; an out-of-pool one only after the office approved it (R-PANEL-3)."""
    if status == "awaiting_approval":
        return FieldError("id", "this invitation is awaiting_approval: the office has not approved the out-of-pool "
                                "addition yet (R-PANEL-3)", "R-PANEL-3")
    return None if status == "pending" else FieldError("id", f"this invitation is {status}")


def opinion_status(submitted: date | None, deadline: date, today: date) -> str:
    """on_time or late once submitted; missing after the deadline; pending before it."""
    if submitted is not None:
        return "on_time" if submitted <= deadline else "late"
    return "missing" if today > deadline else "pending"


def submission_problem(submitted_on: date, today: date) -> FieldError | None:
    return FieldError("submitted_on", "cannot be in the future") if submitted_on > today else None
