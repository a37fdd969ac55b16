"""The financing demo data: ≥ 200 products in every state with valid eligibility rules,
1,200 demands in every state whose events follow the transition table, some overdue, loans
in every status whose repayments add up; running ``demo_data`` twice changes nothing; every
demo role sees financing."""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from kejin.accounts.models import User
from kejin.financing.choices import DemandStatus, LoanStatus, ProductStatus
from kejin.financing.demo_demands import NUMBER_PREFIX, STATE_COUNTS
from kejin.financing.models import (
    Demand,
    DemandEvent,
    DemandRoute,
    Loan,
    LoanRepayment,
    LoanStatusEvent,
    Product,
    ProductVersion,
)
from kejin.financing.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def snapshot() -> dict:
    return {
        "products": sorted(Product.objects.values_list("institution_id", "name", "status")),
        "versions": ProductVersion.objects.count(),
        "demands": sorted(
            Demand.objects.values_list(
                "number", "status", "amount", "institution_id", "overdue_step"
            )
        ),
        "events": DemandEvent.objects.count(),
        "routes": DemandRoute.objects.count(),
        "loans": sorted(Loan.objects.values_list("contract_number", "status", "outstanding")),
        "repayments": LoanRepayment.objects.count(),
        "history": LoanStatusEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``demo_data`` run twice on a small registry (the expensive part, once per module)."""
    with django_db_blocker.unblock():
        from django.conf import settings

        settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
        from django.db import transaction

        with transaction.atomic():
            call_command("demo_data", enterprises=60, stdout=StringIO())
            first = snapshot()
            call_command("demo_data", enterprises=60, stdout=StringIO())
            second = snapshot()
            yield first, second
            transaction.set_rollback(True)


def test_running_twice_changes_nothing(demo):
    first, second = demo
    assert first == second
    assert len(first["demands"]) == 1200


def test_products_in_every_state_with_rules_the_engine_accepts(demo):
    counts = Counter(Product.objects.values_list("status", flat=True))
    assert sum(counts.values()) >= 200
    assert set(counts) == set(ProductStatus.values)
    assert counts[ProductStatus.PUBLISHED] > sum(counts.values()) * 0.7
    assert Product.objects.published().count() == counts[ProductStatus.PUBLISHED]
    with_rules = 0
    for version in ProductVersion.objects.exclude(document=None).select_related("product"):
        version.rule_set_version()  # compiles against the facts catalogue, or raises
        with_rules += 1
    assert with_rules > 150


def test_demands_in_every_state_with_events_that_follow_the_transition_table(demo):
    demands = Demand.objects.filter(number__startswith=NUMBER_PREFIX)
    assert Counter(demands.values_list("status", flat=True)) == STATE_COUNTS
    events: dict[int, list] = {}
    for event in DemandEvent.objects.order_by("demand_id", "at", "id"):
        events.setdefault(event.demand_id, []).append(event)
    for demand in demands:
        chain = events[demand.pk]
        assert (chain[0].action, chain[0].from_status, chain[0].to_status) == (
            "submit",
            "",
            "submitted",
        )
        status = DemandStatus.SUBMITTED
        for event in chain[1:]:
            transition = TRANSITIONS[event.action]
            assert event.from_status == status, (demand.number, event.action)
            assert status in transition.sources, (demand.number, event.action, status)
            status = transition.target or status
            assert event.to_status == status
        assert status == demand.status, demand.number
        assert demand.submitted_at == chain[0].at
    overdue = Counter(demands.exclude(overdue_step="").values_list("overdue_step", flat=True))
    assert overdue["claim"] > 0 and overdue["contact"] + overdue["decision"] > 0
    assert demands.filter(escalated_at__isnull=False).exists()
    rejected = demands.filter(status=DemandStatus.REJECTED)
    assert not rejected.filter(rejection_reason="").exists()


def test_loans_in_every_status_with_repayments_that_add_up(demo):
    loans = Loan.objects.all()
    assert set(loans.values_list("status", flat=True)) == set(LoanStatus.values)
    assert loans.count() == Demand.objects.filter(disbursed_at__isnull=False).count()
    for loan in loans.annotate(paid=Sum("repayments__principal")):
        assert loan.outstanding == loan.amount - (loan.paid or Decimal("0")), loan.contract_number
        if loan.status == LoanStatus.REPAID:
            assert loan.outstanding == 0
    assert not loans.filter(status=LoanStatus.REPAID, outstanding__gt=0).exists()
    assert LoanStatusEvent.objects.filter(from_status="").count() == loans.count()


def test_every_demo_role_sees_financing(demo):
    seen = {
        username: (
            Demand.objects.visible_to(user).count(),
            Loan.objects.visible_to(user).count(),
            Product.objects.visible_to(user).count(),
        )
        for username in ("enterprise_admin", "bank_officer", "county_nanhu", "city_officer")
        for user in [User.objects.get(username=username)]
    }
    own_demands = seen["enterprise_admin"][0]
    assert own_demands >= len(STATE_COUNTS)  # one in every state at least
    assert seen["enterprise_admin"][1] >= 1
    assert seen["bank_officer"][0] >= 100 and seen["bank_officer"][1] >= 20
    assert 0 < seen["county_nanhu"][0] < seen["city_officer"][0] == Demand.objects.count()
    assert seen["city_officer"][1] == Loan.objects.count()
