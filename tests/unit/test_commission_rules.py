"""R-COI-5 on a small hand-built graph: a commissioned institution may not subcontract without the
commissioning party's consent, and the outside experts it hires (and a consented subcontractor) pass
the same conflict checks as the institution itself (``conflicts.rules.check_commission``)."""

from datetime import date

from conflicts.graph import Relation, RelationGraph
from conflicts.policy import EdgeKind as K
from conflicts.policy import Purpose, default_policy
from conflicts.rules import check_commission

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
