"""The risk compensation fund's API: who sees what (404 outside the scope), contributions,
claims and every action with their refusals (exact codes and messages, nothing changed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.policies.models import CompensationClaim, CompensationFund, FundEntry
from kejin.policies.tests import funds_world as w

pytestmark = pytest.mark.django_db
API = "/api/v1/policies"


def _state(fund):
    fund.refresh_from_db()
    return (
        fund.balance,
        FundEntry.objects.count(),
        list(
            CompensationClaim.objects.order_by("pk").values_list("pk", "status", "amount_approved")
        ),
        AuditEvent.objects.count(),
    )


def _submit(client, user, fund, loan, **data):
    client.force_login(user)
    return client.post(
        f"{API}/fund-claims/",
        {"fund": fund.pk, "loan": loan.pk, **data},
        content_type="application/json",
    )


def test_funds_are_seen_by_officers_and_lenders_only(client):
    fund = w.fund()
    for user in (UserFactory(), UserFactory(county_officer=True), w.lender()):
        client.force_login(user)
        response = client.get(f"{API}/funds/")
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [fund.pk]
        assert client.get(f"{API}/funds/{fund.pk}/").json()["balance"] == "10000000.00"
    client.force_login(UserFactory(enterprise_admin=True))
    assert client.get(f"{API}/funds/").json()["results"] == []
    assert client.get(f"{API}/funds/{fund.pk}/").status_code == 404
    client.logout()
    assert client.get(f"{API}/funds/").status_code == 401


def test_the_ledger_is_the_officers(client):
    fund = w.fund()
    client.force_login(w.lender())
    response = client.get(f"{API}/funds/{fund.pk}/entries/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "只有政府部门工作人员可以查看资金池流水。"
    client.force_login(UserFactory(county_officer=True))
    assert client.get(f"{API}/funds/{fund.pk}/entries/").status_code == 200


def test_a_city_officer_records_a_contribution(client):
    fund = w.fund(balance="0.00")
    client.force_login(UserFactory())
    response = client.post(
        f"{API}/funds/{fund.pk}/contributions/",
        {"source": "county", "amount": "5000000", "region": w.county().code, "memo": "首期"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["amount"], body["balance_after"], body["region"]) == (
        "contribution",
        "5000000.00",
        "5000000.00",
        "330402",
    )
    bad = client.post(
        f"{API}/funds/{fund.pk}/contributions/",
        {"source": "county", "amount": "-1"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "region": ["县(市、区)财政注资请选择出资的县(市、区)。"],
        "amount": ["金额应大于 0 元且不超过 100 亿元。"],
    }
    before = _state(fund)
    client.force_login(UserFactory(county_officer=True))
    denied = client.post(
        f"{API}/funds/{fund.pk}/contributions/",
        {"source": "city", "amount": "100"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert _state(fund) == before


def test_a_lender_claims_and_a_second_claim_for_the_loan_is_409(client):
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution)
    response = _submit(client, user, fund, loan)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["amount_claimed"], body["principal_loss"]) == (
        "submitted",
        "500000.00",
        "1000000.00",
    )
    assert body["actions"] == ["withdraw"]
    assert body["explanation"]["capped_by"] == []
    assert response["Location"] == f"{API}/fund-claims/{body['id']}/"
    before = _state(fund)
    again = _submit(client, user, fund, loan)
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "claim_duplicate",
        "message": (
            f"贷款（合同编号 {loan.contract_number}）已有风险补偿申请（申请编号 {body['id']}，"
            "状态：已提交），同一笔贷款只能申请一次补偿。"
        ),
        "fields": {},
    }
    assert _state(fund) == before


def test_a_loan_the_lender_cannot_see_is_404_and_anothers_loan_is_403(client):
    fund = w.fund()
    owner = w.lender()
    loan = w.defaulted_loan(owner.institution)
    before = _state(fund)
    assert _submit(client, w.lender(), fund, loan).status_code == 404
    county_officer = UserFactory(county_officer=True, county=w.county())
    response = _submit(client, county_officer, fund, loan)
    assert response.status_code == 403
    assert _state(fund) == before


def test_officers_approve_and_the_fund_pays_or_refuses(client):
    fund = w.fund(balance="700000.00")
    user = w.lender()
    first = _submit(client, user, fund, w.defaulted_loan(user.institution)).json()
    second = _submit(client, user, fund, w.defaulted_loan(user.institution)).json()
    client.force_login(UserFactory())
    detail = client.get(f"{API}/fund-claims/{first['id']}/").json()
    assert detail["actions"] == ["approve", "return", "reject"]
    response = client.post(f"{API}/fund-claims/{first['id']}/approve/", {"comment": "同意"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["amount_approved"]) == ("approved", "500000.00")
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in body["entries"]] == [
        ("payout", "500000.00", "200000.00")
    ]
    before = _state(fund)
    refused = client.post(f"{API}/fund-claims/{second['id']}/approve/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "fund_insufficient"
    assert "可用余额为 20.00 万元" in refused.json()["error"]["message"]
    assert _state(fund) == before
    conflict = client.post(f"{API}/fund-claims/{first['id']}/approve/")
    assert conflict.status_code == 409
    assert conflict.json()["error"] == {
        "code": "claim_state_conflict",
        "message": "该补偿申请当前为“已核准并代偿”状态，不能核准并代偿。",
        "fields": {},
    }
    assert _state(fund) == before
    # The lender may not decide.
    client.force_login(user)
    denied = client.post(
        f"{API}/fund-claims/{second['id']}/reject/", {"reason": "other", "text": "x"}
    )
    assert denied.status_code == 403
    assert _state(fund) == before


def test_return_resubmit_reject_withdraw_and_recover_over_the_api(client):
    fund = w.fund()
    user = w.lender()
    officer = UserFactory()
    claim = _submit(client, user, fund, w.defaulted_loan(user.institution)).json()["id"]
    client.force_login(officer)
    bad = client.post(f"{API}/fund-claims/{claim}/return/", {"comment": ""})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"comment": ["此项必填。"]}
    assert (
        client.post(f"{API}/fund-claims/{claim}/return/", {"comment": "补充判决书"}).json()[
            "status"
        ]
        == "returned"
    )
    client.force_login(user)
    assert client.get(f"{API}/fund-claims/{claim}/").json()["actions"] == ["resubmit", "withdraw"]
    resubmitted = client.post(f"{API}/fund-claims/{claim}/resubmit/", {"principal_loss": "900000"})
    assert (resubmitted.json()["status"], resubmitted.json()["amount_claimed"]) == (
        "submitted",
        "450000.00",
    )
    client.force_login(officer)
    rejected = client.post(
        f"{API}/fund-claims/{claim}/reject/", {"reason": "materials", "text": "材料不全"}
    )
    assert (rejected.json()["status"], rejected.json()["reject_reason_label"]) == (
        "rejected",
        "材料不全或不实",
    )
    # Withdraw, then claim the loan again, approve, recover.
    loan = w.defaulted_loan(user.institution, amount="400000.00")
    other = _submit(client, user, fund, loan).json()["id"]
    assert client.post(f"{API}/fund-claims/{other}/withdraw/").json()["status"] == "withdrawn"
    again = _submit(client, user, fund, loan).json()["id"]
    client.force_login(officer)
    client.post(f"{API}/fund-claims/{again}/approve/", {"amount": "100000"})
    client.force_login(user)
    recovered = client.post(f"{API}/fund-claims/{again}/recover/", {"amount": "40000"}).json()
    # 100,000 of a 400,000 loss: a quarter of the recovery returns.
    assert (recovered["recovered"], recovered["returned_to_fund"]) == ("40000.00", "10000.00")
    assert [e["kind"] for e in recovered["entries"]] == ["payout", "recovery"]
    assert CompensationFund.objects.get(pk=fund.pk).balance == Decimal("9910000.00")


def test_the_claim_list_takes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    fund = w.fund()
    user = w.lender()
    for _ in range(6):
        _submit(client, user, fund, w.defaulted_loan(user.institution))
    client.force_login(UserFactory())
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/fund-claims/")
    assert len(response.json()["results"]) == 6


def test_claims_are_scoped_and_overdue_ones_flagged(client):
    fund = w.fund()
    mine = w.lender()
    theirs = w.lender()
    own = _submit(client, mine, fund, w.defaulted_loan(mine.institution)).json()["id"]
    other = _submit(client, theirs, fund, w.defaulted_loan(theirs.institution)).json()["id"]
    CompensationClaim.objects.filter(pk=other).update(due_on="2026-01-05")
    client.force_login(mine)
    assert [r["id"] for r in client.get(f"{API}/fund-claims/").json()["results"]] == [own]
    assert client.get(f"{API}/fund-claims/{other}/").status_code == 404
    client.force_login(
        UserFactory(county_officer=True, county=RegionFactory(code="330411", name="秀洲区"))
    )
    assert client.get(f"{API}/fund-claims/").json()["results"] == []
    client.force_login(UserFactory())
    rows = client.get(f"{API}/fund-claims/?overdue=1").json()["results"]
    assert [(r["id"], r["overdue"]) for r in rows] == [(other, True)]
    assert client.get(f"{API}/fund-claims/?status=late").status_code == 400
    assert {
        r["id"] for r in client.get(f"{API}/fund-claims/?status=submitted").json()["results"]
    } == {
        own,
        other,
    }


def test_an_officer_rechecks_an_enrolment(client):
    fund = w.fund()
    user = w.lender()
    _submit(client, user, fund, w.defaulted_loan(user.institution))
    client.force_login(UserFactory())
    response = client.post(
        f"{API}/funds/{fund.pk}/enrolments/check/",
        {"institution": user.institution_id},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["npl_ratio"]) == ("active", "0.100")
    listed = client.get(f"{API}/funds/{fund.pk}/enrolments/").json()["results"]
    assert [row["institution"]["id"] for row in listed] == [user.institution_id]
