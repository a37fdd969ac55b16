"""The public credit API (信用信息公示): the public page as JSON, for anyone.

Same selectors as the page (``kejin.credit.disclosure``): restricted categories never,
records past their disclosure period never, personal information masked as on the page,
disputes marked as on the page. Anonymous callers are throttled per address.
"""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.credit.choices import Disclosure, RecordStatus
from kejin.credit.models import Dispute, ReportRead
from kejin.credit.tests.reports_factories import penalty_category, rating_category, record
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/credit/public/"
TODAY = datetime.date(2026, 12, 5)
THROTTLED = {"error": {"code": "throttled", "message": "请求过于频繁，请稍后再试。", "fields": {}}}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """Today in Asia/Shanghai, for the page and the API alike (both read the disclosure)."""
    monkeypatch.setattr("kejin.credit.disclosure.shanghai_today", lambda: TODAY)


def detail_url(uscc: str) -> str:
    return f"/api/v1/credit/public/{uscc}/"


def _penalty(no: str, amount: str = "5000") -> dict:
    return {
        "decision_no": no,
        "violation": "虚假宣传",
        "amount": amount,
        "legal_person_name": "李四",
        "legal_person_id_no": "330402198001011234",
        "contact_phone": "13812341234",
    }


@pytest.fixture
def heyin():
    """An enterprise with one public record in its period, one past it, one superseded
    version and one restricted record (tax rating D)."""
    enterprise = EnterpriseFactory(name="嘉兴禾信光电科技有限公司")
    penalty = penalty_category(disclosure_years=3)
    rating = rating_category()
    shown = record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2025, 3, 1),
        data=_penalty("嘉市监罚〔2025〕7号"),
    )
    record(  # three years ago today: its period has ended
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2023, 12, 5),
        data=_penalty("嘉市监罚〔2023〕1号"),
    )
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2026, 1, 1),
        data=_penalty("嘉市监罚〔2026〕旧版"),
        status=RecordStatus.SUPERSEDED,
    )
    record(
        category=rating,
        enterprise=enterprise,
        event_date=datetime.date(2026, 4, 1),
        data={"rating": "D"},
    )
    return enterprise, penalty, shown


# --- search ----------------------------------------------------------------------------------


def test_anyone_finds_an_enterprise_by_name_with_its_count_of_public_records(heyin):
    enterprise, _penalty_category, _shown = heyin
    EnterpriseFactory(name="嘉兴南湖智造有限公司")

    response = APIClient().get(LIST_URL, {"q": "禾信"})

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "uscc": enterprise.uscc,
                "name": "嘉兴禾信光电科技有限公司",
                "county_name": enterprise.county.name,
                # the restricted rating, the expired and the superseded penalty do not count
                "public_record_count": 1,
            }
        ],
    }


def test_a_pasted_credit_code_finds_its_enterprise(heyin):
    enterprise, _category, _shown = heyin
    pasted = f" {enterprise.uscc[:9].lower()} {enterprise.uscc[9:]} "

    response = APIClient().get(LIST_URL, {"q": pasted})

    assert [row["uscc"] for row in response.json()["results"]] == [enterprise.uscc]


def test_an_enterprise_without_public_records_counts_zero():
    enterprise = EnterpriseFactory(name="嘉兴清白科技有限公司")

    response = APIClient().get(LIST_URL, {"q": "清白"})

    assert response.json()["results"] == [
        {
            "uscc": enterprise.uscc,
            "name": "嘉兴清白科技有限公司",
            "county_name": enterprise.county.name,
            "public_record_count": 0,
        }
    ]


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}])
def test_the_search_needs_a_text(query):
    response = APIClient().get(LIST_URL, query)

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "提交的数据有误，请按提示修改后重试。",
            "fields": {"q": ["请输入企业名称或统一社会信用代码。"]},
        }
    }


def test_the_search_shows_what_the_page_shows_at_most_twenty():
    for number in range(23):
        EnterpriseFactory(name=f"嘉兴同名科技{number:02d}有限公司")

    api = APIClient().get(LIST_URL, {"q": "同名科技", "page_size": 50}).json()
    page = APIClient().get("/credit/public/", {"q": "同名科技"}).content.decode()

    assert api["count"] == 20
    shown_on_page = re.findall(r'href="/credit/public/([0-9A-Z]{18})/"', page)
    assert [row["uscc"] for row in api["results"]] == shown_on_page


