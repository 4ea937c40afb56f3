"""Issue 13, pure conflict rules: the hierarchy can be switched off and on again, kinship carries the
relative's own interests (R-DUTY-2), and a weak name guess is no possible conflict."""

from datetime import date

import pytest

from conflicts.graph import Relation, RelationGraph
from conflicts.names import POSSIBLE_SCORE, InstitutionMatcher, MatchStatus
from conflicts.policy import EdgeKind as K
from conflicts.policy import (
    Purpose,
    default_policy,
    policy_from_document,
    policy_to_document,
    validate_policy,
    with_hierarchy_hops,
)
from conflicts.rules import check_item

DAY = date(2026, 12, 1)
ITEM = ("item", 1)
UNI, COLLEGE, LAB, FIRM = (("institution", i) for i in range(1, 5))
ZHANG, LI = ("expert", 1), ("expert", 2)
SPOUSE = ("person", 1)


def graph(*relations: Relation) -> RelationGraph:
    g = RelationGraph()
    for node, name in {ITEM: "某项目", UNI: "浙江大学", COLLEGE: "浙江大学光华法学院", LAB: "法学院某研究所",
                       FIRM: "某投资有限公司", ZHANG: "张三", LI: "李四", SPOUSE: "王芳"}.items():
        g.add_node(node, name)
    for r in relations:
        g.add(r)
    return g


def rel(n, kind, source, target, start=None, end=None):
    return Relation(n, kind, source, target, start, end)


def subjects(g, policy, purpose=Purpose.ARGUMENT):
    return {(c.subject, c.rule_name) for c in check_item(g, policy, ITEM, purpose, DAY)}


def test_hierarchy_hops_zero_can_be_undone_R_COI_2():
    # 张三 at the college, 李四 at a lab of the college; the university has the interest
    g = graph(rel(1, K.EMPLOYED_BY, ZHANG, COLLEGE), rel(2, K.EMPLOYED_BY, LI, LAB),
              rel(3, K.PART_OF, COLLEGE, UNI), rel(4, K.PART_OF, LAB, COLLEGE), rel(5, K.INTEREST_IN, UNI, ITEM))
    employer = {(ZHANG, "employer_interest"), (LI, "employer_interest")}
    policy = default_policy()
    seen = []
    for hops in (0, 1, 2, 0, 1):
        policy = with_hierarchy_hops(policy, hops)
        # as stored and read back, as the service does
        policy = policy_from_document(policy_to_document(policy), version=policy.version)
        assert policy.hierarchy_hops == hops
        seen.append(subjects(g, policy) & employer)
    assert seen == [set(), {(ZHANG, "employer_interest")}, employer, set(), {(ZHANG, "employer_interest")}]


def test_a_version_stored_without_its_hierarchy_step_gets_it_back():
    """Versions stored before the fix dropped the step: switching hops on restores it from the default."""
    off = default_policy()
    dropped = tuple(r.__class__(r.rule_id, r.name, r.sentence, tuple(s for s in r.steps if s.kinds != {K.PART_OF}),
                                r.purposes, r.subjects) for r in off.rules)
    old = off.__class__(version=2, rules=dropped, hierarchy_hops=0)
    g = graph(rel(1, K.EMPLOYED_BY, ZHANG, COLLEGE), rel(3, K.PART_OF, COLLEGE, UNI), rel(5, K.INTEREST_IN, UNI, ITEM))
    assert (ZHANG, "employer_interest") not in subjects(g, old)
    assert (ZHANG, "employer_interest") in subjects(g, with_hierarchy_hops(old, 1))


def test_a_switched_off_step_passes_validation_and_a_bad_one_does_not():
    document = policy_to_document(with_hierarchy_hops(default_policy(), 0))
    validate_policy(document["rules"])  # GET then PUT of the policy in force is accepted
    document["rules"][0]["steps"][0]["max_repeat"] = 0  # interest_in walked zero times: refused
    with pytest.raises(Exception) as refused:
        validate_policy(document["rules"])
    assert "max_repeat" in str(refused.value)


@pytest.mark.parametrize("kind", [K.DIRECTOR_OF, K.SHAREHOLDER_OF, K.ADVISER_OF])
def test_kinship_carries_the_relatives_affiliations_R_DUTY_2(kind):
    g = graph(rel(1, K.RELATIVE_OF, ZHANG, SPOUSE), rel(2, kind, SPOUSE, FIRM), rel(3, K.INTEREST_IN, FIRM, ITEM))
    [conflict] = [c for c in check_item(g, default_policy(), ITEM, Purpose.ARGUMENT, DAY) if c.subject[0] == "expert"]
    assert conflict.subject == ZHANG and conflict.rule_id == "R-DUTY-2"
    assert conflict.rule_name == "relative_affiliation_interest"
    assert conflict.explanation.startswith("张三 —亲属→ 王芳 —") and conflict.explanation.endswith("某项目")
    assert "近亲属" in conflict.sentence


def test_kinship_follows_the_hierarchy_and_stops_at_unrelated_parties():
    # the spouse directs the university; its college has the interest (one hop down)
    g = graph(rel(1, K.RELATIVE_OF, SPOUSE, ZHANG), rel(2, K.DIRECTOR_OF, SPOUSE, UNI), rel(3, K.PART_OF, COLLEGE, UNI),
              rel(4, K.INTEREST_IN, COLLEGE, ITEM))
    assert subjects(g, default_policy()) - {(COLLEGE, "direct_interest")} == {(ZHANG, "relative_affiliation_interest")}
    assert subjects(g, with_hierarchy_hops(default_policy(), 0)) == {(COLLEGE, "direct_interest")}
    # a relative's affiliation with a party without interest: clear; persons are never candidates
    g = graph(rel(1, K.RELATIVE_OF, ZHANG, SPOUSE), rel(2, K.DIRECTOR_OF, SPOUSE, FIRM))
    assert subjects(g, default_policy()) == set()


def test_weak_guess_is_no_match_and_strong_unsure_one_is():
    matcher = InstitutionMatcher()
    matcher.add(1, "福建科技大学")
    weak = matcher.match("浙江大学")
    assert weak.score < POSSIBLE_SCORE and weak.status == MatchStatus.NONE and weak.institution_id is None
    matcher.add(2, "浙江工商大学")
    close = matcher.match("浙江商大学")
    assert close.status == MatchStatus.UNSURE and close.score >= POSSIBLE_SCORE
