"""Issue 17, the compact record of a draw (R-PANEL-2): the frozen candidate list's canonical stored form keeps the
hash the record and the verification use; the exclusions are counted by stage and rule id and hashed; a filter
that is no stage or rule id is refused in Chinese."""

from __future__ import annotations

import pytest

from assignment.domain.exclusions import exclusion_filter_problems
from assignment.selection.constraints import Candidate, Constraints, candidates_hash
from assignment.selection.frozen import (
    exclusions_hash,
    exclusions_summary,
    pack_candidates,
    packed_digest,
    rule_key,
    unpack_candidates,
)

CANDIDATES = [Candidate(7, frozenset({"LAW", "ECON"}), 3, "academia", "杭州"), Candidate(2, frozenset(), None, "", ""),
              Candidate(40, frozenset({"LAW"}), -99, "government", "宁波")]
EXCLUSIONS = [
    {"kind": "expert", "id": 5, "stage": "conflict", "reasons": [
        {"rule_id": "R-COI-1", "message": "申请人", "explanation": "甲 —申请→ 事项"},
        {"rule_id": "R-COI-1", "message": "另一条路径", "explanation": ""}]},
    {"kind": "expert", "id": 3, "stage": "registry", "reasons": [
        {"rule_id": "R-POOL-4", "message": "无聘期", "explanation": ""},
        {"rule_id": "R-POOL-7", "message": "未签承诺书", "explanation": ""}]},
    {"kind": "expert", "id": 9, "stage": "workload", "reasons": [{"rule_id": "WORKLOAD", "message": "已满"}]},
]


def test_the_stored_form_unpacks_to_the_same_list_and_hash_R_PANEL_2():
    k = Constraints(3, {"LAW": 1})
    packed, digest, count = pack_candidates(CANDIDATES)
    again = unpack_candidates(packed)
    assert [c.id for c in again] == [2, 7, 40] and count == 3  # id order, the canonical one
    assert set(again) == set(CANDIDATES) and candidates_hash(again, k) == candidates_hash(CANDIDATES, k)
    assert packed_digest(packed) == digest and pack_candidates(list(reversed(CANDIDATES)))[0] == packed
    assert pack_candidates([]) == (pack_candidates([])[0], pack_candidates([])[1], 0)
    assert unpack_candidates(pack_candidates([])[0]) == []


def test_an_unreadable_stored_list_is_refused_R_PANEL_2():
    with pytest.raises(ValueError):
        unpack_candidates("not a list")


def test_exclusions_counted_by_stage_and_rule_once_each_R_PANEL_2():
    summary = exclusions_summary(EXCLUSIONS)
    assert summary == {"total": 3, "by_stage": {"conflict": 1, "registry": 1, "workload": 1},
                       "by_rule": {"R-COI-1": 1, "R-POOL-4": 1, "R-POOL-7": 1, "WORKLOAD": 1}}
    assert exclusions_summary([]) == {"total": 0, "by_stage": {}, "by_rule": {}}
    assert rule_key(EXCLUSIONS[1]["reasons"]) == ",R-POOL-4,R-POOL-7," and rule_key([]) == ","


def test_the_exclusions_hash_ignores_order_and_sees_any_change_R_PANEL_2():
    honest = exclusions_hash(EXCLUSIONS)
    assert exclusions_hash(list(reversed(EXCLUSIONS))) == honest
    assert exclusions_hash(EXCLUSIONS[:2]) != honest
    changed = [*EXCLUSIONS[:2], {**EXCLUSIONS[2], "stage": "registry"}]
    assert exclusions_hash(changed) != honest


def test_a_filter_that_is_no_stage_or_rule_id_is_refused_R_PANEL_2():
    assert exclusion_filter_problems("conflict", "R-COI-1") == []
    assert exclusion_filter_problems(None, "WORKLOAD") == [] and exclusion_filter_problems(None, None) == []
    stage, rule = exclusion_filter_problems("抽签", "R-COI-1' OR 1=1")
    assert stage.field == "stage" and "排除环节" in stage.reason and stage.rule_id == "R-PANEL-2"
    assert rule.field == "rule_id" and "规则编号" in rule.reason
