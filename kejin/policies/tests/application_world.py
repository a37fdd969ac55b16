"""A small world for the application tests, every default stated here:

- the enterprise is in 南湖区 (the factories' county) with 2025 facts revenue 1,000万元 and
  R&D 40万元 (4 %: qualifies for ``RD_RULE``, R&D ≥ 3 % of revenue);
- ``grant_policy``: a published city grant, yearly, eligibility ``RD_RULE``, benefit
  ``rate × input.rd_spend`` with rate 0.1, one required money field ``rd_spend`` and an
  optional text field ``note``, cap 10万元 per enterprise and year;
- ``insurance_policy_scheme``: a published tech-insurance premium subsidy, 70 % of the
  premium for patent insurance and 50 % for other lines, cap 20万元 per enterprise and year;
- users: the enterprise's admin, a city officer, a 南湖区 officer, another enterprise's admin.
"""

from __future__ import annotations

from decimal import Decimal

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.policies.choices import PolicyScheme
from kejin.policies.tests.factories import PolicyFactory

RD_RULE = {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.03]}
GRANT_INPUTS = [
    {"name": "rd_spend", "label": "研发投入", "kind": "money", "required": True},
    {"name": "note", "label": "说明", "kind": "text", "required": False},
]


def enterprise_with_facts(revenue="10000000", rd="400000", **kwargs):
    enterprise = EnterpriseFactory(**kwargs)
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal(revenue), rd_expense=Decimal(rd)
    )
    return enterprise


def grant_policy(**live):
    options = {
        "document": RD_RULE,
        "parameters": {"rate": {"value": 0.1, "reference": "第三条"}},
        "benefit_formula": {"*": [{"param": "rate"}, {"var": "input.rd_spend"}]},
        "inputs": GRANT_INPUTS,
        "cap_per_enterprise_year": Decimal("100000"),
    }
    options.update(live)
    return PolicyFactory(published=True, **{f"live__{k}": v for k, v in options.items()})


def enterprise_user(enterprise=None):
    enterprise = enterprise or enterprise_with_facts()
    return UserFactory(enterprise_admin=True, enterprise=enterprise)


def city_officer():
    return UserFactory()


def county_officer(county=None):
    return UserFactory(county_officer=True, county=county or RegionFactory())


#: 70 % of the premium for patent insurance, 50 % for other lines (rates by line).
PREMIUM_FORMULA = {
    "*": [
        {"if": [{"==": [{"var": "input.line"}, "patent"]}, {"param": "patent_rate"}, 0.5]},
        {"var": "input.premium"},
    ]
}


def insurance_policy_scheme(**live):
    options = {
        "parameters": {"patent_rate": {"value": 0.7, "reference": "萧科〔2017〕18号第二条"}},
        "benefit_formula": PREMIUM_FORMULA,
        "inputs": [
            {"name": "premium", "label": "保费", "kind": "money", "required": True},
            {"name": "line", "label": "险种", "kind": "text", "required": True},
        ],
        "cap_per_enterprise_year": Decimal("200000"),
    }
    options.update(live)
    return PolicyFactory(
        scheme=PolicyScheme.TECH_INSURANCE,
        published=True,
        **{f"live__{k}": v for k, v in options.items()},
    )
