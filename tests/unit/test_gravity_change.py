"""Issue 11, R-PANEL-1: the pure rule for changing an item's gravity flags."""

from __future__ import annotations

from decisions.domain.gravity import DrawnPanel, judge_gravity_change

PLAIN = {"wide_scope": False, "controversial": False, "complex": False, "sensitive": False}
WANTED_NONE = dict.fromkeys(PLAIN)


def test_no_change_needs_no_reason_R_PANEL_1():
    change = judge_gravity_change(PLAIN, {**WANTED_NONE, "complex": False}, "", [])
    assert change.problem is None and change.changes == {} and change.minimum_after == 5


def test_a_change_without_reason_is_refused_R_PANEL_1():
    change = judge_gravity_change(PLAIN, {**WANTED_NONE, "sensitive": True}, "  ", [])
    assert change.problem is not None and change.problem.kind == "invalid" and change.problem.field == "reason"
    assert change.problem.rule_id == "R-PANEL-1"


def test_clearing_after_a_draw_is_a_conflict_even_when_another_flag_keeps_seven_R_PANEL_1():
    grave = {**PLAIN, "controversial": True, "wide_scope": True}
    drawn = [DrawnPanel(3, 7, "argument")]
    change = judge_gravity_change(grave, {**WANTED_NONE, "controversial": False}, "化解", drawn)
    assert change.problem is not None and change.problem.kind == "conflict"
    assert change.problem.field == "controversial" and "#3" in change.problem.reason


def test_raising_after_a_small_draw_is_allowed_with_a_note_R_PANEL_1():
    change = judge_gravity_change(PLAIN, {**WANTED_NONE, "complex": True}, "复杂", [DrawnPanel(4, 5, "argument"),
                                                                                 DrawnPanel(5, 7, "argument")])
    assert change.problem is None and change.changes == {"complex": (False, True)}
    assert (change.minimum_before, change.minimum_after) == (5, 7)
    assert len(change.notes) == 1 and "#4" in change.notes[0]
