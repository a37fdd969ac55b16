"""The shared parsers of terms (kejin.core.values): typed values, and exact messages for
what is refused."""

from decimal import Decimal

import pytest

from kejin.core.tests.factories import RegionFactory
from kejin.core.values import (
    codes_parse,
    counties_parse,
    decimal_parse,
    field_taker,
    text_parse,
    whole_parse,
    worked_cases_parse,
)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [("1,234.5", None, Decimal("1234.5")), (" 3 ", 0, Decimal(3)), (Decimal("0.125"), 3, None)],
)
def test_decimal_parse(value, places, expected):
    assert decimal_parse(value, places=places) == (expected or Decimal(value))


@pytest.mark.parametrize(
    ("value", "places", "message"),
    [
        (True, None, "请填写数字。"),
        ("abc", None, "请填写数字。"),
        ("NaN", None, "请填写数字。"),
        ("1.234", 2, "最多保留 2 位小数。"),
    ],
)
def test_decimal_parse_refuses(value, places, message):
    with pytest.raises(ValueError) as caught:
        decimal_parse(value, places=places)
    assert str(caught.value) == message


def test_whole_parse():
    assert whole_parse("3.0") == 3
    assert whole_parse(12) == 12
    for value in (True, "3.5", "x", "Infinity"):
        with pytest.raises(ValueError) as caught:
            whole_parse(value)
        assert str(caught.value) == "请填写整数。"


def test_codes_parse():
    allowed = {"a": "甲", "b": "乙"}
    assert codes_parse(["b", "a", "b"], allowed, "类别") == ["b", "a"]
    assert codes_parse(None, allowed, "类别") == []
    with pytest.raises(ValueError) as caught:
        codes_parse(["c"], allowed, "类别")
    assert str(caught.value) == "类别“c”不存在。可选：a（甲）、b（乙）。"
    with pytest.raises(ValueError) as caught:
        codes_parse("a", allowed, "类别")
    assert str(caught.value) == "应是代码列表。"


@pytest.mark.django_db
def test_counties_parse():
    first = RegionFactory(code="330402", name="南湖区", level="county")
    second = RegionFactory(code="330411", name="秀洲区", level="county")
    assert counties_parse([second.pk, str(first.pk), second]) == [second, first]
    with pytest.raises(ValueError) as caught:
        counties_parse([first.pk, 999999])
    assert str(caught.value) == "编号为 999999 的县(市、区)不存在。"
    with pytest.raises(ValueError) as caught:
        counties_parse(["x"])
    assert str(caught.value) == "应是县(市、区)的编号列表。"


def test_text_parse():
    assert text_parse("  a  ", max_length=5) == "a"
    assert text_parse("a\nb", max_length=5, multiline=True) == "a\nb"
    with pytest.raises(ValueError) as caught:
        text_parse("abcdef", max_length=5)
    assert str(caught.value) == "不能超过 5 个字。"


def test_worked_cases_parse():
    case = {"name": " 例一 ", "expect": {"status": "qualified"}}
    assert worked_cases_parse([case], malformed="第 %(n)s 个") == [
        {"name": "例一", "facts": {}, "expect": {"status": "qualified"}}
    ]
    with pytest.raises(ValueError) as caught:
        worked_cases_parse([case, {"name": "二"}], malformed="第 %(n)s 个")
    assert str(caught.value) == "第 2 个"


def test_field_taker_files_messages_under_the_field():
    clean: dict = {}
    errors: dict = {}
    take = field_taker({"a": "3", "b": "x"}, clean, errors)
    take("a", whole_parse)
    take("b", whole_parse)
    assert clean == {"a": 3}
    assert errors == {"b": ["请填写整数。"]}
