"""Loan pages: the list by scope (query count guarded), the detail with repayments and
history, the lender's forms (a refusal shown and nothing changed), the import page."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import LoanStatus
from kejin.financing.models import LoanImportBatch, LoanRepayment, LoanStatusEvent
from kejin.financing.tests.factories import LoanFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    bank = InstitutionFactory()
    haining = RegionFactory(code="330481", name="海宁市")
    loans = [LoanFactory(institution=bank) for _ in range(4)]
    foreign = LoanFactory(enterprise=EnterpriseFactory(county=haining))
    return {
        "bank": bank,
        "loans": loans,
        "foreign": foreign,
        "officer": UserFactory(institution_officer=True, institution=bank),
        "haining": UserFactory(county_officer=True, county=haining),
    }


def test_the_list_shows_the_users_loans_by_status(client, world, django_assert_max_num_queries):
    client.force_login(world["officer"])
    with django_assert_max_num_queries(10):
        page = client.get("/financing/loans/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="loan-row"') == 4
    assert world["foreign"].contract_number not in html
    assert 'data-testid="loan-import-link"' in html

    client.force_login(world["haining"])
    html = client.get("/financing/loans/?status=performing").content.decode()
    assert html.count('data-testid="loan-row"') == 1
    assert world["foreign"].contract_number in html
    assert 'data-testid="loan-import-link"' not in html
    assert (
        client.get("/financing/loans/?status=overdue")
        .content.decode()
        .count('data-testid="loan-row"')
        == 0
    )


def test_a_loan_of_another_institution_is_404(client, world):
    client.force_login(world["officer"])
    assert client.get(f"/financing/loans/{world['foreign'].pk}/").status_code == 404
    assert (
        client.post(
            f"/financing/loans/{world['foreign'].pk}/status/", {"status-status": "overdue"}
        ).status_code
        == 404
    )


def test_the_lender_records_a_repayment_and_a_refused_move_is_shown_and_changes_nothing(
    client, world
):
    loan = world["loans"][0]
    client.force_login(world["officer"])
    detail = client.get(f"/financing/loans/{loan.pk}/").content.decode()
    assert 'data-testid="repayment-form"' in detail and 'data-testid="status-form"' in detail

    done = client.post(
        f"/financing/loans/{loan.pk}/repayments/",
        {
            "repayment-paid_on": "2026-04-02",
            "repayment-principal": "250000",
            "repayment-interest": "3500",
        },
    )
    assert done.status_code == 302
    loan.refresh_from_db()
    assert loan.outstanding == Decimal("750000.00")
    page = client.get(f"/financing/loans/{loan.pk}/").content.decode()
    assert page.count('data-testid="repayment-row"') == 1

    loan.status = LoanStatus.DEFAULT
    loan.save()
    refused = client.post(f"/financing/loans/{loan.pk}/status/", {"status-status": "performing"})
    assert refused.status_code == 200
    assert "贷款当前为“违约”状态，不能改为“正常”。" in refused.content.decode()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DEFAULT
    assert not LoanStatusEvent.objects.filter(loan=loan).exists()


def test_a_borrower_sees_its_loan_without_forms_and_may_not_post(client, world):
    loan = world["loans"][0]
    client.force_login(UserFactory(enterprise_admin=True, enterprise=loan.enterprise))
    page = client.get(f"/financing/loans/{loan.pk}/").content.decode()
    assert 'data-testid="loan-terms"' in page and 'data-testid="repayment-form"' not in page
    denied = client.post(
        f"/financing/loans/{loan.pk}/repayments/",
        {"repayment-paid_on": "2026-04-02", "repayment-principal": "1"},
    )
    assert denied.status_code == 403
    assert not LoanRepayment.objects.exists()
    assert client.get("/financing/loans/import/").status_code == 403


def test_the_import_page_runs_a_file_and_shows_its_row_errors(
    client, world, django_capture_on_commit_callbacks
):
    loan = world["loans"][0]
    content = (
        "合同编号,日期,归还本金(元),支付利息(元),贷款状态,说明\n"
        f"{loan.contract_number},2026-04-02,1000,,,\n"
        "NOPE,2026-04-02,1000,,,\n"
    ).encode()
    client.force_login(world["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/financing/loans/import/", {"file": SimpleUploadedFile("还款.csv", content)}
        )
    batch = LoanImportBatch.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/financing/loans/import/{batch.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert page.count('data-testid="batch-error"') == 1
    assert "本机构没有合同编号为“NOPE”的贷款，请核对合同编号。" in page
    listing = client.get("/financing/loans/import/").content.decode()
    assert listing.count('data-testid="batch-row"') == 1
