"""Factories of policy records. Every factory says its defaults here; tests that depend on a
value (a state, an amount, a region) pass it explicitly.

- ``PolicyFactory``: a city-wide draft grant policy valid from 2026-01-01; use
  ``published=True`` for a published policy with an active ``live_version``.
- ``PolicyVersionFactory``: no eligibility rule, no formula, yearly applications, draft
  (``active=True``: activated).
- ``InsurancePolicyFactory``: a 5万元 patent-infringement policy for 2026 by a new insurer.
- ``CompensationFundFactory``: a city fund of 1,000万元 under a new risk compensation policy
  (the balance is set directly: tests of contributions go through the services).
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.choices import RuleVersionStatus
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.policies.choices import InsuranceLine, PolicyScheme, PolicyStatus
from kejin.policies.models import CompensationFund, InsurancePolicy, Policy, PolicyVersion


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    policy = factory.SubFactory("kejin.policies.tests.factories.PolicyFactory")
    version = factory.Sequence(lambda n: str(n + 1))
    valid_from = datetime.date(2026, 1, 1)
    document = None
    benefit_formula = None

    class Params:
        active = factory.Trait(
            status=RuleVersionStatus.ACTIVE,
            activated_at=factory.LazyFunction(timezone.now),
        )


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"科技企业研发补助政策{n}号")
    doc_number = factory.Sequence(lambda n: f"嘉科〔2026〕{n + 1}号")
    issuers = factory.LazyFunction(lambda: ["嘉兴市科学技术局", "嘉兴市财政局"])
    scheme = PolicyScheme.GRANT
    valid_from = datetime.date(2026, 1, 1)
    status = PolicyStatus.DRAFT

    class Params:
        published = factory.Trait(
            status=PolicyStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def live(obj, create, extracted, **kwargs):
        """A published policy gets an active live version (``live__<field>`` sets it)."""
        if create and obj.status == PolicyStatus.PUBLISHED and obj.live_version_id is None:
            obj.live_version = PolicyVersionFactory(policy=obj, active=True, **kwargs)
            obj.save(update_fields=["live_version"])


class InsurancePolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePolicy

    insurer = factory.SubFactory(InstitutionFactory, kind=InstitutionKind.INSURER)
    enterprise = factory.SubFactory(EnterpriseFactory)
    line = InsuranceLine.PATENT
    number = factory.Sequence(lambda n: f"KJBX2026{n:08d}")
    premium = Decimal("50000.00")
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2026, 12, 31)


class CompensationFundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompensationFund

    name = factory.Sequence(lambda n: f"科技支行信贷风险补偿资金池{n}")
    policy = factory.SubFactory(
        PolicyFactory, scheme=PolicyScheme.RISK_COMPENSATION, published=True
    )
    balance = Decimal("10000000.00")
