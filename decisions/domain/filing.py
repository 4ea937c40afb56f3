"""Filing the full-process record (全过程记录归档) after a decision (R-REC-3). Pure."""

from __future__ import annotations

from datetime import date

from decisions.domain.workdays import NO_SCHEDULES, Schedules, add_working_days

FILING_WORKING_DAYS = 10


def filing_due(decided_on: date, schedules: Schedules = NO_SCHEDULES) -> date:
    """R-REC-3: the record is filed within 10 working days after the decision is issued; this is the
    last of those days (official calendar, with 调休; ``schedules``: the years the office entered)."""
    return add_working_days(decided_on, FILING_WORKING_DAYS, schedules).day


def filing_reminder_due(decided_on: date, today: date, schedules: Schedules = NO_SCHEDULES) -> bool:
    """From the last filing day on, the drafting unit is reminded to file the record."""
    return today >= filing_due(decided_on, schedules)
