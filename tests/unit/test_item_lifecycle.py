"""Issue 14: the pure rule of an item's life: drafting → under_argument / under_risk_assessment → decided →
in_execution → under_evaluation (by an evaluation only, R-EVAL-2) → evaluated."""

from __future__ import annotations

from datetime import date

from decisions.domain import lifecycle as lc

OPENED = date(2026, 10, 1)


def judge(state, to, via_evaluation=False, standing_decided=None, **step):
    step.setdefault("reason", "按程序推进")
    return lc.judge_step(lc.Standing(state, OPENED, standing_decided), lc.Step(to, **step),
                         via_evaluation=via_evaluation)


def test_the_states_in_order_pass():
    assert judge(lc.DRAFTING, lc.UNDER_ARGUMENT) == []
    assert judge(lc.DRAFTING, lc.UNDER_RISK) == []
    assert judge(lc.UNDER_ARGUMENT, lc.UNDER_RISK) == []
    assert judge(lc.UNDER_RISK, lc.DECIDED, decided_on=date(2026, 11, 1), document_number="市政发〔2026〕12号") == []
    assert judge(lc.DECIDED, lc.IN_EXECUTION, standing_decided=date(2026, 11, 1),
                 execution_started_on=date(2026, 12, 1)) == []
    assert judge(lc.UNDER_EVALUATION, lc.EVALUATED, via_evaluation=True) == []
    assert judge(lc.EVALUATED, lc.IN_EXECUTION) == []


def test_a_step_out_of_order_is_refused_with_the_allowed_steps():
    [problem] = judge(lc.DRAFTING, lc.DECIDED, decided_on=date(2026, 11, 1), document_number="x")
    assert problem.kind == "out_of_order" and problem.field == "to"
    assert "under_argument" in problem.reason and "under_risk_assessment" in problem.reason
    assert lc.allowed_next(lc.DRAFTING) == [lc.UNDER_ARGUMENT, lc.UNDER_RISK]
    assert judge(lc.DECIDED, lc.DRAFTING)[0].kind == "out_of_order"
    assert judge(lc.DRAFTING, "nowhere")[0].kind == "invalid"


def test_evaluation_states_are_entered_only_by_an_evaluation_R_EVAL_2():
    [problem] = judge(lc.IN_EXECUTION, lc.UNDER_EVALUATION)
    assert problem.kind == "out_of_order" and problem.rule_id == "R-EVAL-2"
    assert lc.allowed_next(lc.IN_EXECUTION) == []
    assert lc.allowed_next(lc.IN_EXECUTION, via_evaluation=True) == [lc.UNDER_EVALUATION]


def test_deciding_needs_the_date_and_the_document_number():
    problems = judge(lc.UNDER_ARGUMENT, lc.DECIDED)
    assert {p.field for p in problems} == {"decided_on", "document_number"}
    early = judge(lc.UNDER_ARGUMENT, lc.DECIDED, decided_on=date(2026, 9, 1), document_number="x")
    assert [p.field for p in early] == ["decided_on"] and "早于" in early[0].reason
    wrong_time = judge(lc.DRAFTING, lc.UNDER_ARGUMENT, document_number="x")
    assert [p.field for p in wrong_time] == ["document_number"]


def test_execution_needs_its_start_not_before_the_decision():
    assert [p.field for p in judge(lc.DECIDED, lc.IN_EXECUTION)] == ["execution_started_on"]
    early = judge(lc.DECIDED, lc.IN_EXECUTION, standing_decided=date(2026, 11, 1),
                  execution_started_on=date(2026, 10, 2))
    assert [p.field for p in early] == ["execution_started_on"]


def test_every_step_needs_a_reason():
    assert [p.field for p in judge(lc.DRAFTING, lc.UNDER_ARGUMENT, reason="  ")] == ["reason"]


def test_the_state_follows_the_latest_step():
    assert lc.current_state([], None) == lc.DRAFTING
    assert lc.current_state([], date(2026, 11, 1)) == lc.DECIDED  # decided before the states existed
    assert lc.current_state([lc.UNDER_ARGUMENT, lc.DECIDED], date(2026, 11, 1)) == lc.DECIDED
