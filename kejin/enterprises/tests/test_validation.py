"""Input validation in one place (issue 6): the same facts are accepted or refused, with the
same message, by the profile page, the API, the service and the import; the extremes that are
accepted read back everywhere; invisible characters, full-width digits and "1_000" are
refused; enterprise users get a clear refusal for fields they may not change."""

from __future__ import annotations

import datetime
import hashlib
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.fields import COUNT_MAX, MONEY_MAX
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory, RegionFactory
from kejin.core.uscc import uscc_build
from kejin.enterprises.choices import ImportKind
from kejin.enterprises.imports.services import import_batch_create
from kejin.enterprises.models import AnnualFacts, Certificate, Enterprise
from kejin.enterprises.profile.services import annual_facts_save
from kejin.enterprises.tests.factories import EnterpriseFactory, org_body
from kejin.enterprises.validation import FACT_BOUNDS, MONEY

pytestmark = pytest.mark.django_db

NOT_A_NUMBER = (
    "%s“%s”不是有效的数字：请只用半角数字0-9和小数点填写，"
    "不要包含单位、空格、逗号、下划线或全角数字。"
)
TOO_LARGE = "%s不能超过9999999999999.99元（约10万亿元），请核对单位是否为元。"
HIGH_TECH_OVER_TOTAL = (
    "高新技术产品(服务)收入（200.00元）不能大于总收入（100.00元），请核对后重新填写。"
)
BEFORE_FOUNDING = "企业成立于2018-05-20，不能填报成立之前的2016年度数据，请核对年度。"
RLO_IN_NAME = (
    "第5个字符是不可见的控制字符（U+202E RIGHT-TO-LEFT OVERRIDE），请删除后重新填写"
    "（从其他软件复制的文字常带有这类字符）。"
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def nanhu():
    return RegionFactory(code="330402", name="南湖区")


@pytest.fixture
def enterprise(nanhu):
    return EnterpriseFactory(
        uscc=uscc_build(region_code="330402", org_body=org_body(7_000_001)),
        county=nanhu,
        name="嘉兴禾芯微电子有限公司",
        founded_on=datetime.date(2018, 5, 20),
    )


@pytest.fixture
def officer(nanhu):
    return UserFactory(
        county_officer=True,
        county=nanhu,
        department=DepartmentFactory(code="nh-kjj", name="南湖区科学技术局", region=nanhu),
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def world() -> str:
    """Every stored enterprise, fact row, certificate and audit event, as one checksum."""
    rows = [
        list(model.objects.order_by("pk").values_list())
        for model in (Enterprise, AnnualFacts, Certificate, AuditEvent)
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# --- the same input, every path, the same answer -------------------------------------------


def _service(officer, enterprise, year, values) -> dict:
    with pytest.raises(ApplicationError) as caught:
        annual_facts_save(
            actor=officer, enterprise=enterprise, year=year, values=values, source="department"
        )
    return caught.value.fields


def _api(officer, enterprise, year, values) -> dict:
    url = reverse("api-enterprise-facts-year", args=[enterprise.pk, year])
    response = api(officer).patch(url, values, format="json")
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


def _page(officer, enterprise, year, values, client) -> dict:
    client.force_login(officer)
    url = reverse("profile:facts_edit", args=[enterprise.pk, year])
    response = client.post(url, {"as_of": "", **values})
    if response.status_code == 400:  # a year refused before the form is shown
        return {"year": [response.context["error"].message]} if response.context else {}
    assert response.status_code == 200
    form = response.context["form"]
    return {name: list(messages) for name, messages in form.errors.items()}


def _import(officer, enterprise, year, values, tmp_path, on_commit) -> dict:
    headers = {"total_income": "总收入(元)", "high_tech_income": "高新技术产品(服务)收入(元)"}
    headers |= {"revenue": "销售收入(元)", "employees": "职工总数(人)"}
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["统一社会信用代码", "年度", *(headers[name] for name in values)])
    sheet.append([enterprise.uscc, str(year), *values.values()])
    path = tmp_path / "facts.xlsx"
    workbook.save(path)
    with on_commit(execute=True):  # the batch runs the way production runs it: on commit
        batch = import_batch_create(
            actor=officer,
            kind=ImportKind.ANNUAL_FACTS,
            uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
        )
    batch.refresh_from_db()
    names = {header: name for name, header in headers.items()} | {"年度": "year"}
    fields: dict[str, list[str]] = {}
    for problem in batch.errors:
        fields.setdefault(names[problem["column"]], []).append(problem["reason"])
    return fields


CASES = [
    pytest.param(
        2024,
        {"total_income": "100", "high_tech_income": "200"},
        {"high_tech_income": [HIGH_TECH_OVER_TOTAL]},
        id="high-tech income above total income",
    ),
    pytest.param(
        2024,
        {"revenue": "１２３"},
        {"revenue": [NOT_A_NUMBER % ("销售收入", "１２３")]},
        id="full-width digits",
    ),
    pytest.param(
        2024,
        {"revenue": "1_000"},
        {"revenue": [NOT_A_NUMBER % ("销售收入", "1_000")]},
        id="underscore",
    ),
    pytest.param(
        2024,
        {"revenue": "10000000000000"},
        {"revenue": [TOO_LARGE % "销售收入"]},
        id="above the money bound",
    ),
    pytest.param(2016, {"employees": "5"}, {"year": [BEFORE_FOUNDING]}, id="before founding"),
]


@pytest.mark.parametrize(("year", "values", "expected"), CASES)
def test_service_api_page_and_import_refuse_the_same_facts_with_the_same_messages(
    enterprise,
    officer,
    client,
    tmp_path,
    year,
    values,
    expected,
    django_capture_on_commit_callbacks,
):
    before = world()

    assert _service(officer, enterprise, year, values) == expected
    assert _api(officer, enterprise, year, values) == expected
    if "year" not in expected:  # the page refuses a year before showing its form (below)
        assert _page(officer, enterprise, year, values, client) == expected
    assert (
        _import(officer, enterprise, year, values, tmp_path, django_capture_on_commit_callbacks)
        == expected
    )
    assert world() == before


def test_the_page_refuses_a_year_before_founding_with_the_validators_message(
    enterprise, officer, client
):
    client.force_login(officer)

    response = client.get(reverse("profile:facts_edit", args=[enterprise.pk, 2016]))

    assert response.status_code == 400
    assert BEFORE_FOUNDING in response.content.decode()


def test_the_bounds_are_database_check_constraints(enterprise):
    for values in (
        {"total_income": Decimal(100), "high_tech_income": Decimal(101)},
        {"rd_expense": Decimal(100), "rd_expense_domestic": Decimal(101)},
        {"revenue": MONEY_MAX + Decimal("0.01")},
        {"revenue": Decimal(-1)},
        {"employees": COUNT_MAX + 1},
        {"innovation_score": 101},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            AnnualFacts.objects.create(enterprise=enterprise, year=2024, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.filter(pk=enterprise.pk).update(
            registered_capital=MONEY_MAX + Decimal("0.01")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualFacts.objects.create(enterprise=enterprise, year=1999)


# --- the extremes read back ------------------------------------------------------------------


def test_the_largest_accepted_values_read_back_on_pages_api_and_exports(enterprise, client):
    officer = UserFactory(
        department=DepartmentFactory(code="jx-kjj", name="嘉兴市科学技术局"),
    )
    maximum = {
        name: (MONEY_MAX if bounds.kind == MONEY else bounds.maximum)
        for name, bounds in FACT_BOUNDS.items()
        if bounds.maximum is not None
    }
    maximum["tech_staff"] = maximum["employees"]
    response = api(officer).patch(
        reverse("api-enterprise-detail", args=[enterprise.pk]),
        {"registered_capital": "9999999999999.99"},
        format="json",
    )
    assert response.status_code == 200, response.content
    response = api(officer).patch(
        reverse("api-enterprise-facts-year", args=[enterprise.pk, 2024]),
        {name: str(value) for name, value in maximum.items()},
        format="json",
    )
    assert response.status_code == 200, response.content

    facts = api(officer).get(reverse("api-enterprise-facts-year", args=[enterprise.pk, 2024]))
    assert facts.status_code == 200
    assert facts.json()["revenue"] == "9999999999999.99"
    assert facts.json()["employees"] == COUNT_MAX
    detail = api(officer).get(reverse("api-enterprise-detail", args=[enterprise.pk]))
    assert detail.json()["registered_capital"] == "9999999999999.99"
    assert api(officer).get(reverse("api-enterprise-list")).status_code == 200
    assert (
        api(officer).get(reverse("api-enterprise-recognition", args=[enterprise.pk])).status_code
        == 200
    )
    stored = AnnualFacts.objects.get(enterprise=enterprise, year=2024)
    assert stored.revenue == MONEY_MAX and stored.innovation_score == 100

    client.force_login(officer)
    for url in (
        reverse("enterprises:detail", args=[enterprise.pk]),
        reverse("profile:facts", args=[enterprise.pk]),
        reverse("profile:facts_edit", args=[enterprise.pk, 2024]),
        reverse("profile:recognition", args=[enterprise.pk]),
        reverse("enterprises:list"),
    ):
        assert client.get(url).status_code == 200, url
    export = client.get(reverse("enterprises:export"))
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert enterprise.name in [cell for row in sheet.iter_rows(values_only=True) for cell in row]


def test_an_amount_above_the_bound_is_refused_by_the_enterprise_api_and_page(
    enterprise, officer, client
):
    before = world()

    response = api(officer).patch(
        reverse("api-enterprise-detail", args=[enterprise.pk]),
        {"registered_capital": "10000000000000"},
        format="json",
    )
    client.force_login(officer)
    page = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        {
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "county": enterprise.county_id,
            "industry": enterprise.industry_id,
            "founded_on": "2018-05-20",
            "size": enterprise.size,
            "registered_capital": "1_000",
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"registered_capital": [TOO_LARGE % "注册资本"]}
    assert page.status_code == 200
    assert page.context["form"].errors["registered_capital"] == [
        NOT_A_NUMBER % ("注册资本", "1_000")
    ]
    assert world() == before


# --- invisible characters and dates ------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x85", "\u202e", "\u2066", "\u200b", "\ufeff"])
def test_invisible_characters_are_refused_by_api_page_and_admin(enterprise, officer, client, char):
    before = world()
    name = f"嘉兴禾芯{char}微电子有限公司"

    response = api(officer).patch(
        reverse("api-enterprise-detail", args=[enterprise.pk]), {"name": name}, format="json"
    )
    client.force_login(UserFactory(platform_admin=True, is_staff=True, is_superuser=True))
    admin = client.post(
        reverse("admin:enterprises_enterprise_change", args=[enterprise.pk]),
        {
            "uscc": enterprise.uscc,
            "name": name,
            "county": enterprise.county_id,
            "industry": enterprise.industry_id,
            "founded_on": "2018-05-20",
            "size": enterprise.size,
            "registered_capital": "5000000",
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["name"][-1].startswith("第5个字符是不可见的控制字符")
    assert admin.status_code == 200
    assert any(
        message.startswith("第5个字符是不可见的控制字符")
        for message in admin.context["adminform"].form.errors["name"]
    )
    assert world() == before


def test_a_right_to_left_override_is_named_in_the_message(enterprise, officer):
    response = api(officer).patch(
        reverse("api-enterprise-detail", args=[enterprise.pk]),
        {"name": "嘉兴禾芯\u202e微电子有限公司"},
        format="json",
    )

    assert response.json()["error"]["fields"] == {"name": [RLO_IN_NAME]}


def test_line_breaks_are_allowed_in_the_business_scope_only(enterprise, officer):
    response = api(officer).patch(
        reverse("api-enterprise-detail", args=[enterprise.pk]),
        {"business_scope": "软件开发；\n技术服务。", "address": "南湖区\n示例路1号"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["address"]


def test_certificate_text_and_dates_are_bounded(enterprise, officer):
    before = world()
    url = reverse("api-enterprise-certificates", args=[enterprise.pk])

    response = api(officer).post(
        url,
        {"kind": "high_tech", "number": "GR2024\u200b33000001", "valid_from": "1800-01-01"},
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["number"] == [
        "第7个字符是不可见的控制字符（U+200B ZERO WIDTH SPACE），请删除后重新填写"
        "（从其他软件复制的文字常带有这类字符）。"
    ]
    response = api(officer).post(
        url, {"kind": "high_tech", "number": "GR202433000001", "valid_from": "1800-01-01"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["valid_from"][0].startswith("日期应在1980-01-01至")
    assert world() == before


def test_founding_dates_before_1949_or_after_today_are_refused(enterprise, officer):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for value in ("1948-12-31", tomorrow.isoformat()):
        response = api(officer).patch(
            reverse("api-enterprise-detail", args=[enterprise.pk]),
            {"founded_on": value},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["founded_on"][0].startswith(
            "成立日期应在1949-01-01至"
        )


# --- fields an enterprise may not change -----------------------------------------------------


def test_enterprise_admin_posting_a_registry_field_on_the_edit_page_is_refused(enterprise, client):
    user = UserFactory(enterprise_admin=True, enterprise=enterprise)
    client.force_login(user)
    before = world()

    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        {
            "industry": enterprise.industry_id,
            "size": "medium",
            "zone": "",
            "address": "嘉兴市南湖区新地址9号",
            "name": "改名企图",
            "registered_capital": "1",
        },
    )

    assert response.status_code == 403
    assert "您无权修改以下字段：企业名称、注册资本(元)。" in response.content.decode()
    assert world() == before


def test_enterprise_admin_posting_a_locked_fact_on_the_facts_page_is_refused(enterprise, client):
    user = UserFactory(enterprise_admin=True, enterprise=enterprise)
    client.force_login(user)
    before = world()

    response = client.post(
        reverse("profile:facts_edit", args=[enterprise.pk, 2024]),
        {"employees": "50", "innovation_score": "90"},
    )

    assert response.status_code == 403
    assert "以下数据企业不能自行修改：创新能力评价得分。" in response.content.decode()
    assert world() == before


def test_enterprise_admin_sending_a_registry_field_to_the_api_is_refused(enterprise):
    user = UserFactory(enterprise_admin=True, enterprise=enterprise)
    before = world()

    response = api(user).patch(
        reverse("api-enterprise-detail", args=[enterprise.pk]),
        {"address": "新地址", "name": "改名企图"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您无权修改以下字段：name。"
    assert world() == before


def test_the_import_refuses_invisible_characters_full_width_digits_and_old_founding_dates(
    nanhu, officer, tmp_path, django_capture_on_commit_callbacks
):
    from kejin.core.tests.factories import IndustryFactory

    IndustryFactory(code="39", name="计算机、通信和其他电子设备制造业")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["统一社会信用代码", "企业名称", "所在县(市、区)代码", "行业代码", "成立日期"]
        + ["企业规模", "注册资本(元)"]
    )
    uscc = uscc_build(region_code="330402", org_body=org_body(7_000_002))
    sheet.append(
        [uscc, "嘉兴禾芯\u202e微电子有限公司", "330402", "39", "1948-12-31", "小型", "５００"]
    )
    path = tmp_path / "enterprises.xlsx"
    workbook.save(path)
    before = world()

    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(
            actor=officer,
            kind=ImportKind.ENTERPRISES,
            uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
        )
    batch.refresh_from_db()

    assert [(e["column"], e["reason"]) for e in batch.errors] == [
        ("企业名称", RLO_IN_NAME),
        (
            "成立日期",
            f"成立日期应在1949-01-01至{timezone.localdate().isoformat()}之间，"
            "请核对营业执照上的成立日期。",
        ),
        ("注册资本(元)", NOT_A_NUMBER % ("注册资本", "５００")),
    ]
    assert world() == before


def test_the_institution_api_refuses_invisible_characters_and_full_width_amounts(nanhu):
    from kejin.institutions.models import Institution
    from kejin.institutions.tests.factories import InstitutionFactory

    institution = InstitutionFactory(county=nanhu, registered_capital=Decimal("100000000.00"))
    admin = UserFactory(platform_admin=True)
    before = list(Institution.objects.values_list())

    response = api(admin).patch(
        reverse("api-institution-detail", args=[institution.pk]),
        {"name": "嘉兴银行\u200b南湖支行", "registered_capital": "１００"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "name": [
            "第5个字符是不可见的控制字符（U+200B ZERO WIDTH SPACE），请删除后重新填写"
            "（从其他软件复制的文字常带有这类字符）。"
        ],
        "registered_capital": [NOT_A_NUMBER % ("注册资本", "１００")],
    }
    assert list(Institution.objects.values_list()) == before


@pytest.mark.parametrize("year", ["２０２４", "2_024", "+2024"])
def test_a_year_in_full_width_digits_or_with_an_underscore_is_not_a_year(enterprise, officer, year):
    response = api(officer).get(
        reverse("api-enterprise-recognition", args=[enterprise.pk]), {"year": year}
    )

    assert response.status_code == 400
    first, last = 2000, timezone.localdate().year
    assert response.json()["error"]["fields"] == {
        "year": [f"年度应为{first}至{last}之间的四位数字。"]
    }
