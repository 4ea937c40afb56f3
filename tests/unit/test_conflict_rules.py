"""Conflict rules on a small hand-built graph: each rule id, multi-hop paths, windows, possible conflicts."""

from datetime import date

import pytest

from conflicts.graph import Relation, RelationGraph
from conflicts.policy import EdgeKind as K
from conflicts.policy import (
    Purpose,
    default_policy,
    validate_policy,
    with_hierarchy_hops,
)
from conflicts.rules import Conflict, check_item
from core.errors import DomainError

DAY = date(2026, 11, 24)
ITEM = ("item", 1)
ZJU, LAW_SCHOOL, FIRM, CONSULT, FUNDER = (("institution", i) for i in range(1, 6))
ZHANG, LI, WANG, ZHAO, QIAN = (("expert", i) for i in range(1, 6))


def graph(*relations: Relation) -> RelationGraph:
    g = RelationGraph()
    names = {ITEM: "城市轨道交通票价调整方案", ZJU: "浙江大学", LAW_SCHOOL: "浙江大学光华法学院",
             FIRM: "天册律师事务所", CONSULT: "之江评估咨询有限公司", FUNDER: "某交通投资集团",
             ZHANG: "张三", LI: "李四", WANG: "王五", ZHAO: "赵六", QIAN: "钱七"}
    for node, name in names.items():
        g.add_node(node, name)
    for r in relations:
        g.add(r)
    return g


def rel(n, kind, source, target, start=None, end=None, confirmed=True):
    return Relation(n, kind, source, target, start, end, confirmed=confirmed)


def found(conflicts):
    return {(c.subject, c.rule_id) for c in conflicts}


def test_direct_interest_excludes_R_COI_1():
    g = graph(rel(1, K.INTEREST_IN, ZHANG, ITEM), rel(2, K.INTEREST_IN, CONSULT, ITEM))
    conflicts = check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY)
    assert found(conflicts) == {(ZHANG, "R-COI-1"), (CONSULT, "R-COI-1")}
    zhang = next(c for c in conflicts if c.subject == ZHANG)
    assert zhang.explanation == "张三 —利害关系→ 城市轨道交通票价调整方案"
    assert zhang.sentence == "张三与决策事项「城市轨道交通票价调整方案」有直接利害关系"
    assert zhang.policy_version == 1 and zhang.possible is False


def test_employer_interest_two_hops_R_COI_2():
    g = graph(rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2015, 1, 1)), rel(2, K.INTEREST_IN, ZJU, ITEM))
    [conflict] = [c for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY) if c.subject == ZHANG]
    assert conflict.rule_id == "R-COI-2"
    assert conflict.explanation == "张三 —任职于→ 浙江大学 —利害关系→ 城市轨道交通票价调整方案"


def test_school_interest_taints_university_staff_only_as_the_policy_says_R_COI_2():
    g = graph(rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2015, 1, 1)), rel(2, K.PART_OF, LAW_SCHOOL, ZJU),
              rel(3, K.INTEREST_IN, LAW_SCHOOL, ITEM))
    [conflict] = [c for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY) if c.subject == ZHANG]
    assert conflict.explanation == ("张三 —任职于→ 浙江大学 ←隶属— 浙江大学光华法学院 "
                                    "—利害关系→ 城市轨道交通票价调整方案")
    off = with_hierarchy_hops(default_policy(), 0)
    assert ZHANG not in {c.subject for c in check_item(g, off, ITEM, Purpose.ARGUMENT, DAY)}
    assert off.version == 2


def test_past_employer_counts_within_two_years_only_R_COI_2():
    recent = graph(rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2010, 1, 1), date(2025, 6, 30)),
                   rel(2, K.INTEREST_IN, ZJU, ITEM))
    assert (ZHANG, "R-COI-2") in found(check_item(recent, default_policy(), ITEM, Purpose.ARGUMENT, DAY))
    old = graph(rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2010, 1, 1), date(2023, 6, 30)),
                rel(2, K.INTEREST_IN, ZJU, ITEM))
    assert (ZHANG, "R-COI-2") not in found(check_item(old, default_policy(), ITEM, Purpose.ARGUMENT, DAY))


