"""Credit in the Django admin: the catalogue and the batches' lineage, read only; nothing
else of credit is registered, so the admin is no way round the report access function."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.credit.choices import BatchChannel
from kejin.credit.models import CreditBatch
from kejin.credit.tests.reports_factories import penalty_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(platform_admin=True, username="root"))
    return client


def credit_batch(*, category, uploader, number: int = 1) -> CreditBatch:
    """A finished batch of ``category`` with one rejected row (whose value is personal)."""
    return CreditBatch.objects.create(
        category=category,
        department=category.department,
        channel=BatchChannel.UPLOAD,
        file=f"imports/2026/12/penalties-{number}.csv",
        original_name=f"市场监管处罚-{number}.csv",
        uploaded_by=uploader,
        status="done",
        total_rows=3,
        processed_rows=3,
        created_count=2,
        error_count=1,
        unmatched_count=1,
        file_sha256=f"{number:064x}",
        errors=[{"row": 4, "column": "身份证号", "value": "330402198001011234", "reason": "x"}],
        finished_at=timezone.now(),
    )


def test_only_the_catalogue_and_the_batches_of_credit_are_registered():
    registered = {
        model._meta.object_name
        for model in admin.site._registry
        if model._meta.app_label == "credit"
    }

    # Not: CreditRecord, ReportRequest, ReportRead, ScorecardVersion, CreditScore,
    # CreditScoreHistory, Dispute, DisputeAttachment, CategoryField (shown inline).
    assert registered == {"RecordCategory", "CreditBatch"}


def test_a_platform_admin_reads_the_catalogue_with_its_fields(admin_client):
    category = penalty_category()

    listing = admin_client.get("/admin/credit/recordcategory/")
    page = admin_client.get(f"/admin/credit/recordcategory/{category.pk}/change/")

    assert listing.status_code == 200
    assert "行政处罚（市场监管）" in listing.content.decode()
    html = page.content.decode()
    assert page.status_code == 200
    assert "决定书文号" in html and "legal_person_id_no" in html
    assert f'href="/credit/catalogue/{category.pk}/"' in html
    assert 'name="_save"' not in html  # view only


def test_nobody_changes_adds_or_deletes_a_category_in_the_admin(admin_client):
    category = penalty_category(disclosure_years=3)

    changed = admin_client.post(
        f"/admin/credit/recordcategory/{category.pk}/change/",
        {"code": category.code, "name": "改名", "disclosure_years": 0},
    )
    added = admin_client.get("/admin/credit/recordcategory/add/")
    deleted = admin_client.post(
        f"/admin/credit/recordcategory/{category.pk}/delete/", {"post": "yes"}
    )

    assert (changed.status_code, added.status_code, deleted.status_code) == (403, 403, 403)
    category.refresh_from_db()
    assert (category.name, category.disclosure_years) == ("行政处罚（市场监管）", 3)
    assert not AuditEvent.objects.exists()


def test_a_platform_admin_reads_a_batchs_lineage_but_not_its_file_or_rejected_rows(
    admin_client,
):
    uploader = UserFactory(data_provider=True, username="shijianju")
    batch = credit_batch(category=penalty_category(), uploader=uploader)

    page = admin_client.get(f"/admin/credit/creditbatch/{batch.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "市场监管处罚-1.csv" in html and batch.file_sha256 in html
    assert "penalties-1.csv" not in html  # the stored file is no link here
    assert "330402198001011234" not in html  # nor are the rejected rows' values
    assert f'href="/credit/ingest/batches/{batch.pk}/"' in html
    assert 'name="_save"' not in html


def test_nobody_changes_or_deletes_a_batch_in_the_admin(admin_client):
    batch = credit_batch(category=penalty_category(), uploader=UserFactory(data_provider=True))

    changed = admin_client.post(
        f"/admin/credit/creditbatch/{batch.pk}/change/", {"status": "failed"}
    )
    deleted = admin_client.post(f"/admin/credit/creditbatch/{batch.pk}/delete/", {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    batch.refresh_from_db()
    assert batch.status == "done"


def test_the_batch_list_reads_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    category = penalty_category()
    uploader = UserFactory(data_provider=True)
    for number in range(12):
        credit_batch(category=category, uploader=uploader, number=number)

    # session and user, stale sweep, the page of batches, the filters' choices, the date
    # hierarchy: independent of the number of batches
    with django_assert_max_num_queries(9):
        response = admin_client.get("/admin/credit/creditbatch/")

    assert response.status_code == 200
    assert response.content.decode().count("市场监管处罚-") == 12


def test_other_roles_do_not_enter_the_credit_admin(client):
    client.force_login(UserFactory(is_staff=True))  # a city officer with staff status

    response = client.get("/admin/credit/recordcategory/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_stale_sweep_runs_before_the_batch_list(admin_client):
    category = penalty_category()
    stale = credit_batch(category=category, uploader=UserFactory(data_provider=True))
    CreditBatch.objects.filter(pk=stale.pk).update(
        status="running",
        finished_at=None,
        heartbeat_at=timezone.now() - datetime.timedelta(hours=2),
    )

    admin_client.get("/admin/credit/creditbatch/")

    stale.refresh_from_db()
    assert stale.status == "failed"
