"""What a panel request (专家论证 request) must meet before anyone is drawn: the panel's size
(R-PANEL-1), the study time (R-PANEL-4) and the experts invited from outside the pool (R-PANEL-3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from assignment.selection.constraints import Constraints
from core.errors import FieldError
from decisions.domain.gravity import MINIMUM_GRAVE_PANEL, minimum_panel_size
from decisions.domain.workdays import WorkingDayCount, add_working_days

STUDY_WORKING_DAYS = 7  # R-PANEL-4


def minimum_members(subject_kind: str, gravity: Mapping[str, Any]) -> int:
    """R-PANEL-1 applies to experts; a panel of institutions (third-party evaluators) needs one."""
    return minimum_panel_size(gravity) if subject_kind == "expert" else 1


def size_problem(size: int, minimum: int) -> FieldError | None:
    """R-PANEL-1: a panel smaller than the item's minimum is refused, saying why the minimum applies."""
    if size >= minimum:
        return None
    why = "the item is marked wide in scope, controversial, complex or sensitive" if minimum == MINIMUM_GRAVE_PANEL \
        else "always"
    return FieldError("size", f"at least {minimum} experts are needed ({why}); {size} requested", "R-PANEL-1")


def earliest_deadline(handover_on: date) -> WorkingDayCount:
    """R-PANEL-4: seven working days of study after the material is handed over."""
    return add_working_days(handover_on, STUDY_WORKING_DAYS)


def deadline_problem(handover_on: date, deadline: date | None) -> FieldError | None:
    """R-PANEL-4: a requested deadline may not cut the study time short."""
    earliest = earliest_deadline(handover_on).day
    if deadline is None or deadline >= earliest:
        return None
    return FieldError("deadline", f"at least {STUDY_WORKING_DAYS} working days of study after hand-over on "
                                  f"{handover_on}: the earliest allowed deadline is {earliest}", "R-PANEL-4")


def study_deadline(handover_on: date, requested: date | None) -> tuple[date, bool]:
    """The deadline (the requested one, or the earliest allowed) and whether it is provisional: the
    seven working days ran into a year whose holiday calendar is not published yet."""
    earliest = earliest_deadline(handover_on)
    return requested or earliest.day, earliest.provisional


@dataclass(frozen=True)
class OutOfPool:
    """An expert invited from outside the pool for a special matter, and the recorded reason."""

    expert_id: int
    reason: str


def out_of_pool_problems(named: Sequence[OutOfPool], known: set[int]) -> list[FieldError]:
    """R-PANEL-3: each out-of-pool expert exists, is named once and comes with a reason."""
    problems = []
    ids = [o.expert_id for o in named]
    for n, o in enumerate(named):
        field = f"out_of_pool[{n}].expert_id"
        if o.expert_id not in known:
            problems.append(FieldError(field, f"no expert with id {o.expert_id}"))
        elif ids.index(o.expert_id) != n:
            problems.append(FieldError(field, "named twice"))
        if not o.reason:
            problems.append(FieldError(f"out_of_pool[{n}].reason", "an out-of-pool expert needs a recorded reason",
                                       "R-PANEL-3"))
    return problems


def out_of_pool_conflicts(named: Sequence[OutOfPool], blocked: Mapping[int, tuple[str, str]]) -> list[FieldError]:
    """R-PANEL-3: out-of-pool experts pass the same conflict check as everyone else. ``blocked`` maps
    an expert the check excludes to the first reason found (message, rule id)."""
    return [FieldError(f"out_of_pool[{n}].expert_id", *blocked[o.expert_id])
            for n, o in enumerate(named) if o.expert_id in blocked]


def institution_request_problem(subject_kind: str, out_of_pool: bool, specialty_quotas: bool) -> FieldError | None:
    """Institutions come from the evaluator pool alone: no specialty quotas, no out-of-pool additions."""
    if subject_kind == "institution" and (out_of_pool or specialty_quotas):
        return FieldError("subject_kind", "institutions are drawn from the evaluator pool without specialty quotas or "
                                          "out-of-pool additions")
    return None


def balance_constraints(subject_kind: str, size: int, min_per_specialty: Mapping[str, int],
                        max_per_employer: int | None, max_per_sector: int | None, max_per_region: Mapping[str, int],
                        dissenting: Sequence[int]) -> Constraints:
    """R-PANEL-2 as requested, with the defaults: an expert panel has at most one member per employer
    unless asked otherwise and no sector fills more than half of it (rounded up); a panel of
    institutions has no employer or sector limits."""
    experts = subject_kind == "expert"
    return Constraints(
        size=size, min_per_specialty=dict(min_per_specialty), max_per_employer=max_per_employer if experts else None,
        max_per_sector=(max_per_sector or (size + 1) // 2) if experts and size > 1 else None,
        max_per_region=dict(max_per_region), dissenting=frozenset(dissenting))
