"""The loans API: scoped lists (query count guarded), 404 for what the caller may not see,
403 for what it may not do, 409 with the error envelope for moves not allowed."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import LoanStatus
from kejin.financing.models import LoanRepayment, LoanStatusEvent
from kejin.financing.tests.factories import LoanFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    bank, other_bank = InstitutionFactory(), InstitutionFactory()
    borrower = EnterpriseFactory()
    loans = [LoanFactory(institution=bank, enterprise=borrower) for _ in range(3)]
    haining = RegionFactory(code="330481", name="海宁市")
    county_officer = UserFactory(county_officer=True, county=haining)
    foreign = LoanFactory(
        institution=other_bank, enterprise=EnterpriseFactory(county=county_officer.county)
    )
    return {
        "bank": bank,
        "loans": loans,
        "foreign": foreign,
        "officer": UserFactory(institution_officer=True, institution=bank),
        "borrower": UserFactory(enterprise_admin=True, enterprise=borrower),
        "county": county_officer,
    }


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_each_role_lists_its_own_loans_in_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    expected = {
        "officer": {loan.pk for loan in world["loans"]},
        "borrower": {loan.pk for loan in world["loans"]},
        "county": {world["foreign"].pk},
    }
    for who, loans in expected.items():
        client.force_login(world[who])
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/financing/loans/")
        assert response.status_code == 200
        assert ids(response) == loans, who
    client.force_login(UserFactory())  # a city officer sees all
    assert ids(client.get("/api/v1/financing/loans/?page_size=50")) == {
        *expected["officer"],
        world["foreign"].pk,
    }
    bad = client.get("/api/v1/financing/loans/?status=late")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "status": ["状态应为 all、performing、overdue、default 或 repaid。"]
    }


def test_a_loan_not_visible_is_404_and_a_visible_one_not_the_callers_is_403(client, world):
    client.force_login(world["officer"])
    hidden = client.get(f"/api/v1/financing/loans/{world['foreign'].pk}/")
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "not_found"

    loan = world["loans"][0]
    client.force_login(world["borrower"])
    assert client.get(f"/api/v1/financing/loans/{loan.pk}/").status_code == 200
    denied = client.post(
        f"/api/v1/financing/loans/{loan.pk}/repayments/",
        {"paid_on": "2026-04-02", "principal": "1000"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert denied.json() == {
        "error": {
            "code": "permission_denied",
            "message": "只有贷款机构可以更新贷款和还款信息。",
            "fields": {},
        }
    }
    assert not LoanRepayment.objects.exists()


def test_the_lender_records_a_repayment_and_moves_the_status(client, world):
    loan = world["loans"][0]
    client.force_login(world["officer"])
    created = client.post(
        f"/api/v1/financing/loans/{loan.pk}/repayments/",
        {"paid_on": "2026-04-02", "principal": "100000", "interest": "3500.00"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["outstanding"] == "900000.00"
    assert [(r["paid_on"], r["principal"], r["interest"]) for r in body["repayments"]] == [
        ("2026-04-02", "100000.00", "3500.00")
    ]
    moved = client.post(
        f"/api/v1/financing/loans/{loan.pk}/status/",
        {"status": "overdue", "effective_on": "2026-05-06", "note": "逾期未付息"},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["status"] == "overdue"
    assert moved.json()["history"][-1]["channel"] == "api"


def test_a_move_not_allowed_is_409_in_the_error_envelope_and_changes_nothing(client, world):
    loan = world["loans"][0]
    loan.status = LoanStatus.DEFAULT
    loan.save()
    client.force_login(world["officer"])
    audits = AuditEvent.objects.count()
    refused = client.post(
        f"/api/v1/financing/loans/{loan.pk}/status/",
        {"status": "performing"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "error": {
            "code": "loan_state_conflict",
            "message": "贷款当前为“违约”状态，不能改为“正常”。",
            "fields": {},
        }
    }
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DEFAULT
    assert not LoanStatusEvent.objects.exists() and AuditEvent.objects.count() == audits


def test_an_import_through_the_api_runs_and_reports_its_rows(
    client, world, django_capture_on_commit_callbacks
):
    loan = world["loans"][0]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["合同编号", "日期", "归还本金(元)", "支付利息(元)", "贷款状态", "说明"])
    writer.writerow([loan.contract_number, "2026-04-02", "2000", "", "", ""])
    writer.writerow(["NOPE", "2026-04-02", "2000", "", "", ""])
    upload = SimpleUploadedFile("还款.csv", text.getvalue().encode("utf-8"))
    client.force_login(world["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/financing/loans/imports/", {"file": upload})
    assert response.status_code == 201
    batch = client.get(response["Location"]).json()
    assert (batch["status"], batch["created_count"], batch["error_count"]) == ("done", 1, 1)
    assert batch["errors"][0]["reason"] == "本机构没有合同编号为“NOPE”的贷款，请核对合同编号。"
    loan.refresh_from_db()
    assert loan.outstanding == Decimal("998000.00")
    # Another institution's users do not see the batch.
    client.force_login(UserFactory(institution_officer=True, institution=InstitutionFactory()))
    assert client.get(response["Location"]).status_code == 404
