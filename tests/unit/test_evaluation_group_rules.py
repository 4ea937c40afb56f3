"""Issue 14: the pure rules of the mixed evaluation group (R-EVAL-1) and the evaluation report (R-EVAL-2)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from assignment.domain import evaluation_group as eg


def _complete(**overrides) -> eg.Composition:
    parts: dict[str, Any] = {"evaluating_unit": True, "field_experts": 3, "representatives": 2, "institutions": 1}
    parts.update(overrides)
    return eg.Composition(**parts)


def test_a_group_with_all_four_parts_is_complete_R_EVAL_1():
    assert eg.missing_parts(_complete()) == []


def test_each_missing_part_is_named_with_its_field_R_EVAL_1():
    [unit] = eg.missing_parts(_complete(evaluating_unit=False))
    assert unit.field == "evaluating_unit_id" and "评估单位" in unit.reason and unit.rule_id == "R-EVAL-1"
    [experts] = eg.missing_parts(_complete(field_experts=0))
    assert experts.field == "expert_request_id" and "领域专家" in experts.reason
    [reps] = eg.missing_parts(_complete(representatives=0))
    assert reps.field == "representatives" and "相关单位代表" in reps.reason
    [firms] = eg.missing_parts(_complete(institutions=0))
    assert firms.field == "institution_request_id" and "第三方评估机构" in firms.reason
    nothing = eg.missing_parts(eg.Composition(False, 0, 0, 0))
    assert [p.field for p in nothing] == ["evaluating_unit_id", "expert_request_id", "representatives",
                                          "institution_request_id"]
    assert {p.rule_id for p in nothing} == {"R-EVAL-1"}


def test_a_panel_of_another_item_purpose_or_kind_is_refused_R_EVAL_1():
    good = eg.LinkedPanel(7, item_id=1, purpose="post_evaluation", subject_kind="expert", status="active")
    assert eg.panel_problem("expert_request_id", good, 1, "expert") is None
    other_item = eg.panel_problem("expert_request_id", eg.LinkedPanel(7, 2, "post_evaluation", "expert", "active"),
                                  1, "expert")
    assert other_item is not None and "另一决策事项" in other_item.reason and other_item.rule_id == "R-EVAL-1"
    argued = eg.panel_problem("expert_request_id", eg.LinkedPanel(7, 1, "argument", "expert", "active"), 1, "expert")
    assert argued is not None and "用途不是决策后评估" in argued.reason
    wrong_kind = eg.panel_problem("institution_request_id", good, 1, "institution")
    assert wrong_kind is not None and wrong_kind.field == "institution_request_id"
    assert "第三方评估机构" in wrong_kind.reason
    cancelled = eg.panel_problem("expert_request_id", eg.LinkedPanel(7, 1, "post_evaluation", "expert", "cancelled"),
                                 1, "expert")
    assert cancelled is not None and "已撤销" in cancelled.reason


def test_a_representative_named_twice_for_the_same_unit_is_refused_R_EVAL_1():
    reps = [("王芳", "市交通运输局", "副局长"), ("李强", "市财政局", "处长"), ("王芳", "市交通运输局", "联络员")]
    [twice] = eg.representatives_problems(reps)
    assert twice.field == "representatives[2]" and twice.rule_id == "R-EVAL-1"
    assert eg.representatives_problems(reps[:2]) == []


def test_the_report_needs_a_finding_for_its_own_trigger_each_once_R_EVAL_2():
    assert eg.findings_problems("public_complaints", ["public_complaints", "goals_missed"]) == []
    [missing] = eg.findings_problems("public_complaints", ["goals_missed"])
    assert missing.field == "findings" and "公众反映强烈" in missing.reason and missing.rule_id == "R-EVAL-2"
    problems = eg.findings_problems("public_complaints", ["public_complaints", "nope", "public_complaints"])
    assert [p.field for p in problems] == ["findings[1].trigger", "findings[2].trigger"]


def test_only_the_evaluating_unit_or_the_office_files_the_report():
    assert eg.may_file_report("office", None, 5)
    assert eg.may_file_report("unit", 5, 5)
    assert not eg.may_file_report("unit", 6, 5)
    assert not eg.may_file_report("expert", None, 5)
    assert not eg.may_file_report("auditor", None, 5)


def test_the_report_digest_is_the_sha256_of_its_canonical_json():
    content = {"conclusions": "基本达到预期", "item_id": 3, "findings": [{"trigger": "goals_missed", "finding": "x"}]}
    expected = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True,
                                         separators=(",", ":")).encode()).hexdigest()
    assert eg.report_digest(content) == expected
    assert eg.report_digest(dict(reversed(list(content.items())))) == expected  # key order does not matter
    assert eg.report_digest({**content, "conclusions": "未达到预期"}) != expected


def test_an_evaluation_with_a_group_is_concluded_only_by_its_report_R_EVAL_1():
    problem = eg.conclusion_problem(4, has_group=True, has_report=False)
    assert problem is not None and problem.field == "evaluation_id" and problem.rule_id == "R-EVAL-1"
    assert "评估报告" in problem.reason
    assert eg.conclusion_problem(4, has_group=True, has_report=True) is None
    assert eg.conclusion_problem(4, has_group=False, has_report=False) is None  # a plain conclusion, as before
