"""Public disclosure: public categories' current records within their disclosure period, on
a page anyone may open; restricted records never; personal information masked unless the
category discloses it; search by name or credit code."""

from __future__ import annotations

import datetime

import pytest

from kejin.credit.choices import Disclosure, RecordStatus
from kejin.credit.disclosure import (
    public_credit_records,
    public_enterprise_search,
    record_dispute_states,
)
from kejin.credit.models import ReportRead
from kejin.credit.tests.reports_factories import penalty_category, rating_category, record
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def _penalty_data(no: str) -> dict:
    return {"decision_no": no, "violation": "虚假宣传", "legal_person_name": "李四"}


def test_only_public_current_records_within_their_period():
    enterprise = EnterpriseFactory()
    penalty = penalty_category(disclosure_years=3)
    kept = penalty_category(code="dishonest_debtor", name="失信被执行人", disclosure_years=0)
    rating = rating_category()
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2024, 1, 10),
        data=_penalty_data("A-in"),
    )
    # exactly three years ago: the period has ended today
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2023, 12, 5),
        data=_penalty_data("B-ended"),
    )
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2023, 12, 6),
        data=_penalty_data("C-last-day"),
    )
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2025, 1, 1),
        data=_penalty_data("D-superseded"),
        status=RecordStatus.SUPERSEDED,
    )
    record(
        category=kept,
        enterprise=enterprise,
        event_date=datetime.date(2010, 1, 1),
        data=_penalty_data("E-kept"),
    )
    record(
        category=rating,
        enterprise=enterprise,
        event_date=datetime.date(2026, 4, 1),
        data={"rating": "D"},
    )
    record(
        category=penalty,
        enterprise=EnterpriseFactory(),
        event_date=datetime.date(2026, 1, 1),
        data=_penalty_data("F-other"),
    )

    sections = public_credit_records(enterprise=enterprise, today=TODAY)

    shown = {
        section.category.code: [dict(item.values)["决定书文号"] for item in section.items]
        for section in sections
    }
    assert shown == {"penalty_market": ["A-in", "C-last-day"], "dishonest_debtor": ["E-kept"]}


def test_personal_information_masked_unless_disclosed():
    enterprise = EnterpriseFactory()
    penalty = penalty_category()
    debtor = penalty_category(
        code="dishonest_debtor", name="失信被执行人", personal_info_disclosed=True
    )
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2026, 1, 1),
        data=_penalty_data("P1"),
    )
    record(
        category=debtor,
        enterprise=enterprise,
        event_date=datetime.date(2026, 1, 1),
        data=_penalty_data("P2"),
    )

    sections = {
        s.category.code: s for s in public_credit_records(enterprise=enterprise, today=TODAY)
    }

    assert dict(sections["penalty_market"].items[0].values)["法定代表人"] == "李*"
    assert dict(sections["dishonest_debtor"].items[0].values)["法定代表人"] == "李四"


def test_the_dispute_hook_marks_nothing_until_disputes_land():
    assert record_dispute_states([]) == {}


def test_search_by_name_or_credit_code():
    one = EnterpriseFactory(name="嘉兴禾信光电科技有限公司")
    EnterpriseFactory(name="嘉兴南湖智造有限公司")
    assert list(public_enterprise_search(text="禾信")) == [one]
    assert list(public_enterprise_search(text=one.uscc.lower())) == [one]
    assert list(public_enterprise_search(text="")) == []


def test_public_page_needs_no_sign_in_and_shows_no_restricted_record(
    client, django_assert_max_num_queries
):
    enterprise = EnterpriseFactory(name="嘉兴禾信光电科技有限公司")
    penalty = penalty_category(disclosure_years=0)
    rating = rating_category()
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2026, 1, 1),
        data=_penalty_data("嘉市监罚〔2026〕1号"),
    )
    record(
        category=rating,
        enterprise=enterprise,
        event_date=datetime.date(2026, 1, 1),
        data={"rating": "D"},
    )

    search = client.get("/credit/public/", {"q": "禾信"})
    assert search.status_code == 200
    assert f"/credit/public/{enterprise.uscc}/" in search.content.decode()
    with django_assert_max_num_queries(6):
        page = client.get(f"/credit/public/{enterprise.uscc}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "嘉市监罚〔2026〕1号" in html
    assert "纳税信用等级" not in html
    assert "李*" in html and "李四" not in html
    assert ReportRead.objects.count() == 0
    assert client.get("/credit/public/91330400MA2B000000/").status_code == 404


def test_restricted_category_never_public_even_when_recent():
    enterprise = EnterpriseFactory()
    restricted = penalty_category(
        code="court_judgment", name="涉诉裁判文书", disclosure=Disclosure.RESTRICTED
    )
    record(
        category=restricted,
        enterprise=enterprise,
        event_date=datetime.date(2026, 11, 1),
        data=_penalty_data("X"),
    )
    assert public_credit_records(enterprise=enterprise, today=TODAY) == []
