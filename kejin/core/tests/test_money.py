"""Money display and parsing: exact strings, half-up rounding, negative amounts."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kejin.core.money import auto_unit, format_yuan, parse_yuan, yuan_in


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0"), "0.00 元"),
        (Decimal("0.005"), "0.01 元"),  # half-up, not banker's rounding
        (Decimal("0.004"), "0.00 元"),
        (Decimal("1234.5"), "1,234.50 元"),
        (Decimal("9999.99"), "9,999.99 元"),
        (Decimal("10000"), "1.00 万元"),
        (Decimal("12345"), "1.23 万元"),
        (Decimal("12350"), "1.24 万元"),  # 1.235 rounds half-up
        (Decimal("12250"), "1.23 万元"),  # 1.225 too (banker's would give 1.22)
        (Decimal("5000000"), "500.00 万元"),
        (Decimal("100000000"), "1.00 亿元"),
        (Decimal("123456789"), "1.23 亿元"),
        (Decimal("80000000000"), "800.00 亿元"),  # the plan's 2018 loan-balance target
        (Decimal("123456789012"), "1,234.57 亿元"),
        (Decimal("-0.005"), "-0.01 元"),  # half away from zero for negatives
        (Decimal("-1234.5"), "-1,234.50 元"),
        (Decimal("-12345"), "-1.23 万元"),
        (Decimal("-12350"), "-1.24 万元"),
        (Decimal("-150000000"), "-1.50 亿元"),
        (12345, "1.23 万元"),
        ("5000", "5,000.00 元"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_format_yuan_picks_the_unit_by_size(amount, expected):
    assert format_yuan(amount) == expected


@pytest.mark.parametrize(
    ("amount", "unit", "places", "expected"),
    [
        (Decimal("123456789"), "万元", 2, "12,345.68 万元"),
        (Decimal("123456789"), "万元", 0, "12,346 万元"),
        (Decimal("123456789"), "元", 2, "123,456,789.00 元"),
        (Decimal("5000"), "万元", 2, "0.50 万元"),
        (Decimal("5000"), "亿元", 4, "0.0001 亿元"),  # 0.00005 rounds half-up
        (Decimal("4999"), "亿元", 4, "0.0000 亿元"),
        (Decimal("-5000"), "亿元", 4, "-0.0001 亿元"),
        (Decimal("300000000"), "亿元", 1, "3.0 亿元"),
    ],
)
def test_format_yuan_in_a_given_unit(amount, unit, places, expected):
    assert format_yuan(amount, unit, places) == expected


def test_format_yuan_refuses_floats():
    with pytest.raises(TypeError, match="amounts must not be floats"):
        format_yuan(0.1)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("9999.99"), "元"),
        (Decimal("10000"), "万元"),
        (Decimal("99999999.99"), "万元"),
        (Decimal("100000000"), "亿元"),
        (Decimal("-10000"), "万元"),
        (Decimal("-100000000"), "亿元"),
    ],
)
def test_auto_unit(amount, expected):
    assert auto_unit(amount) == expected


def test_yuan_in():
    assert yuan_in(Decimal("123456789"), "亿元") == Decimal("1.23")
    assert yuan_in(Decimal("-123456789"), "万元", 1) == Decimal("-12345.7")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5万元", Decimal("125000")),
        ("12.5万", Decimal("125000")),
        ("3 亿元", Decimal("300000000")),
        ("1.5亿", Decimal("150000000")),
        ("1,200元", Decimal("1200")),
        ("1，200元", Decimal("1200")),
        ("1,234.56", Decimal("1234.56")),
        ("  800 亿元 ", Decimal("80000000000")),
        ("-3.5万元", Decimal("-35000")),
        ("-1,234.50 元", Decimal("-1234.5")),
        ("0.0001亿元", Decimal("10000")),
        ("100", Decimal("100")),
    ],
)
def test_parse_yuan(text, expected):
    parsed = parse_yuan(text)

    assert parsed == expected
    assert isinstance(parsed, Decimal)


@given(
    cents=st.integers(min_value=-(10**14), max_value=10**14),
    unit=st.sampled_from(["元", "万元", "亿元"]),
)
def test_parse_reads_back_what_format_writes(cents, unit):
    amount = Decimal(cents).scaleb(-2)  # whole fen

    places = {"元": 2, "万元": 6, "亿元": 10}[unit]  # enough places to keep every fen

    assert parse_yuan(format_yuan(amount, unit, places)) == amount


def test_auto_unit_is_chosen_after_rounding():
    from decimal import Decimal

    from kejin.core.money import format_yuan

    assert format_yuan(Decimal("99999999")) == "1.00 亿元"
    assert format_yuan(Decimal("9999.999")) == "1.00 万元"


def test_parse_yuan_rejects_text_with_a_message():
    import pytest

    from kejin.core.money import parse_yuan

    with pytest.raises(ValueError, match="“abc”不是金额"):
        parse_yuan("abc")
