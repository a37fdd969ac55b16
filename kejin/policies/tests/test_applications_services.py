"""Applications through the services: submit with pre-check and amount, one per period,
refusals that change nothing, caps across applications, payouts within the approved amount."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.notifications.models import Notification
from kejin.policies.choices import PolicyScheme
from kejin.policies.models import Application, ApplicationAttachment, ApplicationEvent, Payout
from kejin.policies.services_applications import (
    application_accept,
    application_approve,
    application_pay,
    application_submit,
    application_withdraw,
    period_label,
)
from kejin.policies.tests.application_world import (
    city_officer,
    county_officer,
    enterprise_user,
    enterprise_with_facts,
    grant_policy,
)
from kejin.policies.tests.factories import PolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def world_state():
    """Everything a refusal must leave as it was."""
    return (
        list(Application.objects.order_by("pk").values()),
        ApplicationEvent.objects.count(),
        ApplicationAttachment.objects.count(),
        Payout.objects.count(),
        AuditEvent.objects.filter(object_type="policies.application").count(),
    )


def submit(user, policy, rd_spend="300000", **data):
    return application_submit(
        user=user, policy=policy, data={"inputs": {"rd_spend": rd_spend}, **data}
    )


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def test_a_submission_keeps_the_precheck_the_amount_and_the_first_deadline(
    django_capture_on_commit_callbacks,
):
    user = enterprise_user()
    officer = county_officer(user.enterprise.county)
    policy = grant_policy()
    pdf = SimpleUploadedFile("研发台账.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        application = application_submit(
            user=user,
            policy=policy,
            data={"inputs": {"rd_spend": "300,000", "note": "年度研发投入"}},
            attachments=[pdf],
        )
    assert application.status == "submitted"
    assert application.period_key == str(timezone.localdate().year)
    assert application.inputs == {"rd_spend": "300000", "note": "年度研发投入"}
    assert application.amount_computed == Decimal("30000.00")
    assert application.precheck["status"] == "eligible"
    assert application.precheck["clauses"] == [
        {"text": "研发费用占销售收入的比例 4%，需 ≥ 3%", "met": True}
    ]
    assert application.precheck["benefit"]["steps"] == [
        {"text": "按公式测算", "amount": "30000.00"}
    ]
    assert application.step == "accept" and application.due_on is not None
    assert [a.name for a in application.attachments.all()] == ["研发台账.pdf"]
    event = application.events.get()
    assert (event.action, event.from_status, event.to_status) == ("submit", "", "submitted")
    audit = AuditEvent.objects.get(object_type="policies.application")
    assert (audit.action, audit.actor) == ("create", user)
    notice = Notification.objects.get(recipient=officer)
    assert notice.kind == "application_submit" and str(application.pk) in notice.url


def test_a_second_application_for_the_same_period_is_refused_and_changes_nothing():
    user = enterprise_user()
    policy = grant_policy()
    first = submit(user, policy)
    before = world_state()
    error = refused(lambda: submit(user, policy, rd_spend="100000"))
    assert (error.code, error.status) == ("application_duplicate", 409)
    day = timezone.localtime(first.submitted_at).date().isoformat()
    assert error.message == (
        f"贵企业已申报过本政策{first.period_key}年度的兑现（申报编号 {first.pk}，{day}提交，"
        "当前状态：已提交），同一申报期只能申报一次。"
    )
    assert world_state() == before
    # Another user of the same enterprise is refused alike.
    colleague = enterprise_user(user.enterprise)
    assert refused(lambda: submit(colleague, policy)).code == "application_duplicate"


def test_a_withdrawn_application_frees_its_period():
    user = enterprise_user()
    policy = grant_policy()
    first = submit(user, policy)
    application_withdraw(user=user, application=first)
    second = submit(user, policy)
    assert second.pk != first.pk and second.period_key == first.period_key
    assert Application.objects.get(pk=first.pk).status == "withdrawn"


def test_an_ineligible_enterprise_is_refused_with_the_failing_clause():
    user = enterprise_user(enterprise_with_facts(rd="210000"))
    policy = grant_policy()
    before = world_state()
    error = refused(lambda: submit(user, policy))
    assert (error.code, error.status) == ("invalid", 400)
    assert error.message == "贵企业不符合本政策的申报条件：研发费用占销售收入的比例 2.1%，需 ≥ 3%。"
    assert error.fields == {"eligibility": ["研发费用占销售收入的比例 2.1%，需 ≥ 3%"]}
    assert world_state() == before


def test_an_enterprise_without_facts_may_apply_flagged_unknown():
    user = enterprise_user(EnterpriseFactory())
    policy = grant_policy()
    application = submit(user, policy)
    assert application.precheck["status"] == "unknown"
    assert application.amount_computed == Decimal("30000.00")


@pytest.mark.parametrize(
    ("scheme", "message"),
    [
        (PolicyScheme.INFORMATION, "该政策仅供了解，不受理申报。"),
        (
            PolicyScheme.RISK_COMPENSATION,
            "信贷风险补偿由合作银行在风险补偿资金池中申请，企业无需在此申报。",
        ),
    ],
)
def test_schemes_without_applications_say_so(scheme, message):
    user = enterprise_user()
    policy = PolicyFactory(scheme=scheme, published=True)
    before = world_state()
    error = refused(lambda: submit(user, policy))
    assert error.message == message and error.code == "invalid"
    assert world_state() == before


def test_a_draft_policy_takes_no_application():
    user = enterprise_user()
    policy = PolicyFactory()
    error = refused(lambda: submit(user, policy))
    assert error.message == "该政策尚未发布或已失效，暂不受理申报。"


@pytest.mark.parametrize(
    ("inputs", "fields"),
    [
        ({}, {"inputs.rd_spend": ["请填写“研发投入”。"]}),
        ({"rd_spend": "abc"}, {"inputs.rd_spend": ["“研发投入”：请填写数字。"]}),
        ({"rd_spend": "-5"}, {"inputs.rd_spend": ["“研发投入”：金额不能为负数。"]}),
        (
            {"rd_spend": "1.234"},
            {"inputs.rd_spend": ["“研发投入”：金额最多保留 2 位小数（单位：元）。"]},
        ),
        (
            {"rd_spend": "100", "start": "2026/03/01"},
            {"inputs.start": ["“起始日期”：请按“年-月-日”填写日期，如 2026-03-31。"]},
        ),
    ],
)
def test_fields_are_checked_by_kind_with_a_message_each(inputs, fields):
    user = enterprise_user()
    policy = grant_policy(
        inputs=[
            {"name": "rd_spend", "label": "研发投入", "kind": "money", "required": True},
            {"name": "start", "label": "起始日期", "kind": "date"},
        ]
    )
    before = world_state()
    error = refused(lambda: application_submit(user=user, policy=policy, data={"inputs": inputs}))
    assert error.code == "invalid" and error.fields == fields
    assert world_state() == before


def test_a_bad_attachment_is_refused_and_nothing_is_stored():
    user = enterprise_user()
    policy = grant_policy()
    fake = SimpleUploadedFile("材料.pdf", b"not a pdf", content_type="application/pdf")
    before = world_state()
    error = refused(
        lambda: application_submit(
            user=user, policy=policy, data={"inputs": {"rd_spend": "1"}}, attachments=[fake]
        )
    )
    assert list(error.fields) == ["attachments"]
    assert world_state() == before


def test_officers_and_other_enterprises_may_not_submit():
    policy = grant_policy()
    error = refused(lambda: submit(city_officer(), policy))
    assert (error.code, error.message) == ("permission_denied", "只有企业用户可以申报政策。")
    assert Application.objects.count() == 0


def test_the_enterprise_year_cap_holds_across_two_applications():
    user = enterprise_user()
    officer = city_officer()
    policy = grant_policy(period="quarter")
    first = submit(user, policy, rd_spend="800000")
    assert first.amount_computed == Decimal("80000.00")
    # The first belongs to an earlier quarter of the same year (set directly: setup only).
    Application.objects.filter(pk=first.pk).update(period_key=f"{timezone.localdate().year}Q0")
    application_accept(user=officer, application=first)
    application_approve(user=officer, application=first, amount="80000")

    second = submit(user, policy, rd_spend="300000")
    assert second.amount_computed == Decimal("20000.00")
    benefit = second.precheck["benefit"]
    assert benefit["formula_amount"] == "30000.00"
    assert benefit["capped_by"] == ["cap_per_enterprise_year"]
    assert benefit["steps"][-1] == {
        "text": "每家企业每年上限 10.00 万元，已享受 8.00 万元，按上限核减",
        "amount": "20000.00",
    }
    application_accept(user=officer, application=second)
    before = world_state()
    error = refused(
        lambda: application_approve(
            user=officer, application=second, amount="25000", comment="专家评审调增"
        )
    )
    assert error.fields == {
        "amount": [
            "核定金额超过每家企业每年上限：上限 10.00 万元，本年度已核定 8.00 万元，"
            "最多还可核定 2.00 万元。"
        ]
    }
    assert world_state() == before
    application_approve(user=officer, application=second, amount="20000")
    assert Application.objects.get(pk=second.pk).amount_approved == Decimal("20000.00")


def test_an_amount_above_the_computed_one_needs_a_reason():
    user = enterprise_user()
    officer = city_officer()
    application = submit(user, grant_policy(), rd_spend="300000")
    application_accept(user=officer, application=application)
    before = world_state()
    error = refused(
        lambda: application_approve(user=officer, application=application, amount="35000")
    )
    assert error.fields == {
        "amount": ["核定金额 3.50 万元 高于测算金额 3.00 万元，请在审核意见中说明理由。"]
    }
    zero = refused(lambda: application_approve(user=officer, application=application, amount="0"))
    assert zero.fields == {"amount": ["核定金额应大于 0；不予支持请选择“不予通过”。"]}
    assert world_state() == before
    application_approve(
        user=officer, application=application, amount="35000", comment="补充材料证明投入更高"
    )
    assert Application.objects.get(pk=application.pk).amount_approved == Decimal("35000.00")


def test_payouts_never_exceed_the_approved_amount(django_capture_on_commit_callbacks):
    user = enterprise_user()
    officer = city_officer()
    application = submit(user, grant_policy(), rd_spend="300000")
    application_accept(user=officer, application=application)
    application_approve(user=officer, application=application, amount="30000")
    today = timezone.localdate()
    application_pay(user=officer, application=application, amount="10000", paid_on=today)
    application.refresh_from_db()
    assert (application.status, application.amount_paid) == ("approved", Decimal("10000.00"))
    assert application.step == "pay"
    before = world_state()
    error = refused(
        lambda: application_pay(
            user=officer, application=application, amount="20000.01", paid_on=today
        )
    )
    assert error.fields == {
        "amount": [
            "本次兑付 2.00 万元 超过尚未兑付的 2.00 万元（核定 3.00 万元，已兑付 1.00 万元）。"
        ]
    }
    future = today + datetime.timedelta(days=1)
    late = refused(
        lambda: application_pay(user=officer, application=application, amount="1", paid_on=future)
    )
    assert late.fields == {"paid_on": ["兑付日期不能晚于今天。"]}
    assert world_state() == before
    with django_capture_on_commit_callbacks(execute=True):
        application_pay(
            user=officer, application=application, amount="20000", paid_on=today, voucher="PZ-2"
        )
    application.refresh_from_db()
    assert (application.status, application.amount_paid, application.step) == (
        "paid",
        Decimal("30000.00"),
        "",
    )
    assert list(application.payouts.values_list("amount", flat=True)) == [
        Decimal("10000.00"),
        Decimal("20000.00"),
    ]
    assert Notification.objects.filter(recipient=user, kind="application_pay").count() == 1
    error = refused(
        lambda: application_pay(user=officer, application=application, amount="1", paid_on=today)
    )
    assert (error.code, error.message) == (
        "application_state_conflict",
        "申报当前为“已兑付”状态，不能记录兑付。",
    )


def test_period_labels():
    assert period_label("2026") == "2026年度"
    assert period_label("2026Q3") == "2026年第3季度"
    assert period_label("once") == "限申报一次"
