"""The dispute API: list, file (JSON and multipart), resolve, reply, withdraw, overdue; the
error shape with exact codes and messages; nothing changed after a refusal; query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory
from kejin.credit import disputes
from kejin.credit.models import CreditRecord, Dispute
from kejin.credit.tests.dispute_factories import CreditRecordFactory, tax_rating_category

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    tax = DepartmentFactory(code="jx-tax", name="国家税务总局嘉兴市税务局", kind="data_provider")
    category = tax_rating_category(department=tax)
    record = CreditRecordFactory(category=category, source_record_id="SW-2025-00001")
    return {
        "category": category,
        "record": record,
        "admin": UserFactory(enterprise_admin=True, enterprise=record.enterprise),
        "provider": UserFactory(data_provider=True, department=tax),
    }


def _state() -> tuple:
    return (
        list(Dispute.objects.order_by("pk").values()),
        list(CreditRecord.objects.order_by("pk").values("pk", "version", "status", "data")),
        AuditEvent.objects.count(),
    )


def _error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def test_file_resolve_and_read_back_through_the_api(client, world):
    client.force_login(world["admin"])
    created = client.post(
        "/api/v1/credit/disputes/",
        {"record": world["record"].pk, "reason": "评级有误，应为B级。"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert created["Location"] == f"/api/v1/credit/disputes/{body['id']}/"
    assert (body["status"], body["reason"], body["days_left"], body["days_overdue"]) == (
        "open",
        "评级有误，应为B级。",
        20,
        None,
    )
    assert body["record"]["data"] == {
        "rating_year": 2024,
        "rating": "C",
        "evaluation_date": "2025-04-30",
    }

    client.force_login(world["provider"])
    resolved = client.post(
        f"/api/v1/credit/disputes/{body['id']}/resolve/",
        {
            "outcome": "corrected",
            "note": "更正为B级。",
            "data": {"rating_year": 2024, "rating": "B", "evaluation_date": "2025-04-30"},
        },
        content_type="application/json",
    )

    assert resolved.status_code == 200
    result = resolved.json()
    assert (result["status"], result["status_label"], result["days_left"]) == (
        "corrected",
        "已更正",
        None,
    )
    assert (
        result["corrected_record"]["version"],
        result["corrected_record"]["data"]["rating"],
    ) == (
        2,
        "B",
    )
    assert result["record"]["status"] == "superseded"


def test_file_with_attachments_as_multipart(client, world):
    client.force_login(world["admin"])
    response = client.post(
        "/api/v1/credit/disputes/",
        {
            "record": world["record"].pk,
            "reason": "见附件。",
            "attachments": [SimpleUploadedFile("证明.pdf", PDF)],
        },
    )
    assert response.status_code == 201
    [attachment] = response.json()["attachments"]
    assert (attachment["name"], attachment["size"], attachment["stage"]) == (
        "证明.pdf",
        len(PDF),
        "filing",
    )


def test_refusals_carry_their_codes_and_change_nothing(client, world):
    dispute = disputes.dispute_open(
        record=world["record"], reason="有误", acting_user=world["admin"]
    )
    before = _state()

    client.force_login(world["admin"])
    again = client.post(
        "/api/v1/credit/disputes/",
        {"record": world["record"].pk, "reason": "再次"},
        content_type="application/json",
    )
    resolve_own = client.post(
        f"/api/v1/credit/disputes/{dispute.pk}/resolve/",
        {"outcome": "removed", "note": "删除"},
        content_type="application/json",
    )
    reply_open = client.post(
        f"/api/v1/credit/disputes/{dispute.pk}/reply/",
        {"reply": "说明"},
        content_type="application/json",
    )
    client.force_login(UserFactory(data_provider=True, department=DepartmentFactory()))
    other_department = client.post(
        f"/api/v1/credit/disputes/{dispute.pk}/resolve/",
        {"outcome": "removed", "note": "删除"},
        content_type="application/json",
    )
    client.force_login(UserFactory(enterprise_admin=True))
    other_enterprise = client.post(
        "/api/v1/credit/disputes/",
        {"record": world["record"].pk, "reason": "有误"},
        content_type="application/json",
    )

    assert (again.status_code, again.json()["error"]["code"]) == (409, "dispute_already_open")
    assert (resolve_own.status_code, resolve_own.json()) == (
        403,
        _error("permission_denied", "只有该记录的来源部门可以处理异议。"),
    )
    assert (reply_open.status_code, reply_open.json()) == (
        409,
        _error("dispute_not_upheld", "只有“维持原记录”的异议可以答复，该异议目前为“处理中”。"),
    )
    assert (other_department.status_code, other_department.json()) == (
        404,
        _error("not_found", "未找到该记录，或您无权查看。"),
    )
    assert (other_enterprise.status_code, other_enterprise.json()) == (
        404,
        _error("not_found", "未找到该记录，或您无权查看。"),
    )
    assert _state() == before


def test_correcting_without_data_or_twice(client, world):
    dispute = disputes.dispute_open(
        record=world["record"], reason="有误", acting_user=world["admin"]
    )
    client.force_login(world["provider"])
    before = _state()
    no_data = client.post(
        f"/api/v1/credit/disputes/{dispute.pk}/resolve/",
        {"outcome": "corrected", "note": "更正"},
        content_type="application/json",
    )
    assert (no_data.status_code, no_data.json()) == (
        400,
        _error(
            "invalid",
            "提交的数据有误，请按提示修改后重试。",
            {"data": ["更正时请提供更正后的全部字段。"]},
        ),
    )
    assert _state() == before

    client.post(
        f"/api/v1/credit/disputes/{dispute.pk}/resolve/",
        {"outcome": "upheld", "note": "维持"},
        content_type="application/json",
    )
    before = _state()
    twice = client.post(
        f"/api/v1/credit/disputes/{dispute.pk}/resolve/",
        {"outcome": "removed", "note": "删除"},
        content_type="application/json",
    )
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "dispute_closed")
    assert _state() == before


def test_reply_and_withdraw(client, world):
    upheld = disputes.dispute_uphold(
        dispute=disputes.dispute_open(
            record=world["record"], reason="有误", acting_user=world["admin"]
        ),
        annotation="维持C级。",
        acting_user=world["provider"],
    )
    other = CreditRecordFactory(category=world["category"], enterprise=world["record"].enterprise)
    second = disputes.dispute_open(record=other, reason="有误", acting_user=world["admin"])
    client.force_login(world["admin"])

    replied = client.post(
        f"/api/v1/credit/disputes/{upheld.pk}/reply/",
        {"reply": "已补缴。"},
        content_type="application/json",
    )
    withdrawn = client.post(f"/api/v1/credit/disputes/{second.pk}/withdraw/")

    assert (replied.status_code, replied.json()["reply"]) == (200, "已补缴。")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    listing = client.get("/api/v1/credit/disputes/?status=closed").json()
    assert [row["status"] for row in listing["results"]] == ["withdrawn", "upheld"]


def test_overdue_list_for_officers(client, world):
    dispute = disputes.dispute_open(
        record=world["record"], reason="有误", acting_user=world["admin"]
    )
    Dispute.objects.filter(pk=dispute.pk).update(deadline=datetime.date(2026, 10, 29))
    client.force_login(UserFactory())

    rows = client.get("/api/v1/credit/disputes/overdue/").json()["results"]

    assert [(row["id"], row["days_overdue"] > 0) for row in rows] == [(dispute.pk, True)]
    client.force_login(world["admin"])
    assert client.get("/api/v1/credit/disputes/overdue/").json() == _error(
        "permission_denied", "只有市、县(市、区)工作人员和平台管理员可以查看逾期异议。"
    )


def test_list_takes_the_same_queries_for_3_or_12_disputes(client, world):
    def add(n: int) -> None:
        for _ in range(n):
            record = CreditRecordFactory(
                category=world["category"], enterprise=world["record"].enterprise
            )
            disputes.dispute_open(record=record, reason="有误", acting_user=world["admin"])

    client.force_login(world["provider"])
    add(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/credit/disputes/").status_code == 200
    add(9)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/credit/disputes/").json()["results"]) == 12
    assert len(many) == len(few)


def test_an_unknown_status_filter_is_refused(client, world):
    client.force_login(world["admin"])
    response = client.get("/api/v1/credit/disputes/?status=nope")
    assert (response.status_code, response.json()) == (
        400,
        _error(
            "invalid",
            "提交的数据有误，请按提示修改后重试。",
            {"status": ["状态应为 open（处理中）、closed（已办结）或 all（全部）。"]},
        ),
    )
