"""The money filters and the deadline tag of ``kejin_tags``."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kejin.core.workdays import WorkdayResult


def render(source: str, **context) -> str:
    return Template("{% load kejin_tags %}" + source).render(Context(context))


class TestMoneyFilters:
    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            (Decimal("123456789"), "1.23 亿元"),
            (Decimal("12345"), "1.23 万元"),
            (Decimal("1234.5"), "1,234.50 元"),
            (Decimal("-150000000"), "-1.50 亿元"),
            (None, "—"),
        ],
    )
    def test_yuan_picks_the_unit(self, amount, expected):
        assert render("{{ amount|yuan }}", amount=amount) == expected

    def test_wanyuan_and_yiyuan_force_the_unit(self):
        amount = Decimal("123456789")

        assert render("{{ a|wanyuan }}", a=amount) == "12,345.68 万元"
        assert render("{{ a|yiyuan }}", a=amount) == "1.23 亿元"
        assert render("{{ a|wanyuan:0 }}", a=amount) == "12,346 万元"
        assert render("{{ a|yiyuan:4 }}", a=amount) == "1.2346 亿元"
        assert render("{{ a|yuan:0 }}", a=Decimal("12350")) == "1 万元"

    def test_a_float_from_a_template_is_read_by_its_text(self):
        assert render("{{ a|wanyuan }}", a=12345.6) == "1.23 万元"

    def test_unreadable_values_are_shown_as_they_are(self):
        assert render("{{ a|yuan }}", a="面议") == "面议"


class TestLocalDate:
    def test_chinese(self):
        with translation.override("zh-hans"):
            assert render("{{ d|local_date }}", d=datetime.date(2027, 2, 10)) == "2027年2月10日"

    def test_english_is_iso(self):
        with translation.override("en"):
            assert render("{{ d|local_date }}", d=datetime.date(2027, 2, 10)) == "2027-02-10"

    def test_an_aware_datetime_is_its_date_in_shanghai(self):
        late_evening_utc = datetime.datetime(2027, 2, 9, 17, 30, tzinfo=datetime.UTC)

        with translation.override("zh-hans"):
            assert render("{{ d|local_date }}", d=late_evening_utc) == "2027年2月10日"


class TestDeadline:
    def test_an_exact_deadline_has_no_warning(self):
        result = WorkdayResult(datetime.date(2026, 10, 8))

        with translation.override("zh-hans"):
            html = render("{% deadline r %}", r=result)

        assert html == (
            '<span class="kejin-deadline"><time datetime="2026-10-08">2026年10月8日</time></span>'
        )

    def test_an_approximate_deadline_carries_a_visible_warning(self):
        result = WorkdayResult(datetime.date(2027, 2, 10), fallback_years=(2027,))

        with translation.override("zh-hans"):
            html = render("{% deadline r %}", r=result)

        assert '<time datetime="2027-02-10">2027年2月10日</time>' in html
        assert 'class="badge text-bg-warning"' in html
        assert 'title="2027年节假日安排尚未录入，按周一至周五计算"' in html
        assert ">估算<" in html
        # Screen readers get the explanation too, not only a hover tooltip.
        assert (
            '<span class="visually-hidden">：2027年节假日安排尚未录入，按周一至周五计算</span>'
            in html
        )

    def test_several_missing_years_are_all_named(self):
        result = WorkdayResult(datetime.date(2028, 1, 10), fallback_years=(2027, 2028))

        with translation.override("zh-hans"):
            html = render("{% deadline r %}", r=result)

        assert 'title="2027、2028年节假日安排尚未录入，按周一至周五计算"' in html

    def test_english_shows_iso(self):
        with translation.override("en"):
            html = render("{% deadline r %}", r=WorkdayResult(datetime.date(2027, 2, 10)))

        assert '<time datetime="2027-02-10">2027-02-10</time>' in html

    def test_a_plain_date_and_nothing(self):
        with translation.override("zh-hans"):
            assert "2025年10月9日" in render("{% deadline d %}", d=datetime.date(2025, 10, 9))
            assert render("{% deadline d %}", d=None) == ('<span class="kejin-deadline">—</span>')

    @pytest.mark.django_db
    def test_a_real_2027_deadline_before_any_schedule_is_flagged(self):
        from kejin.core.workdays import workdays_add

        result = workdays_add(datetime.date(2027, 2, 4), 1)

        with translation.override("zh-hans"):
            html = render("{% deadline r %}", r=result)

        assert '<time datetime="2027-02-05">2027年2月5日</time>' in html
        assert 'data-testid="deadline-approximate"' in html
