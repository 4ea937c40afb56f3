"""Public recruitment (公开遴选) of pool experts as an explicit state machine. R-POOL-2, R-POOL-3, NMG-E art.4-5.

call published → application (self-registered or recommended by a unit) → qualification review of the
five basic conditions → collective discussion (集体讨论) → appointment in the office's name with a
certificate (聘书).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum

from core.errors import ErrorCollector, FieldError, OutOfOrder, conflict, invalid
from registry.domain.eligibility import ExpertStanding
from registry.domain.refusals import out_of_order
from registry.domain.specialties import Specialty, subtree_codes
from registry.domain.vocab import LabelledEnum


class ApplicationState(LabelledEnum):
    SUBMITTED = "submitted", "已报名"
    QUALIFIED = "qualified", "资格审查通过"
    NOT_QUALIFIED = "not_qualified", "资格审查未通过"
    APPROVED = "approved", "集体讨论通过"
    NOT_APPROVED = "not_approved", "集体讨论未通过"
    APPOINTED = "appointed", "已聘任"
    WITHDRAWN = "withdrawn", "已撤回"


class ApplicationStep(str, Enum):
    """The actions that move an application on; the API exposes one endpoint per step."""

    QUALIFICATION_REVIEW = "qualification-review"
    COLLECTIVE_DECISION = "collective-decision"
    APPOINTMENT = "appointment"
    WITHDRAWAL = "withdrawal"


# Which step may be taken in which state: the only source of truth for order.
_ALLOWED_STEPS: dict[ApplicationState, tuple[ApplicationStep, ...]] = {
    ApplicationState.SUBMITTED: (ApplicationStep.QUALIFICATION_REVIEW, ApplicationStep.WITHDRAWAL),
    ApplicationState.QUALIFIED: (ApplicationStep.COLLECTIVE_DECISION, ApplicationStep.WITHDRAWAL),
    ApplicationState.APPROVED: (ApplicationStep.APPOINTMENT, ApplicationStep.WITHDRAWAL),
}


def allowed_steps(state: ApplicationState) -> tuple[ApplicationStep, ...]:
    return _ALLOWED_STEPS.get(state, ())


def require_step(state: ApplicationState, step: ApplicationStep) -> None:
    """Refuse a step out of order (OutOfOrder), naming the allowed next steps when ``step`` is out of order
    (R-POOL-2)."""
    allowed = allowed_steps(state)
    if step not in allowed:
        names = "、".join(s.value for s in allowed) or "无（报名已办结）"
        raise OutOfOrder(
            f"报名处于「{state.label}」状态，不能进行「{step.value}」步骤",
            [FieldError("state", f"可进行的下一步：{names}", "R-POOL-2")],
            {"allowed_next_steps": [s.value for s in allowed]},
        )


def check_call_open(opens_on: date, closes_on: date, applied_on: date) -> None:
    """A call accepts applications from the day it opens to the day it closes (R-POOL-2)."""
    if not (opens_on <= applied_on <= closes_on):
        raise out_of_order("遴选公告不在报名期内", "applied_on",
                           f"本次遴选的报名时间为 {opens_on} 至 {closes_on}", "R-POOL-2")


class Condition(LabelledEnum):
    """The five basic conditions reviewed at admission, NMG-E art.5 (R-POOL-3)."""

    POLITICAL_RELIABILITY = "political_reliability", "政治可靠，遵守宪法和法律"
    ACADEMIC_STANDING = "academic_standing", "学术造诣较高，熟悉本领域业务"
    PRACTICAL_EXPERIENCE = "practical_experience", "熟悉相关法律法规、技术规范和标准，实践经验丰富"
    CREDIBILITY = "credibility", "坚持原则，诚实守信，有较强的社会责任感"
    TIME_AND_WILLINGNESS = "time_and_willingness", "有足够的时间和精力，自愿参加论证工作"


@dataclass(frozen=True)
class ConditionFinding:
    condition: Condition
    met: bool
    note: str = ""


def qualification_outcome(findings: list[ConditionFinding]) -> tuple[ApplicationState, list[str]]:
    """All five conditions must be reviewed and met; otherwise the unmet ones are the reasons."""
    by_condition = {f.condition: f for f in findings}
    reasons = [
        f"{c.label}：{'未审查' if c not in by_condition else (by_condition[c].note or '不符合')}"
        for c in Condition
        if c not in by_condition or not by_condition[c].met
    ]
    return (ApplicationState.NOT_QUALIFIED if reasons else ApplicationState.QUALIFIED), reasons


def missing_conditions(findings: list[ConditionFinding]) -> list[Condition]:
    seen = {f.condition for f in findings}
    return [c for c in Condition if c not in seen]


def check_findings_complete(findings: list[ConditionFinding]) -> None:
    """The qualification review covers each of the five conditions exactly once (R-POOL-3)."""
    errors = ErrorCollector()
    for c in missing_conditions(findings):
        errors.add(f"findings.{c.value}", f"未审查：{c.label}", "R-POOL-3")
    if len({f.condition for f in findings}) != len(findings):
        errors.add("findings", "同一条件重复审查", "R-POOL-3")
    errors.raise_if_any("资格审查不完整")


def check_within_call(applicant_codes: Iterable[str], call_codes: Iterable[str], tree: Iterable[Specialty],
                      field_name: str = "expert.specialties") -> None:
    """A call recruits for its sub-pools (R-POOL-2): an applicant needs at least one specialty in one of them
    (the call's codes or any code below them)."""
    tree = list(tree)
    wanted = set().union(*(subtree_codes(code, tree) for code in call_codes)) if call_codes else set()
    if not wanted & set(applicant_codes):
        raise invalid(field_name, f"申请人的专业（{'、'.join(applicant_codes) or '无'}）不在本次遴选的专业分库"
                                  f"（{'、'.join(call_codes)}）之内", "R-POOL-2")


def check_may_be_recruited(standing: ExpertStanding, field_name: str = "expert_id") -> None:
    """An expert with a discredit record (R-POOL-7) or a dismissal (R-POOL-5) is not recruited again: neither
    applying, nor a review, a collective decision or an appointment goes ahead."""
    if standing.discredited_on is not None:
        raise conflict("专家有失信记录", field_name,
                       f"该专家有失信记录（{standing.discredited_on}），已取消论证资格，不能报名或入库", "R-POOL-7")
    if standing.dismissed_on is not None:
        raise conflict("专家已解聘", field_name,
                       f"该专家已于 {standing.dismissed_on} 解聘，不能再次报名或入库", "R-POOL-5")
