"""R-COI-5 on a small hand-built graph: a commissioned institution may not subcontract without the
commissioning party's consent, and the outside experts it hires (and a consented subcontractor) pass
the same conflict checks as the institution itself (``conflicts.rules.check_commission``)."""

from datetime import date

from assignment.domain.commission import (
    CommissionTerm,
    Refusal,
    commission_closed_reason,
    commission_dates_problem,
    outside_expert_identity_problems,
    party_refusals,
    revocation_problem,
    subcontract_problem,
)
from conflicts.graph import Relation, RelationGraph
from conflicts.policy import EdgeKind as K
from conflicts.policy import Purpose, default_policy
from conflicts.rules import check_commission
from decisions.domain.options import Option, option_problems

DAY = date(2026, 11, 24)
ITEM = ("item", 1)
EVALUATOR, SUBCONTRACTOR, OTHER_FIRM, APPLICANT = (("institution", i) for i in range(1, 5))
HIRED, OUTSIDER = ("expert", 1), ("expert", 2)


def graph(*relations: Relation) -> RelationGraph:
    g = RelationGraph()
    names = {ITEM: "老旧小区改造方案", EVALUATOR: "之江评估咨询有限公司", SUBCONTRACTOR: "钱塘数据服务有限公司",
             OTHER_FIRM: "西湖工程咨询有限公司", APPLICANT: "某城投集团", HIRED: "孙八", OUTSIDER: "周九"}
    for node, name in names.items():
        g.add_node(node, name)
    for r in relations:
        g.add(r)
    return g


def commission(g: RelationGraph, hired=(), subcontractors=(), purpose=Purpose.POST_EVALUATION):
    return check_commission(g, default_policy(), ITEM, purpose, DAY, EVALUATOR, list(hired), list(subcontractors))


def test_subcontracting_without_consent_is_a_finding_R_COI_5():
    findings, conflicts = commission(graph(), subcontractors=[(SUBCONTRACTOR, False), (OTHER_FIRM, True)])
    assert [(f.field, f.rule_id) for f in findings] == [("subcontractors[0].consent_given", "R-COI-5")]
    assert findings[0].sentence == "之江评估咨询有限公司未经委托方同意不得将评估工作转委托给钱塘数据服务有限公司"
    assert conflicts == []


def test_consented_subcontracting_with_no_relations_is_clear_R_COI_5():
    assert commission(graph(), hired=[OUTSIDER], subcontractors=[(SUBCONTRACTOR, True)]) == ([], [])


def test_hired_outside_expert_is_checked_like_the_institution_R_COI_5():
    g = graph(Relation(1, K.INTEREST_IN, HIRED, ITEM))
    findings, conflicts = commission(g, hired=[HIRED, OUTSIDER])
    assert findings == []
    assert {(c.subject, c.rule_id) for c in conflicts} == {(HIRED, "R-COI-1")}


def test_consented_subcontractor_passes_the_same_checks_R_COI_5():
    g = graph(Relation(1, K.FUNDED_BY, SUBCONTRACTOR, APPLICANT), Relation(2, K.INTEREST_IN, APPLICANT, ITEM))
    findings, conflicts = commission(g, subcontractors=[(SUBCONTRACTOR, True)])
    assert findings == []
    assert {(c.subject, c.rule_id) for c in conflicts} == {(SUBCONTRACTOR, "R-COI-4")}


def test_the_commissioned_institution_itself_is_checked_R_COI_5():
    g = graph(Relation(1, K.ARGUED_BEFORE, EVALUATOR, ITEM))
    _, conflicts = commission(g)
    assert {(c.subject, c.rule_id) for c in conflicts} == {(EVALUATOR, "R-COI-3")}


def test_only_the_commission_parties_are_reported_R_COI_5():
    """Others with an interest in the item are no part of this commission's answer."""
    g = graph(Relation(1, K.INTEREST_IN, APPLICANT, ITEM), Relation(2, K.INTEREST_IN, OUTSIDER, ITEM))
    assert commission(g, hired=[HIRED]) == ([], [])


