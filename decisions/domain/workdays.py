"""Chinese working days (工作日) for the decision procedure's deadlines: the experts' study time
(R-PANEL-4), filing the full record (R-REC-3). Pure: the schedules the office entered come in as data.

Where a day's answer comes from, first match wins:

1. **entered** — the year's official schedule (放假安排) the office entered from the State Council's notice
   (``YearSchedule``: holidays, adjusted working weekends 调休上班日, the notice). A day the notice lists is
   what it says (a notice may list a day of the neighbouring year, e.g. 元旦 from 12-31); any other day of
   an entered year is a working day from Monday to Friday.
2. **library** — ``chinesecalendar``, which holds the published schedules up to its last year (2026).
3. **estimated** — a year neither knows: the statutory holidays (全国年节及纪念日放假办法, as revised in
   2024: 元旦 1, 春节 4 = 除夕 and 正月初一至初三, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆节 3) are taken from
   the lunar calendar (``lunardate``) and the solar terms, and count as days off; weekends are off. The
   notice later moves days around (调休) but keeps their number, so the estimate is close; every count that
   touches such a year says it is provisional (``WorkingDayCount.provisional``, ``estimated_years``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from chinese_calendar.constants import Holiday
from lunardate import LunarDate

BASIS_ENTERED, BASIS_LIBRARY, BASIS_ESTIMATED = "entered", "library", "estimated"
BASIS_LABELS = {BASIS_ENTERED: "已录入国务院放假通知", BASIS_LIBRARY: "chinesecalendar 已收录的官方安排",
                BASIS_ESTIMATED: "按农历估算（暂定）"}
NOTICE_SPILL_DAYS = 10  # a year's notice may list days this close to the year's ends (元旦 from 12-31)
MAX_RANGE_DAYS = 31


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule as the office entered it from the State Council's notice."""

    year: int
    holidays: frozenset[date]
    working_weekends: frozenset[date]
    source: str = ""


Schedules = Mapping[int, YearSchedule]  # by year
NO_SCHEDULES: Schedules = {}


@dataclass(frozen=True)
class WorkingDayCount:
    day: date
    provisional: bool  # some day counted lies in a year whose schedule is neither entered nor published
    estimated_years: tuple[int, ...] = ()  # those years: their statutory holidays were estimated

    @property
    def note(self) -> str:
        """Why the day is provisional, for the reader (empty when it is not)."""
        return provisional_note(self.estimated_years)


def provisional_note(years: Iterable[int]) -> str:
    years = sorted(set(years))
    if not years:
        return ""
    named = "、".join(f"{y} 年" for y in years)
    return (f"{named}的放假安排尚未录入：法定节假日（春节、清明、端午、中秋等）按农历估算，期限为暂定，"
            f"请在国务院发布放假通知后录入（PUT /work-calendars/{years[0]}）")


# --- the library ------------------------------------------------------------------------------------------
@cache
def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


calendar_known = library_knows  # the name callers used before issue 13

_CHINESE_NAMES = {h.value: h.chinese for h in Holiday}


def _library_holiday_name(day: date) -> str | None:
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return _CHINESE_NAMES.get(name, name) if on_holiday and name else None


