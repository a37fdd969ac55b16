"""The dispute pages over HTTP: each role's pages, the forms, refusals (404 for what the user
may not see, 403 with the predicate's message) with nothing changed, query-count guards."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory, RegionFactory
from kejin.credit import disputes
from kejin.credit.models import CreditRecord, Dispute
from kejin.credit.tests.dispute_factories import CreditRecordFactory, tax_rating_category
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    tax = DepartmentFactory(code="jx-tax", name="国家税务总局嘉兴市税务局", kind="data_provider")
    category = tax_rating_category(department=tax)
    enterprise = EnterpriseFactory(name="嘉兴星河智能科技有限公司")
    record = CreditRecordFactory(
        category=category, enterprise=enterprise, source_record_id="SW-2025-00001"
    )
    return {
        "category": category,
        "record": record,
        "enterprise": enterprise,
        "admin": UserFactory(enterprise_admin=True, enterprise=enterprise),
        "staff": UserFactory(enterprise_staff=True, enterprise=enterprise),
        "provider": UserFactory(data_provider=True, department=tax),
    }


def _state() -> tuple:
    return (
        list(Dispute.objects.order_by("pk").values()),
        list(CreditRecord.objects.order_by("pk").values("pk", "version", "status", "data")),
        AuditEvent.objects.count(),
    )


def _open(world, record=None) -> Dispute:
    return disputes.dispute_open(
        record=record or world["record"], reason="评级有误", acting_user=world["admin"]
    )


def test_enterprise_admin_files_a_dispute_from_its_records_page(client, world):
    client.force_login(world["admin"])
    page = client.get("/credit/disputes/records/")
    assert page.status_code == 200
    assert f'href="/credit/records/{world["record"].pk}/dispute/"' in page.content.decode()

    response = client.post(
        f"/credit/records/{world['record'].pk}/dispute/",
        {
            "reason": "2024年度已补缴，评价应为B级。",
            "attachments": [SimpleUploadedFile("完税证明.pdf", PDF)],
        },
    )

    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/credit/disputes/{dispute.pk}/"
    assert (dispute.reason, dispute.attachments.get().name) == (
        "2024年度已补缴，评价应为B级。",
        "完税证明.pdf",
    )
    records_page = client.get("/credit/disputes/records/").content.decode()
    assert 'data-testid="record-dispute-state">异议处理中</a>' in records_page
    download = client.get(
        f"/credit/disputes/{dispute.pk}/attachments/{dispute.attachments.get().pk}/"
    )
    assert (download.status_code, b"".join(download.streaming_content)) == (200, PDF)


def test_the_form_shows_the_services_messages(client, world):
    client.force_login(world["admin"])
    before = _state()

    response = client.post(
        f"/credit/records/{world['record'].pk}/dispute/",
        {"reason": " ", "attachments": [SimpleUploadedFile("a.exe", b"MZ")]},
    )

    assert response.status_code == 200
    assert (
        "请填写异议理由：哪一项数据有误、正确的情况是什么，以及依据。" in response.content.decode()
    )
    assert _state() == before


def test_a_second_dispute_on_the_record_is_refused_above_the_form(client, world):
    first = _open(world)
    client.force_login(world["admin"])
    before = _state()

    response = client.post(f"/credit/records/{world['record'].pk}/dispute/", {"reason": "再次"})

    assert response.status_code == 200
    assert (
        f"该记录已有处理中的异议（{first.filed_at.astimezone().date():%Y-%m-%d}提出，处理期限"
        in response.content.decode()
    )
    assert _state() == before


def test_another_enterprises_record_is_not_found(client, world):
    client.force_login(UserFactory(enterprise_admin=True))
    before = _state()

    assert client.get(f"/credit/records/{world['record'].pk}/dispute/").status_code == 404
    assert (
        client.post(f"/credit/records/{world['record'].pk}/dispute/", {"reason": "x"}).status_code
        == 404
    )
    assert _state() == before


def test_staff_may_not_file_a_dispute(client, world):
    client.force_login(world["staff"])
    before = _state()

    response = client.post(f"/credit/records/{world['record'].pk}/dispute/", {"reason": "x"})

    assert response.status_code == 403
    assert "只有企业管理员可以对本企业的信用记录提出异议。" in response.content.decode()
    assert _state() == before


def test_the_department_corrects_and_the_enterprise_sees_the_new_version(client, world):
    dispute = _open(world)
    client.force_login(world["provider"])
    listing = client.get("/credit/disputes/").content.decode()
    assert f'data-dispute-id="{dispute.pk}"' in listing
    # Filed today: its deadline is the 20th working day after today.
    assert 'data-testid="days-left">剩余 20 个工作日</span>' in listing
    form = client.get(f"/credit/disputes/{dispute.pk}/correct/").content.decode()
    assert 'name="data.rating"' in form

    response = client.post(
        f"/credit/disputes/{dispute.pk}/correct/",
        {
            "data.rating_year": "2024",
            "data.rating": "B",
            "data.evaluation_date": "2025-04-30",
            "note": "经核实更正为B级。",
        },
    )

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.corrected_record.data["rating"]) == ("corrected", "B")
    client.force_login(world["admin"])
    detail = client.get(f"/credit/disputes/{dispute.pk}/").content.decode()
    assert 'data-testid="new-version"' in detail
    assert '<dd class="col-sm-8" data-field="rating">B</dd>' in detail
    assert "经核实更正为B级。" in detail


def test_invalid_correction_shows_messages_beside_fields(client, world):
    dispute = _open(world)
    client.force_login(world["provider"])
    before = _state()

    response = client.post(
        f"/credit/disputes/{dispute.pk}/correct/",
        {"data.rating_year": "二〇二四", "data.rating": "B", "data.evaluation_date": "2025-04-30"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "请填写处理说明：更正了什么，依据是什么。" in body
    assert _state() == before


def test_another_departments_provider_gets_404_and_nothing_changes(client, world):
    dispute = _open(world)
    client.force_login(UserFactory(data_provider=True, department=DepartmentFactory()))
    before = _state()

    for outcome in ("correct", "remove", "uphold"):
        assert client.get(f"/credit/disputes/{dispute.pk}/{outcome}/").status_code == 404
    assert (
        client.post(f"/credit/disputes/{dispute.pk}/remove/", {"note": "删除"}).status_code == 404
    )
    assert client.get(f"/credit/disputes/{dispute.pk}/").status_code == 404
    assert _state() == before


def test_the_enterprise_may_not_resolve_its_own_dispute(client, world):
    dispute = _open(world)
    client.force_login(world["admin"])
    before = _state()

    response = client.post(f"/credit/disputes/{dispute.pk}/remove/", {"note": "删除"})

    assert response.status_code == 403
    assert "只有该记录的来源部门可以处理异议。" in response.content.decode()
    assert _state() == before


def test_uphold_then_reply_then_withdraw_is_refused(client, world):
    dispute = _open(world)
    client.force_login(world["provider"])
    client.post(f"/credit/disputes/{dispute.pk}/uphold/", {"annotation": "维持C级。"})
    client.force_login(world["admin"])

    client.post(f"/credit/disputes/{dispute.pk}/reply/", {"reply": "已补缴。"})
    response = client.post(f"/credit/disputes/{dispute.pk}/withdraw/", follow=True)

    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution_note, dispute.reply) == (
        "upheld",
        "维持C级。",
        "已补缴。",
    )
    assert "不能再处理或撤回。" in response.content.decode()


def test_officers_see_overdue_disputes_of_their_scope(client, world):
    nanhu = world["enterprise"].county
    haining = RegionFactory(code="330481", name="海宁市")
    other = CreditRecordFactory(
        category=world["category"], enterprise=EnterpriseFactory(county=haining)
    )
    late = _open(world)
    late_elsewhere = disputes.dispute_open(
        record=other,
        reason="有误",
        acting_user=UserFactory(enterprise_admin=True, enterprise=other.enterprise),
    )
    Dispute.objects.filter(pk__in=[late.pk, late_elsewhere.pk]).update(
        deadline=datetime.date(2026, 10, 29)
    )

    client.force_login(UserFactory(county_officer=True, county=nanhu))
    county_page = client.get("/credit/disputes/overdue/").content.decode()
    client.force_login(UserFactory())
    city_page = client.get("/credit/disputes/overdue/").content.decode()

    assert county_page.count('data-testid="overdue-row"') == 1
    assert f'data-dispute-id="{late.pk}"' in county_page
    assert city_page.count('data-testid="overdue-row"') == 2
    assert 'data-testid="days-overdue">逾期' in city_page


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"enterprise_admin": True}, "只有市、县(市、区)工作人员和平台管理员可以查看逾期异议。"),
        ({"data_provider": True}, "只有市、县(市、区)工作人员和平台管理员可以查看逾期异议。"),
    ],
)
def test_the_overdue_list_is_for_officers(client, traits, message):
    client.force_login(UserFactory(**traits))
    response = client.get("/credit/disputes/overdue/")
    assert (response.status_code, message in response.content.decode()) == (403, True)


def test_institutions_have_no_dispute_pages(client):
    client.force_login(UserFactory(institution_manager=True))
    response = client.get("/credit/disputes/")
    assert response.status_code == 403
    assert "只有企业用户、数据源部门、市县工作人员和平台管理员可以查看信用异议。" in (
        response.content.decode()
    )


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url", ["/credit/disputes/", "/credit/disputes/?status=all", "/credit/disputes/overdue/"]
)
def test_list_pages_take_the_same_queries_for_3_or_12_disputes(client, world, url):
    def add(n: int) -> None:
        for _ in range(n):
            record = CreditRecordFactory(category=world["category"], enterprise=world["enterprise"])
            dispute = _open(world, record)
            Dispute.objects.filter(pk=dispute.pk).update(deadline=datetime.date(2026, 10, 29))

    client.force_login(UserFactory())
    add(3)
    few = _count_queries(client, url)
    add(9)
    many = _count_queries(client, url)
    assert many == few
    assert few <= 12


def test_records_page_takes_the_same_queries_for_3_or_12_records(client, world):
    client.force_login(world["admin"])
    for _ in range(2):
        _open(
            world, CreditRecordFactory(category=world["category"], enterprise=world["enterprise"])
        )
    few = _count_queries(client, "/credit/disputes/records/")
    for _ in range(9):
        _open(
            world, CreditRecordFactory(category=world["category"], enterprise=world["enterprise"])
        )
    many = _count_queries(client, "/credit/disputes/records/")
    assert many == few
