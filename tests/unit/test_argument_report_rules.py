"""The argument by mode and its report, pure rules (issue 14, R-PANEL-5, R-DUTY-2)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

import pytest

from assignment.domain.procedure import (
    AdoptionEntry,
    ArgumentState,
    argument_missing,
    assemble_report,
    canonical_json,
    check_adoption,
    check_cosignature,
    check_draft,
    check_minutes,
    report_digest,
)
from core.errors import Forbidden, RuleViolation, StateConflict

TODAY = date(2026, 11, 24)


def fields(state: ArgumentState) -> list[str]:
    return [m.field for m in argument_missing(state)]


def test_individual_mode_needs_every_accepted_members_signed_opinion_R_PANEL_5():
    missing = argument_missing(ArgumentState("individual", (1, 2, 3), signed=frozenset({1})))
    assert [m.field for m in missing] == ["opinions", "opinions"]
    assert {m.rule_id for m in missing} == {"R-PANEL-5"} and "2" in missing[0].reason and "3" in missing[1].reason
    assert argument_missing(ArgumentState("individual", (1, 2), signed=frozenset({1, 2}))) == []


def test_meeting_mode_needs_the_minutes_as_well_as_every_signed_opinion_R_PANEL_5():
    assert fields(ArgumentState("meeting", (1, 2), signed=frozenset({1, 2}))) == ["minutes"]
    assert fields(ArgumentState("meeting", (1, 2), signed=frozenset({1}), minutes=True)) == ["opinions"]
    assert fields(ArgumentState("meeting", (1, 2), signed=frozenset({1, 2}), minutes=True)) == []


def test_group_mode_needs_the_leaders_draft_and_every_other_members_cosignature_or_dissent_R_PANEL_5():
    assert fields(ArgumentState("group", (1, 2, 3), leader=1)) == ["draft", "cosignatures", "cosignatures"]
    assert fields(ArgumentState("group", (1, 2, 3), leader=1, draft=True, cosigned=frozenset({2}))) == \
        ["cosignatures"]
    assert fields(ArgumentState("group", (1, 2, 3), leader=1, draft=True, cosigned=frozenset({2, 3}))) == []
    assert fields(ArgumentState("group", (2, 3), leader=1, draft=True, cosigned=frozenset({2, 3}))) == ["leader"]


def test_no_accepted_member_means_nothing_to_report_R_PANEL_5():
    assert fields(ArgumentState("individual", ())) == ["members"]


def test_minutes_only_in_meeting_mode_once_after_the_meeting_among_accepted_members_R_PANEL_5():
    check_minutes("meeting", [1, 2], [1, 2, 3], TODAY, TODAY, recorded=False)
    with pytest.raises(StateConflict):
        check_minutes("individual", [1], [1], TODAY, TODAY, recorded=False)
    with pytest.raises(StateConflict):
        check_minutes("meeting", [1], [1], TODAY, TODAY, recorded=True)
    with pytest.raises(RuleViolation) as later:
        check_minutes("meeting", [1], [1], date(2026, 11, 25), TODAY, recorded=False)
    assert later.value.errors[0].field == "meeting_on" and later.value.errors[0].rule_id == "R-PANEL-5"
    with pytest.raises(RuleViolation) as stranger:
        check_minutes("meeting", [1, 9], [1, 2], TODAY, TODAY, recorded=False)
    assert stranger.value.errors[0].field == "attendees" and "9" in stranger.value.errors[0].reason


def test_only_the_leader_drafts_once_in_group_mode_R_PANEL_5():
    check_draft("group", 1, 1, drafted=False)
    with pytest.raises(StateConflict):
        check_draft("meeting", 1, 1, drafted=False)
    with pytest.raises(Forbidden):
        check_draft("group", 2, 1, drafted=False)
    with pytest.raises(Forbidden):
        check_draft("group", None, None, drafted=False)
    with pytest.raises(StateConflict):
        check_draft("group", 1, 1, drafted=True)


def test_a_member_cosigns_once_or_dissents_with_a_reason_signed_R_PANEL_5_R_DUTY_2():
    members = [1, 2, 3]
    check_cosignature("group", 2, members, 1, True, False, True, "", True)
    check_cosignature("group", 2, members, 1, True, False, False, "依据不足", True)
    with pytest.raises(RuleViolation) as bare:
        check_cosignature("group", 2, members, 1, True, False, False, "  ", True)
    assert bare.value.errors[0].field == "reason" and bare.value.errors[0].rule_id == "R-PANEL-5"
    with pytest.raises(RuleViolation) as unsigned:
        check_cosignature("group", 2, members, 1, True, False, True, "", False)
    assert unsigned.value.errors[0].rule_id == "R-DUTY-2"
    with pytest.raises(Forbidden):
        check_cosignature("group", 9, members, 1, True, False, True, "", True)
    for args in [("individual", 2, True, False), ("group", 1, True, False), ("group", 2, False, False),
                 ("group", 2, True, True)]:
        mode, caller, drafted, already = args
        with pytest.raises(StateConflict):
            check_cosignature(mode, caller, members, 1, drafted, already, True, "", True)


def test_the_report_says_who_said_what_agreement_and_dissent_and_its_digest_is_of_canonical_json_R_PANEL_5():
    at = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    members = [{"expert_id": n, "name": name, "invitation_id": 10 + n}
               for n, name in ((1, "张三"), (2, "李四"), (3, "王五"))]
    opinions = {1: {"text": "同意", "signed_by": "e1", "signed_at": at}}
    draft = {"leader": 1, "text": "草稿", "drafted_by": "e1", "drafted_at": at}
    signatures = [{"expert": 3, "agrees": True, "reason": "", "signed_by": "e3", "signed_at": at},
                  {"expert": 2, "agrees": False, "reason": "风险未评估", "signed_by": "e2", "signed_at": at}]
    data = assemble_report({"id": 5, "purpose": "argument", "mode": "group"}, {"id": 7, "title": "票价"}, members,
                           opinions, {1: {"filename": "a.pdf", "sha256": "ab", "size": 3}}, None, draft, signatures,
                           "unit1", at)
    assert [m["leader"] for m in data["members"]] == [True, False, False]
    assert data["opinions"] == [{"expert_id": 1, "name": "张三", "invitation_id": 11, "text": "同意", "signed_by": "e1",
                                 "signed_at": at.isoformat(), "attachment": {"filename": "a.pdf", "sha256": "ab",
                                                                              "size": 3}}]
    assert data["dissents"] == [{"expert_id": 2, "name": "李四", "reason": "风险未评估"}]
    assert data["agreements"] == [{"expert_id": 3, "name": "王五"}]
    assert data["group"]["leader"] == {"expert_id": 1, "name": "张三"} and data["minutes"] is None
    assert report_digest(data) == hashlib.sha256(canonical_json(data).encode()).hexdigest()
    assert report_digest({"b": 1, "a": "论证"}) == report_digest({"a": "论证", "b": 1})  # key order does not count
    assert report_digest({**data, "dissents": []}) != report_digest(data)


def test_every_member_is_named_once_and_a_rejection_carries_its_reason_R_PANEL_7():
    members = [1, 2]
    check_adoption(members, [AdoptionEntry(1, True), AdoptionEntry(2, False, "不符合上位法")], "unit", False, "")
    for entries in ([AdoptionEntry(1, True)], [AdoptionEntry(1, True), AdoptionEntry(2, True), AdoptionEntry(3, True)],
                    [AdoptionEntry(1, True), AdoptionEntry(1, True), AdoptionEntry(2, True)]):
        with pytest.raises(RuleViolation) as named:
            check_adoption(members, entries, "unit", False, "")
        assert named.value.errors[0].field == "entries" and named.value.errors[0].rule_id == "R-PANEL-7"
    with pytest.raises(RuleViolation) as bare:
        check_adoption(members, [AdoptionEntry(1, True), AdoptionEntry(2, False, " ")], "unit", False, "")
    assert bare.value.errors[0].field == "entries[1].reason" and bare.value.errors[0].rule_id == "R-PANEL-7"


def test_the_unit_records_once_and_only_the_office_corrects_with_a_reason_R_PANEL_7():
    entries = [AdoptionEntry(1, True)]
    with pytest.raises(StateConflict):
        check_adoption([1], entries, "unit", True, "")
    with pytest.raises(StateConflict):
        check_adoption([1], entries, "office", False, "更正")
    with pytest.raises(RuleViolation) as no_reason:
        check_adoption([1], entries, "office", True, "")
    assert no_reason.value.errors[0].field == "reason" and no_reason.value.errors[0].rule_id == "R-PANEL-7"
    check_adoption([1], entries, "office", True, "单位来函更正")
