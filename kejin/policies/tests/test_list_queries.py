"""The policies module's list pages take the same number of queries for few rows as for
many (no query per row): the public policy list, the officers' application queue, the
compensation claims queue and the tech-insurance list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.policies import services_funds
from kejin.policies.models import PolicyCategory
from kejin.policies.services_applications import application_submit
from kejin.policies.tests import funds_world
from kejin.policies.tests.application_world import enterprise_user, grant_policy
from kejin.policies.tests.factories import InsurancePolicyFactory, PolicyFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _same_for_few_and_many(client, url: str, add) -> None:
    add(2)
    few = _queries(client, url)
    add(8)
    assert _queries(client, url) == few


def test_the_policy_list(client):
    categories = list(PolicyCategory.objects.all()[:2])

    def add(n):
        for _ in range(n):
            policy = PolicyFactory(published=True, region=RegionFactory())
            policy.categories.set(categories)

    client.force_login(UserFactory())  # a city officer
    _same_for_few_and_many(client, "/policies/", add)


def test_the_officers_application_queue(client):
    def add(n):
        for _ in range(n):
            user = enterprise_user()
            application_submit(user=user, policy=grant_policy(), data={"inputs": {"rd_spend": 1}})

    client.force_login(UserFactory())  # a city officer
    _same_for_few_and_many(client, "/policies/applications/", add)


def test_the_claims_queue(client):
    fund = funds_world.fund(balance="100000000.00")
    lender = funds_world.lender()

    def add(n):
        for _ in range(n):
            loan = funds_world.defaulted_loan(lender.institution)
            services_funds.claim_submit(user=lender, fund=fund, loan=loan)

    client.force_login(UserFactory())  # a city officer
    _same_for_few_and_many(client, "/policies/fund-claims/", add)


def test_the_insurance_list(client):
    def add(n):
        for _ in range(n):
            InsurancePolicyFactory()

    client.force_login(UserFactory())  # a city officer
    _same_for_few_and_many(client, "/policies/insurance/", add)
