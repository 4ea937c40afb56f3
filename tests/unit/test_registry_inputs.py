"""Issue 12: the registry's and decision items' request bodies are bounded, and taken in stripped with
their dates in range. Pure: the bodies are decoded as the API decodes them (leniently, as Litestar does)."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from core.errors import ErrorCollector, RuleViolation
from decisions import schemas as ds
from registry import schemas as s
from registry.domain.vocab import Gender
from registry.inputs import add_day_problems, cleaned, taken_in


def decode(body: dict, kind: type):
    """As Litestar converts a JSON body: not strict (``0`` would pass for a plain ``bool``)."""
    return msgspec.convert(body, kind, strict=False)


def expert(**overrides) -> dict:
    body = {"name": "张三", "gender": "male", "id_number": "330106197506010013", "phone": "13800000001",
            "sector": "academia", "specialties": ["LAW.ADMIN"]}
    return {**body, **overrides}


@pytest.mark.parametrize("title", ["", "   ", "城市更新\r\nBcc: a@example.cn", "x" * 301, "a\x00b"])
def test_an_item_title_is_one_bounded_line_issue_12(title):
    with pytest.raises(msgspec.ValidationError, match="title"):
        decode({"title": title, "opened_on": "2026-10-01"}, ds.ItemCreate)


@pytest.mark.parametrize("value", [0, 1, "true", "false"])
def test_yes_no_fields_take_only_true_or_false_even_when_converted_leniently_issue_12(value):
    with pytest.raises(msgspec.ValidationError, match="wide_scope"):
        decode({"title": "规划", "opened_on": "2026-10-01", "wide_scope": value}, ds.ItemCreate)
    with pytest.raises(msgspec.ValidationError, match="good_reason"):
        decode({"assignment_ref": "a", "declined_on": "2026-07-01", "good_reason": value}, s.DeclineIn)
    with pytest.raises(msgspec.ValidationError, match="commitments"):
        decode({"term_id": 1, "text_version": "v", "commitments": {"impartial": value}, "signed_on": "2026-01-01"},
               s.LetterIn)
    assert decode({"title": "规划", "opened_on": "2026-10-01", "wide_scope": True}, ds.ItemCreate).wide_scope is True


@pytest.mark.parametrize(("field", "value"), [
    ("title", "x" * 65), ("region", "x" * 900_000), ("title", "教授\n"), ("email", "not-an-email"),
    ("email", "a@example.cn\r\nBcc: b@example.cn"), ("specialties", ["LAW"] * 51), ("specialties", []),
    ("employments", [{"employer_name": "浙江大学", "start": "2020-01-01"}] * 51), ("name", " "),
])
def test_expert_fields_are_bounded_issue_12(field, value):
    with pytest.raises(msgspec.ValidationError, match=field):
        decode(expert(**{field: value}), s.ExpertCreate)


def test_lists_and_mappings_of_the_registry_are_bounded_issue_12():
    with pytest.raises(msgspec.ValidationError, match="aliases"):
        decode({"name": "浙江大学", "kind": "university", "aliases": ["浙大"] * 1000}, s.InstitutionCreate)
    with pytest.raises(msgspec.ValidationError, match="commitments"):
        decode({"term_id": 1, "text_version": "v", "commitments": {f"k{i}": True for i in range(101)},
                "signed_on": "2026-01-01"}, s.LetterIn)
    with pytest.raises(msgspec.ValidationError, match="specialty_codes"):
        decode({"title": "规划", "opened_on": "2026-10-01", "specialty_codes": ["LAW"] * 501}, ds.ItemCreate)
    with pytest.raises(msgspec.ValidationError, match="qualifications"):
        decode({"qualifications": ["甲级"] * 51, "has_facilities": True}, s.PoolApplicationIn)


def test_free_text_keeps_line_breaks_but_not_other_control_characters_issue_12():
    body = {"reason_code": "6", "explanation": "本人申请。\n另附说明。", "effective_on": "2026-11-24"}
    assert decode(body, s.DismissalIn).explanation == "本人申请。\n另附说明。"
    with pytest.raises(msgspec.ValidationError, match="explanation"):
        decode({**body, "explanation": "本人\x07申请"}, s.DismissalIn)
    with pytest.raises(msgspec.ValidationError, match="facts"):
        decode({"kind": "fraud", "facts": "x" * 4001, "recorded_on": "2026-10-01"}, s.DiscreditIn)


def test_a_body_is_taken_in_stripped_nested_bodies_and_keys_too_vocabularies_kept_issue_12():
    data = decode(expert(name=" 张三 ", title=" 教授 ", employments=[{"employer_name": " 浙江大学 ",
                                                                     "start": "2020-01-01"}]), s.ExpertCreate)
    cleaned(data)
    assert (data.name, data.title, data.employments[0].employer_name) == ("张三", "教授", "浙江大学")
    assert data.gender is Gender.MALE  # a vocabulary member is a str too, and stays a member
    letter = cleaned(decode({"term_id": 1, "text_version": " v1 ", "commitments": {" impartial ": True},
                             "signed_on": "2026-01-01"}, s.LetterIn))
    assert (letter.text_version, letter.commitments) == ("v1", {"impartial": True})


def test_dates_out_of_range_are_named_with_their_path_issue_12():
    data = decode(expert(employments=[{"employer_name": "浙江大学", "start": "2020-01-01"},
                                      {"employer_name": "浙江工业大学", "start": "0001-01-01",
                                       "end": "2101-01-01"}]), s.ExpertCreate)
    errors = ErrorCollector()
    add_day_problems(data, errors, "expert.")
    assert [e.field for e in errors.errors] == ["expert.employments[1].start", "expert.employments[1].end"]
    assert errors.errors[0].reason == "日期须在 1949-10-01 至 2100-12-31 之间"
    with pytest.raises(RuleViolation) as refused:
        taken_in(decode({"title": "规划", "opened_on": "1949-09-30"}, ds.ItemCreate))
    assert [e.field for e in refused.value.errors] == ["opened_on"]
    kept = taken_in(decode({"title": " 规划 ", "opened_on": "1949-10-01"}, ds.ItemCreate))
    assert (kept.title, kept.opened_on) == ("规划", date(1949, 10, 1))
