"""Domain events of the notifications capability, emitted inside the unit of work that makes the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class JobRan:
    """A scheduled job ran for its day; what it decided (expiries, replacements, reviews) is in ``result``."""

    job: str
    description: str
    worker: str
    day: date
    result: dict
    at: datetime