def test_relatives_and_recent_coauthors_R_DUTY_2():
    g = graph(rel(1, K.RELATIVE_OF, LI, ZHANG), rel(2, K.INTEREST_IN, ZHANG, ITEM),
              rel(3, K.CO_WORKED, WANG, ZHANG, date(2022, 1, 1), date(2024, 12, 31)),
              rel(4, K.CO_WORKED, ZHAO, ZHANG, date(2015, 1, 1), date(2019, 12, 31)))
    result = found(check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY))
    assert (LI, "R-DUTY-2") in result  # relation entered as 李四→张三, followed both ways
    assert (WANG, "R-DUTY-2") in result  # co-authored within three years
    assert not any(subject == ZHAO for subject, _ in result)  # outside the window: no conflict


def test_legal_adviser_of_an_interested_party_R_DUTY_3():
    g = graph(rel(1, K.ADVISER_OF, QIAN, CONSULT, date(2024, 1, 1)), rel(2, K.INTEREST_IN, CONSULT, ITEM))
    [conflict] = [c for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY) if c.subject == QIAN]
    assert conflict.rule_id == "R-DUTY-3"
    assert conflict.explanation == "钱七 —担任顾问→ 之江评估咨询有限公司 —利害关系→ 城市轨道交通票价调整方案"


def test_pre_decision_argument_bars_post_evaluation_only_R_COI_3():
    g = graph(rel(1, K.ARGUED_BEFORE, CONSULT, ITEM), rel(2, K.EMPLOYED_BY, WANG, CONSULT, date(2020, 1, 1)))
    assert found(check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY)) == set()
    post = found(check_item(g, default_policy(), ITEM, Purpose.POST_EVALUATION, DAY))
    assert post == {(CONSULT, "R-COI-3"), (WANG, "R-COI-3")}


def test_institution_funded_by_an_interested_party_is_not_independent_R_COI_4():
    g = graph(rel(1, K.FUNDED_BY, CONSULT, FUNDER), rel(2, K.INTEREST_IN, FUNDER, ITEM))
    assert found(check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY)) == {(FUNDER, "R-COI-1")}
    evaluation = check_item(g, default_policy(), ITEM, Purpose.POST_EVALUATION, DAY)
    [c] = [c for c in evaluation if c.subject == CONSULT]
    assert c.rule_id == "R-COI-4"
    assert c.explanation == "之江评估咨询有限公司 —资金来源于→ 某交通投资集团 —利害关系→ 城市轨道交通票价调整方案"


def test_unconfirmed_match_reports_a_possible_conflict():
    g = graph(rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2015, 1, 1), confirmed=False), rel(2, K.INTEREST_IN, ZJU, ITEM))
    [c] = [c for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY) if c.subject == ZHANG]
    assert c.possible is True and "待确认" in c.explanation


def test_shortest_path_is_the_explanation():
    g = graph(rel(1, K.EMPLOYED_BY, ZHANG, LAW_SCHOOL, date(2015, 1, 1)), rel(2, K.PART_OF, LAW_SCHOOL, ZJU),
              rel(3, K.INTEREST_IN, ZJU, ITEM), rel(4, K.INTEREST_IN, LAW_SCHOOL, ITEM))
    [c] = [c for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY) if c.subject == ZHANG]
    assert len(c.path) == 2


def test_incremental_update_changes_the_answer():
    g = graph(rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2015, 1, 1)), rel(2, K.INTEREST_IN, ZJU, ITEM))
    assert ZHANG in {c.subject for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY)}
    g.replace(rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2015, 1, 1)),
              rel(1, K.EMPLOYED_BY, ZHANG, ZJU, date(2015, 1, 1), date(2020, 1, 1)))
    assert ZHANG not in {c.subject for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY)}


def test_candidate_filter_answers_for_one_candidate():
    g = graph(rel(1, K.INTEREST_IN, ZHANG, ITEM), rel(2, K.INTEREST_IN, LI, ITEM))
    assert found(check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY, candidates=[LI])) == {(LI, "R-COI-1")}
    assert check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY, candidates=[WANG]) == []


def test_bad_policies_are_refused():
    with pytest.raises(DomainError) as refused:
        validate_policy([{"purposes": ["argument"], "sentence": "{subject}",
                          "steps": [{"kinds": ["employed_by", "friend_of"], "max_repeat": -1},
                                    {"kinds": ["interest_in"]}]}])
    assert {e.field for e in refused.value.errors} == {"rules[0].steps[0].kinds", "rules[0].steps[0].max_repeat"}
    with pytest.raises(DomainError) as refused:
        validate_policy([{"purposes": ["lobbying"], "sentence": "{who}", "steps": [{"kinds": ["employed_by"]}]}])
    assert {e.field for e in refused.value.errors} == {"rules[0].purposes", "rules[0].sentence", "rules[0].steps"}


