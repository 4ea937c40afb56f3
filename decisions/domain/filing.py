"""Filing the full-process record (全过程记录归档) after a decision (R-REC-3). Pure.

The record is filed within 10 working days after the decision is issued (the decision date does not count;
the office's entered calendars and 调休 do). From the 7th of those working days until it is filed, the drafting
unit is reminded once a day; once the 10th has passed (overdue), the office is told too. Filing is a step of
its own: only after the decision, and only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from decisions.domain.workdays import NO_SCHEDULES, Schedules, add_working_days, working_days_between

FILING_WORKING_DAYS = 10
REMIND_FROM_WORKING_DAY = 7
RULE = "R-REC-3"

# Filing status of an item
NOT_DECIDED, DUE, OVERDUE, FILED_ON_TIME, FILED_LATE = "not_decided", "due", "overdue", "filed_on_time", "filed_late"
STATUS_LABELS = {NOT_DECIDED: "尚未作出决策", DUE: "待归档", OVERDUE: "逾期未归档", FILED_ON_TIME: "按期归档",
                 FILED_LATE: "逾期归档"}
# States in which there is no decision yet to file (decisions.domain.lifecycle)
BEFORE_DECISION = frozenset({"drafting", "under_argument", "under_risk_assessment"})


def filing_due(decided_on: date, schedules: Schedules = NO_SCHEDULES) -> date:
    """R-REC-3: the record is filed within 10 working days after the decision is issued; this is the
    last of those days (official calendar, with 调休; ``schedules``: the years the office entered)."""
    return add_working_days(decided_on, FILING_WORKING_DAYS, schedules).day


def reminders_start(decided_on: date, schedules: Schedules = NO_SCHEDULES) -> date:
    """The 7th working day after the decision: the first day the drafting unit is reminded."""
    return add_working_days(decided_on, REMIND_FROM_WORKING_DAY, schedules).day


def filing_reminder_due(decided_on: date, today: date, schedules: Schedules = NO_SCHEDULES) -> bool:
    """From the 7th working day after the decision on, the drafting unit is reminded to file the record
    (until it is filed: ``reminder_today``)."""
    return today >= reminders_start(decided_on, schedules)


@dataclass(frozen=True)
class FilingStatus:
    status: str  # not_decided | due | overdue | filed_on_time | filed_late
    label: str
    due_on: date | None
    working_days_overdue: int  # working days past the due date (today, or the filing day when filed late)
    rule_id: str = RULE


def filing_status(decided_on: date | None, today: date, filed_on: date | None,
                  schedules: Schedules = NO_SCHEDULES) -> FilingStatus:
    """Where the item's filing stands on ``today``."""
    if decided_on is None:
        return FilingStatus(NOT_DECIDED, STATUS_LABELS[NOT_DECIDED], None, 0)
    due = filing_due(decided_on, schedules)
    if filed_on is not None:
        late = working_days_between(due, filed_on, schedules) if filed_on > due else 0
        status = FILED_LATE if filed_on > due else FILED_ON_TIME
        return FilingStatus(status, STATUS_LABELS[status], due, late)
    if today > due:
        return FilingStatus(OVERDUE, STATUS_LABELS[OVERDUE], due, working_days_between(due, today, schedules))
    return FilingStatus(DUE, STATUS_LABELS[DUE], due, 0)


@dataclass(frozen=True)
class Reminder:
    """Whom to remind today: the drafting unit from the 7th working day, the office too once overdue."""

    unit: bool
    office: bool
    reason: str
    rule_id: str = RULE


def reminder_today(decided_on: date | None, today: date, filed_on: date | None, last_reminded_on: date | None = None,
                   schedules: Schedules = NO_SCHEDULES) -> Reminder:
    """R-REC-3: remind today? Never before the decision, after filing, or a second time the same day."""
    if decided_on is None:
        return Reminder(False, False, "尚未作出决策")
    if filed_on is not None:
        return Reminder(False, False, f"已于 {filed_on} 归档")
    if last_reminded_on is not None and last_reminded_on >= today:
        return Reminder(False, False, f"{today} 已提醒过")
    start = reminders_start(decided_on, schedules)
    if today < start:
        return Reminder(False, False, f"自 {start}（决策后第 {REMIND_FROM_WORKING_DAY} 个工作日）起提醒")
    due = filing_due(decided_on, schedules)
    if today > due:
        late = working_days_between(due, today, schedules)
        return Reminder(True, True, f"应于 {due} 前归档，已逾期 {late} 个工作日")
    return Reminder(True, False, f"应于 {due} 前归档")


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str
    rule_id: str = RULE


def filing_problem(state: str, decided_on: date | None, filed_on: date | None) -> Problem | None:
    """Why the record cannot be filed now (a 409: a step out of order), or None."""
    if filed_on is not None:
        return Problem("item_id", f"该事项的全过程记录已于 {filed_on} 归档，不能重复归档")
    if state in BEFORE_DECISION or decided_on is None:
        return Problem("item_id", "事项尚未作出决策：作出决策（decided，填写决策日期和文号）后方可归档全过程记录")
    return None


def due_within(status: str, due_on: date | None, today: date, days: int, schedules: Schedules = NO_SCHEDULES) -> bool:
    """Unfiled and due within ``days`` working days from ``today`` (due today: 0; overdue items are the overdue
    list's)."""
    if status != DUE or due_on is None or due_on < today:
        return False
    return working_days_between(today, due_on, schedules) <= days
