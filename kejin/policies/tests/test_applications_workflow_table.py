"""Every state × action × actor of the application workflow: the allowed moves lead where the
table says, the others are refused (403 for the wrong actor, 409 naming the state) and change
nothing."""

from decimal import Decimal

import pytest
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.policies.choices import ApplicationAction, ApplicationStatus
from kejin.policies.models import Application, ApplicationEvent, Payout
from kejin.policies.services_applications import (
    application_accept,
    application_approve,
    application_pay,
    application_reject,
    application_resubmit,
    application_return,
    application_submit,
    application_withdraw,
)
from kejin.policies.tests.application_world import (
    city_officer,
    county_officer,
    enterprise_user,
    grant_policy,
)

pytestmark = pytest.mark.django_db

#: (status, action) → the status it leads to; every other pair is refused.
ALLOWED = {
    ("submitted", "accept"): "accepted",
    ("submitted", "return"): "returned",
    ("submitted", "reject"): "rejected",
    ("submitted", "withdraw"): "withdrawn",
    ("accepted", "approve"): "approved",
    ("accepted", "return"): "returned",
    ("accepted", "reject"): "rejected",
    ("returned", "resubmit"): "submitted",
    ("returned", "withdraw"): "withdrawn",
    ("approved", "pay"): "approved",  # 1万元 of 3万元: still approved
}
#: Who takes each action.
ENTERPRISE_ACTIONS = {"withdraw", "resubmit"}
ACTIONS = ["accept", "return", "reject", "approve", "pay", "withdraw", "resubmit"]
STATUSES = ApplicationStatus.values

CALLS = {
    "accept": lambda u, a: application_accept(user=u, application=a),
    "return": lambda u, a: application_return(user=u, application=a, comment="请补充研发台账"),
    "reject": lambda u, a: application_reject(
        user=u, application=a, reason="materials", comment="研发台账缺失"
    ),
    "approve": lambda u, a: application_approve(user=u, application=a, amount="20000"),
    "pay": lambda u, a: application_pay(
        user=u, application=a, amount="10000", paid_on=timezone.localdate()
    ),
    "withdraw": lambda u, a: application_withdraw(user=u, application=a),
    "resubmit": lambda u, a: application_resubmit(
        user=u, application=a, data={"inputs": {"rd_spend": "200000"}}
    ),
}


def in_status(user, status: str) -> Application:
    """An application of ``user``'s enterprise in ``status`` (submitted through the service,
    then set directly: setup only)."""
    application = application_submit(
        user=user, policy=grant_policy(), data={"inputs": {"rd_spend": "300000"}}
    )
    changes: dict = {"status": status, "step": ""}
    if status in ("approved", "paid"):
        changes.update(amount_approved=Decimal("30000"), decided_at=timezone.now(), step="pay")
    if status == "paid":
        changes.update(amount_paid=Decimal("30000"))
    if status == "accepted":
        changes.update(step="decide")
    Application.objects.filter(pk=application.pk).update(**changes)
    return Application.objects.get(pk=application.pk)


def state(application):
    return (
        Application.objects.filter(pk=application.pk).values().get(),
        ApplicationEvent.objects.filter(application=application).count(),
        Payout.objects.count(),
        AuditEvent.objects.filter(object_type="policies.application").count(),
    )


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", ["enterprise", "officer"])
def test_the_table(status, action, actor):
    user = enterprise_user()
    officer = county_officer(user.enterprise.county)
    application = in_status(user, status)
    acting = user if actor == "enterprise" else officer
    before = state(application)
    allowed_actor = (action in ENTERPRISE_ACTIONS) == (actor == "enterprise")
    if not allowed_actor:
        with pytest.raises(ApplicationError) as caught:
            CALLS[action](acting, application)
        assert caught.value.code == "permission_denied"
        assert caught.value.message == (
            "只有企业用户可以申报政策。"
            if action in ENTERPRISE_ACTIONS
            else "只有政策所属地区的政府部门工作人员可以审核申报。"
        )
        assert state(application) == before
    elif (status, action) not in ALLOWED:
        with pytest.raises(ApplicationError) as caught:
            CALLS[action](acting, application)
        assert (caught.value.code, caught.value.status) == ("application_state_conflict", 409)
        status_label, action_label = (
            ApplicationStatus(status).label,
            ApplicationAction(action).label,
        )
        assert caught.value.message == f"申报当前为“{status_label}”状态，不能{action_label}。"
        assert state(application) == before
    else:
        CALLS[action](acting, application)
        application.refresh_from_db()
        assert application.status == ALLOWED[(status, action)]
        event = application.events.order_by("-at", "-id").first()
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            action,
            status,
            application.status,
            acting,
        )
        assert (
            AuditEvent.objects.filter(object_type="policies.application").count() == before[3] + 1
        )


@pytest.mark.parametrize("action", ACTIONS)
def test_outsiders_are_refused_and_nothing_changes(action):
    user = enterprise_user()
    status = {"approve": "accepted", "pay": "approved", "resubmit": "returned"}.get(
        action, "submitted"
    )
    application = in_status(user, status)
    before = state(application)
    other_county = county_officer(RegionFactory(code="330411", name="秀洲区"))
    others = [enterprise_user(), other_county, UserFactory(institution_manager=True)]
    for outsider in others:
        with pytest.raises(ApplicationError) as caught:
            CALLS[action](outsider, application)
        assert caught.value.code == "permission_denied"
    assert state(application) == before


def test_a_city_officer_decides_any_application():
    user = enterprise_user()
    application = in_status(user, "submitted")
    application_accept(user=city_officer(), application=application)
    assert Application.objects.get(pk=application.pk).status == "accepted"
