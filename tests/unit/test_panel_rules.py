"""Panel rules as pure functions, without HTTP or database: size (R-PANEL-1), balance defaults
(R-PANEL-2), out-of-pool experts (R-PANEL-3), study time (R-PANEL-4), modes and the group leader
(R-PANEL-5), workload caps, answers and opinions, and the record-filing deadline (R-REC-3)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from assignment.domain.membership import (
    answer_problem,
    choose_leader,
    has_leader,
    leader_after_replacement,
    leader_report_problem,
    leader_report_status,
    opinion_status,
    submission_problem,
    workload,
    workload_problem,
)
from assignment.domain.requests import (
    OutOfPool,
    balance_constraints,
    deadline_problem,
    earliest_deadline,
    institution_request_problem,
    minimum_members,
    out_of_pool_conflicts,
    out_of_pool_problems,
    size_problem,
    study_deadline,
)
from decisions.domain.filing import filing_due, filing_reminder_due
from decisions.domain.gravity import GRAVITY_FLAGS, minimum_panel_size

NOT_GRAVE = dict.fromkeys(GRAVITY_FLAGS, False)


# --- R-PANEL-1 -------------------------------------------------------------------------------------
def test_five_experts_at_least_R_PANEL_1():
    assert minimum_panel_size(NOT_GRAVE) == 5
    assert minimum_panel_size({}) == 5


@pytest.mark.parametrize("flag", GRAVITY_FLAGS)
def test_seven_experts_when_any_gravity_flag_is_set_R_PANEL_1(flag):
    assert minimum_panel_size({**NOT_GRAVE, flag: True}) == 7


def test_minimum_applies_to_experts_not_to_institutions_R_PANEL_1():
    grave = {**NOT_GRAVE, "sensitive": True}
    assert minimum_members("expert", grave) == 7
    assert minimum_members("institution", grave) == 1


def test_a_panel_below_the_minimum_is_refused_saying_why_R_PANEL_1():
    assert size_problem(5, 5) is None
    assert size_problem(9, 7) is None
    small = size_problem(4, 5)
    assert (small.field, small.rule_id) == ("size", "R-PANEL-1")
    assert small.reason == "至少需要 5 名专家（专家论证一律如此）；本次请求 4 名"
    grave = size_problem(6, 7)
    assert "至少需要 7 名" in grave.reason and "涉及面广" in grave.reason and "本次请求 6 名" in grave.reason


# --- R-PANEL-2 defaults ----------------------------------------------------------------------------
def test_expert_panels_default_to_one_per_employer_and_at_most_half_per_sector_R_PANEL_2():
    k = balance_constraints("expert", 7, {"LAW": 2}, 1, None, {"温州": 1}, [4, 9])
    assert (k.size, k.max_per_employer, k.max_per_sector) == (7, 1, 4)
    assert k.min_per_specialty == {"LAW": 2} and k.max_per_region == {"温州": 1} and k.dissenting == {4, 9}
    assert balance_constraints("expert", 6, {}, 2, 2, {}, []).max_per_sector == 2  # as requested
    assert balance_constraints("expert", 1, {}, 1, None, {}, []).max_per_sector is None


def test_institution_panels_have_no_employer_or_sector_limits_R_PANEL_2():
    k = balance_constraints("institution", 3, {}, 1, 2, {}, [])
    assert k.max_per_employer is None and k.max_per_sector is None


# --- R-PANEL-3 -------------------------------------------------------------------------------------
def test_out_of_pool_experts_exist_are_named_once_and_have_a_reason_R_PANEL_3():
    named = [OutOfPool(3, "参与过同类项目论证"), OutOfPool(99, "特殊事项"), OutOfPool(3, "重复"), OutOfPool(5, "")]
    problems = out_of_pool_problems(named, known={3, 5})
    assert [(p.field, p.reason) for p in problems] == [
        ("out_of_pool[1].expert_id", "没有编号为 99 的专家"),
        ("out_of_pool[2].expert_id", "同一专家列了两次"),
        ("out_of_pool[3].reason", "邀请库外专家须记录理由"),
    ]
    assert problems[-1].rule_id == "R-PANEL-3"
    assert out_of_pool_problems([OutOfPool(3, "参与过同类项目论证")], known={3}) == []


def test_out_of_pool_experts_pass_the_same_conflict_check_R_PANEL_3():
    named = [OutOfPool(3, "理由甲"), OutOfPool(8, "理由乙")]
    refused = out_of_pool_conflicts(named, {8: ("employed by the drafting unit", "R-COI-1")})
    assert [(p.field, p.reason, p.rule_id) for p in refused] == [
        ("out_of_pool[1].expert_id", "employed by the drafting unit", "R-COI-1")]
    assert out_of_pool_conflicts(named, {}) == []


def test_institutions_come_from_the_pool_without_quotas_or_additions_R_PANEL_3():
    assert institution_request_problem("institution", out_of_pool=True, specialty_quotas=False).field == "subject_kind"
    assert institution_request_problem("institution", out_of_pool=False, specialty_quotas=True) is not None
    assert institution_request_problem("institution", out_of_pool=False, specialty_quotas=False) is None
    assert institution_request_problem("expert", out_of_pool=True, specialty_quotas=True) is None


# --- R-PANEL-4 -------------------------------------------------------------------------------------
def test_seven_working_days_of_study_follow_the_official_calendar_R_PANEL_4():
    assert earliest_deadline(date(2026, 11, 24)).day == date(2026, 12, 3)  # an ordinary fortnight
    assert earliest_deadline(date(2026, 9, 28)).day == date(2026, 10, 13)  # across the National Day holiday


def test_a_deadline_cutting_the_study_time_short_is_refused_R_PANEL_4():
    assert deadline_problem(date(2026, 11, 24), None) is None
    assert deadline_problem(date(2026, 11, 24), date(2026, 12, 3)) is None
    early = deadline_problem(date(2026, 11, 24), date(2026, 12, 2))
    assert (early.field, early.rule_id) == ("deadline", "R-PANEL-4")
    assert "最早的研究期限为 2026-12-03" in early.reason


def test_the_deadline_defaults_to_the_earliest_and_says_when_the_calendar_is_unknown_R_PANEL_4():
    assert study_deadline(date(2026, 11, 24), None) == (date(2026, 12, 3), False)
    assert study_deadline(date(2026, 11, 24), date(2026, 12, 10)) == (date(2026, 12, 10), False)
    day, provisional = study_deadline(date(2026, 12, 28), None)  # runs into a year not yet published
    assert day.year == 2027 and provisional


# --- R-PANEL-5 -------------------------------------------------------------------------------------
def test_only_a_group_has_a_leader_drawn_with_the_seed_R_PANEL_5():
    members = [11, 12, 13, 14, 15]
    assert choose_leader("meeting", members, 42) is None
    assert choose_leader("individual", members, 42) is None
    leader = choose_leader("group", members, 42)
    assert leader in members and choose_leader("group", members, 42) == leader  # the recorded seed re-runs
    assert {choose_leader("group", members, seed) for seed in range(50)} == set(members)
    assert has_leader("group") and not has_leader("meeting")


def test_a_leaving_leader_is_followed_by_the_replacement_R_PANEL_5():
    assert leader_after_replacement(12, leaving=12, joining=20) == 20
    assert leader_after_replacement(12, leaving=13, joining=20) == 12
    assert leader_after_replacement(None, leaving=13, joining=20) is None


def test_only_group_mode_has_a_leader_report_R_PANEL_5():
    refused = leader_report_problem("meeting")
    assert (refused.field, refused.rule_id) == ("mode", "R-PANEL-5")
    assert leader_report_problem("group") is None
    deadline = date(2026, 12, 3)
    assert leader_report_status("individual", None, deadline, date(2026, 12, 10)) == "not_applicable"
    assert leader_report_status("group", None, deadline, date(2026, 12, 10)) == "missing"
    assert leader_report_status("group", date(2026, 12, 2), deadline, date(2026, 12, 10)) == "on_time"


# --- answers, opinions, workload -------------------------------------------------------------------
def test_opinions_are_on_time_late_missing_or_pending():
    deadline = date(2026, 12, 3)
    assert opinion_status(date(2026, 12, 3), deadline, date(2026, 12, 9)) == "on_time"
    assert opinion_status(date(2026, 12, 4), deadline, date(2026, 12, 9)) == "late"
    assert opinion_status(None, deadline, date(2026, 12, 4)) == "missing"
    assert opinion_status(None, deadline, date(2026, 12, 3)) == "pending"


def test_an_invitation_is_answered_once_and_submissions_are_not_dated_ahead():
    assert answer_problem("pending") is None
    assert answer_problem("declined").reason == "该邀请已处理（当前状态：已谢绝）"
    assert submission_problem(date(2026, 11, 24), date(2026, 11, 24)) is None
    assert submission_problem(date(2026, 11, 25), date(2026, 11, 24)).field == "submitted_on"


def test_workload_counts_current_panels_and_this_years_panels():
    day = date(2026, 11, 24)
    rows = [(1, date(2026, 12, 3), datetime(2026, 11, 20)), (1, date(2026, 11, 1), datetime(2026, 10, 1)),
            (2, date(2026, 1, 10), datetime(2025, 12, 30))]
    active, year = workload(rows, day)
    assert (active[1], year[1], active[2], year[2]) == (1, 2, 0, 0)
    assert workload_problem(1, 2, max_active=3, max_per_year=10) is None
    assert workload_problem(3, 2, max_active=3, max_per_year=10).startswith("已在 3 个进行中的论证组中（上限 3 个）")
    assert workload_problem(0, 10, max_active=3, max_per_year=10) is not None


# --- R-REC-3 ---------------------------------------------------------------------------------------
def test_the_record_is_filed_within_ten_working_days_of_the_decision_R_REC_3():
    assert filing_due(date(2026, 11, 16)) == date(2026, 11, 30)
    assert filing_due(date(2026, 9, 25)) == date(2026, 10, 15)  # the National Day holiday does not count
    assert not filing_reminder_due(date(2026, 11, 16), date(2026, 11, 24))  # 6th working day
    assert filing_reminder_due(date(2026, 11, 16), date(2026, 11, 25))  # from the 7th (issue 14)
    assert filing_reminder_due(date(2026, 11, 16), date(2026, 12, 20))
