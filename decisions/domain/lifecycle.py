"""An item's life (重大行政决策事项的生命周期), pure: the states, the order between them and what each step needs.

drafting (起草) → under_argument (专家论证) or under_risk_assessment (风险评估), in either order → decided
(作出决策: the decision date and the document number 文号) → in_execution (执行) → under_evaluation (决策后评估,
opened only by an evaluation trigger, R-EVAL-2) → evaluated (评估完成) → in_execution again (execution goes on).
A step out of this order is refused with the steps allowed from where the item stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DRAFTING, UNDER_ARGUMENT, UNDER_RISK = "drafting", "under_argument", "under_risk_assessment"
DECIDED, IN_EXECUTION, UNDER_EVALUATION, EVALUATED = "decided", "in_execution", "under_evaluation", "evaluated"

STATES: dict[str, str] = {
    DRAFTING: "起草", UNDER_ARGUMENT: "专家论证", UNDER_RISK: "风险评估", DECIDED: "已作出决策",
    IN_EXECUTION: "执行中", UNDER_EVALUATION: "决策后评估中", EVALUATED: "评估完成",
}

NEXT: dict[str, tuple[str, ...]] = {
    DRAFTING: (UNDER_ARGUMENT, UNDER_RISK),
    UNDER_ARGUMENT: (UNDER_RISK, DECIDED),
    UNDER_RISK: (UNDER_ARGUMENT, DECIDED),
    DECIDED: (IN_EXECUTION,),
    IN_EXECUTION: (UNDER_EVALUATION,),
    UNDER_EVALUATION: (EVALUATED,),
    EVALUATED: (IN_EXECUTION,),  # execution goes on; a further evaluation opens from there (R-EVAL-2)
}

# Steps taken only through their own procedure, not a plain transition (R-EVAL-2: an evaluation needs a trigger).
BY_EVALUATION = frozenset({UNDER_EVALUATION, EVALUATED})


@dataclass(frozen=True)
class Problem:
    kind: str  # "invalid" (422) or "out_of_order" (409)
    field: str
    reason: str
    rule_id: str | None = None


@dataclass(frozen=True)
class Step:
    """What a transition asks for."""

    to: str
    reason: str
    decided_on: date | None = None
    document_number: str = ""
    execution_started_on: date | None = None


@dataclass(frozen=True)
class Standing:
    """Where the item stands: its state and the dates a step is checked against."""

    state: str
    opened_on: date
    decided_on: date | None = None


def current_state(transitions: list[str], decided_on: date | None) -> str:
    """The state after the recorded transitions (oldest first); an item never moved is drafting, or decided
    when its decision date was entered before the states existed."""
    if transitions:
        return transitions[-1]
    return DECIDED if decided_on is not None else DRAFTING


def allowed_next(state: str, *, via_evaluation: bool = False) -> list[str]:
    steps = NEXT.get(state, ())
    return [s for s in steps if via_evaluation or s not in BY_EVALUATION]


def judge_step(standing: Standing, step: Step, *, via_evaluation: bool = False) -> list[Problem]:
    """Every problem with the step (empty: it may be taken)."""
    if step.to not in STATES:
        return [Problem("invalid", "to", f"未知的状态 {step.to}；可选：{'、'.join(STATES)}")]
    allowed = allowed_next(standing.state, via_evaluation=via_evaluation)
    if step.to not in allowed:
        if step.to in BY_EVALUATION and not via_evaluation and step.to in NEXT.get(standing.state, ()):
            reason = (f"“{STATES[step.to]}”只能通过决策后评估程序进入（POST /items/{{id}}/evaluations 启动评估，"
                      "…/conclusion 结束评估）")
            return [Problem("out_of_order", "to", reason, "R-EVAL-2")]
        steps = "、".join(f"{s}（{STATES[s]}）" for s in allowed) or "无"
        return [Problem("out_of_order", "to", f"事项当前处于“{STATES[standing.state]}”，不能直接进入"
                                               f"“{STATES[step.to]}”；可进入：{steps}")]
    problems: list[Problem] = []
    if not step.reason.strip():
        problems.append(Problem("invalid", "reason", "请说明状态变更的理由"))
    if step.to == DECIDED:
        if step.decided_on is None:
            problems.append(Problem("invalid", "decided_on", "作出决策须填写决策日期"))
        elif step.decided_on < standing.opened_on:
            problems.append(Problem("invalid", "decided_on", f"决策日期 {step.decided_on} 早于事项登记日期"
                                                             f"（{standing.opened_on}）"))
        if not step.document_number.strip():
            problems.append(Problem("invalid", "document_number", "作出决策须填写决策文件的文号"))
    elif step.decided_on is not None or step.document_number.strip():
        field = "decided_on" if step.decided_on is not None else "document_number"
        problems.append(Problem("invalid", field, "决策日期和文号只在作出决策（decided）时填写"))
    if step.to == IN_EXECUTION and standing.state == DECIDED:
        if step.execution_started_on is None:
            problems.append(Problem("invalid", "execution_started_on", "开始执行须填写执行开始日期"))
        elif standing.decided_on is not None and step.execution_started_on < standing.decided_on:
            problems.append(Problem("invalid", "execution_started_on",
                                    f"执行开始日期 {step.execution_started_on} 早于决策日期（{standing.decided_on}）"))
    elif step.execution_started_on is not None:
        problems.append(Problem("invalid", "execution_started_on", "执行开始日期只在决策后开始执行时填写"))
    return problems
