"""Issue 13, pure rules: a replacement keeps 7 working days of study (R-PANEL-4), the group leader must
have accepted and be a member (R-PANEL-5), and the messages a user reads are in Chinese."""

from __future__ import annotations

from datetime import date

from assignment.domain.membership import (
    latest_deadline,
    leader_report_problem,
    member_deadline,
    naming_leader_problem,
    replacement_deadline,
    request_leader_problem,
    workload_problem,
)

REQUEST_DEADLINE = date(2026, 12, 3)  # 7 working days after a hand-over on 2026-11-24


def test_a_replacement_keeps_seven_working_days_its_deadline_moves_R_PANEL_4():
    # drawn 12-01 for a 12-03 deadline: the replacement's own deadline moves to the 7th working day after
    assert replacement_deadline(REQUEST_DEADLINE, date(2026, 12, 1), False) == (date(2026, 12, 10), False, "")
    # after the deadline passed, too
    assert replacement_deadline(REQUEST_DEADLINE, date(2026, 12, 8), False)[0] == date(2026, 12, 17)
    # a deadline that still leaves 7 working days does not move
    assert replacement_deadline(date(2026, 12, 31), date(2026, 12, 1), False) == (date(2026, 12, 31), False, "")
    # National Day does not count: 7 working days from 2026-09-28 end on 10-13 (the 调休 Saturday counts)
    assert replacement_deadline(date(2026, 9, 30), date(2026, 9, 28), False)[0] == date(2026, 10, 13)


def test_a_fixed_deadline_is_a_shortfall_not_a_short_study_time_R_PANEL_4():
    deadline, _, why = replacement_deadline(REQUEST_DEADLINE, date(2026, 12, 1), True)
    assert deadline is None and "7 个工作日" in why and "不得顺延" in why and "2026-12-10" in why
    assert replacement_deadline(date(2026, 12, 31), date(2026, 12, 1), True)[0] == date(2026, 12, 31)


def test_a_count_into_an_unpublished_year_is_provisional_R_PANEL_4():
    deadline, provisional, _ = replacement_deadline(date(2026, 12, 25), date(2026, 12, 28), False)
    assert deadline is not None and deadline.year == 2027 and provisional


def test_each_member_is_judged_against_their_own_deadline_R_PANEL_4():
    assert member_deadline(None, REQUEST_DEADLINE) == REQUEST_DEADLINE  # rows before issue 13
    assert member_deadline(date(2026, 12, 10), REQUEST_DEADLINE) == date(2026, 12, 10)
    assert latest_deadline([date(2026, 12, 10), REQUEST_DEADLINE], REQUEST_DEADLINE) == date(2026, 12, 10)
    assert latest_deadline([], REQUEST_DEADLINE) == REQUEST_DEADLINE


def test_the_leader_report_needs_a_leader_who_accepted_R_PANEL_5():
    assert leader_report_problem("group", "accepted") is None
    pending = leader_report_problem("group", "pending")
    assert pending is not None and pending.rule_id == "R-PANEL-5" and "尚未接受邀请" in pending.reason
    assert leader_report_problem("group", None) is not None  # no leader now
    assert leader_report_problem("meeting", "accepted").field == "mode"


def test_a_leader_named_at_the_request_must_be_a_named_member_R_PANEL_5():
    assert request_leader_problem("group", None, []) is None
    assert request_leader_problem("group", 12, [12]) is None
    stranger = request_leader_problem("group", 99, [12])
    assert stranger is not None and (stranger.field, stranger.rule_id) == ("leader_id", "R-PANEL-5")
    assert request_leader_problem("meeting", 12, [12]) is not None


def test_the_leader_is_named_among_accepted_members_R_PANEL_5():
    members = {1: "accepted", 2: "pending", 3: "declined"}
    assert naming_leader_problem("group", 1, members, False) is None
    kind, problem = naming_leader_problem("group", 99, members, False)
    assert kind == "invalid" and problem.field == "expert_id" and "不是本论证组的成员" in problem.reason
    assert naming_leader_problem("group", 2, members, False)[0] == "conflict"
    assert naming_leader_problem("group", 3, members, False)[0] == "conflict"
    assert naming_leader_problem("group", 1, members, True)[0] == "conflict"  # the report is in
    assert naming_leader_problem("meeting", 1, members, False)[0] == "conflict"


def test_the_workload_message_is_chinese():
    assert workload_problem(3, 4, 3, 10) == "已在 3 个进行中的论证组中（上限 3 个），本年度已参加 4 个（上限 10 个）"
