"""The enterprise profile: annual facts with provenance (self-reported or department data),
certificates with expiry flags, and the recognition explanation — services, selectors, pages
and API, with scoping (404 outside the user's scope) and denied writes changing nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config import urls as root_urls
from kejin.accounts.tests.factories import UserFactory
from kejin.core.audit import model_snapshot
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory, RegionFactory
from kejin.enterprises.models import AnnualFacts, Certificate
from kejin.enterprises.profile.display import FACT_GROUPS
from kejin.enterprises.profile.selectors import (
    FACT_NAMES,
    annual_facts_for,
    annual_facts_get,
    certificate_expiry,
    certificates_for,
    recognition_for,
)
from kejin.enterprises.profile.services import (
    annual_facts_save,
    certificate_create,
    certificate_delete,
    certificate_update,
)
from kejin.enterprises.tests.factories import EnterpriseFactory


def _urlpatterns():
    """The site's URLs, plus the profile's until config/urls.py includes them itself."""
    patterns = list(root_urls.urlpatterns)
    try:
        reverse("profile:facts", args=[1], urlconf=root_urls)
    except NoReverseMatch:
        patterns.insert(0, path("enterprises/", include("kejin.enterprises.profile.urls")))
    try:
        reverse("api-enterprise-recognition", args=[1], urlconf=root_urls)
    except NoReverseMatch:
        patterns.insert(0, path("api/v1/", include("kejin.enterprises.profile.api_urls")))
    return patterns


urlpatterns = _urlpatterns()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

TODAY = timezone.localdate()
NOT_A_NUMBER = (
    "%s“%s”不是有效的数字：请只用半角数字0-9和小数点填写，"
    "不要包含单位、空格、逗号、下划线或全角数字。"
)
NOT_A_COUNT = "%s“%s”不是整数：请只用半角数字0-9填写，不要包含小数、单位或全角数字。"
NOT_FOUND = {
    "error": {"code": "not_found", "message": "未找到该记录，或您无权查看。", "fields": {}}
}


# --- given --------------------------------------------------------------------------------------


@pytest.fixture
def nanhu():
    return RegionFactory(code="330402", name="南湖区")


@pytest.fixture
def xiuzhou():
    return RegionFactory(code="330411", name="秀洲区")


@pytest.fixture
def enterprise(nanhu):
    return EnterpriseFactory(
        county=nanhu, name="嘉兴禾芯微电子有限公司", founded_on=datetime.date(2018, 5, 20)
    )


@pytest.fixture
def other_enterprise(nanhu):
    return EnterpriseFactory(county=nanhu, name="嘉兴另一家科技有限公司")


@pytest.fixture
def city_officer():
    return UserFactory(department=DepartmentFactory(code="jx-kjj", name="嘉兴市科学技术局"))


@pytest.fixture
def county_officer(nanhu):
    return UserFactory(
        county_officer=True,
        county=nanhu,
        department=DepartmentFactory(code="nh-kjj", name="南湖区科学技术局", region=nanhu),
    )


@pytest.fixture
def other_county_officer(xiuzhou):
    return UserFactory(county_officer=True, county=xiuzhou)


@pytest.fixture
def enterprise_admin(enterprise):
    return UserFactory(enterprise_admin=True, enterprise=enterprise)


@pytest.fixture
def enterprise_staff(enterprise):
    return UserFactory(enterprise_staff=True, enterprise=enterprise)


@pytest.fixture
def platform_admin():
    return UserFactory(platform_admin=True)


def tech_sme_facts(enterprise, year=2024, **overrides) -> AnnualFacts:
    """A tech SME on the facts: 25 % tech staff (16), R&D 4.5 % of revenue (30) and 15 % of
    costs (20: the better one counts), 3 class-II IP (18) → 64 points, qualified."""
    values = {
        "employees": 100,
        "tech_staff": 25,
        "revenue": Decimal("10000000.00"),
        "total_assets": Decimal("50000000.00"),
        "total_cost": Decimal("3000000.00"),
        "rd_expense": Decimal("450000.00"),
        "ip_class1": 0,
        "ip_class2": 3,
    }
    values.update(overrides)
    provenance = {
        name: {"source": "department", "detail": "jx-tjj", "as_of": f"{year + 1}-03-31"}
        for name, value in values.items()
        if value is not None
    }
    return AnnualFacts.objects.create(
        enterprise=enterprise, year=year, provenance=provenance, **values
    )


def facts_state(enterprise) -> list[dict]:
    """Every year of facts as stored now, provenance included (to assert that nothing changed)."""
    return [
        model_snapshot(f)
        for f in AnnualFacts.objects.filter(enterprise=enterprise).order_by("year")
    ]


def certificates_state(enterprise) -> list[dict]:
    return [
        model_snapshot(c) for c in Certificate.objects.filter(enterprise=enterprise).order_by("pk")
    ]


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


# --- annual facts: services -------------------------------------------------------------------


def test_enterprise_admin_self_reports_a_new_year(enterprise, enterprise_admin):
    facts = annual_facts_save(
        actor=enterprise_admin,
        enterprise=enterprise,
        year=2024,
        values={
            "employees": 120,
            "tech_staff": 40,
            "revenue": Decimal("8500000.50"),
            "key_field": True,
        },
        source="self",
        as_of=datetime.date(2025, 3, 31),
        ip_address="10.0.0.8",
    )

    facts.refresh_from_db()
    assert (facts.year, facts.employees, facts.tech_staff, facts.revenue, facts.key_field) == (
        2024,
        120,
        40,
        Decimal("8500000.50"),
        True,
    )
    own = {"source": "self", "detail": "", "as_of": "2025-03-31"}
    assert facts.provenance == {
        "employees": own,
        "tech_staff": own,
        "revenue": own,
        "key_field": own,
    }
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id, event.actor, event.ip_address) == (
        "create",
        "enterprises.annualfacts",
        str(facts.pk),
        enterprise_admin,
        "10.0.0.8",
    )
    assert event.before is None
    assert event.after == {
        "employees": 120,
        "tech_staff": 40,
        "revenue": "8500000.50",
        "key_field": True,
        "provenance": {"employees": own, "tech_staff": own, "revenue": own, "key_field": own},
    }


def test_officer_records_department_data_over_a_self_reported_value(
    enterprise, enterprise_admin, county_officer
):
    annual_facts_save(
        actor=enterprise_admin,
        enterprise=enterprise,
        year=2024,
        values={"employees": 120, "tech_staff": 40},
        source="self",
        as_of=datetime.date(2025, 3, 31),
    )

    facts = annual_facts_save(
        actor=county_officer,
        enterprise=enterprise,
        year=2024,
        values={"employees": 118, "tech_staff": 40, "innovation_score": 76},
        source="department",
        as_of=datetime.date(2025, 5, 10),
    )

    facts.refresh_from_db()
    assert (facts.employees, facts.tech_staff, facts.innovation_score) == (118, 40, 76)
    department = {"source": "department", "detail": "nh-kjj", "as_of": "2025-05-10"}
    assert facts.provenance == {
        "employees": department,
        "tech_staff": {"source": "self", "detail": "", "as_of": "2025-03-31"},  # unchanged
        "innovation_score": department,
    }
    event = AuditEvent.objects.filter(action="update").get()
    assert event.actor == county_officer
    assert event.before == {
        "employees": 120,
        "innovation_score": None,
        "provenance": {
            "employees": {"source": "self", "detail": "", "as_of": "2025-03-31"},
            "innovation_score": None,
        },
    }
    assert event.after == {
        "employees": 118,
        "innovation_score": 76,
        "provenance": {"employees": department, "innovation_score": department},
    }


def test_city_officer_writes_under_their_own_department_code_only(enterprise, city_officer):
    facts = annual_facts_save(
        actor=city_officer,
        enterprise=enterprise,
        year=2023,
        values={"exports": Decimal("1200000")},
        source="department",
        detail="jx-kjj",
        as_of=datetime.date(2024, 4, 1),
    )
    assert facts.provenance == {
        "exports": {"source": "department", "detail": "jx-kjj", "as_of": "2024-04-01"}
    }

    error = refused(
        lambda: annual_facts_save(
            actor=city_officer,
            enterprise=enterprise,
            year=2023,
            values={"exports": Decimal("1")},
            source="department",
            detail="jx-swj",
        )
    )
    assert (error.code, error.message) == (
        "permission_denied",
        "只能以本部门（jx-kjj）的名义填报数据。",
    )
    assert AnnualFacts.objects.get(pk=facts.pk).exports == Decimal("1200000.00")


def test_clearing_a_value_drops_its_provenance_and_unchanged_values_write_nothing(
    enterprise, county_officer
):
    facts = tech_sme_facts(enterprise)

    annual_facts_save(
        actor=county_officer,
        enterprise=enterprise,
        year=2024,
        values={"employees": 100, "revenue": Decimal("10000000"), "ip_class2": None},
        source="department",
    )

    facts.refresh_from_db()
    assert facts.ip_class2 is None
    assert "ip_class2" not in facts.provenance
    assert facts.provenance["employees"] == {
        "source": "department",
        "detail": "jx-tjj",
        "as_of": "2025-03-31",
    }
    event = AuditEvent.objects.get()
    assert event.before == {
        "ip_class2": 3,
        "provenance": {
            "ip_class2": {"source": "department", "detail": "jx-tjj", "as_of": "2025-03-31"}
        },
    }
    assert event.after == {"ip_class2": None, "provenance": {"ip_class2": None}}

    annual_facts_save(
        actor=county_officer,
        enterprise=enterprise,
        year=2024,
        values={"employees": 100, "revenue": Decimal("10000000.00")},
        source="department",
    )
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "year", "as_of", "fields"),
    [
        (
            {"employees": -1},
            2024,
            None,
            {"employees": ["职工总数应为0至10000000之间的整数，请核对。"]},
        ),
        (
            {"rd_expense": Decimal("-0.01")},
            2024,
            None,
            {"rd_expense": ["研发费用不能为负数，请填写0或正数（单位：元）。"]},
        ),
        (
            {"revenue": Decimal("1.005")},
            2024,
            None,
            {"revenue": ["销售收入最多保留两位小数（精确到分），请改为 1.00 或核对数值。"]},
        ),
        ({"revenue": "很多"}, 2024, None, {"revenue": [NOT_A_NUMBER % ("销售收入", "很多")]}),
        ({"revenue": "１２３"}, 2024, None, {"revenue": [NOT_A_NUMBER % ("销售收入", "１２３")]}),
        ({"revenue": "1_000"}, 2024, None, {"revenue": [NOT_A_NUMBER % ("销售收入", "1_000")]}),
        (
            {"revenue": Decimal("10000000000000")},
            2024,
            None,
            {"revenue": ["销售收入不能超过9999999999999.99元（约10万亿元），请核对单位是否为元。"]},
        ),
        ({"employees": 1.5}, 2024, None, {"employees": [NOT_A_COUNT % ("职工总数", "1.5")]}),
        ({"employees": "１２"}, 2024, None, {"employees": [NOT_A_COUNT % ("职工总数", "１２")]}),
        (
            {"total_income": Decimal("100"), "high_tech_income": Decimal("100.01")},
            2024,
            None,
            {
                "high_tech_income": [
                    "高新技术产品(服务)收入（100.01元）不能大于总收入（100.00元），请核对后重新填写。"
                ]
            },
        ),
        (
            {"employees": 5},
            2012,
            None,
            {"year": ["企业成立于2018-05-20，不能填报成立之前的2012年度数据，请核对年度。"]},
        ),
        ({"key_field": "yes"}, 2024, None, {"key_field": ["属于重点支持领域应为“是”或“否”。"]}),
        (
            {"employees": 10, "tech_staff": 11},
            2024,
            None,
            {"tech_staff": ["科技人员数（11人）不能大于职工总数（10人），请核对后重新填写。"]},
        ),
        (
            {"rd_expense": Decimal("100"), "rd_expense_domestic": Decimal("100.01")},
            2024,
            None,
            {
                "rd_expense_domestic": [
                    "境内研发费用（100.01元）不能大于研发费用（100.00元），请核对后重新填写。"
                ]
            },
        ),
        (
            {"innovation_score": 101},
            2024,
            None,
            {"innovation_score": ["创新能力评价得分应为0至100之间的整数，请核对。"]},
        ),
        ({"employees": 5}, 1999, None, {"year": [f"年度应为2000至{TODAY.year}之间的四位数字。"]}),
        (
            {"employees": 5},
            TODAY.year + 1,
            None,
            {"year": [f"年度应为2000至{TODAY.year}之间的四位数字。"]},
        ),
        (
            {"employees": 5},
            2024,
            TODAY + datetime.timedelta(days=1),
            {"as_of": ["数据时点不能晚于今天。"]},
        ),
        (
            {"employees": 5},
            2024,
            datetime.date(2023, 12, 31),
            {"as_of": ["数据时点不能早于2024年1月1日。"]},
        ),
        ({"staff": 5}, 2024, None, {"staff": ["没有名为“staff”的年度数据项。"]}),
    ],
)
def test_invalid_facts_are_refused_with_a_message_per_field(
    enterprise, county_officer, values, year, as_of, fields
):
    error = refused(
        lambda: annual_facts_save(
            actor=county_officer,
            enterprise=enterprise,
            year=year,
            values=values,
            source="department",
            as_of=as_of,
        )
    )

    assert (error.code, error.message, error.fields) == (
        "invalid",
        "提交的数据有误，请按提示修改后重试。",
        fields,
    )
    assert not AnnualFacts.objects.exists()
    assert not AuditEvent.objects.exists()


def test_changing_employees_below_stored_tech_staff_is_refused(enterprise, county_officer):
    tech_sme_facts(enterprise)
    before = facts_state(enterprise)

    error = refused(
        lambda: annual_facts_save(
            actor=county_officer,
            enterprise=enterprise,
            year=2024,
            values={"employees": 20},
            source="department",
        )
    )

    assert error.fields == {
        "employees": ["科技人员数（平台已有数据 25人）不能大于职工总数（20人），请核对后重新填写。"]
    }
    assert facts_state(enterprise) == before
    assert not AuditEvent.objects.exists()


def test_enterprise_cannot_change_department_data_or_department_only_facts(
    enterprise, enterprise_admin
):
    tech_sme_facts(enterprise)
    before = facts_state(enterprise)

    error = refused(
        lambda: annual_facts_save(
            actor=enterprise_admin,
            enterprise=enterprise,
            year=2024,
            values={"employees": 90, "innovation_score": 80, "exports": Decimal("5")},
            source="self",
        )
    )

    assert error.code == "permission_denied"
    assert error.message == "以下数据企业不能自行修改：职工总数、创新能力评价得分。"
    assert error.fields == {
        "employees": ["该数据来自“部门数据”，企业不能修改；如有异议请联系主管部门。"],
        "innovation_score": ["该数据由主管部门提供，企业不能自行填报。"],
    }
    assert facts_state(enterprise) == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("actor_name", "source", "code", "message"),
    [
        (
            "enterprise_staff",
            "self",
            "permission_denied",
            "只有本企业的企业管理员可以填报年度数据。",
        ),
        ("platform_admin", "department", "permission_denied", "您无权填报该企业的年度数据。"),
        (
            "enterprise_admin",
            "department",
            "permission_denied",
            "您填报的数据来源只能是“企业自报”。",
        ),
        ("county_officer", "self", "permission_denied", "您填报的数据来源只能是“部门数据”。"),
        ("county_officer", "import", "permission_denied", "您填报的数据来源只能是“部门数据”。"),
        ("other_county_officer", "department", "not_found", "未找到该记录，或您无权查看。"),
    ],
)
def test_denied_fact_writes_change_nothing(request, enterprise, actor_name, source, code, message):
    tech_sme_facts(enterprise)
    actor = request.getfixturevalue(actor_name)
    before = facts_state(enterprise)

    error = refused(
        lambda: annual_facts_save(
            actor=actor,
            enterprise=enterprise,
            year=2024,
            values={"exports": Decimal("100")},
            source=source,
        )
    )

    assert (error.code, error.message) == (code, message)
    assert facts_state(enterprise) == before
    assert not AuditEvent.objects.exists()


def test_other_enterprises_admin_gets_not_found(enterprise, other_enterprise):
    outsider = UserFactory(enterprise_admin=True, enterprise=other_enterprise)

    error = refused(
        lambda: annual_facts_save(
            actor=outsider, enterprise=enterprise, year=2024, values={"employees": 1}, source="self"
        )
    )

    assert error.code == "not_found"
    assert not AnnualFacts.objects.exists()
    assert not AuditEvent.objects.exists()


# --- selectors: scoping -------------------------------------------------------------------------


def test_enterprise_user_reads_only_its_own_facts_and_recognition(
    enterprise, other_enterprise, enterprise_staff
):
    tech_sme_facts(enterprise)
    tech_sme_facts(other_enterprise)

    assert [
        f.year for f in annual_facts_for(user=enterprise_staff, enterprise_id=enterprise.pk)
    ] == [2024]
    for read in (
        lambda: annual_facts_for(user=enterprise_staff, enterprise_id=other_enterprise.pk),
        lambda: annual_facts_get(
            user=enterprise_staff, enterprise_id=other_enterprise.pk, year=2024
        ),
        lambda: recognition_for(
            user=enterprise_staff, enterprise_id=other_enterprise.pk, year=2024
        ),
        lambda: certificates_for(user=enterprise_staff, enterprise_id=other_enterprise.pk),
    ):
        assert refused(read).code == "not_found"


def test_county_officer_reads_only_their_county(enterprise, county_officer, other_county_officer):
    tech_sme_facts(enterprise)

    assert (
        annual_facts_get(user=county_officer, enterprise_id=enterprise.pk, year=2024).employees
        == 100
    )
    assert refused(
        lambda: annual_facts_for(user=other_county_officer, enterprise_id=enterprise.pk)
    ).code == ("not_found")
    assert (
        refused(
            lambda: recognition_for(
                user=other_county_officer, enterprise_id=enterprise.pk, year=2024
            )
        ).code
        == "not_found"
    )
    assert refused(
        lambda: annual_facts_get(user=county_officer, enterprise_id=enterprise.pk, year=2023)
    ).code == ("not_found")


# --- recognition explanation --------------------------------------------------------------------


def test_recognition_explains_the_tech_sme_score_indicator_by_indicator(enterprise, county_officer):
    tech_sme_facts(enterprise)

    report = recognition_for(user=county_officer, enterprise_id=enterprise.pk, year=2024)

    assert (report.year, report.as_of, report.years) == (2024, datetime.date(2024, 12, 31), [2024])
    explained = {e.ruleset.id: e for e in report.explanations}
    assert sorted(explained) == ["high_tech", "tech_sme"]
    sme = explained["tech_sme"]
    assert (sme.status, sme.score) == ("qualified", 64)
    assert [(i.id, i.display, i.band, i.points) for i in sme.indicators] == [
        ("tech_staff_ratio", "25%", "25%–30%", 16),
        ("rd_revenue_ratio", "4.5%", "4%–5%", 30),
        ("rd_cost_ratio", "15%", "15%–20%", 20),
        ("ip", None, None, 18),
    ]
    assert [(c.id, c.points, c.max_points) for c in sme.components] == [
        ("tech_staff", 16, 20),
        ("rd_input", 30, 50),
        ("ip", 18, 30),
    ]
    assert all(c.met is True for c in sme.conditions)
    assert [c.met for c in sme.direct] == [False, False, False, False]
    assert sme.passed.met is True
    assert sme.missing_facts == []
    high_tech = explained["high_tech"]
    # Founded in 2018 with only 2024 on record: the three-year sums miss two years, so the
    # R&D intensity is unknown (issue 6) and so is the result.
    assert high_tech.status == "undetermined"
    assert {c.id: c.met for c in high_tech.conditions} == {
        "registered_one_year": True,
        "core_ip": True,
        "key_field": None,
        "tech_staff": True,
        "rd_intensity": None,
        "rd_domestic": None,
        "high_tech_income": None,
        "innovation": None,
        "no_accident": True,
        "no_env_violation": True,
    }


def test_recognition_defaults_to_the_latest_year_with_facts_and_sees_certificates(
    enterprise, county_officer
):
    tech_sme_facts(enterprise, year=2023, tech_staff=5)  # 5 % tech staff: 0 points
    Certificate.objects.create(
        enterprise=enterprise,
        kind="high_tech",
        number="GR202333000123",
        valid_from=datetime.date(2023, 12, 8),
        valid_to=datetime.date(2026, 12, 7),
    )

    report = recognition_for(user=county_officer, enterprise_id=enterprise.pk)

    assert report.year == 2023
    sme = next(e for e in report.explanations if e.ruleset.id == "tech_sme")
    assert (sme.status, sme.score) == ("qualified_direct", 48)
    assert [(c.id, c.met) for c in sme.direct][0] == ("high_tech_certificate", True)
    assert sme.passed.met is False


def test_recognition_is_undetermined_without_facts_and_names_what_is_missing(
    enterprise, county_officer
):
    report = recognition_for(user=county_officer, enterprise_id=enterprise.pk, year=2024)

    sme = next(e for e in report.explanations if e.ruleset.id == "tech_sme")
    assert (sme.status, sme.score) == ("undetermined", None)
    assert sme.missing_facts == [
        "employees",
        "ip_class1",
        "ip_class2",
        "rd_expense",
        "revenue",
        "tech_staff",
        "total_assets",
        "total_cost",
    ]


def test_recognition_refuses_a_year_out_of_range(enterprise, county_officer):
    error = refused(
        lambda: recognition_for(user=county_officer, enterprise_id=enterprise.pk, year=1999)
    )
    assert (error.code, error.fields) == (
        "invalid",
        {"year": [f"年度应为2000至{TODAY.year}之间的四位数字。"]},
    )


# --- certificates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "expiry", "days_left"),
    [
        (datetime.date(2024, 1, 1), None, "valid", None),
        (datetime.date(2024, 1, 1), datetime.date(2025, 9, 30), "valid", 91),
        (datetime.date(2024, 1, 1), datetime.date(2025, 9, 29), "expiring", 90),
        (datetime.date(2024, 1, 1), datetime.date(2025, 7, 1), "expiring", 0),
        (datetime.date(2024, 1, 1), datetime.date(2025, 6, 30), "expired", -1),
        (datetime.date(2025, 7, 2), datetime.date(2028, 7, 1), "pending", 1096),
    ],
)
def test_certificate_expiry_flags(valid_from, valid_to, expiry, days_left):
    certificate = Certificate(kind="high_tech", valid_from=valid_from, valid_to=valid_to)
    assert certificate_expiry(certificate, today=datetime.date(2025, 7, 1)) == (expiry, days_left)


def test_county_officer_records_updates_and_deletes_a_certificate_audited(
    enterprise, county_officer
):
    certificate = certificate_create(
        actor=county_officer,
        enterprise=enterprise,
        data={
            "kind": "high_tech",
            "number": " GR202433001234 ",
            "issuer": "浙江省科学技术厅",
            "valid_from": datetime.date(2024, 12, 6),
            "valid_to": datetime.date(2027, 12, 5),
        },
    )
    assert (certificate.number, certificate.enterprise) == ("GR202433001234", enterprise)
    created = AuditEvent.objects.get()
    assert (created.action, created.object_type, created.after["number"]) == (
        "create",
        "enterprises.certificate",
        "GR202433001234",
    )

    certificate_update(
        actor=county_officer, certificate=certificate, data={"valid_to": datetime.date(2027, 12, 4)}
    )
    updated = AuditEvent.objects.filter(action="update").get()
    assert (updated.before, updated.after) == (
        {"valid_to": "2027-12-05"},
        {"valid_to": "2027-12-04"},
    )

    certificate_delete(actor=county_officer, certificate=Certificate.objects.get())
    assert not Certificate.objects.exists()
    deleted = AuditEvent.objects.filter(action="delete").get()
    assert deleted.before == {
        "enterprise": enterprise.pk,
        "kind": "high_tech",
        "number": "GR202433001234",
        "issuer": "浙江省科学技术厅",
        "valid_from": "2024-12-06",
        "valid_to": "2027-12-04",
    }


def test_certificate_validity_range_is_checked(enterprise, county_officer):
    error = refused(
        lambda: certificate_create(
            actor=county_officer,
            enterprise=enterprise,
            data={
                "kind": "tech_sme",
                "valid_from": datetime.date(2024, 5, 1),
                "valid_to": datetime.date(2024, 4, 30),
            },
        )
    )
    assert (error.code, error.fields) == ("invalid", {"valid_to": ["有效期止不能早于有效期起。"]})
    error = refused(
        lambda: certificate_create(
            actor=county_officer, enterprise=enterprise, data={"kind": "medal", "valid_from": None}
        )
    )
    assert error.fields == {"kind": ["请选择证书类别。"], "valid_from": ["请填写有效期起始日期。"]}
    assert not Certificate.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("actor_name", "code"),
    [
        ("enterprise_admin", "permission_denied"),
        ("enterprise_staff", "permission_denied"),
        ("other_county_officer", "not_found"),
    ],
)
def test_denied_certificate_writes_change_nothing(request, enterprise, actor_name, code):
    certificate = Certificate.objects.create(
        enterprise=enterprise,
        kind="tech_sme",
        number="202433040200001",
        valid_from=datetime.date(2024, 4, 1),
    )
    actor = request.getfixturevalue(actor_name)
    before = certificates_state(enterprise)

    for write in (
        lambda: certificate_create(
            actor=actor,
            enterprise=enterprise,
            data={"kind": "high_tech", "valid_from": datetime.date(2024, 1, 1)},
        ),
        lambda: certificate_update(actor=actor, certificate=certificate, data={"number": "X"}),
        lambda: certificate_delete(actor=actor, certificate=certificate),
    ):
        error = refused(write)
        assert error.code == code
        if code == "permission_denied":
            assert (
                error.message
                == "证书与资质由市、县(市、区)工作人员登记，企业如需更正请联系主管部门。"
            )

    assert certificates_state(enterprise) == before
    assert not AuditEvent.objects.exists()


# --- API ----------------------------------------------------------------------------------------


def test_api_facts_list_shows_values_and_provenance(enterprise, enterprise_staff):
    tech_sme_facts(enterprise, year=2023)
    tech_sme_facts(enterprise, year=2024, exports=None)

    response = api(enterprise_staff).get(f"/api/v1/enterprises/{enterprise.pk}/facts/")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], [row["year"] for row in body["results"]]) == (2, [2023, 2024])
    row = body["results"][1]
    assert set(row) == {"year", *FACT_NAMES, "provenance", "updated_at"}
    assert (row["employees"], row["revenue"], row["exports"], row["key_field"]) == (
        100,
        "10000000.00",
        None,
        None,
    )
    assert row["provenance"]["revenue"] == {
        "source": "department",
        "source_label": "部门数据",
        "detail": "jx-tjj",
        "as_of": "2025-03-31",
    }
    assert "exports" not in row["provenance"]


def test_api_facts_of_another_enterprise_or_year_are_not_found(
    enterprise, other_enterprise, enterprise_staff
):
    tech_sme_facts(other_enterprise)
    client = api(enterprise_staff)
    for url in (
        f"/api/v1/enterprises/{other_enterprise.pk}/facts/",
        f"/api/v1/enterprises/{other_enterprise.pk}/facts/2024/",
        f"/api/v1/enterprises/{enterprise.pk}/facts/2024/",
        f"/api/v1/enterprises/{other_enterprise.pk}/certificates/",
        f"/api/v1/enterprises/{other_enterprise.pk}/recognition/?year=2024",
    ):
        response = client.get(url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), url
    assert api().get(f"/api/v1/enterprises/{enterprise.pk}/facts/").status_code == 401


def test_api_enterprise_admin_self_reports_and_officer_overrides(
    enterprise, enterprise_admin, city_officer
):
    url = f"/api/v1/enterprises/{enterprise.pk}/facts/2024/"

    response = api(enterprise_admin).patch(
        url,
        {"employees": 60, "tech_staff": 20, "rd_expense": "800000.00", "as_of": "2025-04-30"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["employees"], body["tech_staff"], body["rd_expense"]) == (
        2024,
        60,
        20,
        "800000.00",
    )
    assert body["provenance"]["employees"] == {
        "source": "self",
        "source_label": "企业自报",
        "detail": "",
        "as_of": "2025-04-30",
    }

    response = api(city_officer).patch(url, {"employees": 62}, format="json")
    assert response.status_code == 200
    assert response.json()["provenance"]["employees"]["detail"] == "jx-kjj"
    assert response.json()["tech_staff"] == 20
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == ["create", "update"]


def test_api_fact_write_errors(
    enterprise, enterprise_admin, enterprise_staff, other_county_officer
):
    tech_sme_facts(enterprise)
    url = f"/api/v1/enterprises/{enterprise.pk}/facts/2024/"
    before = facts_state(enterprise)

    response = api(enterprise_staff).patch(url, {"employees": "not a number"}, format="json")
    assert (response.status_code, response.json()) == (
        403,
        {
            "error": {
                "code": "permission_denied",
                "message": "只有本企业的企业管理员可以填报年度数据。",
                "fields": {},
            }
        },
    )
    response = api(other_county_officer).patch(url, {"employees": 1}, format="json")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    response = api(enterprise_admin).patch(url, {"employees": 90}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["fields"] == {
        "employees": ["该数据来自“部门数据”，企业不能修改；如有异议请联系主管部门。"]
    }
    response = api(enterprise_admin).patch(url, {"rd_expense_domestic": "450000.01"}, format="json")
    assert (response.status_code, response.json()["error"]["fields"]) == (
        400,
        {
            "rd_expense_domestic": [
                "境内研发费用（450000.01元）不能大于研发费用（平台已有数据 450000.00元），"
                "请核对后重新填写。"
            ]
        },
    )
    response = api(enterprise_admin).patch(
        f"/api/v1/enterprises/{enterprise.pk}/facts/1999/", {"exports": "1"}, format="json"
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (
        400,
        {"year": [f"年度应为2000至{TODAY.year}之间的四位数字。"]},
    )
    assert facts_state(enterprise) == before
    assert not AuditEvent.objects.exists()


def test_api_certificates_crud_with_expiry(enterprise, county_officer, enterprise_admin):
    expiring_to = TODAY + datetime.timedelta(days=30)
    client = api(county_officer)
    url = f"/api/v1/enterprises/{enterprise.pk}/certificates/"

    response = client.post(
        url,
        {
            "kind": "high_tech",
            "number": "GR202233000999",
            "valid_from": "2022-12-24",
            "valid_to": expiring_to.isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201
    created = response.json()
    certificate = Certificate.objects.get()
    assert (
        response["Location"]
        == f"/api/v1/enterprises/{enterprise.pk}/certificates/{certificate.pk}/"
    )
    assert created == {
        "id": certificate.pk,
        "kind": "high_tech",
        "kind_label": "高新技术企业证书",
        "number": "GR202233000999",
        "issuer": "",
        "valid_from": "2022-12-24",
        "valid_to": expiring_to.isoformat(),
        "expiry": "expiring",
        "expiry_label": "即将到期",
        "days_left": 30,
    }
    listed = api(enterprise_admin).get(url).json()
    assert (listed["count"], listed["results"][0]["expiry"]) == (1, "expiring")

    response = client.patch(
        f"{url}{certificate.pk}/",
        {"valid_to": (TODAY - datetime.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert (response.status_code, response.json()["expiry"], response.json()["expiry_label"]) == (
        200,
        "expired",
        "已过期",
    )

    response = api(enterprise_admin).delete(f"{url}{certificate.pk}/")
    assert response.status_code == 403
    assert Certificate.objects.exists()
    response = client.delete(f"{url}{certificate.pk}/")
    assert response.status_code == 204
    assert not Certificate.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == ["create", "update", "delete"]


def test_api_recognition_returns_the_explanation(enterprise, enterprise_staff):
    tech_sme_facts(enterprise)

    response = api(enterprise_staff).get(
        f"/api/v1/enterprises/{enterprise.pk}/recognition/?year=2024"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["enterprise_id"], body["year"], body["as_of"], body["years_with_facts"]) == (
        enterprise.pk,
        2024,
        "2024-12-31",
        [2024],
    )
    sme = next(r for r in body["rulesets"] if r["ruleset"]["id"] == "tech_sme")
    assert sme["ruleset"] == {
        "id": "tech_sme",
        "title": "科技型中小企业评价",
        "reference": "《科技型中小企业评价办法》（国科发政〔2017〕115号）第六条、第七条、第八条及附件",
        "valid_from": "2017-05-03",
        "valid_to": None,
    }
    assert (sme["status"], sme["status_label"], sme["score"]) == ("qualified", "符合", 64)
    assert sme["indicators"][0] == {
        "id": "tech_staff_ratio",
        "label": "科技人员数占职工总数的比例",
        "value": 0.25,
        "display": "25%",
        "band": "25%–30%",
        "points": 16,
        "facts": {"employees": 100, "tech_staff": 25},
    }
    assert sme["components"][1] == {
        "id": "rd_input",
        "label": "研发投入指标（两项比例取得分较高者）",
        "points": 30,
        "max_points": 50,
    }
    assert sme["conditions"][1] == {
        "id": "employees_limit",
        "label": "职工总数不超过500人",
        "met": True,
        "facts": {"employees": 100},
    }

    response = api(enterprise_staff).get(
        f"/api/v1/enterprises/{enterprise.pk}/recognition/?year=abc"
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (
        400,
        {"year": [f"年度应为2000至{TODAY.year}之间的四位数字。"]},
    )


def test_openapi_schema_of_the_profile_api_is_valid_and_warning_free():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    from kejin.enterprises.profile import api_urls

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(api_urls))]).get_schema(
        request=None, public=True
    )
    validate_schema(schema)
    assert not GENERATOR_STATS, "drf-spectacular warned about the profile API"
    assert sorted(schema["paths"]) == [
        "/api/v1/enterprises/{id}/certificates/",
        "/api/v1/enterprises/{id}/certificates/{certificate_id}/",
        "/api/v1/enterprises/{id}/facts/",
        "/api/v1/enterprises/{id}/facts/{year}/",
        "/api/v1/enterprises/{id}/recognition/",
    ]
    recognition = schema["paths"]["/api/v1/enterprises/{id}/recognition/"]["get"]
    assert [p["name"] for p in recognition["parameters"]] == ["id", "year"]


# --- pages --------------------------------------------------------------------------------------


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_detail_page_loads_the_profile_sections(client, enterprise, county_officer):
    client.force_login(county_officer)

    html = client.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()

    for name in ("recognition", "facts", "certificates"):
        assert f'hx-get="/enterprises/{enterprise.pk}/{name}/" hx-trigger="load"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/enterprises/profile_charts.js" in html
    assert "<script>" not in html


def test_facts_section_shows_values_with_provenance_and_chart_data(
    client, enterprise, county_officer, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: datetime.date(2026, 3, 1))
    tech_sme_facts(enterprise, year=2023, revenue=Decimal("8000000"))
    tech_sme_facts(enterprise, year=2024)
    client.force_login(county_officer)

    with django_assert_max_num_queries(5):
        response = client.get(reverse("profile:facts", args=[enterprise.pk]), **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert 'data-testid="facts-table"' in html
    assert "1,000.00 万元" in html and "800.00 万元" in html
    assert (
        '<div class="small text-muted" data-testid="provenance" data-source="department">部门数据 · <span class="font-monospace">jx-tjj</span> · 截至2025-03-31</div>'
        in html
    )
    assert f'href="/enterprises/{enterprise.pk}/facts/2024/edit/"' in html
    assert '<option value="2025" selected>2025年</option>' in html
    assert '<option value="2024">' not in html  # already reported: edited from its column
    chart = response.context["chart"]
    assert (chart["years"], chart["revenue"], chart["rd_expense"], chart["rd_intensity"]) == (
        ["2023", "2024"],
        [800.0, 1000.0],
        [45.0, 45.0],
        [5.63, 4.5],
    )
    assert (chart["employees"], chart["tech_staff"]) == ([100, 100], [25, 25])
    assert '<script id="profile-chart-data" type="application/json">' in html


def test_facts_section_without_htmx_is_a_page(client, enterprise, enterprise_staff):
    client.force_login(enterprise_staff)

    response = client.get(reverse("profile:facts", args=[enterprise.pk]))

    html = response.content.decode()
    assert "<html" in html
    assert "尚无年度数据。" in html
    assert "填报新年度" not in html  # staff read only


def test_sections_are_not_found_outside_the_users_scope(client, enterprise, other_county_officer):
    client.force_login(other_county_officer)
    for name in ("profile:facts", "profile:certificates", "profile:recognition"):
        assert client.get(reverse(name, args=[enterprise.pk]), **HTMX).status_code == 404


def test_recognition_section_shows_status_breakdown_and_conditions(
    client, enterprise, enterprise_admin, django_assert_max_num_queries
):
    # Three years on record: the three-year sums are known (a missing year would leave them
    # unknown).
    tech_sme_facts(enterprise, year=2022)
    tech_sme_facts(enterprise, year=2023)
    tech_sme_facts(enterprise, year=2024)
    client.force_login(enterprise_admin)

    with django_assert_max_num_queries(8):
        response = client.get(
            reverse("profile:recognition", args=[enterprise.pk]) + "?year=2024", **HTMX
        )

    html = response.content.decode()
    cards = {card["id"]: card for card in response.context["cards"]}
    sme = cards["tech_sme"]
    assert (sme["status_label"], sme["badge"], sme["score"], sme["max_score"]) == (
        "符合",
        "text-bg-success",
        "64",
        "100",
    )
    assert [
        (i["label"], i["display"], i["band"], i["points"], i["max_points"])
        for i in sme["indicators"]
    ] == [
        ("科技人员数占职工总数的比例", "25%", "25%–30%", "16", "20"),
        ("研发费用总额占销售收入总额的比例", "4.5%", "4%–5%", "30", "50"),
        ("研发费用总额占成本费用支出总额的比例", "15%", "15%–20%", "20", "50"),
        (
            "与主要产品（或服务）相关的有效知识产权",
            "Ⅰ类知识产权 0 项；Ⅱ类知识产权 3 项",
            "—",
            "18",
            "30",
        ),
    ]
    assert sme["passed"]["met"] is True
    assert sme["passed"]["indicators"] == [
        {"label": "科技人员指标", "display": "16分"},
        {"label": "综合得分", "display": "64分"},
    ]
    rd_intensity = next(c for c in cards["high_tech"]["conditions"] if c["id"] == "rd_intensity")
    assert rd_intensity["indicators"] == [
        {
            "label": "近三个会计年度研发费用总额占同期销售收入总额的比例（按3个会计年度计算）",
            "display": "4.5%",
        }
    ]
    assert [(f["label"], f["display"]) for f in rd_intensity["facts"]] == [
        ("销售收入", "1,000.00 万元"),
        ("近三年研发费用", "135.00 万元"),
        ("近三年销售收入", "3,000.00 万元"),
    ]
    assert (
        '<span class="badge text-bg-success" data-testid="recognition-status" data-status="qualified">符合</span>'
        in html
    )
    assert (
        '<span class="badge text-bg-danger" data-testid="recognition-status" data-status="not_qualified">不符合</span>'
        in html
    )
    assert (
        '<td class="text-end fw-bold text-nowrap" data-testid="total-score">64 / 100</td>' in html
    )
    assert 'data-clause="rd_intensity" data-met="failed"' in html
    assert 'data-clause="key_field" data-met="unknown"' in html
    assert 'data-clause="employees_limit" data-met="met"' in html
    assert [m["label"] for m in cards["high_tech"]["missing"]] == [
        "总收入",
        "高新技术产品(服务)收入",
        "属于重点支持领域",
        "创新能力评价得分",
        "近三年境内研发费用",
    ]
    assert '<option value="2024" selected>2024年</option>' in html
    assert '<option value="2023">2023年</option>' in html


def test_certificates_section_flags_expiring_and_expired(client, enterprise, county_officer):
    Certificate.objects.create(
        enterprise=enterprise,
        kind="high_tech",
        number="A1",
        valid_from=datetime.date(2022, 1, 1),
        valid_to=TODAY + datetime.timedelta(days=10),
    )
    Certificate.objects.create(
        enterprise=enterprise,
        kind="tech_sme",
        number="B2",
        valid_from=datetime.date(2022, 1, 1),
        valid_to=TODAY - datetime.timedelta(days=10),
    )
    client.force_login(county_officer)

    html = client.get(
        reverse("profile:certificates", args=[enterprise.pk]), **HTMX
    ).content.decode()

    assert (
        '<span class="badge text-bg-warning" data-testid="expiry" data-expiry="expiring">即将到期</span> <span class="small text-muted">剩余10天</span>'
        in html
    )
    assert (
        '<span class="badge text-bg-danger" data-testid="expiry" data-expiry="expired">已过期</span>'
        in html
    )
    assert "登记证书" in html


def test_facts_edit_page_saves_with_provenance(client, enterprise, enterprise_admin):
    tech_sme_facts(enterprise)
    client.force_login(enterprise_admin)
    url = reverse("profile:facts_edit", args=[enterprise.pk, 2024])

    page = client.get(url)
    form = page.context["form"]
    assert form.fields["employees"].disabled  # department data
    assert form.fields["innovation_score"].disabled  # departments only
    assert not form.fields["exports"].disabled  # empty: the enterprise may report it

    response = client.post(url, {"as_of": "2025-04-01", "exports": "300000", "key_field": "true"})

    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{enterprise.pk}/#profile-facts"
    facts = AnnualFacts.objects.get()
    assert (facts.exports, facts.key_field, facts.employees) == (Decimal("300000.00"), True, 100)
    assert facts.provenance["exports"] == {"source": "self", "detail": "", "as_of": "2025-04-01"}


def test_facts_edit_page_shows_service_errors_beside_fields(client, enterprise, county_officer):
    client.force_login(county_officer)
    url = reverse("profile:facts_edit", args=[enterprise.pk, 2024])

    response = client.post(url, {"employees": "10", "tech_staff": "11"})

    assert response.status_code == 200
    assert (
        '<div class="invalid-feedback d-block" data-field="tech_staff">科技人员数（11人）不能大于职工总数（10人），请核对后重新填写。</div>'
        in response.content.decode()
    )
    assert not AnnualFacts.objects.exists()


def test_facts_edit_page_is_refused_to_staff_and_not_found_elsewhere(
    client, enterprise, enterprise_staff, other_county_officer
):
    url = reverse("profile:facts_edit", args=[enterprise.pk, 2024])
    client.force_login(enterprise_staff)
    assert client.post(url, {"employees": "10"}).status_code == 403
    client.force_login(other_county_officer)
    assert client.post(url, {"employees": "10"}).status_code == 404
    assert not AnnualFacts.objects.exists()
    assert not AuditEvent.objects.exists()


def test_certificate_pages_create_and_delete(client, enterprise, county_officer, enterprise_admin):
    client.force_login(enterprise_admin)
    create_url = reverse("profile:certificate_create", args=[enterprise.pk])
    assert (
        client.post(create_url, {"kind": "high_tech", "valid_from": "2024-01-01"}).status_code
        == 403
    )
    assert not Certificate.objects.exists()

    client.force_login(county_officer)
    response = client.post(
        create_url,
        {
            "kind": "high_tech",
            "number": "GR1",
            "valid_from": "2024-01-01",
            "valid_to": "2023-12-31",
        },
    )
    assert (
        '<div class="invalid-feedback d-block" data-field="valid_to">有效期止不能早于有效期起。</div>'
        in response.content.decode()
    )
    response = client.post(
        create_url, {"kind": "high_tech", "number": "GR1", "valid_from": "2024-01-01"}
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get()

    delete_url = reverse("profile:certificate_delete", args=[enterprise.pk, certificate.pk])
    assert "确定删除“高新技术企业证书”（编号 GR1）吗？" in client.get(delete_url).content.decode()
    assert client.post(delete_url).status_code == 302
    assert not Certificate.objects.exists()


def test_fact_groups_cover_every_annual_fact_once():
    grouped = [name for _heading, names in FACT_GROUPS for name in names]
    assert sorted(grouped) == sorted(FACT_NAMES)
    assert len(grouped) == len(set(grouped))
