"""Work calendars (issue 13): the office enters each year's official holiday schedule from the State Council's
notice; every working-day count reads the entered schedules (``load_schedules``) and hands them to the pure
count (``decisions.domain.workdays``). No HTTP here.

For callers elsewhere (panel deadlines, replacements, filing reminders)::

    schedules = await load_schedules()
    add_working_days(start, days, schedules)            # or: await count_working_days(start, days)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.errors import ErrorCollector
from core.locks import exclusive
from core.schemas import Page, clean
from core.uow import emit, save_protected, unit_of_work, update_protected
from decisions import schemas as s
from decisions.domain.workdays import (
    BASIS_LABELS,
    DayRange,
    Schedules,
    WorkingDayCount,
    YearSchedule,
    add_working_days,
    schedule_notes,
    schedule_problems,
    year_view,
)
from decisions.events import WorkCalendarEntered
from decisions.tables import WorkCalendar

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _ranges(stored: list[dict]) -> list[DayRange]:
    return [DayRange(date.fromisoformat(r["start"]), date.fromisoformat(r["end"]), r.get("name", "")) for r in stored]


def schedule_of(row: dict[str, Any]) -> YearSchedule:
    """A stored row (JSON decoded) as the pure count takes it."""
    holidays = frozenset(d for r in _ranges(row["holidays"]) for d in r.days())
    return YearSchedule(row["year"], holidays, frozenset(date.fromisoformat(d) for d in row["working_weekends"]),
                        row["source"])


async def load_schedules() -> Schedules:
    """Every entered year's schedule, by year (a few rows: one per year)."""
    rows = await WorkCalendar.select(WorkCalendar.year, WorkCalendar.holidays, WorkCalendar.working_weekends,
                                     WorkCalendar.source).output(load_json=True)
    return {row["year"]: schedule_of(row) for row in rows}


async def count_working_days(start: date, days: int) -> WorkingDayCount:
    """``add_working_days`` with the entered schedules loaded: the ``days``-th working day after ``start``."""
    return add_working_days(start, days, await load_schedules())


def _range_out(r: DayRange) -> s.DayRangeOut:
    return s.DayRangeOut(r.start, r.end, r.name, (r.end - r.start).days + 1)


def calendar_out(year: int, schedules: Schedules, row: dict[str, Any] | None = None) -> s.WorkCalendarOut:
    view = year_view(year, schedules)
    holidays = [_range_out(r) for r in (_ranges(row["holidays"]) if row else view.holidays)]
    out = s.WorkCalendarOut(year, view.basis, BASIS_LABELS[view.basis], view.provisional, holidays,
                            view.working_weekends, view.working_days, notes=list(view.notes))
    if row is not None:
        out.source, out.note, out.entered_by = row["source"], row["note"], row["entered_by"]
        out.entered_at, out.revision = row["entered_at"], row["revision"]
        out.working_weekends = sorted(date.fromisoformat(d) for d in row["working_weekends"])
        out.notes = schedule_notes(schedules[year])
    return out


def _year_problem(year: int, errors: ErrorCollector) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        errors.add("year", f"年份须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 之间")


async def _row(year: int) -> dict[str, Any] | None:
    return await WorkCalendar.select().where(WorkCalendar.year == year).output(load_json=True).first()


async def calendar_view(year: int) -> s.WorkCalendarOut:
    """The year's calendar from whichever source answers for it (entered, library, estimated)."""
    errors = ErrorCollector()
    _year_problem(year, errors)
    errors.raise_if_any("年份有误")
    return calendar_out(year, await load_schedules(), await _row(year))


async def list_calendars(offset: int, limit: int) -> Page[s.WorkCalendarOut]:
    """The years the office entered, in order."""
    total = await WorkCalendar.count()
    rows = await WorkCalendar.select().order_by(WorkCalendar.year).offset(offset).limit(limit).output(load_json=True)
    schedules = await load_schedules()
    return Page([calendar_out(r["year"], schedules, r) for r in rows], total, offset, limit)


async def enter_calendar(year: int, data: s.WorkCalendarIn, actor: str, now: datetime) -> s.WorkCalendarOut:
    """Enter (or correct) a year's official schedule. Refused (422, each field named) when a date is outside
    the year, a range runs backwards or past a month, a working weekend is not a Saturday or Sunday or is also
    listed as a holiday. Deadlines computed before keep their dates; every count from now on uses it."""
    ranges = [DayRange(h, h) if isinstance(h, date) else DayRange(h.start, h.end, clean(h.name))
              for h in data.holidays]
    errors = ErrorCollector()
    _year_problem(year, errors)
    errors.raise_if_any("放假安排有误")  # dates checked only inside a year the calendar can hold (schemathesis: 500)
    for problem in schedule_problems(year, ranges, list(data.working_weekends)):
        errors.add(problem.field, problem.reason, "R-PANEL-4")
    errors.raise_if_any("放假安排有误")
    holidays = [{"start": r.start.isoformat(), "end": r.end.isoformat(), "name": r.name}
                for r in sorted(ranges, key=lambda r: r.start)]
    weekends = sorted({d.isoformat() for d in data.working_weekends})
    source, note = clean(data.source), clean(data.note)
    # under the draw's lock: a deadline counted at the same moment uses the old schedule or the new one, whole
    async with unit_of_work(transaction_factory=exclusive):
        before = await _row(year)
        revision = before["revision"] + 1 if before else 1
        values: dict[Any, Any] = {
            WorkCalendar.holidays: holidays, WorkCalendar.working_weekends: weekends, WorkCalendar.source: source,
            WorkCalendar.note: note, WorkCalendar.entered_by: actor, WorkCalendar.entered_at: now,
            WorkCalendar.revision: revision}
        if before is None:
            await save_protected(WorkCalendar({**values, WorkCalendar.year: year}))
        else:
            await update_protected(WorkCalendar, values, WorkCalendar.year == year)
        previous = None if before is None else {k: before[k] for k in (
            "holidays", "working_weekends", "source", "entered_by", "revision")}
        emit(WorkCalendarEntered(year, source, holidays, weekends, revision, actor, previous))
    return await calendar_view(year)