# --- the commissioned organiser (assignment.domain.commission) and multi-option items (decisions.domain.options) ---
TERM = CommissionTerm(date(2026, 11, 1), date(2026, 12, 31))


def test_commission_ends_after_it_starts_R_PANEL_8():
    problem = commission_dates_problem(date(2026, 12, 31), date(2026, 12, 1))
    assert problem is not None and (problem.field, problem.rule_id) == ("ends_on", "R-PANEL-8")
    assert commission_dates_problem(date(2026, 12, 1), date(2026, 12, 1)) is None


def test_commission_in_force_between_its_dates_R_PANEL_8():
    assert commission_closed_reason(TERM, date(2026, 11, 1)) is None
    assert commission_closed_reason(TERM, date(2026, 12, 31)) is None
    assert "起生效" in commission_closed_reason(TERM, date(2026, 10, 31))
    assert "期满" in commission_closed_reason(TERM, date(2027, 1, 1))


def test_revoked_commission_is_closed_with_its_reason_R_PANEL_8():
    revoked = CommissionTerm(TERM.starts_on, TERM.ends_on, date(2026, 11, 20), "机构人员变动")
    reason = commission_closed_reason(revoked, date(2026, 11, 21))
    assert "撤销" in reason and "机构人员变动" in reason


def test_revocation_needs_a_reason_and_happens_once_R_PANEL_8():
    assert revocation_problem(" ", TERM).rule_id == "R-PANEL-8"
    assert revocation_problem("机构人员变动", TERM) is None
    again = revocation_problem("再次撤销", CommissionTerm(TERM.starts_on, TERM.ends_on, date(2026, 11, 20), "x"))
    assert again is not None and "不能再次撤销" in again.reason


def test_refusals_keep_rule_ids_and_explained_paths_R_COI_5():
    errors = party_refusals("expert_id", [Refusal("R-POOL-4", "无有效聘期")],
                            [Refusal("R-COI-1", "孙八与决策事项有直接利害关系", "孙八 →利害关系→ 事项")])
    assert [(e.field, e.rule_id) for e in errors] == [("expert_id", "R-POOL-4"), ("expert_id", "R-COI-1")]
    assert errors[1].reason == "孙八与决策事项有直接利害关系（孙八 →利害关系→ 事项）"
    assert party_refusals("expert_id", [], []) == []


def test_outside_expert_named_by_id_or_by_name_and_employer_R_COI_5():
    assert outside_expert_identity_problems(3, "", "") == []
    assert outside_expert_identity_problems(None, "孙八", "某设计院") == []
    assert [e.field for e in outside_expert_identity_problems(None, "", "")] == ["name", "employer"]
    assert [e.field for e in outside_expert_identity_problems(3, "孙八", "")] == ["expert_id"]


def test_subcontract_needs_the_units_consent_R_COI_5():
    problem = subcontract_problem(False, "之江评估咨询有限公司")
    assert problem is not None and (problem.field, problem.rule_id) == ("may_subcontract", "R-COI-5")
    assert subcontract_problem(True, "之江评估咨询有限公司") is None


def test_options_are_none_or_two_to_ten_with_distinct_labels_R_PANEL_6():
    a, b = Option("方案一", "分段计价"), Option("方案二", "单一票价")
    assert option_problems([]) == [] and option_problems([a, b]) == []
    assert [(e.field, e.rule_id) for e in option_problems([a])] == [("options", "R-PANEL-6")]
    assert [e.field for e in option_problems([a, Option(" 方案 一", "另一概要")])] == ["options[1].label"]
    assert [e.field for e in option_problems([a, Option("方案三", " ")])] == ["options[1].summary"]
    assert [e.field for e in option_problems([Option(f"方案{n}", "概要") for n in range(11)])] == ["options"]
