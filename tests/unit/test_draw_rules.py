"""Pure rules of issue 11: one live draw per item and purpose, its cancellation (R-PANEL-2), and who may be
added from outside the pool (R-PANEL-3)."""

from __future__ import annotations

from assignment.domain.membership import answer_problem
from assignment.domain.requests import (
    OutOfPool,
    cancellation_decision_problem,
    cancellation_request_problem,
    live_request_problem,
    out_of_pool_decision_problem,
    out_of_pool_standing_problems,
    real_reason_problem,
    status_after_cancellation_decision,
)

NOT_IN_POOL = ("R-POOL-4", "no_current_term", "不在任何有效聘期内")
DISMISSED = ("R-POOL-5", "dismissed", "已于 2026-11-01 解聘")
DISCREDITED = ("R-POOL-7", "discredited", "有失信记录")


def test_a_second_live_draw_names_the_first_R_PANEL_2():
    assert live_request_problem([]) is None
    problem = live_request_problem([(12, 1, "active")])
    assert problem is not None and problem.rule_id == "R-PANEL-2" and "抽取请求 12（第 1 次抽取）" in problem.reason
    waiting = live_request_problem([(12, 2, "cancellation_requested")])
    assert waiting is not None and "尚待政策法规处决定" in waiting.reason


def test_cancellation_is_asked_once_and_decided_once_R_PANEL_2():
    assert cancellation_request_problem("active") is None
    assert cancellation_request_problem("cancellation_requested") is not None
    assert cancellation_request_problem("cancelled") is not None
    assert cancellation_decision_problem("cancellation_requested") is None
    assert cancellation_decision_problem("active") is not None and cancellation_decision_problem("cancelled")
    assert status_after_cancellation_decision(True) == "cancelled"
    assert status_after_cancellation_decision(False) == "active"


def test_a_reason_is_real_text():
    assert real_reason_problem("reason", "论证材料需要补充") is None
    assert real_reason_problem("reason", "the material changed") is None
    for empty in ("", "？？", "1234567", "..  ..", "好"):
        assert real_reason_problem("reason", empty, "R-PANEL-3").rule_id == "R-PANEL-3"


def test_out_of_pool_only_from_outside_the_eligible_pool_R_PANEL_3():
    named = [OutOfPool(1, "指定这位专家"), OutOfPool(2, "专门问题"), OutOfPool(3, "专门问题"), OutOfPool(4, "专门问题")]
    reasons = {1: [], 2: [NOT_IN_POOL], 3: [DISMISSED, DISCREDITED, NOT_IN_POOL], 4: [NOT_IN_POOL]}
    problems = out_of_pool_standing_problems(named, {1, 9}, reasons, {4: "on 3 active panels (limit 3)"})
    by_field = {}
    for p in problems:
        by_field.setdefault(p.field, []).append(p)
    assert "out_of_pool[1].expert_id" not in by_field  # merely not in the pool: may be invited
    [picked] = by_field["out_of_pool[0].expert_id"]
    assert picked.rule_id == "R-PANEL-3" and "在库且符合条件的专家应通过随机抽取产生" in picked.reason
    assert {p.rule_id for p in by_field["out_of_pool[2].expert_id"]} == {"R-POOL-5", "R-POOL-7"}
    [busy] = by_field["out_of_pool[3].expert_id"]
    assert busy.rule_id == "R-PANEL-3" and "工作量上限" in busy.reason


def test_an_out_of_pool_invitation_waits_for_the_office_R_PANEL_3():
    assert out_of_pool_decision_problem("awaiting_approval") is None
    assert out_of_pool_decision_problem("pending").rule_id == "R-PANEL-3"
    assert out_of_pool_decision_problem(None).field == "expert_id"
    waiting = answer_problem("awaiting_approval")
    assert waiting is not None and waiting.rule_id == "R-PANEL-3"
    assert answer_problem("pending") is None and answer_problem("withdrawn") is not None
