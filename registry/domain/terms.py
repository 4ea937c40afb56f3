"""Appointment terms (聘期): at most three years, renewable (续聘). R-POOL-4, NMG-E art.8."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import ErrorCollector

MAX_TERM_YEARS = 3


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def latest_term_end(start: date) -> date:
    """The last day of a three-year term that starts on ``start`` (聘期自 2024-01-01 至 2026-12-31)."""
    return add_years(start, MAX_TERM_YEARS) - timedelta(days=1)


@dataclass(frozen=True)
class TermSpan:
    """One term: ``start`` and ``end`` are both days of the term (inclusive)."""

    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def validate_term(start: date, end: date, existing: list[TermSpan] = ()) -> TermSpan:
    """Refuse a term that ends before it starts, exceeds three years, or overlaps another term."""
    errors = ErrorCollector()
    if end < start:
        errors.add("end", f"结束日期 {end} 早于开始日期 {start}")
    elif end > latest_term_end(start):
        errors.add(
            "end",
            f"聘期最长 {MAX_TERM_YEARS} 年：{start} 开始的聘期最迟于 {latest_term_end(start)} 届满",
            "R-POOL-4",
        )
    for other in existing:
        if start <= other.end and other.start <= end:
            errors.add("start", f"与 {other.start} 至 {other.end} 的聘期重叠", "R-POOL-4")
            break
    errors.raise_if_any("聘期不符合要求")
    return TermSpan(start, end)


def renewal_span(previous: TermSpan, end: date | None, start: date | None = None) -> tuple[date, date]:
    """Dates of a renewal (续聘): by default it starts the day after the previous term and runs three years."""
    new_start = start or previous.end + timedelta(days=1)
    return new_start, end or latest_term_end(new_start)
