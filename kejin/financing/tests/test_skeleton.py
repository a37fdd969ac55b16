"""The shared pieces every part of financing stands on: factories, deadlines, service scores,
the transition table's refusals."""

import datetime

import pytest
from django.utils import timezone

from kejin.core.errors import ApplicationError
from kejin.financing.choices import DeadlineStep, DemandAction, DemandStatus
from kejin.financing.deadlines import step_due, step_limit
from kejin.financing.models import StepDeadline
from kejin.financing.permissions import CLAIMANT, ENTERPRISE, ROUTED
from kejin.financing.service_record import NEUTRAL, institution_service_scores
from kejin.financing.tests.factories import ProductFactory
from kejin.financing.workflow import transition_check

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def test_published_product_has_an_active_live_version():
    product = ProductFactory(published=True, live__amount_max="2000000.00")
    assert product.live_version.product_id == product.pk
    assert str(product.live_version.amount_max) == "2000000.00"
    assert product.live_version.status == "active"


def test_claim_due_the_first_working_day_after_national_day():
    # Routed on 2026-09-30 (Wednesday): 国庆节 runs 10-01..10-07; 10-08 is a working day.
    routed = datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    assert step_due(DeadlineStep.CLAIM, routed).date == datetime.date(2026, 10, 8)
    # Routed on Friday 10-09: Saturday 10-10 is an adjusted working day (调休上班).
    routed = datetime.datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI)
    assert step_due(DeadlineStep.CLAIM, routed).date == datetime.date(2026, 10, 10)


def test_officers_limit_for_a_product_type_wins_over_the_default():
    StepDeadline.objects.create(step="decision", product_type="ip_pledge", working_days=15)
    assert step_limit("decision", "ip_pledge") == 15
    assert step_limit("decision", "credit_loan") == 10


def test_new_institution_scores_neutral():
    product = ProductFactory()
    scores = institution_service_scores([product.institution_id], now=timezone.now())
    assert scores == {product.institution_id: NEUTRAL}


def test_claim_by_someone_not_routed_is_forbidden_and_a_second_claim_conflicts():
    with pytest.raises(ApplicationError) as denied:
        transition_check(
            action=DemandAction.CLAIM,
            status=DemandStatus.ROUTED,
            actor_kinds=frozenset({ENTERPRISE}),
        )
    assert denied.value.status == 403
    with pytest.raises(ApplicationError) as conflict:
        transition_check(
            action=DemandAction.CLAIM, status=DemandStatus.CLAIMED, actor_kinds=frozenset({ROUTED})
        )
    assert (conflict.value.status, conflict.value.code) == (409, "demand_state_conflict")
    assert conflict.value.message == "需求当前为“已认领”状态，不能认领。"
    assert (
        transition_check(
            action=DemandAction.CONTACT,
            status=DemandStatus.CLAIMED,
            actor_kinds=frozenset({CLAIMANT}),
        ).target
        == DemandStatus.CONTACTED
    )
