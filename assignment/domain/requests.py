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
from decisions.domain.workdays import NO_SCHEDULES, Schedules, WorkingDayCount, add_working_days

STUDY_WORKING_DAYS = 7  # R-PANEL-4


def minimum_members(subject_kind: str, gravity: Mapping[str, Any]) -> int:
    """R-PANEL-1 applies to experts; a panel of institutions (third-party evaluators) needs one."""
    return minimum_panel_size(gravity) if subject_kind == "expert" else 1


def size_problem(size: int, minimum: int) -> FieldError | None:
    """R-PANEL-1: a panel smaller than the item's minimum is refused, saying why the minimum applies."""
    if size >= minimum:
        return None
    why = "该事项涉及面广、争议较大、专业性强或较为敏感" if minimum == MINIMUM_GRAVE_PANEL else "专家论证一律如此"
    return FieldError("size", f"至少需要 {minimum} 名专家（{why}）；本次请求 {size} 名", "R-PANEL-1")


def earliest_deadline(handover_on: date, schedules: Schedules = NO_SCHEDULES) -> WorkingDayCount:
    """R-PANEL-4: seven working days of study after the material is handed over (counted with the years'
    schedules the office entered)."""
    return add_working_days(handover_on, STUDY_WORKING_DAYS, schedules)


def deadline_problem(handover_on: date, deadline: date | None, schedules: Schedules = NO_SCHEDULES
                     ) -> FieldError | None:
    """R-PANEL-4: a requested deadline may not cut the study time short."""
    earliest = earliest_deadline(handover_on, schedules).day
    if deadline is None or deadline >= earliest:
        return None
    return FieldError("deadline", f"材料于 {handover_on} 提供后须留出至少 {STUDY_WORKING_DAYS} 个工作日研究："
                                  f"最早的研究期限为 {earliest}", "R-PANEL-4")


def study_deadline(handover_on: date, requested: date | None, schedules: Schedules = NO_SCHEDULES
                   ) -> tuple[date, bool]:
    """The deadline (the requested one, or the earliest allowed) and whether it is provisional: the
    seven working days ran into a year whose holiday calendar is not published yet."""
    earliest = earliest_deadline(handover_on, schedules)
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
            problems.append(FieldError(field, f"没有编号为 {o.expert_id} 的专家"))
        elif ids.index(o.expert_id) != n:
            problems.append(FieldError(field, "同一专家列了两次"))
        if not o.reason:
            problems.append(FieldError(f"out_of_pool[{n}].reason", "邀请库外专家须记录理由", "R-PANEL-3"))
    return problems


def out_of_pool_conflicts(named: Sequence[OutOfPool], blocked: Mapping[int, tuple[str, str]]) -> list[FieldError]:
    """R-PANEL-3: out-of-pool experts pass the same conflict check as everyone else. ``blocked`` maps
    an expert the check excludes to the first reason found (message, rule id)."""
    return [FieldError(f"out_of_pool[{n}].expert_id", *blocked[o.expert_id])
            for n, o in enumerate(named) if o.expert_id in blocked]


def institution_request_problem(subject_kind: str, out_of_pool: bool, specialty_quotas: bool) -> FieldError | None:
    """Institutions come from the evaluator pool alone: no specialty quotas, no out-of-pool additions."""
    if subject_kind == "institution" and (out_of_pool or specialty_quotas):
        return FieldError("subject_kind", "第三方评估机构只从评估机构库中抽取，不设专业名额，也不能指定库外机构")
    return None


