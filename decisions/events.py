"""Domain events of decision items, emitted inside the unit of work that makes the change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemRegistered:
    item_id: int


@dataclass(frozen=True)
class ItemChanged:
    item_id: int


@dataclass(frozen=True)
class GravityChanged:
    """An item's gravity flags changed (issue 11, R-PANEL-1): each flag's old → new value, the reason, the
    minimum panel before and after, and the notes on panels already drawn below the new minimum."""

    item_id: int
    changes: dict[str, dict[str, bool]]
    reason: str
    minimum_before: int
    minimum_after: int
    notes: tuple[str, ...] = ()
    rule_id: str = "R-PANEL-1"


@dataclass(frozen=True)
class WorkCalendarEntered:
    """The office entered (or corrected) a year's official holiday schedule (issue 13): the notice, the
    holidays and working weekends as entered, and what they replaced (None when first entered)."""

    year: int
    source: str
    holidays: list[dict]
    working_weekends: list[str]
    revision: int
    entered_by: str
    previous: dict | None = None


@dataclass(frozen=True)
class ItemStateChanged:
    """An item moved from one state of its life to the next (issue 14): who, why, and what the step fixed."""

    item_id: int
    from_state: str
    to_state: str
    reason: str
    actor: str
    decided_on: str | None = None
    document_number: str = ""
    execution_started_on: str | None = None


@dataclass(frozen=True)
class EvaluationOpened:
    """A post-decision evaluation opened on a trigger with its evidence (R-EVAL-2)."""

    item_id: int
    evaluation_id: int
    trigger: str
    evidence: str
    new_circumstance: str = ""
    rule_id: str = "R-EVAL-2"


@dataclass(frozen=True)
class EvaluationConcluded:
    item_id: int
    evaluation_id: int
    summary: str


@dataclass(frozen=True)
class EvaluationPlanSet:
    """The office set (or changed) a year's plan of third-party evaluations (R-EVAL-3)."""

    year: int
    item_ids: list[int]
    previous: list[int] | None
    revision: int
    rule_id: str = "R-EVAL-3"