def test_the_search_reads_a_fixed_number_of_queries(django_assert_max_num_queries):
    category = penalty_category(disclosure_years=0)
    for number in range(15):
        enterprise = EnterpriseFactory(name=f"嘉兴计数科技{number:02d}有限公司")
        record(
            category=category,
            enterprise=enterprise,
            event_date=datetime.date(2026, 1, 1),
            data=_penalty(f"N{number}"),
        )
    client = APIClient()

    # the name search's candidates, count, the page of enterprises, the public categories,
    # the counts: the same for 15 enterprises as for one
    with django_assert_max_num_queries(5):
        response = client.get(LIST_URL, {"q": "计数科技"})

    assert response.json()["count"] == 15
    assert {row["public_record_count"] for row in response.json()["results"]} == {1}


# --- one enterprise --------------------------------------------------------------------------


def test_the_public_records_of_an_enterprise_masked_as_on_the_page(heyin):
    enterprise, penalty, _shown = heyin

    response = APIClient().get(detail_url(enterprise.uscc))

    assert response.status_code == 200
    assert response.json() == {
        "enterprise": {
            "uscc": enterprise.uscc,
            "name": "嘉兴禾信光电科技有限公司",
            "county_name": enterprise.county.name,
        },
        "sections": [
            {
                "category": "penalty_market",
                "name": "行政处罚（市场监管）",
                "department": penalty.department.code,
                "department_name": penalty.department.name,
                "disclosure_years": 3,
                "fields": [
                    {"code": "decision_no", "name": "决定书文号"},
                    {"code": "violation", "name": "违法行为"},
                    {"code": "amount", "name": "罚款金额"},
                    {"code": "legal_person_name", "name": "法定代表人"},
                    {"code": "legal_person_id_no", "name": "身份证号"},
                    {"code": "contact_phone", "name": "联系电话"},
                ],
                "records": [
                    {
                        "event_date": "2025-03-01",
                        "values": {
                            "decision_no": "嘉市监罚〔2025〕7号",
                            "violation": "虚假宣传",
                            "amount": "5,000.00 元",
                            "legal_person_name": "李*",
                            "legal_person_id_no": "3304**********1234",
                            "contact_phone": "138****1234",
                        },
                        "dispute": "",
                    }
                ],
            }
        ],
    }
    assert ReportRead.objects.count() == 0  # a public read is no report read


def test_a_restricted_record_never_appears_even_to_a_signed_in_institution():
    enterprise = EnterpriseFactory()
    restricted = penalty_category(
        code="court_judgment", name="涉诉裁判文书", disclosure=Disclosure.RESTRICTED
    )
    record(
        category=restricted,
        enterprise=enterprise,
        event_date=datetime.date(2026, 11, 1),
        data=_penalty("（2026）浙0402民初1号"),
    )
    client = APIClient()
    client.force_authenticate(UserFactory(institution_manager=True))

    response = client.get(detail_url(enterprise.uscc))

    assert response.status_code == 200
    assert response.json()["sections"] == []
    assert "（2026）浙0402民初1号" not in response.content.decode()


def test_a_record_past_its_disclosure_period_never_appears(heyin):
    enterprise, _category, _shown = heyin

    body = APIClient().get(detail_url(enterprise.uscc)).content.decode()

    assert "嘉市监罚〔2023〕1号" not in body  # its three years ended today
    assert "嘉市监罚〔2026〕旧版" not in body  # superseded by a correction


def test_a_disputed_record_is_marked_as_on_the_page(heyin):
    enterprise, penalty, shown = heyin
    Dispute.objects.create(
        record=shown,
        enterprise=enterprise,
        department=penalty.department,
        reason="处罚已撤销",
        deadline=datetime.date(2026, 12, 31),
        deadline_workdays=20,
    )

    api = APIClient().get(detail_url(enterprise.uscc)).json()
    page = APIClient().get(f"/credit/public/{enterprise.uscc}/").content.decode()

    assert api["sections"][0]["records"][0]["dispute"] == "异议处理中"
    assert re.findall(r'data-testid="dispute">([^<]*)<', page) == ["异议处理中"]