# --- the estimate -------------------------------------------------------------------------------------------
@cache
def estimated_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of ``year`` (date → name), from the lunar calendar and the solar terms. A
    holiday that falls on another (中秋 on 10-01..03) moves to the next free day, as the notices do."""
    wanted: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    try:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        wanted += [(new_year + timedelta(days=n), "春节") for n in (-1, 0, 1, 2)]
        wanted += [(LunarDate(year, 5, 5).to_solar_date(), "端午"), (LunarDate(year, 8, 15).to_solar_date(), "中秋")]
    except ValueError:  # lunardate covers lunar years 1900-2099
        pass
    try:
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
        wanted += [(day, "清明") for day, name in terms if name == "清明"]
    except (ValueError, KeyError, NotImplementedError):
        wanted.append((date(year, 4, 5), "清明"))
    wanted += [(date(year, 5, 1), "劳动节"), (date(year, 5, 2), "劳动节")]
    wanted += [(date(year, 10, d), "国庆节") for d in (1, 2, 3)]
    found: dict[date, str] = {}
    for day, name in sorted(wanted, key=lambda dn: (dn[1] == "中秋", dn[0])):  # fixed dates first, then 中秋
        while day in found:
            day += timedelta(days=1)
        found[day] = name
    return dict(sorted(found.items()))


# --- one day ------------------------------------------------------------------------------------------------
def _listed(day: date, schedules: Schedules) -> bool | None:
    """Whether an entered notice lists ``day``: False as a holiday, True as a working weekend, None if not."""
    for year in (day.year, day.year + 1, day.year - 1):
        schedule = schedules.get(year)
        if schedule is None:
            continue
        if day in schedule.holidays:
            return False
        if day in schedule.working_weekends:
            return True
    return None


def basis_of(year: int, schedules: Schedules = NO_SCHEDULES) -> str:
    if year in schedules:
        return BASIS_ENTERED
    return BASIS_LIBRARY if library_knows(year) else BASIS_ESTIMATED


def is_working_day(day: date, schedules: Schedules = NO_SCHEDULES) -> bool:
    listed = _listed(day, schedules)
    if listed is not None:
        return listed
    basis = basis_of(day.year, schedules)
    if basis == BASIS_LIBRARY:
        return chinese_calendar.is_workday(day)
    if basis == BASIS_ESTIMATED and day in estimated_holidays(day.year):
        return False
    return day.weekday() < 5


def holiday_name(day: date, schedules: Schedules = NO_SCHEDULES) -> str | None:
    """The name of the statutory holiday on ``day`` when the source knows it (library, estimate)."""
    basis = basis_of(day.year, schedules)
    if basis == BASIS_LIBRARY:
        return _library_holiday_name(day)
    if basis == BASIS_ESTIMATED:
        return estimated_holidays(day.year).get(day)
    return None


# --- counts ---------------------------------------------------------------------------------------------------
def add_working_days(start: date, days: int, schedules: Schedules = NO_SCHEDULES) -> WorkingDayCount:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted), with the schedules the
    office entered (``schedules``, by year; without them: the library, then the estimate)."""
    day, counted, estimated = start, 0, set()
    while counted < days:
        day += timedelta(days=1)
        if basis_of(day.year, schedules) == BASIS_ESTIMATED and _listed(day, schedules) is None:
            estimated.add(day.year)
        if is_working_day(day, schedules):
            counted += 1
    return WorkingDayCount(day, bool(estimated), tuple(sorted(estimated)))


def working_days_between(start: date, end: date, schedules: Schedules = NO_SCHEDULES) -> int:
    """Working days after ``start`` up to and including ``end``."""
    day, counted = start, 0
    while day < end:
        day += timedelta(days=1)
        counted += is_working_day(day, schedules)
    return counted


# --- a year's schedule as a reader sees it, and checking one the office enters -----------------------------------
@dataclass(frozen=True)
class DayRange:
    start: date
    end: date
    name: str = ""

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class YearView:
    year: int
    basis: str  # entered | library | estimated
    provisional: bool
    holidays: list[DayRange]  # the breaks: consecutive days off around each statutory holiday
    working_weekends: list[date]
    working_days: int  # working days in the year
    notes: list[str] = field(default_factory=list)


