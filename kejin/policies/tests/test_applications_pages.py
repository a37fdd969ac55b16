"""Application pages: the apply form (fields from the version, pre-check, 试算 with steps), the
list and queue, the detail with its timeline and the officers' action buttons and forms."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kejin.core.tests.factories import RegionFactory
from kejin.policies.models import Application, ApplicationEvent
from kejin.policies.tests.application_world import (
    city_officer,
    county_officer,
    enterprise_user,
    grant_policy,
    insurance_policy_scheme,
)
from kejin.policies.tests.factories import InsurancePolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_apply_form_shows_the_fields_the_precheck_and_the_computed_amount(client):
    user = enterprise_user()
    policy = grant_policy()
    client.force_login(user)
    url = reverse("policies:application_new", args=[policy.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="inputs.rd_spend"' in html and 'name="inputs.note"' in html
    assert 'data-testid="precheck-status" data-status="eligible"' in html
    assert "研发费用占销售收入的比例 4%，需 ≥ 3%" in html

    preview = client.post(url, {"inputs.rd_spend": "300000", "preview": "1"})
    assert preview.status_code == 200
    assert preview.context["assessment"].benefit.amount == 30000
    assert 'data-testid="benefit-step"' in preview.content.decode()
    assert Application.objects.count() == 0

    bad = client.post(url, {"inputs.rd_spend": "abc"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["inputs.rd_spend"] == ["“研发投入”：请填写数字。"]
    assert Application.objects.count() == 0

    done = client.post(url, {"inputs.rd_spend": "300000"})
    application = Application.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("policies:application_detail", args=[application.pk])

    again = client.post(url, {"inputs.rd_spend": "300000"})
    assert again.status_code == 400
    assert "同一申报期只能申报一次" in again.content.decode()
    assert Application.objects.count() == 1


def test_the_tech_insurance_form_offers_the_enterprises_own_policies(client):
    user = enterprise_user()
    mine = InsurancePolicyFactory(enterprise=user.enterprise)
    foreign = InsurancePolicyFactory()
    policy = insurance_policy_scheme()
    client.force_login(user)
    page = client.get(reverse("policies:application_new", args=[policy.pk]))
    html = page.content.decode()
    assert mine.number in html and foreign.number not in html
    assert 'name="inputs.premium"' not in html
    client.post(
        reverse("policies:application_new", args=[policy.pk]), {"insurance_policy": mine.pk}
    )
    assert Application.objects.get().amount_computed == 35000


def test_officers_may_not_apply(client):
    client.force_login(city_officer())
    page = client.get(reverse("policies:application_new", args=[grant_policy().pk]))
    assert page.status_code == 403


def page_context_inputs(client, url):
    return client.get(url).context["inputs"]


def _submitted(client, user):
    client.force_login(user)
    client.post(
        reverse("policies:application_new", args=[grant_policy().pk]),
        {"inputs.rd_spend": "300000"},
    )
    return Application.objects.latest("pk")


def test_the_detail_shows_the_timeline_and_the_officers_buttons(client):
    user = enterprise_user()
    application = _submitted(client, user)
    detail = reverse("policies:application_detail", args=[application.pk])
    html = client.get(detail).content.decode()
    assert 'data-testid="application-timeline"' in html
    assert html.count('data-testid="timeline-row"') == 1
    assert 'data-testid="application-withdraw"' in html
    assert 'data-testid="application-accept"' not in html
    assert page_context_inputs(client, detail) == [("研发投入", "300000")]

    officer = county_officer(user.enterprise.county)
    client.force_login(officer)
    html = client.get(detail).content.decode()
    for button in ("accept", "return", "reject"):
        assert f'data-testid="application-{button}"' in html
    assert 'data-testid="application-withdraw"' not in html

    accepted = client.post(reverse("policies:application_accept", args=[application.pk]), {})
    assert accepted.status_code == 302
    html = client.get(detail).content.decode()
    assert 'data-testid="application-approve"' in html

    too_much = client.post(
        reverse("policies:application_approve", args=[application.pk]),
        {"approve-amount": "40000"},
    )
    assert too_much.status_code == 400
    assert "高于测算金额" in too_much.content.decode()
    assert Application.objects.get(pk=application.pk).status == "accepted"

    client.post(
        reverse("policies:application_approve", args=[application.pk]),
        {"approve-amount": "30000"},
    )
    html = client.get(detail).content.decode()
    assert 'data-testid="application-pay"' in html
    paid = client.post(
        reverse("policies:application_pay", args=[application.pk]),
        {
            "pay-amount": "30000",
            "pay-paid_on": timezone.localdate().isoformat(),
            "pay-voucher": "PZ9",
        },
    )
    assert paid.status_code == 302
    html = client.get(detail).content.decode()
    assert 'data-testid="application-status" data-status="paid"' in html
    assert html.count('data-testid="payout-row"') == 1
    assert html.count('data-testid="timeline-row"') == 4


def test_a_refused_action_on_the_page_changes_nothing(client):
    user = enterprise_user()
    application = _submitted(client, user)
    events = ApplicationEvent.objects.count()
    # The enterprise posts an officer's action: 403.
    response = client.post(reverse("policies:application_accept", args=[application.pk]), {})
    assert response.status_code == 403
    # An officer of another county cannot see it: 404.
    client.force_login(county_officer(RegionFactory(code="330411", name="秀洲区")))
    assert (
        client.post(reverse("policies:application_accept", args=[application.pk])).status_code
        == 404
    )
    # Return without a comment: the message beside the field.
    client.force_login(city_officer())
    bad = client.post(reverse("policies:application_return", args=[application.pk]), {})
    assert bad.status_code == 400
    assert "请填写退回意见，说明需要补充的材料或信息。" in bad.content.decode()
    assert Application.objects.get(pk=application.pk).status == "submitted"
    assert ApplicationEvent.objects.count() == events


def test_the_resubmit_page_after_a_return(client):
    user = enterprise_user()
    application = _submitted(client, user)
    client.force_login(city_officer())
    client.post(
        reverse("policies:application_return", args=[application.pk]),
        {"return-comment": "请补充专项审计报告"},
    )
    client.force_login(user)
    url = reverse("policies:application_resubmit", args=[application.pk])
    page = client.get(url)
    assert 'data-testid="return-comment"' in page.content.decode()
    assert page.context["form"].initial["inputs.rd_spend"] == "300000"
    done = client.post(url, {"inputs.rd_spend": "200000", "comment": "已补充"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.amount_computed) == ("submitted", 20000)


def test_the_list_and_the_queue(client):
    user = enterprise_user()
    application = _submitted(client, user)
    html = client.get(reverse("policies:application_list")).content.decode()
    assert html.count('data-testid="application-row"') == 1
    assert "我的申报" in html
    client.force_login(enterprise_user())
    html = client.get(reverse("policies:application_list")).content.decode()
    assert html.count('data-testid="application-row"') == 0
    client.force_login(city_officer())
    url = reverse("policies:application_list")
    html = client.get(url).content.decode()
    assert "申报受理" in html and html.count('data-testid="application-row"') == 1
    assert 'name="county"' in html
    assert (
        client.get(f"{url}?overdue=1").content.decode().count('data-testid="application-row"') == 0
    )
    Application.objects.filter(pk=application.pk).update(due_on="2026-01-05")
    html = client.get(f"{url}?overdue=1").content.decode()
    assert html.count('data-testid="application-row"') == 1 and 'data-testid="overdue"' in html
    assert (
        client.get(f"{url}?status=paid").content.decode().count('data-testid="application-row"')
        == 0
    )


def test_a_policy_without_applications_says_so_on_the_form(client):
    from kejin.policies.choices import PolicyScheme
    from kejin.policies.tests.factories import PolicyFactory

    client.force_login(enterprise_user())
    policy = PolicyFactory(scheme=PolicyScheme.INFORMATION, published=True)
    page = client.get(reverse("policies:application_new", args=[policy.pk]))
    assert page.status_code == 200
    assert page.context["refusal"] == "该政策仅供了解，不受理申报。"
    assert 'data-testid="application-refusal"' in page.content.decode()


def test_attachments_are_served_to_who_sees_the_application(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = enterprise_user()
    client.force_login(user)
    pdf = SimpleUploadedFile("审计报告.pdf", b"%PDF-1.4 audit", content_type="application/pdf")
    client.post(
        reverse("policies:application_new", args=[grant_policy().pk]),
        {"inputs.rd_spend": "300000", "attachments": [pdf]},
    )
    application = Application.objects.get()
    attachment = application.attachments.get()
    html = client.get(reverse("policies:application_detail", args=[application.pk])).content
    assert b'data-testid="attachment-link"' in html
    url = reverse("policies:application_attachment", args=[application.pk, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 audit"
    client.force_login(enterprise_user())
    assert client.get(url).status_code == 404
    client.force_login(county_officer(user.enterprise.county))
    assert client.get(url).status_code == 200


def test_the_queue_flags_an_application_whose_precheck_lacked_data(client):
    from kejin.enterprises.tests.factories import EnterpriseFactory

    user = enterprise_user(EnterpriseFactory())
    _submitted(client, user)
    client.force_login(city_officer())
    html = client.get(reverse("policies:application_list")).content.decode()
    assert html.count('data-testid="precheck-unknown"') == 1
