"""Filing the full record after the decision (R-REC-3, issue 14): the due date in working days, the filing status,
who is reminded on which day, and when filing is refused. Pure; no app, no database."""

from __future__ import annotations

from datetime import date

from decisions.domain import filing as f
from decisions.domain.workdays import YearSchedule

DECIDED = date(2026, 11, 16)  # a Monday; working days after it: 11-17 (1) … 11-24 (6), 11-25 (7) … 11-30 (10)


def test_the_record_is_due_ten_working_days_after_the_decision_R_REC_3():
    assert f.filing_due(DECIDED) == date(2026, 11, 30)
    assert f.filing_due(date(2026, 9, 25)) == date(2026, 10, 15)  # National Day's holiday does not count
    entered = {2026: YearSchedule(2026, frozenset({date(2026, 11, 17), date(2026, 11, 18)}), frozenset())}
    assert f.filing_due(DECIDED, entered) == date(2026, 12, 2)  # the office's calendar decides


def test_filing_status_due_overdue_on_time_and_late_R_REC_3():
    due = f.filing_status(DECIDED, date(2026, 11, 30), None)
    assert (due.status, due.due_on, due.working_days_overdue) == (f.DUE, date(2026, 11, 30), 0)
    overdue = f.filing_status(DECIDED, date(2026, 12, 3), None)
    assert (overdue.status, overdue.working_days_overdue, overdue.rule_id) == (f.OVERDUE, 3, "R-REC-3")
    on_time = f.filing_status(DECIDED, date(2026, 12, 20), date(2026, 11, 30))
    assert (on_time.status, on_time.label, on_time.working_days_overdue) == (f.FILED_ON_TIME, "按期归档", 0)
    late = f.filing_status(DECIDED, date(2026, 12, 20), date(2026, 12, 1))
    assert (late.status, late.working_days_overdue) == (f.FILED_LATE, 1)
    assert f.filing_status(None, date(2026, 12, 20), None).status == f.NOT_DECIDED


def test_reminders_from_the_seventh_working_day_until_filed_R_REC_3():
    assert f.reminders_start(DECIDED) == date(2026, 11, 25)
    sixth = f.reminder_today(DECIDED, date(2026, 11, 24), None)
    assert not sixth.unit and not sixth.office and "2026-11-25" in sixth.reason
    seventh = f.reminder_today(DECIDED, date(2026, 11, 25), None)
    assert seventh.unit and not seventh.office and seventh.rule_id == "R-REC-3"
    assert f.reminder_today(DECIDED, date(2026, 11, 30), None).unit  # the due day itself: the unit only
    assert not f.reminder_today(DECIDED, date(2026, 11, 30), None).office


def test_the_office_is_told_too_once_overdue_R_REC_3():
    late = f.reminder_today(DECIDED, date(2026, 12, 2), None)
    assert late.unit and late.office and "逾期 2 个工作日" in late.reason


def test_no_reminder_once_filed_before_the_decision_or_twice_a_day_R_REC_3():
    assert not f.reminder_today(DECIDED, date(2026, 12, 2), date(2026, 12, 1)).unit
    assert not f.reminder_today(None, date(2026, 12, 2), None).unit
    again = f.reminder_today(DECIDED, date(2026, 12, 2), None, last_reminded_on=date(2026, 12, 2))
    assert not again.unit and not again.office
    assert f.reminder_today(DECIDED, date(2026, 12, 2), None, last_reminded_on=date(2026, 12, 1)).unit


def test_the_old_name_reminds_from_the_seventh_working_day_R_REC_3():
    assert not f.filing_reminder_due(DECIDED, date(2026, 11, 24))
    assert f.filing_reminder_due(DECIDED, date(2026, 11, 25))


def test_filing_is_refused_before_the_decision_and_a_second_time_R_REC_3():
    early = f.filing_problem("under_argument", None, None)
    assert early is not None and "尚未作出决策" in early.reason and early.rule_id == "R-REC-3"
    assert f.filing_problem("drafting", DECIDED, None) is not None  # a date entered before the steps: no decision
    twice = f.filing_problem("decided", DECIDED, date(2026, 11, 20))
    assert twice is not None and "不能重复归档" in twice.reason
    assert f.filing_problem("decided", DECIDED, None) is None
    assert f.filing_problem("in_execution", DECIDED, None) is None


def test_due_within_counts_working_days_and_leaves_overdue_out_R_REC_3():
    today = date(2026, 11, 26)  # due 11-30: 27 (1), 30 (2)
    assert f.due_within(f.DUE, date(2026, 11, 30), today, 2)
    assert not f.due_within(f.DUE, date(2026, 11, 30), today, 1)
    assert f.due_within(f.DUE, today, today, 0)
    assert not f.due_within(f.OVERDUE, date(2026, 11, 20), today, 5)
    assert not f.due_within(f.FILED_ON_TIME, date(2026, 11, 30), today, 5)
