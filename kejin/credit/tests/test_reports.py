"""Consented credit reports: the workflow (request → grant / refuse → revoke), the one access
function (grant checked, read logged, 404 and nothing logged otherwise), masking, the pages,
the API and the downloads."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.credit.choices import ReportRequestStatus, ReportState
from kejin.credit.models import ReportRead, ReportRequest
from kejin.credit.reports import credit_report_for, mask_personal
from kejin.credit.services_reports import (
    report_grant_revoke,
    report_request_create,
    report_request_grant,
    report_request_refuse,
)
from kejin.credit.tests.reports_factories import (
    penalty_category,
    rating_category,
    record,
    report_request,
)
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate  # Asia/Shanghai


@pytest.fixture
def world():
    """An enterprise with its admin, a bank with an officer, another bank, two categories with
    one record each (the penalty with personal information)."""
    enterprise = EnterpriseFactory()
    bank, other_bank = InstitutionFactory(), InstitutionFactory()
    penalty, rating = penalty_category(), rating_category()
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2025, 6, 1),
        data={
            "decision_no": "嘉市监罚〔2025〕12号",
            "violation": "虚假宣传",
            "amount": "50000",
            "legal_person_name": "张三",
            "legal_person_id_no": "330102199001011234",
            "contact_phone": "13812341234",
        },
    )
    record(
        category=rating,
        enterprise=enterprise,
        event_date=datetime.date(2025, 4, 1),
        data={"rating": "A"},
    )
    return {
        "enterprise": enterprise,
        "admin": UserFactory(enterprise_admin=True, enterprise=enterprise),
        "staff": UserFactory(enterprise_staff=True, enterprise=enterprise),
        "bank": bank,
        "officer": UserFactory(institution_officer=True, institution=bank, full_name="钱行员"),
        "other_officer": UserFactory(institution_officer=True, institution=other_bank),
        "penalty": penalty,
        "rating": rating,
    }


def granted(world, *, categories=None, valid_until=None, status=ReportRequestStatus.GRANTED):
    cats = categories or [world["penalty"], world["rating"]]
    return report_request(
        enterprise=world["enterprise"],
        institution=world["bank"],
        categories=cats,
        granted=cats,
        status=status,
        valid_until=valid_until or TODAY() + datetime.timedelta(days=30),
    )


def _state(request: ReportRequest) -> tuple:
    request.refresh_from_db()
    return (
        request.status,
        request.valid_until,
        sorted(c.code for c in request.granted_categories.all()),
        request.refusal_reason,
        request.revoked_at,
    )


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("330102199001011234", "3301**********1234"),
        ("33010219900101123X", "3301**********123X"),
        ("13812341234", "138****1234"),
        ("王", "王*"),
    ],
)
def test_personal_information_is_masked(value, masked):
    assert mask_personal(value) == masked


# --- the workflow ---------------------------------------------------------------------------


def test_an_institution_requests_and_the_enterprise_grants(world):
    request = report_request_create(
        actor=world["officer"],
        enterprise=world["enterprise"],
        purpose="loan_pre_review",
        categories=[world["penalty"], world["rating"]],
        note="授信500万元",
    )
    assert (request.status, request.institution_id, request.requested_by) == (
        "pending",
        world["bank"].pk,
        world["officer"],
    )

    report_request_grant(actor=world["admin"], request=request, categories=[world["rating"]])

    request.refresh_from_db()
    assert request.state == ReportState.GRANTED
    assert request.valid_until == TODAY() + datetime.timedelta(days=90)
    assert [c.code for c in request.granted_categories.all()] == ["tax_rating"]
    events = list(
        AuditEvent.objects.filter(object_type="credit.reportrequest")
        .order_by("pk")
        .values("action", "after")
    )
    assert [e["action"] for e in events] == ["create", "update"]
    assert events[1]["after"]["status"] == "granted"
    assert events[1]["after"]["granted_categories"] == ["tax_rating"]


def test_a_grant_longer_than_a_year_or_outside_the_request_is_refused(world):
    request = report_request(
        enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
    )
    before = _state(request)
    with pytest.raises(ApplicationError) as error:
        report_request_grant(
            actor=world["admin"],
            request=request,
            categories=[world["penalty"]],
            valid_until=TODAY().replace(year=TODAY().year + 2),
        )
    assert error.value.code == "invalid"
    assert error.value.fields["categories"] == [
        "只能授权对方申请的类别，以下类别未申请：行政处罚（市场监管）。"
    ]
    assert error.value.fields["valid_until"][0].startswith("授权有效期最长一年，最晚为")
    assert _state(request) == before


def test_only_the_enterprise_admin_decides(world):
    request = report_request(
        enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
    )
    before = (_state(request), AuditEvent.objects.count())
    for user in (world["staff"], world["officer"], UserFactory()):
        with pytest.raises(ApplicationError) as error:
            report_request_grant(actor=user, request=request, categories=[world["rating"]])
        assert (error.value.code, error.value.message) == (
            "permission_denied",
            "只有被查询企业的企业管理员可以授权或拒绝查询申请。",
        )
    assert (_state(request), AuditEvent.objects.count()) == before


def test_a_decided_request_cannot_be_decided_again(world):
    request = report_request(
        enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
    )
    report_request_refuse(actor=world["admin"], request=request, reason="无业务往来")
    before = _state(request)
    with pytest.raises(ApplicationError) as error:
        report_request_grant(actor=world["admin"], request=request, categories=[world["rating"]])
    assert error.value.code == "report_request_decided"
    assert error.value.status == 409
    assert error.value.message.endswith("处理（已拒绝），不能再次处理。")
    assert _state(request) == before


def test_refusing_needs_a_reason(world):
    request = report_request(
        enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
    )
    with pytest.raises(ApplicationError) as error:
        report_request_refuse(actor=world["admin"], request=request, reason="  ")
    assert error.value.fields == {"reason": ["请填写理由。"]}
    assert _state(request)[0] == "pending"


def test_revoking_ends_the_grant_and_twice_is_a_conflict(world):
    request = granted(world)
    request = report_grant_revoke(actor=world["admin"], request=request, reason="合作终止")
    assert request.state == ReportState.REVOKED
    with pytest.raises(ApplicationError) as error:
        report_grant_revoke(actor=world["admin"], request=request)
    assert error.value.code == "report_grant_inactive"
    assert error.value.message.startswith("该授权已于")


def test_an_expired_grant_cannot_be_revoked(world):
    request = granted(world, valid_until=TODAY() - datetime.timedelta(days=1))
    with pytest.raises(ApplicationError) as error:
        report_grant_revoke(actor=world["admin"], request=request)
    assert (error.value.code, error.value.message) == (
        "report_grant_inactive",
        f"该授权已于{(TODAY() - datetime.timedelta(days=1)).isoformat()}到期失效，无需撤销。",
    )


# --- the access function ----------------------------------------------------------------------


def test_with_a_valid_grant_the_institution_reads_and_the_read_is_logged(world):
    request = granted(world)

    report = credit_report_for(user=world["officer"], grant=request.pk, format="page")

    assert [s.category.code for s in report.sections] == ["tax_rating", "penalty_market"]
    penalty = report.sections[1]
    assert penalty.columns == [
        "决定书文号",
        "违法行为",
        "罚款金额",
        "法定代表人",
        "身份证号",
        "联系电话",
    ]
    assert penalty.rows[0].values == [
        "嘉市监罚〔2025〕12号",
        "虚假宣传",
        "5.00 万元",
        "张*",
        "3301**********1234",
        "138****1234",
    ]
    assert penalty.masked is True
    read = ReportRead.objects.get()
    assert (
        read.request_id,
        read.enterprise_id,
        read.institution_id,
        read.reader,
        read.reader_name,
        read.purpose,
        read.format,
        read.categories,
        read.record_count,
    ) == (
        request.pk,
        world["enterprise"].pk,
        world["bank"].pk,
        world["officer"],
        "钱行员",
        "loan_pre_review",
        "page",
        ["tax_rating", "penalty_market"],
        2,
    )
    assert (
        AuditEvent.objects.filter(action="read_sensitive", object_id=str(request.pk)).count() == 1
    )


def test_personal_information_is_shown_where_the_legal_basis_discloses_it(world):
    world["penalty"].personal_info_disclosed = True
    world["penalty"].save()
    request = granted(world, categories=[world["penalty"]])
    report = credit_report_for(user=world["officer"], grant=request.pk, format="api")
    assert report.sections[0].rows[0].values[3:] == ["张三", "330102199001011234", "13812341234"]
    assert report.sections[0].masked is False


def test_a_grant_is_valid_through_its_last_day(world):
    request = granted(world, valid_until=TODAY())
    credit_report_for(user=world["officer"], grant=request.pk, format="page")
    assert ReportRead.objects.count() == 1


@pytest.mark.parametrize(
    "case",
    [
        "pending",
        "refused",
        "revoked",
        "expired",
        "other_institution",
        "outside_category",
        "enterprise",
    ],
)
def test_without_a_valid_grant_nothing_is_read_or_logged(world, case):
    user = world["officer"]
    categories = None
    if case == "pending":
        request = report_request(
            enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
        )
    elif case == "refused":
        request = granted(world, status=ReportRequestStatus.REFUSED)
    elif case == "revoked":
        request = granted(world, status=ReportRequestStatus.REVOKED)
    elif case == "expired":
        request = granted(world, valid_until=TODAY() - datetime.timedelta(days=1))
    elif case == "other_institution":
        request, user = granted(world), world["other_officer"]
    elif case == "outside_category":
        request = granted(world, categories=[world["rating"]])
        categories = ["penalty_market"]
    else:
        request, user = granted(world), world["admin"]
    audit_before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as error:
        credit_report_for(user=user, grant=request.pk, format="page", categories=categories)

    assert (error.value.code, error.value.status) == ("not_found", 404)
    assert ReportRead.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


# --- pages ------------------------------------------------------------------------------------


def test_report_page_404_without_grant_and_no_log(client, world):
    request = granted(world, status=ReportRequestStatus.REVOKED)
    client.force_login(world["officer"])
    assert client.get(f"/credit/reports/{request.pk}/report/").status_code == 404
    assert client.get(f"/credit/reports/{request.pk}/report.xlsx").status_code == 404
    assert client.get(f"/api/v1/credit/report-requests/{request.pk}/report/").status_code == 404
    assert ReportRead.objects.count() == 0


def test_the_bank_reads_the_page_and_the_enterprise_sees_the_log(client, world):
    request = granted(world)
    client.force_login(world["officer"])
    page = client.get(f"/credit/reports/{request.pk}/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "张*" in html and "张三" not in html and "3301**********1234" in html

    client.force_login(world["admin"])
    log = client.get("/credit/reports/reads/")
    assert log.status_code == 200
    assert log.context["page"].object_list[0].category_names == "纳税信用等级、行政处罚（市场监管）"
    assert world["bank"].name in log.content.decode()
    api = client.get("/api/v1/credit/report-reads/").json()
    assert api["count"] == 1
    assert api["results"][0]["institution"]["name"] == world["bank"].name
    assert (api["results"][0]["format"], api["results"][0]["purpose"]) == (
        "page",
        "loan_pre_review",
    )


def test_the_enterprise_grants_on_its_page(client, world):
    request = report_request(
        enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
    )
    client.force_login(world["admin"])
    assert client.get(f"/credit/reports/{request.pk}/").status_code == 200
    until = TODAY() + datetime.timedelta(days=10)
    response = client.post(
        f"/credit/reports/{request.pk}/grant/",
        {"categories": [world["rating"].pk], "valid_until": until.isoformat()},
    )
    assert response.status_code == 302
    assert _state(request)[:3] == ("granted", until, ["tax_rating"])


def test_institution_asks_by_credit_code_on_the_page(client, world):
    client.force_login(world["officer"])
    response = client.post(
        "/credit/reports/new/",
        {
            "uscc": world["enterprise"].uscc,
            "purpose": "guarantee_review",
            "categories": [world["penalty"].pk],
        },
    )
    request = ReportRequest.objects.get()
    assert response.status_code == 302
    assert (request.enterprise, request.purpose) == (world["enterprise"], "guarantee_review")

    unknown = client.post(
        "/credit/reports/new/",
        {
            "uscc": "91330400MA2B000000",
            "purpose": "guarantee_review",
            "categories": [world["penalty"].pk],
        },
    )
    assert unknown.context["form"].errors["uscc"] == [
        "平台上没有登记该统一社会信用代码的企业，请核对后重试。"
    ]
    assert ReportRequest.objects.count() == 1


def test_read_log_list_query_count_is_flat(client, world, django_assert_max_num_queries):
    request = granted(world)
    for _ in range(30):
        credit_report_for(user=world["officer"], grant=request.pk, format="api")
    client.force_login(world["admin"])
    with django_assert_max_num_queries(10):
        page = client.get("/credit/reports/reads/")
    assert len(page.context["page"].object_list) == 25
    with django_assert_max_num_queries(8):
        api = client.get("/api/v1/credit/report-reads/?page_size=30")
    assert api.json()["count"] == 30


def test_request_list_query_count_is_flat(client, world, django_assert_max_num_queries):
    for _ in range(15):
        granted(world)
    client.force_login(world["admin"])
    with django_assert_max_num_queries(12):
        assert client.get("/credit/reports/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/credit/report-requests/").json()["count"] == 15


# --- API --------------------------------------------------------------------------------------


def test_api_workflow_request_grant_pull_revoke(client, world):
    client.force_login(world["officer"])
    created = client.post(
        "/api/v1/credit/report-requests/",
        {
            "enterprise_uscc": world["enterprise"].uscc,
            "purpose": "post_loan",
            "categories": ["tax_rating", "penalty_market"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["state"] == "pending"
    assert client.get(f"/api/v1/credit/report-requests/{pk}/report/").status_code == 404

    client.force_login(world["admin"])
    grant = client.post(
        f"/api/v1/credit/report-requests/{pk}/grant/",
        {"categories": ["tax_rating"]},
        content_type="application/json",
    )
    assert grant.status_code == 200
    assert grant.json()["granted_categories"] == ["tax_rating"]

    client.force_login(world["officer"])
    report = client.get(f"/api/v1/credit/report-requests/{pk}/report/")
    assert report.status_code == 200
    body = report.json()
    assert [s["category"] for s in body["sections"]] == ["tax_rating"]
    assert body["sections"][0]["records"][0]["values"] == {"rating": "A"}
    assert body["read"] == ReportRead.objects.get().pk

    client.force_login(world["admin"])
    again = client.post(
        f"/api/v1/credit/report-requests/{pk}/grant/",
        {"categories": ["tax_rating"]},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "report_request_decided"
    revoke = client.post(
        f"/api/v1/credit/report-requests/{pk}/revoke/", {}, content_type="application/json"
    )
    assert revoke.json()["state"] == "revoked"

    client.force_login(world["officer"])
    assert client.get(f"/api/v1/credit/report-requests/{pk}/report/").status_code == 404
    assert ReportRead.objects.count() == 1


def test_api_refuses_a_request_from_an_enterprise_user_saying_why(client, world):
    client.force_login(world["admin"])
    response = client.post(
        "/api/v1/credit/report-requests/",
        {
            "enterprise_uscc": world["enterprise"].uscc,
            "purpose": "post_loan",
            "categories": ["tax_rating"],
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert (
        response.json()["error"]["message"]
        == "只有金融机构（含征信机构）的工作人员可以申请查询企业信用报告。"
    )
    assert ReportRequest.objects.count() == 0


def test_other_parties_do_not_see_a_request(client, world):
    request = granted(world)
    client.force_login(world["other_officer"])
    assert client.get(f"/api/v1/credit/report-requests/{request.pk}/").status_code == 404
    assert client.get(f"/credit/reports/{request.pk}/").status_code == 404
    assert client.get("/api/v1/credit/report-requests/").json()["count"] == 0


# --- downloads --------------------------------------------------------------------------------


def test_xlsx_download_is_logged_and_masked(client, world):
    request = granted(world)
    client.force_login(world["officer"])
    response = client.get(f"/credit/reports/{request.pk}/report.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["概要", "纳税信用等级", "行政处罚（市场监管）"]
    rows = list(workbook["行政处罚（市场监管）"].values)
    assert rows[1][4:7] == ("张*", "3301**********1234", "138****1234")
    assert ReportRead.objects.get().format == "xlsx"


def test_pdf_download_embeds_the_chinese_font(client, world):
    request = granted(world)
    client.force_login(world["officer"])
    response = client.get(f"/credit/reports/{request.pk}/report.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert b"WenQuanYiMicroHei" in response.content  # the subset embedded (FontFile2)
    assert b"/FontFile2" in response.content
    assert ReportRead.objects.get().format == "pdf"


def test_pdf_without_the_font_says_what_to_install_and_logs_nothing(client, world, settings):
    settings.KEJIN_PDF_FONT = "/nonexistent/wqy-microhei.ttc"
    request = granted(world)
    client.force_login(world["officer"])
    response = client.get(f"/credit/reports/{request.pk}/report.pdf")
    assert response.status_code == 503
    assert "fonts-wqy-microhei" in response.content.decode()
    assert ReportRead.objects.count() == 0


def test_amounts_read_in_wan_yuan():
    from kejin.credit.models import CategoryField, RecordCategory
    from kejin.credit.reports import display_value

    field = CategoryField(code="amount", name="金额", type="amount")
    assert display_value(field, str(Decimal("123456789")), RecordCategory()) == "1.23 亿元"


@pytest.mark.parametrize("who", ["officer", "staff"])
def test_api_grant_by_anyone_but_the_enterprise_admin_changes_nothing(client, world, who):
    request = report_request(
        enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
    )
    before = (_state(request), AuditEvent.objects.count())
    client.force_login(world[who])

    response = client.post(
        f"/api/v1/credit/report-requests/{request.pk}/grant/",
        {"categories": ["tax_rating"]},
        content_type="application/json",
    )

    # The bank sees its own request (403); enterprise staff do not see requests at all (404).
    expected = {
        "officer": (403, "只有被查询企业的企业管理员可以授权或拒绝查询申请。"),
        "staff": (404, "未找到该记录，或您无权查看。"),
    }[who]
    assert (response.status_code, response.json()["error"]["message"]) == expected
    assert (_state(request), AuditEvent.objects.count()) == before


def test_state_counts_tell_granted_from_expired(world):
    from kejin.credit.selectors_reports import report_state_counts

    granted(world)
    granted(world, valid_until=TODAY() - datetime.timedelta(days=1))
    granted(world, status=ReportRequestStatus.REVOKED)
    report_request(
        enterprise=world["enterprise"], institution=world["bank"], categories=[world["rating"]]
    )
    assert report_state_counts(user=world["admin"]) == {
        "pending": 1,
        "granted": 1,
        "refused": 0,
        "revoked": 1,
        "expired": 1,
    }
    assert report_state_counts(user=world["other_officer"]) == dict.fromkeys(
        ["pending", "granted", "refused", "revoked", "expired"], 0
    )
