from datetime import date

import pytest

from registry.domain.identifiers import (
    make_citizen_id,
    make_uscc,
    mask_citizen_id,
    mask_phone,
    parse_citizen_id,
    validate_mobile,
    validate_uscc,
)


def test_citizen_id_from_the_standard_parses():
    # The worked example of GB 11643-1999.
    parsed = parse_citizen_id("11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.is_male is False


@pytest.mark.parametrize("raw, reason", [
    ("110105194912310021", "校验码不符"),
    ("11010519491331002X", "不是有效日期"),
    ("1101051949123100", "须为 18 位"),
    ("11010519491231002Y", "17 位数字"),
])
def test_bad_citizen_ids_say_why(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_citizen_id(raw)


def test_made_citizen_ids_are_valid_and_carry_gender():
    for i in range(300):
        male = i % 2 == 0
        assert parse_citizen_id(make_citizen_id("330106", date(1980, 2, 29), i, male)).is_male is male


def test_uscc_check_character():
    code = make_uscc("9", "1", "330100", "MA27XYW12")
    assert validate_uscc(code.lower()) == code
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValueError, match="校验码不符"):
        validate_uscc(broken)
    with pytest.raises(ValueError, match="不允许"):
        validate_uscc("91330100MA27XYW1I" + "0")


def test_personal_data_is_masked_R_REC_4():
    assert mask_citizen_id("330106197506010012") == "3301**********0012"
    assert mask_phone("13812345678") == "138****5678"


def test_mobile_numbers_are_normalised():
    assert validate_mobile("+86 138-1234-5678") == "13812345678"
    with pytest.raises(ValueError):
        validate_mobile("12812345678")
