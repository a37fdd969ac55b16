"""Seeds the payout-race database (run in a subprocess by ``test_funds_payout_race``): a
city fund of ``balance`` yuan and ``n`` submitted claims of ``amount`` each (defaulted
credit loans of 2 × ``amount`` to start-ups, share 50 %, from one tech
sub-branch with a large performing book), and ``n`` city officers with an API token each;
prints ``{"fund": id, "claims": [...], "tokens": [...]}`` as JSON."""

from __future__ import annotations

import json
from decimal import Decimal

from rest_framework.authtoken.models import Token

from kejin.accounts.tests.factories import UserFactory
from kejin.policies import services_funds
from kejin.policies.tests import funds_world as w


def main(n: int, balance: str, amount: str) -> None:
    fund = w.fund(balance=balance)
    lender = w.lender(book="100000000000.00")  # 1,000亿 performing: the ratio stays low
    claims = [
        services_funds.claim_submit(
            user=lender,
            fund=fund,
            loan=w.defaulted_loan(lender.institution, amount=str(Decimal(amount) * 2)),
        ).pk
        for _ in range(n)
    ]
    tokens = [Token.objects.create(user=UserFactory(password="x")).key for _ in range(n)]
    print(json.dumps({"fund": fund.pk, "claims": claims, "tokens": tokens}))
