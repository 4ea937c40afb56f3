"""Chinese working days (工作日) for the decision procedure's deadlines: the experts' study time
(R-PANEL-4), filing the full record (R-REC-3).

The official calendar, with holidays and adjusted working weekends (调休), comes from
``chinesecalendar``. Its data ends with the last year the State Council has published. For a later
year we do not guess silently: weekdays count as working days except the fixed-date statutory
holidays (元旦, 劳动节, 国庆节 1-3), and every answer says the calendar is provisional so the
office can check it once the year's schedule is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar

FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}  # 全国年节及纪念日放假办法, fixed dates only


@cache
def calendar_known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def is_working_day(day: date) -> bool:
    if calendar_known(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


@dataclass(frozen=True)
class WorkingDayCount:
    day: date
    provisional: bool  # some day counted lies in a year without a published holiday schedule


def add_working_days(start: date, days: int) -> WorkingDayCount:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    day, counted, provisional = start, 0, False
    while counted < days:
        day += timedelta(days=1)
        provisional |= not calendar_known(day.year)
        if is_working_day(day):
            counted += 1
    return WorkingDayCount(day, provisional)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    day, counted = start, 0
    while day < end:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return counted
