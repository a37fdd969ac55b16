"""Extreme input on the policies module's forms: amounts beyond any real figure, control
characters, impossible dates. Each gives the form again saying what is wrong (400; the
insurance form answers 200, as it does for every refusal), never a 500, and nothing is
stored."""

from __future__ import annotations

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.policies.models import Application, FundEntry, InsurancePolicy
from kejin.policies.tests import funds_world
from kejin.policies.tests.application_world import enterprise_user, grant_policy

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
CONTROL = "保单\x00号\x1b"


@pytest.mark.parametrize(
    ("amount", "on"),
    [(HUGE, "2026-11-02"), ("1e400", "2026-11-02"), ("-5", "2026-11-02"), ("100", "99999-01-01")],
)
def test_a_contribution_with_an_impossible_amount_or_date(client, amount, on):
    fund = funds_world.fund(balance="1000.00")
    client.force_login(UserFactory())  # a city officer
    response = client.post(
        f"/policies/funds/{fund.pk}/contribute/",
        {"source": "city", "amount": amount, "on": on, "memo": "测试"},
    )
    assert response.status_code == 400
    assert 'class="invalid-feedback' in response.content.decode()
    assert not FundEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("premium", HUGE), ("premium", "NaN"), ("number", CONTROL), ("ends_on", "0000-00-00")],
)
def test_an_insurance_policy_with_extreme_values(client, field, value):
    insurer = InstitutionFactory(kind=InstitutionKind.INSURER)
    enterprise = enterprise_user().enterprise
    client.force_login(UserFactory(institution_officer=True, institution=insurer))
    data = {
        "uscc": enterprise.uscc,
        "line": "patent",
        "number": "KJBX-1",
        "premium": "50000",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        field: value,
    }
    response = client.post("/policies/insurance/new/", data)
    assert response.status_code == 200  # the form again, as this page answers a refusal
    assert 'class="invalid-feedback' in response.content.decode()
    assert not InsurancePolicy.objects.exists()


@pytest.mark.parametrize("value", [HUGE, "1e400", "Infinity", "\x00\x01"])
def test_an_application_with_an_extreme_amount(client, value):
    policy = grant_policy()
    user = enterprise_user()
    client.force_login(user)
    response = client.post(f"/policies/{policy.pk}/apply/", {"inputs.rd_spend": value})
    assert response.status_code == 400
    assert 'class="invalid-feedback' in response.content.decode() or "alert" in (
        response.content.decode()
    )
    assert not Application.objects.exists()