def test_direct_interest_counts_for_every_purpose_R_COI_1():
    g = graph(rel(1, K.INTEREST_IN, ZHANG, ITEM))
    for purpose in Purpose:
        assert found(check_item(g, default_policy(), ITEM, purpose, DAY)) == {(ZHANG, "R-COI-1")}


def test_supervisor_and_student_either_way_within_three_years_R_DUTY_2():
    g = graph(rel(1, K.SUPERVISED, ZHANG, LI, date(2020, 9, 1), date(2024, 6, 30)), rel(2, K.INTEREST_IN, LI, ITEM),
              rel(3, K.SUPERVISED, WANG, ZHAO, date(2010, 9, 1), date(2013, 6, 30)), rel(4, K.INTEREST_IN, WANG, ITEM))
    result = found(check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY))
    assert (ZHANG, "R-DUTY-2") in result  # the supervisor, though the interest is the student's
    assert not any(subject == ZHAO for subject, _ in result)  # supervised more than three years ago


def test_shareholder_or_director_of_an_interested_party_or_its_parent_R_DUTY_3():
    g = graph(rel(1, K.SHAREHOLDER_OF, WANG, FIRM, date(2023, 1, 1)), rel(2, K.INTEREST_IN, FIRM, ITEM),
              rel(3, K.DIRECTOR_OF, ZHAO, LAW_SCHOOL, date(2024, 1, 1)), rel(4, K.PART_OF, LAW_SCHOOL, ZJU),
              rel(5, K.INTEREST_IN, ZJU, ITEM),
              rel(6, K.ADVISER_OF, QIAN, FIRM, date(2015, 1, 1), date(2022, 12, 31)))
    result = found(check_item(g, default_policy(), ITEM, Purpose.RISK_ASSESSMENT, DAY))
    assert {(WANG, "R-DUTY-3"), (ZHAO, "R-DUTY-3")} <= result
    assert not any(subject == QIAN for subject, _ in result)  # the advice ended more than two years ago


def test_control_and_funding_chains_up_to_two_hops_R_COI_4():
    g = graph(rel(1, K.CONTROLLED_BY, CONSULT, FIRM), rel(2, K.FUNDED_BY, FIRM, FUNDER),
              rel(3, K.INTEREST_IN, FUNDER, ITEM), rel(4, K.EMPLOYED_BY, ZHANG, CONSULT, date(2020, 1, 1)))
    evaluation = found(check_item(g, default_policy(), ITEM, Purpose.POST_EVALUATION, DAY))
    assert {(CONSULT, "R-COI-4"), (FIRM, "R-COI-4")} <= evaluation
    assert not any(subject == ZHANG for subject, _ in evaluation)  # independence is asked of institutions
    assert (CONSULT, "R-COI-4") not in found(check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY))
    too_far = graph(rel(1, K.CONTROLLED_BY, CONSULT, FIRM), rel(2, K.FUNDED_BY, FIRM, ZJU),
                    rel(3, K.FUNDED_BY, ZJU, FUNDER), rel(4, K.INTEREST_IN, FUNDER, ITEM))
    assert (CONSULT, "R-COI-4") not in found(check_item(too_far, default_policy(), ITEM, Purpose.POST_EVALUATION, DAY))


# --- R-COI-4: independence from the evaluation object, the item's drafting unit (承办单位) ---------------
UNIT, BUREAU, INSTITUTE = ("institution", 11), ("institution", 12), ("institution", 13)


def drafting_graph(*relations: Relation) -> RelationGraph:
    g = graph(rel("drafts", K.DRAFTS, UNIT, ITEM), *relations)
    for node, name in ((UNIT, "市交通运输局"), (BUREAU, "市交通运输局运输管理处"), (INSTITUTE, "市交通规划研究院")):
        g.add_node(node, name)
    return g


def evaluators(g: RelationGraph, policy=None) -> dict[tuple[str, int], Conflict]:
    out: dict[tuple[str, int], Conflict] = {}
    for purpose in (Purpose.RISK_ASSESSMENT, Purpose.POST_EVALUATION):
        for c in check_item(g, policy or default_policy(), ITEM, purpose, DAY):
            if c.rule_id == "R-COI-4":
                out.setdefault(c.subject, c)
    return out


