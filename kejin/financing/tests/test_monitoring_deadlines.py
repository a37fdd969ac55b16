"""The step limits page: officers see the limits, city officers set and reset them."""

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.financing.deadlines import step_limit
from kejin.financing.models import StepDeadline

pytestmark = pytest.mark.django_db

URL = "/financing/monitoring/deadlines/"


def rows():
    return list(StepDeadline.objects.values_list("step", "product_type", "working_days"))


def test_city_officer_sees_defaults_and_sets_a_limit_for_a_product_type(client):
    officer = UserFactory()
    client.force_login(officer)
    page = client.get(URL)
    assert page.status_code == 200
    steps = {s.step: s.default for s in page.context["steps"]}
    assert steps == {"claim": 1, "contact": 2, "decision": 10}
    assert 'data-testid="step-deadline-form"' in page.content.decode()

    response = client.post(
        URL, {"step": "decision", "product_type": "ip_pledge", "working_days": "15"}
    )
    assert response.status_code == 302 and response["Location"] == URL
    assert rows() == [("decision", "ip_pledge", 15)]
    assert step_limit("decision", "ip_pledge") == 15 and step_limit("decision") == 10
    audit = AuditEvent.objects.get(object_type="financing.stepdeadline")
    assert (audit.actor, audit.action, audit.after["working_days"]) == (officer, "create", 15)

    client.post(URL, {"step": "decision", "product_type": "ip_pledge", "working_days": "12"})
    assert rows() == [("decision", "ip_pledge", 12)]
    row = StepDeadline.objects.get()
    assert client.post(reverse("financing:step_deadline_reset", args=[row.pk])).status_code == 302
    assert rows() == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"step": "decision", "working_days": "0"},
            "working_days",
            "时限应为 1 至 60 个工作日的整数。",
        ),
        (
            {"step": "decision", "working_days": "abc"},
            "working_days",
            "时限应为 1 至 60 个工作日的整数。",
        ),
        (
            {"step": "decision", "working_days": "61"},
            "working_days",
            "时限应为 1 至 60 个工作日的整数。",
        ),
        ({"step": "review", "working_days": "3"}, "step", "请选择认领、首次联系或审批决定。"),
        (
            {"step": "claim", "product_type": "mortgage", "working_days": "3"},
            "product_type",
            "产品类型无效。",
        ),
    ],
)
def test_invalid_limits_are_refused_with_a_message_and_change_nothing(client, data, field, message):
    client.force_login(UserFactory())
    response = client.post(URL, data)
    assert response.status_code == 400
    assert response.context["errors"] == {field: [message]}
    assert message in response.content.decode()
    assert rows() == [] and not AuditEvent.objects.filter(object_type="financing.stepdeadline")


def test_county_officer_sees_but_may_not_set(client):
    StepDeadline.objects.create(step="claim", product_type="", working_days=2)
    county = UserFactory(county_officer=True)
    client.force_login(county)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'data-testid="step-deadline-form"' not in page.content.decode()
    refused = client.post(URL, {"step": "claim", "working_days": "5"})
    assert refused.status_code == 403
    assert "只有市级部门工作人员可以设置环节时限。" in refused.content.decode()
    row = StepDeadline.objects.get()
    assert client.post(reverse("financing:step_deadline_reset", args=[row.pk])).status_code == 403
    assert rows() == [("claim", "", 2)]


@pytest.mark.parametrize("role", [{"enterprise_admin": True}, {"institution_manager": True}])
def test_enterprises_and_institutions_may_not_see_the_limits(client, role):
    client.force_login(UserFactory(**role))
    response = client.get(URL)
    assert response.status_code == 403
    assert "流程监控仅向政府工作人员开放。" in response.content.decode()
