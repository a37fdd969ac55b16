"""The credit batch API: push JSON (and file) batches, follow them, errors in the one JSON
error shape, list scoped and with a fixed number of queries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import Department
from kejin.core.uscc import uscc_build
from kejin.credit.catalogue import credit_catalogue_load_default
from kejin.credit.models import CreditBatch, CreditRecord
from kejin.credit.tests.test_ingest import TAX_HEADER, csv_upload, tax_row
from kejin.enterprises.tests.factories import EnterpriseFactory, org_body

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_catalogue(db):
    """The default Jiaxing catalogue, as ``manage.py credit_catalogue_load`` installs it."""
    credit_catalogue_load_default()


URL = "/api/v1/credit/batches/"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def code(n: int) -> str:
    return uscc_build(region_code="330402", org_body=org_body(7_100_000 + n))


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def tax_provider():
    return UserFactory(data_provider=True, department=Department.objects.get(code="jx-tax"))


def rating(i: int, **overrides) -> dict:
    return {
        "source_record_id": f"R-{i}",
        "uscc": code(i),
        "rating_year": 2024,
        "rating": "A",
        "evaluation_date": "2025-04-01",
        **overrides,
    }


def test_a_json_batch_is_validated_and_written_and_returned_with_its_rejects(
    django_capture_on_commit_callbacks,
):
    enterprise = EnterpriseFactory(uscc=code(1))
    records = [rating(1), rating(2, rating="Z"), rating(3)]
    client = client_for(tax_provider())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"category": "tax_rating", "records": records}, format="json")

    # (The batch runs when the request's transaction commits: in tests, as the block ends.)
    assert response.status_code == 201, response.json()
    assert response["Location"] == f"{URL}{response.json()['id']}/"
    body = client.get(response["Location"]).json()
    assert {k: body[k] for k in ("status", "channel", "received_count", "accepted_count")} == {
        "status": "done",
        "channel": "api",
        "received_count": 3,
        "accepted_count": 2,
    }
    assert (body["error_count"], body["unmatched_count"]) == (1, 1)
    assert body["errors"] == [
        {
            "row": 2,
            "column": "rating",
            "value": "Z",
            "reason": "“纳税信用等级”的值“Z”不在代码表中，可填：A、B、M、C、D。",
            "rule": "not_in_list",
        }
    ]
    assert body["quality"]["rules"] == {"not_in_list": 1}
    assert len(body["file_sha256"]) == 64
    assert CreditRecord.objects.get(source_record_id="R-1").enterprise == enterprise


def test_a_file_can_be_pushed_as_multipart(django_capture_on_commit_callbacks):
    client = client_for(tax_provider())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {"category": "tax_payment", "file": csv_upload(TAX_HEADER, [tax_row(1), tax_row(2)])},
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    body = client.get(response["Location"]).json()
    assert (body["channel"], body["created_count"]) == ("upload", 2)


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"category": "nope", "records": [{}]}, {"category": ["没有代码为“nope”的信用数据类别。"]}),
        ({"category": "tax_rating", "records": []}, {"records": ["请提供至少一条记录（records 为对象数组）。"]}),
        ({"category": "tax_rating", "records": [1]}, {"records": ["第1条记录不是对象（应为 {\"字段代码\": 值}）。"]}),
        (
            {"category": "tax_rating", "records": [{"source_record_id": "R", "uscc": "x", "colour": 1}]},
            {"records": [
                "表头有误：缺少必填列 “评价年度”、“纳税信用等级”、“评价日期”；无法识别的列 “colour（C列）”。"
                "列名应为本类别的字段代码或字段名称（可在报送页面下载模板），另加“统一社会信用代码”和“来源记录编号”两列。"
            ]},
        ),
    ],
    ids=["unknown_category", "no_records", "not_objects", "unknown_keys"],
)  # fmt: skip
def test_bad_pushes_are_400_in_the_error_shape_and_store_nothing(payload, fields):
    response = client_for(tax_provider()).post(URL, payload, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("invalid", fields)
    assert not CreditBatch.objects.exists()


def test_another_department_gets_403_and_nothing_is_stored():
    market = UserFactory(
        data_provider=True, department=Department.objects.get(code="jx-market-supervision")
    )
    response = client_for(market).post(
        URL, {"category": "tax_rating", "records": [rating(1)]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "只有该类数据的来源部门可以报送数据。",
        "fields": {},
    }
    assert not CreditBatch.objects.exists()


def test_batches_are_listed_by_scope_with_a_fixed_number_of_queries(
    django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    tax = tax_provider()
    for i in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            client_for(tax).post(
                URL, {"category": "tax_rating", "records": [rating(i)]}, format="json"
            )
    market = UserFactory(
        data_provider=True, department=Department.objects.get(code="jx-market-supervision")
    )
    client = client_for(tax)

    with django_assert_max_num_queries(6):
        response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 6
    assert client_for(UserFactory()).get(URL).json()["count"] == 6  # a city officer: all
    assert client_for(market).get(URL).json()["count"] == 0
    assert client_for(UserFactory(enterprise_admin=True)).get(URL).json()["count"] == 0
    batch = CreditBatch.objects.first()
    assert client_for(market).get(f"{URL}{batch.pk}/").status_code == 404
    detail = client.get(f"{URL}{batch.pk}/")
    assert (detail.status_code, detail.json()["id"]) == (200, batch.pk)


def test_the_catalogue_is_readable_by_every_signed_in_user():
    client = client_for(UserFactory(enterprise_admin=True))
    listing = client.get("/api/v1/credit/categories/")
    one = client.get("/api/v1/credit/categories/tax_rating/")
    missing = client.get("/api/v1/credit/categories/nope/")

    assert listing.status_code == 200
    assert len(listing.json()) == 19
    assert one.json()["department"] == "jx-tax"
    assert [f["code"] for f in one.json()["fields"]] == ["rating_year", "rating", "evaluation_date"]
    assert missing.status_code == 404
    assert APIClient().get("/api/v1/credit/categories/").status_code == 401