def year_days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def year_view(year: int, schedules: Schedules = NO_SCHEDULES) -> YearView:
    """The year's holidays and working weekends from whichever source answers for it."""
    basis = basis_of(year, schedules)
    days = year_days(year)
    working = {d: is_working_day(d, schedules) for d in days}
    weekends = [d for d in days if d.weekday() >= 5 and working[d]]
    breaks: list[DayRange] = []
    if basis == BASIS_ENTERED:
        breaks = compress(schedules[year].holidays)
    else:
        run: list[date] = []
        for d in [*days, None]:
            if d is not None and not working[d]:
                run.append(d)
                continue
            names = [n for n in (holiday_name(x, schedules) for x in run) if n]
            if names:
                breaks.append(DayRange(run[0], run[-1], names[0]))
            run = []
    notes = [provisional_note([year])] if basis == BASIS_ESTIMATED else []
    return YearView(year, basis, basis == BASIS_ESTIMATED, breaks, weekends, sum(working.values()), notes)


def compress(days: Iterable[date]) -> list[DayRange]:
    """Consecutive dates as ranges."""
    ranges: list[DayRange] = []
    for d in sorted(set(days)):
        if ranges and ranges[-1].end + timedelta(days=1) == d:
            ranges[-1] = DayRange(ranges[-1].start, d, ranges[-1].name)
        else:
            ranges.append(DayRange(d, d))
    return ranges


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str


def schedule_problems(year: int, holidays: list[DayRange], working_weekends: list[date]) -> list[Problem]:
    """What is wrong with a schedule the office enters for ``year``: dates outside the year (a notice may
    reach ``NOTICE_SPILL_DAYS`` into the neighbouring years), a range backwards or longer than a month, a
    working weekend that is not a Saturday or Sunday, or a day that is both."""
    low = date(year, 1, 1) - timedelta(days=NOTICE_SPILL_DAYS)
    high = date(year, 12, 31) + timedelta(days=NOTICE_SPILL_DAYS)
    problems: list[Problem] = []
    off: set[date] = set()
    for n, r in enumerate(holidays):
        name = f"holidays[{n}]"
        if r.end < r.start:
            problems.append(Problem(name, f"结束日期 {r.end} 早于开始日期 {r.start}"))
            continue
        if (r.end - r.start).days + 1 > MAX_RANGE_DAYS:
            problems.append(Problem(name, f"一段假期最长 {MAX_RANGE_DAYS} 天"))
            continue
        if r.start < low or r.end > high:
            problems.append(Problem(name, f"日期须在 {year} 年内（可跨年至 {low} 至 {high}）"))
            continue
        off.update(r.days())
    for n, d in enumerate(working_weekends):
        name = f"working_weekends[{n}]"
        if d.weekday() < 5:
            problems.append(Problem(name, f"{d} 是工作日（星期{'一二三四五'[d.weekday()]}），调休上班日应为周六或周日"))
        elif not low <= d <= high:
            problems.append(Problem(name, f"日期须在 {year} 年内（可跨年至 {low} 至 {high}）"))
        elif d in off:
            problems.append(Problem(name, f"{d} 同时列为放假日期"))
        elif working_weekends.index(d) != n:
            problems.append(Problem(name, f"{d} 重复"))
    return problems


def schedule_notes(schedule: YearSchedule) -> list[str]:
    """What the office may want to check in an entered schedule: a statutory holiday (estimated from the
    lunar calendar) on a weekday that the notice does not give off, and, for a year the library knows, the
    days on which the entry and the library disagree. Said, not refused: the notice is the authority."""
    notes = []
    missing = [f"{d}（{name}）" for d, name in estimated_holidays(schedule.year).items()
               if d.weekday() < 5 and d not in schedule.holidays]
    if missing:
        notes.append("以下法定节假日未列入放假日期，请核对通知：" + "、".join(missing))
    if library_knows(schedule.year):
        entered = {schedule.year: schedule}
        differ = [d for d in year_days(schedule.year) if is_working_day(d, entered) != chinese_calendar.is_workday(d)]
        if differ:
            shown = "、".join(str(d) for d in differ[:10]) + ("等" if len(differ) > 10 else "")
            notes.append(f"与 chinesecalendar 收录的官方安排有 {len(differ)} 天不同：{shown}；以录入的通知为准")
    return notes
