"""Seeds the claim-race database (run in a subprocess by ``test_demands_claim_race``): one
demand in the open pool and ``n`` institutions with one user and API token each; prints
``{"demand": id, "tokens": [...]}`` as JSON."""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils import timezone
from rest_framework.authtoken.models import Token

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import DemandStatus
from kejin.financing.tests.factories import DemandFactory


def main(n: int) -> None:
    county = RegionFactory(code="330402", name="南湖区")
    demand = DemandFactory(
        enterprise=EnterpriseFactory(county=county),
        amount=Decimal("3000000.00"),
        status=DemandStatus.ROUTED,
        open_pool=True,
        routed_at=timezone.now(),
    )
    tokens = [
        Token.objects.create(user=UserFactory(institution_officer=True, password="x")).key
        for _ in range(n)
    ]
    print(json.dumps({"demand": demand.pk, "tokens": tokens}))
