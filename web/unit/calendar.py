"""The study deadline on a small calendar (R-PANEL-4): the months from the hand-over to the deadline, each day
marked working or not by the office's work calendars (``decisions.calendars``), the hand-over and the deadline
highlighted. Only presentation: which days are working days is ``decisions.domain.workdays``' answer."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from decisions.calendars import load_schedules
from decisions.domain.workdays import holiday_name, is_working_day

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


@dataclass
class Day:
    day: date | None  # None: a blank cell before the first or after the last day of the month
    working: bool = False
    holiday: str = ""
    mark: str = ""  # handover | deadline | study (a working day of the study period) | ""


@dataclass
class Month:
    title: str
    weeks: list[list[Day]]


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month) and len(months) < 4:  # a deadline is weeks away, never years
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


async def study_calendar(handover: date, deadline: date) -> list[Month]:
    schedules = await load_schedules()
    out = []
    for year, month in _months(handover, max(deadline, handover)):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(Day(None))
                    continue
                working = is_working_day(d, schedules)
                mark = ("handover" if d == handover else "deadline" if d == deadline
                        else "study" if handover < d < deadline and working else "")
                row.append(Day(d, working, holiday_name(d, schedules) or "", mark))
            weeks.append(row)
        out.append(Month(f"{year}年{month}月", weeks))
    return out