def test_the_api_says_what_the_page_says(heyin):
    enterprise, _category, _shown = heyin
    kept = penalty_category(
        code="dishonest_debtor", name="失信被执行人", disclosure_years=0, order=20
    )
    record(
        category=kept,
        enterprise=enterprise,
        event_date=datetime.date(2012, 5, 1),
        data=_penalty("（2012）嘉执字第9号", amount="120000"),
    )

    api = APIClient().get(detail_url(enterprise.uscc)).json()
    page = unescape(APIClient().get(f"/credit/public/{enterprise.uscc}/").content.decode())

    page_sections = re.findall(r'data-testid="public-section" data-category="([a-z_]+)"', page)
    assert [section["category"] for section in api["sections"]] == page_sections
    page_records = re.findall(
        r'data-testid="public-record">.*?<span class="fw-semibold">([0-9-]+)</span>(.*?)</dl>',
        page,
        re.S,
    )
    api_records = [
        (item["event_date"], list(item["values"].values()))
        for section in api["sections"]
        for item in section["records"]
    ]
    assert [date for date, _values in page_records] == [date for date, _ in api_records]
    for (_date, html), (_api_date, values) in zip(page_records, api_records, strict=True):
        assert re.findall(r"<dd[^>]*>([^<]*)</dd>", html) == values
    departments = re.findall(r'data-testid="public-department">（来源：([^）]*)）', page)
    assert departments == [section["department_name"] for section in api["sections"]]


def test_a_valid_but_unregistered_credit_code_is_not_found():
    unregistered = EnterpriseFactory.build().uscc

    response = APIClient().get(detail_url(unregistered))

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "平台上没有登记该统一社会信用代码的企业，请核对后重试。",
            "fields": {},
        }
    }


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("913304", "统一社会信用代码应为18位，当前为6位。"),
        (
            "91330400MA2B00000I",
            "统一社会信用代码含有不允许的字符：I（不使用I、O、Z、S、V及符号）。",
        ),
    ],
)
def test_an_invalid_credit_code_is_not_found_with_the_reason(code, reason):
    response = APIClient().get(detail_url(code))

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "统一社会信用代码无效，没有对应的企业。",
            "fields": {"uscc": [reason]},
        }
    }


def test_one_enterprise_reads_a_fixed_number_of_queries(heyin, django_assert_max_num_queries):
    enterprise, penalty, _shown = heyin
    for number in range(10):
        record(
            category=penalty,
            enterprise=enterprise,
            event_date=datetime.date(2026, 2, 1),
            data=_penalty(f"M{number}"),
        )

    # the enterprise, the categories, the records, their fields, their disputes
    with django_assert_max_num_queries(5):
        response = APIClient().get(detail_url(enterprise.uscc))

    assert len(response.json()["sections"][0]["records"]) == 11


# --- throttling ------------------------------------------------------------------------------


@pytest.fixture
def low_rate(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "credit_public_anon": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_anonymous_callers_are_throttled_per_address(low_rate, heyin):
    enterprise, _category, _shown = heyin
    client = APIClient()
    for url, query in (
        (LIST_URL, {"q": "禾信"}),
        (detail_url(enterprise.uscc), {}),
        (LIST_URL, {"q": "x"}),
    ):
        assert client.get(url, query, REMOTE_ADDR="10.0.0.7").status_code == 200

    refused = client.get(detail_url(enterprise.uscc), REMOTE_ADDR="10.0.0.7")
    elsewhere = client.get(detail_url(enterprise.uscc), REMOTE_ADDR="10.0.0.8")

    assert refused.status_code == 429
    assert refused.json() == THROTTLED
    assert int(refused["Retry-After"]) > 0
    assert elsewhere.status_code == 200


def test_signed_in_callers_are_not_counted(low_rate, heyin):
    enterprise, _category, _shown = heyin
    client = APIClient()
    client.force_authenticate(UserFactory(institution_officer=True))

    statuses = {
        client.get(detail_url(enterprise.uscc), REMOTE_ADDR="10.0.0.7").status_code
        for _ in range(5)
    }

    assert statuses == {200}
