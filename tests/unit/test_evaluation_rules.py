"""R-EVAL-2: the pure rule for opening a post-decision evaluation."""

from __future__ import annotations

from datetime import date

from decisions.domain import evaluation as ev
from decisions.domain import lifecycle as lc

STARTED = date(2025, 3, 1)


def opening(trigger="public_complaints", evidence="12345 热线投诉 86 件", new=""):
    return ev.Opening(trigger, evidence, new)


def test_only_an_item_in_execution_is_evaluated_R_EVAL_2():
    [problem] = ev.judge_opening(lc.DECIDED, opening(), date(2026, 1, 1), None, [])
    assert problem.kind == "out_of_order" and problem.rule_id == "R-EVAL-2"
    assert ev.judge_opening(lc.IN_EXECUTION, opening(), date(2026, 1, 1), STARTED, []) == []


def test_a_trigger_of_the_list_with_its_evidence_R_EVAL_2():
    problems = ev.judge_opening(lc.IN_EXECUTION, opening("boredom", " "), date(2026, 1, 1), STARTED, [])
    assert {p.field for p in problems} == {"trigger", "evidence"}
    assert all(p.rule_id == "R-EVAL-2" for p in problems)
    assert set(ev.TRIGGERS) >= {"legal_basis_changed", "goals_missed", "executing_unit_request",
                                "decision_body_request", "plan_mid_term", "plan_end"}


def test_a_broad_policy_after_one_year_of_execution_R_EVAL_2():
    early = ev.judge_opening(lc.IN_EXECUTION, opening("one_year_of_broad_policy"), date(2026, 2, 28), STARTED, [])
    assert [p.field for p in early] == ["trigger"] and "2026-03-01" in early[0].reason
    assert ev.judge_opening(lc.IN_EXECUTION, opening("one_year_of_broad_policy"), date(2026, 3, 1), STARTED,
                            []) == []


def test_no_repeat_within_12_months_without_new_circumstance_R_EVAL_2():
    previous = [date(2025, 6, 10)]
    [problem] = ev.judge_opening(lc.IN_EXECUTION, opening(), date(2026, 6, 9), STARTED, previous)
    assert problem.field == "new_circumstance" and problem.rule_id == "R-EVAL-2" and "2026-06-10" in problem.reason
    assert ev.judge_opening(lc.IN_EXECUTION, opening(new="上位法修订"), date(2026, 6, 9), STARTED, previous) == []
    assert ev.judge_opening(lc.IN_EXECUTION, opening(), date(2026, 6, 10), STARTED, previous) == []


def test_twelve_months_from_the_29th_of_february_R_EVAL_2():
    assert ev.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert ev.add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert ev.add_months(date(9999, 6, 1), 12) == date.max  # never an overflow