def test_drafting_unit_itself_and_its_hierarchy_are_not_independent_R_COI_4():
    g = drafting_graph(rel(1, K.PART_OF, BUREAU, UNIT), rel(2, K.PART_OF, UNIT, INSTITUTE))
    found_ = evaluators(g)
    assert set(found_) == {UNIT, BUREAU, INSTITUTE}
    assert found_[UNIT].explanation == "市交通运输局 —承办→ 城市轨道交通票价调整方案"
    assert found_[BUREAU].explanation == "市交通运输局运输管理处 —隶属→ 市交通运输局 —承办→ 城市轨道交通票价调整方案"
    assert "承办单位" in found_[BUREAU].sentence
    # only for assessment and evaluation: the drafting unit is no conflict for an argument panel's experts
    assert check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY) == []
    # the hierarchy reaches as far as the policy's hops
    off = with_hierarchy_hops(default_policy(), 0)
    assert set(evaluators(g, off)) == {UNIT}


def test_institution_funded_or_controlled_by_the_drafting_unit_R_COI_4():
    g = drafting_graph(rel(1, K.FUNDED_BY, CONSULT, UNIT), rel(2, K.CONTROLLED_BY, FIRM, BUREAU),
                       rel(3, K.PART_OF, BUREAU, UNIT))
    found_ = evaluators(g)
    assert {CONSULT, FIRM} <= set(found_)
    assert found_[CONSULT].explanation == ("之江评估咨询有限公司 —资金来源于→ 市交通运输局 "
                                           "—承办→ 城市轨道交通票价调整方案")
    assert found_[CONSULT].rule_name == "funded_or_controlled_by_drafting_unit"
    assert found_[FIRM].explanation == ("天册律师事务所 —受控于→ 市交通运输局运输管理处 —隶属→ 市交通运输局 "
                                        "—承办→ 城市轨道交通票价调整方案")
    assert ZJU not in found_  # unrelated institution stays clear


def test_institution_employing_the_drafting_units_people_within_the_window_R_COI_4():
    g = drafting_graph(rel(1, K.EMPLOYED_BY, ZHANG, UNIT, date(2010, 1, 1), date(2025, 12, 31)),
                       rel(2, K.EMPLOYED_BY, ZHANG, CONSULT, date(2026, 1, 1)),
                       rel(3, K.EMPLOYED_BY, LI, UNIT, date(2000, 1, 1), date(2020, 12, 31)),  # left long ago
                       rel(4, K.EMPLOYED_BY, LI, FIRM, date(2021, 1, 1)))
    found_ = evaluators(g)
    assert CONSULT in found_ and FIRM not in found_
    c = found_[CONSULT]
    assert c.rule_name == "shares_personnel_with_drafting_unit"
    assert c.explanation == "之江评估咨询有限公司 ←任职于— 张三 —任职于→ 市交通运输局 —承办→ 城市轨道交通票价调整方案"
    assert [h.forward for h in c.path] == [False, True, True]
    assert ZHANG not in found_  # the person is a path, not a candidate of this rule


def test_personnel_rule_walks_edges_only_the_way_its_steps_say():
    """A reverse step follows the edge as stored (person —任职于→ candidate), never one stored the other
    way (candidate —任职于→ person), nor another kind."""
    g = drafting_graph(rel(1, K.EMPLOYED_BY, ZHANG, UNIT, date(2020, 1, 1)),
                       rel(2, K.EMPLOYED_BY, CONSULT, ZHANG, date(2020, 1, 1)),
                       rel(3, K.SHAREHOLDER_OF, ZHANG, FIRM, date(2020, 1, 1)))
    assert CONSULT not in evaluators(g) and FIRM not in evaluators(g)


def test_step_direction_round_trips_and_old_documents_still_load():
    from conflicts.policy import Direction, policy_from_document, policy_to_document
    doc = policy_to_document(default_policy())
    again = policy_from_document(doc)
    assert again.rules == default_policy().rules
    personnel = next(r for r in doc["rules"] if r["name"] == "shares_personnel_with_drafting_unit")
    assert personnel["steps"][0]["direction"] == "reverse"
    validate_policy(doc["rules"])
    old = {"version": 1, "rules": [{"rule_id": "R-COI-1", "name": "direct_interest", "sentence": "{subject}",
                                    "purposes": ["argument"], "steps": [{"kinds": ["interest_in"]}]}]}
    validate_policy(old["rules"])
    assert policy_from_document(old).rules[0].steps[0].direction is Direction.FORWARD
    with pytest.raises(DomainError) as refused:
        validate_policy([{"purposes": ["argument"], "sentence": "{subject}",
                          "steps": [{"kinds": ["drafts"], "direction": "sideways"}]}])
    assert {e.field for e in refused.value.errors} == {"rules[0].steps[0].direction"}
