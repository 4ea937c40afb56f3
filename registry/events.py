"""Domain events of the registry, emitted inside the unit of work that makes the change.

Other capabilities answer them (the conflict graph follows institutions, experts and employments;
the expert is told of a dismissal) without the registry knowing who listens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class InstitutionRegistered:
    institution_id: int


@dataclass(frozen=True)
class InstitutionChanged:
    institution_id: int


@dataclass(frozen=True)
class ExpertRegistered:
    """A new expert, with the employments entered with the profile."""

    expert_id: int
    employment_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ExpertChanged:
    """A profile changed; ``sub_pool_fields`` names the specialties or sector when they changed."""

    expert_id: int
    sub_pool_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExpertChangeRequested:
    """An expert asked to change their specialties or sector; the office decides (issue 11)."""

    request_id: int
    expert_id: int


@dataclass(frozen=True)
class ExpertChangeDecided:
    request_id: int
    expert_id: int
    approved: bool


@dataclass(frozen=True)
class EmploymentAdded:
    employment_id: int


@dataclass(frozen=True)
class ExpertDismissed:
    """提前解聘 filed: ``reason_code`` is one of the six grounds (1-6); ``at`` is the service's clock."""

    expert_id: int
    dismissal_id: int
    reason_code: str
    explanation: str
    effective_on: date
    at: datetime


@dataclass(frozen=True)
class RecordsMerged:
    """Two experts or two institutions were decided to be one (issue 13): the duplicate's rows now point at the
    record kept. ``moved`` names every row re-pointed ("table.column:id"); ``graph_records`` the records the
    relationship graph is built from among them ((table, id): employments, relations, institutions), which
    the conflict capability's graph re-reads."""

    merge_id: int
    kind: str
    kept_id: int
    merged_id: int
    moved: tuple[str, ...]
    graph_records: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class MergeReversed:
    """A merge was undone: the rows it moved point at the duplicate again (``moved``), except those changed
    since (``not_restored``)."""

    merge_id: int
    kind: str
    kept_id: int
    merged_id: int
    moved: tuple[str, ...]
    not_restored: tuple[str, ...]
    graph_records: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ExpertsRegistered:
    """Many new experts at once (a spreadsheet import, issue 16), in the order given, with the employments
    entered with them: what ``ExpertRegistered`` says of each, said once for the batch."""

    expert_ids: tuple[int, ...]
    employment_ids: tuple[int, ...] = ()
