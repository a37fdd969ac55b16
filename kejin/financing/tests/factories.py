"""Factories of financing records. Every factory says its defaults here; tests that depend
on a value (a state, an amount, an institution) pass it explicitly.

- ``ProductFactory``: a draft credit-loan product of a new tech sub-branch; use
  ``published=True`` for a product on the market with an active, approved ``live_version``.
- ``ProductVersionFactory``: 10万–500万元, 3–36 months, 3.45 %–6 %, no collateral, whole
  city, no eligibility rule, draft.
- ``DemandFactory``: a submitted demand of 100万元 for 12 months, posted now.
- ``LoanFactory``: a performing 100万元 loan at 4.2 % for 12 months, disbursed 2026-03-02.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.choices import RuleVersionStatus
from kejin.financing.choices import (
    DemandStatus,
    LoanStatus,
    ProductStatus,
    ProductType,
    ProductVersionReview,
)
from kejin.financing.models import Demand, Loan, Product, ProductVersion
from kejin.institutions.tests.factories import InstitutionFactory


class ProductVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVersion

    product = factory.SubFactory("kejin.financing.tests.factories.ProductFactory")
    version = factory.Sequence(lambda n: str(n + 1))
    valid_from = datetime.date(2026, 1, 1)
    amount_min = Decimal("100000.00")
    amount_max = Decimal("5000000.00")
    term_min_months = 3
    term_max_months = 36
    rate_min = Decimal("3.450")
    rate_max = Decimal("6.000")
    collateral_kinds = factory.LazyFunction(list)
    materials = factory.LazyFunction(lambda: ["营业执照", "近两年财务报表"])
    document = None

    class Params:
        approved = factory.Trait(
            status=RuleVersionStatus.ACTIVE,
            review=ProductVersionReview.APPROVED,
            activated_at=factory.LazyFunction(timezone.now),
            reviewed_at=factory.LazyFunction(timezone.now),
        )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"科创信用贷{n}号")
    product_type = ProductType.CREDIT_LOAN
    status = ProductStatus.DRAFT

    class Params:
        published = factory.Trait(
            status=ProductStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def live(obj, create, extracted, **kwargs):
        """A published product gets an approved live version (pass ``live__<field>`` to set
        its terms)."""
        if create and obj.status == ProductStatus.PUBLISHED and obj.live_version_id is None:
            obj.live_version = ProductVersionFactory(product=obj, approved=True, **kwargs)
            obj.save(update_fields=["live_version"])


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand

    number = factory.Sequence(lambda n: f"RZ{n:010d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    county = factory.SelfAttribute("enterprise.county")
    amount = Decimal("1000000.00")
    term_months = 12
    purpose = "购置研发设备"
    preferred_types = factory.LazyFunction(lambda: [ProductType.CREDIT_LOAN.value])
    status = DemandStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class LoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loan

    enterprise = factory.SubFactory(EnterpriseFactory)
    institution = factory.SubFactory(InstitutionFactory)
    county = factory.SelfAttribute("enterprise.county")
    contract_number = factory.Sequence(lambda n: f"JK2026-{n:06d}")
    product_type = ProductType.CREDIT_LOAN
    amount = Decimal("1000000.00")
    rate = Decimal("4.200")
    term_months = 12
    disbursed_on = datetime.date(2026, 3, 2)
    maturity_on = datetime.date(2027, 3, 2)
    status = LoanStatus.PERFORMING
    status_since = datetime.date(2026, 3, 2)
    outstanding = factory.SelfAttribute("amount")
