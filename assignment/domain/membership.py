"""Being on a panel: workload caps, answering an invitation, written opinions, and the modes of
argument (R-PANEL-5): 论证会 meeting, 书面论证 individual opinions, 论证小组 a group whose leader (组长)
writes the report."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from core.errors import FieldError
from decisions.domain.workdays import NO_SCHEDULES, Schedules, add_working_days

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
        return (f"已在 {active} 个进行中的论证组中（上限 {max_active} 个），本年度已参加 {this_year} 个"
                f"（上限 {max_per_year} 个）")
    return None


# --- a replacement's study time (R-PANEL-4) ------------------------------------------------------------
STUDY_WORKING_DAYS = 7  # R-PANEL-4, as assignment.domain.requests


def member_deadline(own: date | None, request_deadline: date) -> date:
    """A member's study deadline: their own (a replacement's may be later), else the request's."""
    return own or request_deadline


def replacement_deadline(request_deadline: date, today: date, deadline_fixed: bool,
                         schedules: Schedules = NO_SCHEDULES) -> tuple[date | None, bool, str]:
    """R-PANEL-4: a replacement invited today still has 7 working days of study (the material is handed
    over with the invitation). Their deadline is the request's when that leaves 7 working days, else it
    moves to the 7th working day after today. When the office has configured that deadlines cannot move
    (``deadline_fixed``), a replacement who would have less is not invited: (None, provisional, why).
    Returns (the member's deadline, whether the count ran into a year without a published calendar, why none)."""
    earliest = add_working_days(today, STUDY_WORKING_DAYS, schedules)
    if earliest.day <= request_deadline:
        return request_deadline, False, ""
    if deadline_fixed:
        return None, earliest.provisional, (
            f"替补专家须有 {STUDY_WORKING_DAYS} 个工作日研究材料：今日（{today}）起算最早至 {earliest.day}，"
            f"晚于研究期限 {request_deadline}，而政策法规处设定研究期限不得顺延，故无法替补")
    return earliest.day, earliest.provisional, ""


def latest_deadline(deadlines: Iterable[date], request_deadline: date) -> date:
    """The latest study deadline of the members (the request's when none moved)."""
    return max([request_deadline, *deadlines])


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


def leader_report_problem(mode: str, leader_status: str | None = "accepted") -> FieldError | None:
    """R-PANEL-5: only a group has a leader's report, and only a leader who accepted writes it.
    ``leader_status``: the status of the current leader's invitation (None: the group has no leader now)."""
    if not has_leader(mode):
        return FieldError("mode", "只有论证小组（group）方式才有组长报告", "R-PANEL-5")
    if leader_status is None:
        return FieldError("leader", "本论证小组目前没有组长：请在已接受邀请的成员中指定组长", "R-PANEL-5")
    if leader_status != "accepted":
        return FieldError("leader", f"组长尚未接受邀请（当前状态：{_STATUS_ZH.get(leader_status, leader_status)}），"
                                    "不能提交组长报告", "R-PANEL-5")
    return None


def request_leader_problem(mode: str, leader_id: int | None, named_out_of_pool: Sequence[int]) -> FieldError | None:
    """R-PANEL-5 at the request: the unit may name the leader only in group mode and only among the
    out-of-pool members it names (the drawn members are not known before the draw); otherwise 422."""
    if leader_id is None:
        return None
    if not has_leader(mode):
        return FieldError("leader_id", "只有论证小组（group）方式才有组长", "R-PANEL-5")
    if leader_id not in named_out_of_pool:
        return FieldError("leader_id", f"专家 {leader_id} 不是本请求的成员：请求时只能在所列库外专家中指定组长；"
                                       "抽取后可在已接受邀请的成员中指定", "R-PANEL-5")
    return None


def naming_leader_problem(mode: str, expert_id: int, member_statuses: dict[int, str], report_submitted: bool
                          ) -> tuple[str, FieldError] | None:
    """R-PANEL-5: the unit names the group leader among the members who accepted. Returns the kind of
    refusal ('invalid' → 422, 'conflict' → 409) and the problem, or None. ``member_statuses``: each
    member's (current) invitation status in this request."""
    if not has_leader(mode):
        return "conflict", FieldError("mode", "只有论证小组（group）方式才有组长", "R-PANEL-5")
    if expert_id not in member_statuses:
        return "invalid", FieldError("expert_id", f"专家 {expert_id} 不是本论证组的成员", "R-PANEL-5")
    status = member_statuses[expert_id]
    if status != "accepted":
        return "conflict", FieldError("expert_id", f"组长须已接受邀请；该成员的邀请状态为"
                                                   f"{_STATUS_ZH.get(status, status)}", "R-PANEL-5")
    if report_submitted:
        return "conflict", FieldError("expert_id", "组长报告已提交，不能更换组长", "R-PANEL-5")
    return None


_STATUS_ZH = {"pending": "待答复", "accepted": "已接受", "declined": "已谢绝", "expired": "逾期未答复",
              "awaiting_approval": "待政策法规处批准", "refused": "未获批准", "withdrawn": "已撤回"}


def status_zh(status: str) -> str:
    """An invitation's status as a reader sees it."""
    return _STATUS_ZH.get(status, status)


def leader_report_status(mode: str, submitted: date | None, deadline: date, today: date) -> str:
    return opinion_status(submitted, deadline, today) if has_leader(mode) else "not_applicable"


# --- answers and opinions --------------------------------------------------------------------------
def answer_problem(status: str) -> FieldError | None:
    """An invitation is answered once; an out-of-pool one only after the office approved it (R-PANEL-3)."""
    if status == "awaiting_approval":
        return FieldError("id", "该邀请待政策法规处批准库外专家后才能答复", "R-PANEL-3")
    return None if status == "pending" else FieldError("id", f"该邀请已处理（当前状态：{status_zh(status)}）")


def opinion_status(submitted: date | None, deadline: date, today: date) -> str:
    """on_time or late once submitted; missing after the deadline; pending before it."""
    if submitted is not None:
        return "on_time" if submitted <= deadline else "late"
    return "missing" if today > deadline else "pending"


def submission_problem(submitted_on: date, today: date) -> FieldError | None:
    return FieldError("submitted_on", "不能晚于今天") if submitted_on > today else None