def balance_constraints(subject_kind: str, size: int, min_per_specialty: Mapping[str, int],
                        max_per_employer: int | None, max_per_sector: int | None, max_per_region: Mapping[str, int],
                        dissenting: Sequence[int], universe: Sequence[str] = ()) -> Constraints:
    """R-PANEL-2 as requested, with the defaults: an expert panel has at most one member per employer
    unless asked otherwise and no sector fills more than half of it (rounded up); a panel of
    institutions has no employer or sector limits. ``universe``: the sub-pools drawn from (issue 17)."""
    experts = subject_kind == "expert"
    return Constraints(
        size=size, min_per_specialty=dict(min_per_specialty), max_per_employer=max_per_employer if experts else None,
        max_per_sector=(max_per_sector or (size + 1) // 2) if experts and size > 1 else None,
        max_per_region=dict(max_per_region), dissenting=frozenset(dissenting), universe=tuple(universe))


# --- one live request per item and purpose (R-PANEL-2: a fair draw cannot be repeated at will) -----------
LIVE_STATUSES = ("active", "cancellation_requested")  # a cancelled request is the only one that is not live
MIN_REASON_CHARS = 4  # a recorded reason says something: at least four letters or characters of text


def live_request_problem(live: Sequence[tuple[int, int, str]]) -> FieldError | None:
    """R-PANEL-2: an item and purpose have one live draw at a time. ``live`` lists the (request id, draw
    number, status) of the requests not cancelled; to draw again the previous one is cancelled first."""
    if not live:
        return None
    request_id, number, status = live[0]
    waiting = "，其撤销申请尚待政策法规处决定" if status == "cancellation_requested" else ""
    return FieldError("item_id", f"该事项同一用途已有有效的抽取请求 {request_id}（第 {number} 次抽取）{waiting}；"
                                 f"如需重新抽取，应先申请撤销该请求并说明理由，经政策法规处同意", "R-PANEL-2")


def real_reason_problem(field: str, reason: str, rule_id: str | None = None) -> FieldError | None:
    """A recorded reason is text: at least MIN_REASON_CHARS letters (Chinese characters count), not
    punctuation, digits or blanks alone."""
    if sum(ch.isalpha() for ch in reason) >= MIN_REASON_CHARS:
        return None
    return FieldError(field, f"需要写明理由（至少 {MIN_REASON_CHARS} 个文字）", rule_id)


def cancellation_request_problem(status: str) -> FieldError | None:
    """Only an active request can be asked to be cancelled (once; the office decides)."""
    if status == "active":
        return None
    said = {"cancellation_requested": "已申请撤销，等待政策法规处决定", "cancelled": "已撤销"}.get(status, status)
    return FieldError("request_id", f"该抽取请求{said}", "R-PANEL-2")


def cancellation_decision_problem(status: str) -> FieldError | None:
    """The office decides a cancellation that was asked for, once."""
    if status == "cancellation_requested":
        return None
    return FieldError("request_id", f"该抽取请求没有待决定的撤销申请（当前状态：{status}）", "R-PANEL-2")


def status_after_cancellation_decision(approve: bool) -> str:
    return "cancelled" if approve else "active"


# --- out-of-pool experts (R-PANEL-3) -----------------------------------------------------------------
NOT_IN_POOL = "no_current_term"  # the one registry reason that merely says "not in the pool" (R-POOL-4)


def out_of_pool_standing_problems(named: Sequence[OutOfPool], eligible_candidates: set[int],
                                  registry_reasons: Mapping[int, Sequence[tuple[str, str, str]]],
                                  busy: Mapping[int, str]) -> list[FieldError]:
    """R-PANEL-3: only people who are not eligible pool members of this draw may be added from outside,
    and the registry's exclusions and the workload caps apply to them as to everyone.
    ``eligible_candidates``: the draw's eligible candidates; ``registry_reasons``: each named expert's
    registry ineligibility as (rule id, code, message); ``busy``: those at a workload cap, with why."""
    problems = []
    for n, o in enumerate(named):
        field = f"out_of_pool[{n}].expert_id"
        if o.expert_id in eligible_candidates:
            problems.append(FieldError(field, "在库且符合条件的专家应通过随机抽取产生，不能作为库外专家指定",
                                       "R-PANEL-3"))
            continue
        for rule_id, code, message in registry_reasons.get(o.expert_id, ()):
            if code != NOT_IN_POOL:  # dismissed, discredited, no commitment letter...: excluded everywhere
                problems.append(FieldError(field, message, rule_id))
        if o.expert_id in busy:
            problems.append(FieldError(field, f"已达工作量上限：{busy[o.expert_id]}", "R-PANEL-3"))
    return problems


def out_of_pool_decision_problem(status: str | None) -> FieldError | None:
    """The office approves or refuses an out-of-pool addition once, before its invitation goes out."""
    if status == "awaiting_approval":
        return None
    if status is None:
        return FieldError("expert_id", "该专家不是本请求的库外专家")
    return FieldError("expert_id", f"该库外专家的邀请已处理（当前状态：{status}）", "R-PANEL-3")
