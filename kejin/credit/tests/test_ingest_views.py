"""Ingestion pages: the data provider's home (categories, upload, recent batches), a batch
with its quality and rejects (downloads), the quality dashboard, the menu entries."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import Department
from kejin.credit.catalogue import credit_catalogue_load_default
from kejin.credit.models import CreditBatch, RecordCategory
from kejin.credit.tests.test_ingest import TAX_HEADER, csv_upload, tax_row
from kejin.web.navigation import navigation_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_catalogue(db):
    """The default Jiaxing catalogue, as ``manage.py credit_catalogue_load`` installs it."""
    credit_catalogue_load_default()


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def tax_provider():
    return UserFactory(data_provider=True, department=Department.objects.get(code="jx-tax"))


def upload(client, capture, rows, category="tax_payment"):
    with capture(execute=True):
        response = client.post(
            reverse("credit:ingest_home"),
            {
                "category": RecordCategory.objects.get(code=category).pk,
                "file": csv_upload(TAX_HEADER, rows),
            },
        )
    return response


def test_a_provider_uploads_from_home_and_sees_the_batch_with_quality_and_rejects(
    client, django_capture_on_commit_callbacks
):
    client.force_login(tax_provider())
    home = client.get(reverse("credit:ingest_home"))
    assert home.status_code == 200
    text = home.content.decode()
    assert 'data-category="tax_rating"' in text and 'data-category="tax_payment"' in text
    assert 'data-category="patent"' not in text

    rows = [tax_row(1), tax_row(2, arrears="-1")]
    response = upload(client, django_capture_on_commit_callbacks, rows)
    batch = CreditBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("credit:batch_detail", args=[batch.pk])

    detail = client.get(response["Location"]).content.decode()
    assert 'data-counter="accepted">1<' in detail
    assert 'data-counter="rejected">1<' in detail
    assert 'data-rule="negative"' in detail
    assert "“欠税金额”不能为负数，当前为-1元。" in detail
    assert batch.file_sha256 in detail

    xlsx = client.get(reverse("credit:batch_rejects", args=[batch.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["行号", "列", "值", "原因"],
        [3, "arrears", "-1", "“欠税金额”不能为负数，当前为-1元。"],
    ]
    report = client.get(reverse("credit:batch_rejects", args=[batch.pk, "csv"]))
    assert list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")))) == [
        ["行号", "列", "值", "原因"],
        ["3", "arrears", "'-1", "“欠税金额”不能为负数，当前为-1元。"],
    ]
    assert client.get(reverse("credit:batch_rejects", args=[batch.pk, "pdf"])).status_code == 404

    home = client.get(reverse("credit:ingest_home")).content.decode()
    assert f'data-batch="{batch.pk}"' in home


def test_every_reject_is_reachable_a_page_at_a_time_with_a_fixed_number_of_queries(
    client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # 250 bad rows (file rows 3..252) between two good ones: more than the 200 the page used
    # to show; the last reject is on the third page of 100.
    client.force_login(tax_provider())
    rows = [tax_row(1)] + [tax_row(i, arrears=f"-{i}") for i in range(2, 252)] + [tax_row(252)]
    upload(client, django_capture_on_commit_callbacks, rows)
    batch = CreditBatch.objects.get()
    assert (batch.error_count, batch.accepted_count, len(batch.errors)) == (250, 2, 250)
    url = reverse("credit:batch_detail", args=[batch.pk])
    last = '<td data-testid="reject-reason">“欠税金额”不能为负数，当前为-251元。</td>'

    with django_assert_num_queries(5):
        first = client.get(url)
    with django_assert_num_queries(5):
        third = client.get(url, {"page": 3})

    assert [p["row"] for p in first.context["page"].object_list] == list(range(3, 103))
    assert first.context["page"].paginator.num_pages == 3
    assert last not in first.content.decode()
    assert f'href="{url}?page=3"' in first.content.decode()
    assert [p["row"] for p in third.context["page"].object_list] == list(range(203, 253))
    text = third.content.decode()
    assert (
        '<tr data-testid="reject-row"><td class="num" data-testid="reject-line">252</td>'
        '<td data-testid="reject-field">arrears</td>'
        '<td class="font-monospace" data-testid="reject-value">-251</td>' + last
    ) in text
    assert "共 250 条问题，当前显示第 201–250 条。" in text
    # Beyond the last page: the last page, not an error.
    assert client.get(url, {"page": 99}).context["page"].number == 3
    # The downloadable report still has every reject.
    report = client.get(reverse("credit:batch_rejects", args=[batch.pk, "csv"]))
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert len(lines) == 251
    assert lines[-1] == ["252", "arrears", "'-251", "“欠税金额”不能为负数，当前为-251元。"]


def test_a_bad_header_is_shown_beside_the_file_field_and_nothing_is_stored(
    client, django_capture_on_commit_callbacks
):
    client.force_login(tax_provider())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("credit:ingest_home"),
            {
                "category": RecordCategory.objects.get(code="tax_payment").pk,
                "file": csv_upload(["uscc"], [["x"]]),
            },
        )
    assert response.status_code == 200
    assert "表头有误：缺少必填列" in response.content.decode()
    assert not CreditBatch.objects.exists()


def test_the_template_has_the_categorys_chinese_headers(client):
    client.force_login(tax_provider())
    category = RecordCategory.objects.get(code="tax_rating")
    response = client.get(reverse("credit:category_template", args=[category.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert next(sheet.iter_rows(values_only=True)) == (
        "来源记录编号", "统一社会信用代码", "评价年度*", "纳税信用等级*", "评价日期*"
    )  # fmt: skip


def test_other_departments_and_roles_cannot_see_a_batch(client, django_capture_on_commit_callbacks):
    client.force_login(tax_provider())
    upload(client, django_capture_on_commit_callbacks, [tax_row(1)])
    batch = CreditBatch.objects.get()
    market = UserFactory(
        data_provider=True, department=Department.objects.get(code="jx-market-supervision")
    )
    client.force_login(market)
    assert client.get(reverse("credit:batch_detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("credit:batch_rejects", args=[batch.pk, "csv"])).status_code == 404
    client.force_login(UserFactory(enterprise_admin=True))
    assert client.get(reverse("credit:ingest_home")).status_code == 403
    assert client.get(reverse("credit:quality")).status_code == 403
    client.force_login(UserFactory())  # city officer: sees it, cannot upload
    assert client.get(reverse("credit:batch_detail", args=[batch.pk])).status_code == 200
    home = client.get(reverse("credit:ingest_home")).content.decode()
    assert 'data-testid="upload-form"' not in home
    assert f'data-batch="{batch.pk}"' in home


def test_the_quality_dashboard_shows_this_months_batches(
    client, django_capture_on_commit_callbacks
):
    client.force_login(tax_provider())
    upload(client, django_capture_on_commit_callbacks, [tax_row(1), tax_row(2, arrears="x")])
    upload(client, django_capture_on_commit_callbacks, [tax_row(3)])

    response = client.get(reverse("credit:quality"))

    months = response.context["months"]
    assert len(months) == 1
    assert {k: months[0][k] for k in ("batches", "received", "accepted", "rejected")} == {
        "batches": 2,
        "received": 3,
        "accepted": 2,
        "rejected": 1,
    }
    assert months[0]["accepted_rate"] == 66.7
    client.force_login(UserFactory())
    officer = client.get(reverse("credit:quality"), {"department": "jx-market-supervision"})
    assert officer.context["months"] == []
    assert officer.context["chosen"].code == "jx-market-supervision"


def test_batch_list_pages_run_a_fixed_number_of_queries(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(tax_provider())
    for i in range(4):
        upload(client, django_capture_on_commit_callbacks, [tax_row(i)])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("credit:ingest_home")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("credit:batch_list")).status_code == 200


def test_menu_entries_follow_the_predicates():
    labels = lambda user: [str(item.label) for item in navigation_for(user)]  # noqa: E731
    assert "信用数据报送" in labels(tax_provider())
    assert "信用数据报送" in labels(UserFactory())
    assert "信用数据报送" not in labels(UserFactory(enterprise_admin=True))
    assert "信用数据目录" in labels(UserFactory(enterprise_admin=True))
