"""USCC validation: the real codes pass; each kind of error is named."""

import pytest
from django.core.exceptions import ValidationError

from kejin.core.uscc import organisation_code_check_char, uscc_build, uscc_clean, uscc_error

REAL_CODES = ["91330100716105852F", "91110000600037341L"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_accepted(code):
    assert uscc_clean(code) == code


def test_lower_case_and_spaces_are_normalised():
    assert uscc_clean(" 9133 0100 7161 0585 2f ") == "91330100716105852F"


def test_wrong_final_check_character_is_rejected():
    assert uscc_error("91330100716105852G") == "统一社会信用代码第18位校验码错误，请核对营业执照。"


def test_wrong_organisation_code_check_character_is_rejected():
    # Change the organisation code's check char (position 17) and recompute the final check
    # so that only the embedded GB 11714 check is wrong.
    code = uscc_build(region_code="330100", org_body="71610585")
    assert code == "91330100716105852F"
    from stdnum.cn import uscc

    tampered = "9133010071610585" + "3"
    tampered += uscc.calc_check_digit(tampered)
    assert uscc.is_valid(tampered)  # stdnum alone lets it through
    assert (
        uscc_error(tampered)
        == "统一社会信用代码中的组织机构代码（第9-17位）校验位错误，请核对营业执照。"
    )


def test_wrong_length_is_rejected():
    assert uscc_error("9133010071610585") == "统一社会信用代码应为18位，当前为16位。"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_illegal_letters_are_rejected(letter):
    code = "91330100716105852" + letter
    assert uscc_error(code) == (
        f"统一社会信用代码含有不允许的字符：{letter}（不使用I、O、Z、S、V及符号）。"
    )


def test_uscc_clean_raises_validation_error_with_message():
    with pytest.raises(ValidationError) as excinfo:
        uscc_clean("123")
    assert excinfo.value.messages == ["统一社会信用代码应为18位，当前为3位。"]


def test_organisation_code_check_character_x_and_zero():
    # Weighted sum 12 leaves remainder 1 → check 10 → "X"; sum 0 → check 11 → "0".
    assert organisation_code_check_char("00000006") == "X"
    assert organisation_code_check_char("00000000") == "0"
    assert organisation_code_check_char("71610585") == "2"
