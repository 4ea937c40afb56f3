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


def _entry(item_id, started=date(2025, 3, 1), state="in_execution"):
    return ev.PlanEntry(item_id, True, state, started)


def test_a_yearly_plan_holds_one_to_three_decisions_R_EVAL_3():
    today = date(2026, 11, 24)
    assert ev.judge_plan(2027, [_entry(1)], today) == []
    assert ev.judge_plan(2027, [_entry(1), _entry(2), _entry(3)], today) == []
    for entries in ([], [_entry(i) for i in range(1, 5)]):
        [problem] = ev.judge_plan(2027, entries, today)
        assert problem.field == "item_ids" and problem.rule_id == "R-EVAL-3"


def test_planned_decisions_were_executed_for_over_a_year_R_EVAL_3():
    today = date(2026, 11, 24)
    problems = ev.judge_plan(2027, [_entry(1, date(2026, 6, 1)), _entry(2, None, "decided"),
                                    ev.PlanEntry(3, False)], today)
    assert [p.field for p in problems] == ["item_ids[0]", "item_ids[1]", "item_ids[2]"]
    assert [p.field for p in ev.judge_plan(2027, [_entry(4), _entry(4)], today)] == ["item_ids[1]"]
    assert problems[0].rule_id == "R-EVAL-3" and "未满一年" in problems[0].reason
    assert ev.judge_plan(2027, [_entry(1, date(2026, 1, 1))], today) == []  # a year by 2027-01-01


def test_candidates_are_wide_or_triggered_after_a_year_of_execution_R_EVAL_3():
    by = date(2027, 1, 1)
    assert ev.candidate_reasons("in_execution", date(2025, 3, 1), True, [], by)[1] == "涉及面广"
    assert "公众" in ev.candidate_reasons("in_execution", date(2025, 3, 1), False, ["public_complaints"], by)[1]
    assert ev.candidate_reasons("in_execution", date(2025, 3, 1), False, [], by) == []
    assert ev.candidate_reasons("in_execution", date(2026, 6, 1), True, [], by) == []
    assert ev.candidate_reasons("decided", None, True, [], by) == []
