"""Issue 13 (R-PANEL-4, R-REC-3): working days in a year the holiday library does not know. Until the office
enters the year's official schedule, the statutory holidays are estimated from the lunar calendar (never counted
as working days) and the count says it is provisional; once entered, the notice decides."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from chinese_calendar.constants import Holiday
from lunardate import LunarDate

from decisions.domain.filing import filing_due
from decisions.domain.workdays import (
    BASIS_ENTERED,
    BASIS_ESTIMATED,
    BASIS_LIBRARY,
    DayRange,
    YearSchedule,
    add_working_days,
    estimated_holidays,
    is_working_day,
    library_knows,
    schedule_notes,
    schedule_problems,
    working_days_between,
    year_view,
)

# Spring Festival (正月初一), as the Hong Kong Observatory's and the Purple Mountain Observatory's tables give it.
SPRING_FESTIVAL = {
    2027: "02-06", 2028: "01-26", 2029: "02-13", 2030: "02-03", 2031: "01-23", 2032: "02-11", 2033: "01-31",
    2034: "02-19", 2035: "02-08", 2036: "01-28", 2037: "02-15", 2038: "02-04", 2039: "01-24", 2040: "02-12",
    2041: "02-01", 2042: "01-22", 2043: "02-10", 2044: "01-30", 2045: "02-17", 2046: "02-06", 2047: "01-26",
    2048: "02-14", 2049: "02-02", 2050: "01-23",
}


def _days(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))


# A 2027 notice as the State Council might publish it: 春节 02-05..02-13 (9 days), 02-14 (Sunday) and
# 02-20 (Saturday) worked; 元旦 01-01..01-03.
NOTICE_2027 = YearSchedule(2027, _days(date(2027, 2, 5), date(2027, 2, 13)) | _days(date(2027, 1, 1), date(2027, 1, 3)),
                           frozenset({date(2027, 2, 14), date(2027, 2, 20)}), "国办发明电〔2026〕7号")


def test_the_library_ends_with_2026_so_2027_is_estimated():
    assert library_knows(2026) and not library_knows(2027)
    assert year_view(2026).basis == BASIS_LIBRARY and year_view(2027).basis == BASIS_ESTIMATED


@pytest.mark.parametrize("year", sorted(SPRING_FESTIVAL))
def test_spring_festival_comes_from_the_lunar_calendar(year):
    assert LunarDate(year, 1, 1).to_solar_date() == date.fromisoformat(f"{year}-{SPRING_FESTIVAL[year]}")
    first = date.fromisoformat(f"{year}-{SPRING_FESTIVAL[year]}")
    assert [d for d, name in estimated_holidays(year).items() if name == "春节"] == [
        first - timedelta(days=1), first, first + timedelta(days=1), first + timedelta(days=2)]  # 除夕, 初一..初三


@pytest.mark.parametrize("year", range(2008, 2027))
def test_the_estimate_finds_the_lunar_holidays_the_official_schedules_gave(year):
    """Checked against the published schedules (the library's data): 初一, 清明, 端午 and 中秋 were days off."""
    estimate = estimated_holidays(year)
    for name in ("春节", "清明", "端午", "中秋"):
        days = [d for d, n in estimate.items() if n == name]
        first = days[1] if name == "春节" else days[0]  # 初一
        assert chinese_calendar.is_holiday(first), (year, name, first)
    for day, name in estimate.items():  # 2025 on (the 2024 revision): every estimated holiday was off
        if year >= 2025:
            assert not chinese_calendar.is_workday(day), (day, name)


def test_the_spring_festival_weekdays_of_an_unknown_year_are_not_working_days_R_PANEL_4():
    # the bug: from Wednesday 2027-02-03 the count ran through 除夕 (Fri 02-05) and 初三 (Mon 02-08) → 02-12
    count = add_working_days(date(2027, 2, 3), 7)
    assert not is_working_day(date(2027, 2, 5)) and not is_working_day(date(2027, 2, 8))
    assert count.day == date(2027, 2, 16)
    assert count.provisional and count.estimated_years == (2027,)
    assert "2027 年" in count.note and "暂定" in count.note


def test_an_entered_notice_decides_every_count_and_is_not_provisional_R_PANEL_4():
    schedules = {2027: NOTICE_2027}
    count = add_working_days(date(2027, 2, 3), 7, schedules)
    # 02-04 (1), off 02-05..02-13, Sunday 02-14 worked (2), 02-15..02-19 (3..7)
    assert count.day == date(2027, 2, 19) and not count.provisional and count.estimated_years == ()
    assert is_working_day(date(2027, 2, 14), schedules) and not is_working_day(date(2027, 2, 10), schedules)
    assert is_working_day(date(2027, 2, 21), schedules) is False  # an ordinary Sunday
    assert working_days_between(date(2027, 2, 3), date(2027, 2, 19), schedules) == 7
    assert filing_due(date(2027, 2, 3), schedules) == date(2027, 2, 23)  # Saturday 02-20 worked (8)
    assert filing_due(date(2027, 2, 3)) != filing_due(date(2027, 2, 3), schedules)


def test_a_notice_may_list_a_day_of_the_year_before():
    notice = YearSchedule(2027, frozenset({date(2026, 12, 31), date(2027, 1, 1)}), frozenset(), "通知")
    assert not is_working_day(date(2026, 12, 31), {2027: notice})
    assert is_working_day(date(2026, 12, 31))  # the library alone: a Thursday


def test_an_entered_year_overrides_the_library():
    notice = YearSchedule(2026, frozenset({date(2026, 11, 25)}), frozenset(), "更正")
    assert not is_working_day(date(2026, 11, 25), {2026: notice})
    assert is_working_day(date(2026, 10, 10), {2026: notice}) is False  # not listed: a plain Saturday
    [differ] = [n for n in schedule_notes(notice) if "chinesecalendar" in n]
    assert "以录入的通知为准" in differ


def test_a_count_across_years_names_each_estimated_year():
    count = add_working_days(date(2026, 12, 20), 300)
    assert count.estimated_years == (2027, 2028) and count.provisional
    assert not add_working_days(date(2026, 12, 20), 5).provisional  # 2026 only


def test_mid_autumn_on_national_day_moves_to_the_next_free_day():
    estimate = estimated_holidays(2028)  # 中秋 2028-10-03
    assert estimate[date(2028, 10, 3)] == "国庆节" and estimate[date(2028, 10, 4)] == "中秋"


def test_the_estimated_year_view_shows_the_breaks_and_says_provisional():
    view = year_view(2027)
    assert view.basis == BASIS_ESTIMATED and view.provisional and view.notes
    spring = next(r for r in view.holidays if r.name == "春节")
    assert (spring.start, spring.end) == (date(2027, 2, 5), date(2027, 2, 8))
    entered = year_view(2027, {2027: NOTICE_2027})
    assert entered.basis == BASIS_ENTERED and not entered.provisional
    assert entered.working_weekends == [date(2027, 2, 14), date(2027, 2, 20)]


def test_a_schedule_with_wrong_dates_is_refused_field_by_field():
    problems = schedule_problems(2027, [DayRange(date(2027, 2, 13), date(2027, 2, 5)),
                                        DayRange(date(2028, 3, 1), date(2028, 3, 2)),
                                        DayRange(date(2027, 1, 1), date(2027, 3, 1)),
                                        DayRange(date(2027, 10, 1), date(2027, 10, 7))],
                                 [date(2027, 2, 15), date(2027, 10, 2), date(2027, 9, 26), date(2027, 9, 26)])
    reasons = {p.field: p.reason for p in problems}
    assert set(reasons) == {"holidays[0]", "holidays[1]", "holidays[2]", "working_weekends[0]",
                            "working_weekends[1]", "working_weekends[3]"}
    assert "早于开始日期" in reasons["holidays[0]"] and "2027 年内" in reasons["holidays[1]"]
    assert "最长 31 天" in reasons["holidays[2]"] and "周六或周日" in reasons["working_weekends[0]"]
    assert "同时列为放假日期" in reasons["working_weekends[1]"] and "重复" in reasons["working_weekends[3]"]
    assert schedule_problems(2027, [DayRange(date(2026, 12, 31), date(2027, 1, 2))], [date(2027, 1, 3)]) == []


def test_notes_name_a_statutory_holiday_the_notice_leaves_out():
    [note] = schedule_notes(NOTICE_2027)
    assert "清明" in note and "端午" in note and "春节" not in note


def test_the_library_holiday_names_are_chinese():
    assert {r.name for r in year_view(2026).holidays} <= {h.chinese for h in Holiday}
