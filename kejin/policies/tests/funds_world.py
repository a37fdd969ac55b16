"""A small world for the risk compensation fund's tests. Defaults (tests that depend on a
value pass it explicitly):

- ``FORMULA``: compensation = principal loss × share, where the share is ``ip_share`` (60 %)
  for IP-pledge loans, ``startup_share`` (50 %) for start-ups' other loans and ``share``
  (40 %) otherwise; ``npl_pause_ratio`` 3 %, ``manual_review_above`` 500万元.
- ``risk_policy()``: a published city risk compensation policy whose live version has that
  formula and those parameters, no caps (``caps`` sets ``cap_per_loan`` etc.).
- ``lender()``: a tech sub-branch user of a new institution in 南湖区 whose performing book
  is one performing loan of 10亿元 (``book``).
- ``defaulted_loan(institution)``: a 1,000,000元 credit loan in default, outstanding
  1,000,000元, to a start-up on the tech enterprise list in 南湖区 (330402).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import LoanStatus, ProductType
from kejin.financing.tests.factories import LoanFactory
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.policies.choices import PolicyScheme
from kejin.policies.tests.factories import CompensationFundFactory, PolicyFactory
from kejin.registry.models import GrowthStage, RegistryEntry

FORMULA = {
    "*": [
        {"var": "input.principal_loss"},
        {
            "if": [
                {"==": [{"var": "loan.product_type"}, "ip_pledge"]},
                {"param": "ip_share"},
                {"==": [{"var": "registry_stage"}, "startup"]},
                {"param": "startup_share"},
                {"param": "share"},
            ]
        },
    ]
}
PARAMETERS = {
    "share": {"value": 0.4, "label": "一般贷款补偿比例"},
    "startup_share": {"value": 0.5, "label": "初创期企业贷款补偿比例"},
    "ip_share": {"value": 0.6, "label": "知识产权质押贷款补偿比例"},
    "npl_pause_ratio": {"value": 3, "label": "暂停入池不良率(%)"},
    "manual_review_above": {"value": 5000000, "label": "须市级审核的补偿金额(元)"},
}


def county():
    return RegionFactory(code="330402", name="南湖区")


def risk_policy(**caps):
    return PolicyFactory(
        scheme=PolicyScheme.RISK_COMPENSATION,
        published=True,
        title="嘉兴市科技支行信贷风险补偿资金管理办法",
        live__benefit_formula=FORMULA,
        live__parameters=dict(PARAMETERS),
        **{f"live__{name}": value for name, value in caps.items()},
    )


def fund(balance="10000000.00", region=None, **caps):
    return CompensationFundFactory(
        policy=risk_policy(**caps), balance=Decimal(balance), region=region
    )


def lender(institution=None, book="1000000000.00"):
    """A lender's user; its institution has a performing ``book`` (so a few defaults keep
    its non-performing ratio under 3 %; None: no other loans)."""
    institution = institution or InstitutionFactory(county=county(), kind="tech_sub_branch")
    if book is not None:
        LoanFactory(
            institution=institution,
            enterprise=EnterpriseFactory(county=county()),
            amount=Decimal(book),
        )
    return UserFactory(institution_officer=True, institution=institution)


def tech_enterprise(stage="startup", region=None, on_list=True):
    enterprise = EnterpriseFactory(county=region or county())
    RegistryEntry.objects.create(
        enterprise=enterprise,
        on_list=on_list,
        stage=GrowthStage.objects.get(code=stage) if stage else None,
        since=datetime.date(2025, 1, 1),
    )
    return enterprise


def defaulted_loan(
    institution,
    *,
    amount="1000000.00",
    outstanding=None,
    product_type=ProductType.CREDIT_LOAN,
    stage="startup",
    enterprise=None,
    status=LoanStatus.DEFAULT,
):
    return LoanFactory(
        institution=institution,
        enterprise=enterprise or tech_enterprise(stage=stage),
        product_type=product_type,
        amount=Decimal(amount),
        outstanding=Decimal(outstanding or amount),
        status=status,
        status_since=datetime.date(2026, 9, 1),
    )
