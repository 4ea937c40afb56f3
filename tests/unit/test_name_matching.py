"""Matching typed names to institutions, scored against the generator's truth."""

from conflicts.names import InstitutionMatcher, MatchStatus, normalise
from registry.datagen import generate


def test_normalise_folds_the_usual_variations():
    assert normalise("浙江大學") == normalise("浙江大学")
    assert normalise("浙江大学（玉泉校区）") == normalise("浙江大学")
    assert normalise("ＸＸ咨询有限责任公司") == normalise("xx咨询有限公司")
    assert normalise(" 天册 律师事务所 ") == normalise("天册律师事务所")
    assert normalise("某交通投资集团公司") == normalise("某交通投资集团有限公司")


def test_aliases_and_variants_find_the_institution():
    matcher = InstitutionMatcher()
    matcher.add(1, "浙江大学", ["浙大"])
    matcher.add(2, "浙江工业大学", ["浙工大"])
    matcher.add(3, "杭州之江工程咨询有限公司")
    assert matcher.match("浙大").institution_id == 1
    assert matcher.match("浙江大學（紫金港校区）").institution_id == 1
    sure = matcher.match("杭州之江工程咨询有限责任公司")
    assert (sure.institution_id, sure.status) == (3, MatchStatus.SURE)


def test_near_miss_is_unsure_not_silently_linked():
    matcher = InstitutionMatcher()
    matcher.add(1, "杭州之江工程咨询有限公司")
    matcher.add(2, "杭州之江管理咨询有限公司")
    typo = matcher.match("杭州之江工程咨有限公司")
    assert typo.institution_id == 1 and typo.status is MatchStatus.UNSURE
    assert matcher.match("成都天府软件园").status is MatchStatus.NONE


def test_shared_alias_goes_to_a_person():
    matcher = InstitutionMatcher()
    matcher.add(1, "福州大学", ["福大"])
    matcher.add(2, "福建科技大学", ["福大"])
    result = matcher.match("福大")
    assert result.status is MatchStatus.UNSURE and {i for i, _ in result.alternatives} == {1, 2}


def test_generator_variants_match_first_at_least_97_percent():
    world = generate(experts=10, institutions=1500, items=1, seed=9)
    matcher = InstitutionMatcher()
    for inst in world.institutions:
        matcher.add(inst.id, inst.name, inst.aliases)
    truth = [(text, inst_id) for text, inst_id, kind in world.institution_truth() if kind != "abbreviation"]
    hits = sum(1 for text, inst_id in truth if matcher.match(text).institution_id == inst_id)
    assert hits / len(truth) >= 0.97, (hits, len(truth))
