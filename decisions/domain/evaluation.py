"""Post-decision evaluation triggers (决策后评估的启动情形, R-EVAL-2), pure.

Only an item in execution is evaluated. An evaluation opens on a trigger recorded with its evidence: the legal
basis changed, the goals were clearly missed, many public complaints, the executing unit or the decision body
asks (MH art.6; JY art.8); a policy of broad effect after one year of execution; a plan of five years or more at
mid-term and at its end (JY art.19). No evaluation is repeated within 12 months of the previous one's opening
unless a new circumstance is recorded (JY art.20).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from decisions.domain.lifecycle import IN_EXECUTION, STATES, Problem

RULE = "R-EVAL-2"

TRIGGERS: dict[str, str] = {
    "legal_basis_changed": "决策依据的法律法规发生变化",
    "goals_missed": "决策目标明显未能实现",
    "public_complaints": "公众反映强烈、投诉较多",
    "executing_unit_request": "决策执行单位提出评估",
    "decision_body_request": "决策机关认为有必要评估",
    "one_year_of_broad_policy": "涉及面广的政策执行满一年",
    "plan_mid_term": "五年及以上规划实施中期",
    "plan_end": "五年及以上规划实施期满",
}

REPEAT_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day: 29 Feb → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > date.max.year:
        return date.max
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Opening:
    """An evaluation asked for: the trigger, its evidence and a new circumstance (for a repeat)."""

    trigger: str
    evidence: str
    new_circumstance: str = ""


def judge_opening(state: str, opening: Opening, today: date, execution_started_on: date | None,
                  previous_openings: list[date]) -> list[Problem]:
    """Every problem with opening the evaluation (empty: it opens). The state comes first (409)."""
    if state != IN_EXECUTION:
        return [Problem("out_of_order", "state", f"只有执行中的决策才能启动决策后评估；事项当前处于"
                                                  f"“{STATES.get(state, state)}”", RULE)]
    problems: list[Problem] = []
    if opening.trigger not in TRIGGERS:
        problems.append(Problem("invalid", "trigger", f"未知的评估启动情形 {opening.trigger}；可选："
                                                       f"{'、'.join(TRIGGERS)}", RULE))
    if not opening.evidence.strip():
        problems.append(Problem("invalid", "evidence", "请附上启动评估的依据材料说明", RULE))
    if opening.trigger == "one_year_of_broad_policy":
        due = add_months(execution_started_on, 12) if execution_started_on is not None else None
        if due is None or today < due:
            when = f"，{due} 起方可评估" if due is not None else ""
            problems.append(Problem("invalid", "trigger", f"涉及面广的政策须执行满一年后评估"
                                                           f"（执行开始于 {execution_started_on}{when}）", RULE))
    if previous_openings and not opening.new_circumstance.strip():
        last = max(previous_openings)
        until = add_months(last, REPEAT_MONTHS)
        if today < until:
            problems.append(Problem("invalid", "new_circumstance",
                                    f"上次评估于 {last} 启动，12 个月内（{until} 前）不得重复评估，"
                                    "除非出现新情况：请在 new_circumstance 中说明", RULE))
    return problems


# --- the yearly evaluation plan (R-EVAL-3) ------------------------------------------------------------------
PLAN_RULE = "R-EVAL-3"
PLAN_MIN, PLAN_MAX = 1, 3
EXECUTED_STATES = ("in_execution", "under_evaluation", "evaluated")


@dataclass(frozen=True)
class PlanEntry:
    """An item proposed for the year's third-party evaluation, as it stands."""

    item_id: int
    exists: bool
    state: str = ""
    execution_started_on: date | None = None


def year_of_execution_by(year: int, today: date) -> date:
    """The day by which a planned item must have a year of execution: the plan year's first day, or today
    when the plan is made during its own year."""
    return max(date(year, 1, 1), today)


def judge_plan(year: int, entries: list[PlanEntry], today: date) -> list[Problem]:
    """Every problem with the year's plan: 1 to 3 decisions, each executed for over a year (QZ item 24)."""
    problems: list[Problem] = []
    if not PLAN_MIN <= len(entries) <= PLAN_MAX:
        problems.append(Problem("invalid", "item_ids", f"每年选择 {PLAN_MIN}–{PLAN_MAX} 项决策开展第三方评估；"
                                                       f"本计划 {len(entries)} 项", PLAN_RULE))
    seen: set[int] = set()
    by = year_of_execution_by(year, today)
    for i, entry in enumerate(entries):
        field = f"item_ids[{i}]"
        if entry.item_id in seen:
            problems.append(Problem("invalid", field, f"决策事项 {entry.item_id} 重复列入", PLAN_RULE))
            continue
        seen.add(entry.item_id)
        if not entry.exists:
            problems.append(Problem("invalid", field, f"没有编号为 {entry.item_id} 的决策事项"))
        elif entry.state not in EXECUTED_STATES or entry.execution_started_on is None:
            problems.append(Problem("invalid", field, f"决策事项 {entry.item_id} 尚未进入执行（当前："
                                                      f"{STATES.get(entry.state, entry.state)}）", PLAN_RULE))
        elif add_months(entry.execution_started_on, 12) > by:
            problems.append(Problem("invalid", field, f"决策事项 {entry.item_id} 自 {entry.execution_started_on} "
                                                      f"起执行，到 {by} 未满一年", PLAN_RULE))
    return problems


def candidate_reasons(state: str, execution_started_on: date | None, wide_scope: bool, triggers: list[str],
                      by: date) -> list[str]:
    """Why an item is proposed for the year's plan (empty: it is not): in execution for over a year, and wide in
    scope or with evaluation triggers on file."""
    if state != "in_execution" or execution_started_on is None or add_months(execution_started_on, 12) > by:
        return []
    reasons = [f"自 {execution_started_on} 起执行已满一年"]
    if wide_scope:
        reasons.append("涉及面广")
    if triggers:
        reasons.append("已有评估启动情形：" + "、".join(TRIGGERS.get(t, t) for t in dict.fromkeys(triggers)))
    return reasons if len(reasons) > 1 else []
