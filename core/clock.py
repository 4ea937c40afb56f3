"""The service's idea of today, injectable so that time-based behaviour is tested without sleeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone


@dataclass
class Clock:
    fixed: datetime | None = None

    def now(self) -> datetime:
        return self.fixed or datetime.now(timezone.utc)

    def today(self) -> date:
        # Offices work on China Standard Time; UTC+8 has no daylight saving.
        return (self.now() + timedelta(hours=8)).date()
