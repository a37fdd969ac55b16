"""Publishing services: drafting with validation, every move from every state (a refused
move changes nothing), versions, worked cases gating publication, county officers limited to
their county, attachments, subscriptions and the notices of a publication (once)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent, Region
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.choices import RuleVersionStatus
from kejin.notifications.models import Notification
from kejin.policies import services_policies as services
from kejin.policies.choices import PolicyAction, PolicyStatus
from kejin.policies.models import (
    Policy,
    PolicyAttachment,
    PolicyEvent,
    PolicyNotice,
    PolicySubscription,
    PolicyVersion,
)
from kejin.policies.policy_workflow import TRANSITIONS, PolicyState
from kejin.policies.tasks_publishing import policy_notify_publication_task

pytestmark = pytest.mark.django_db

RULE = {">=": [{"var": "employees"}, {"param": "min_staff"}]}
PARAMS = {"min_staff": {"value": 10, "reference": "第三条", "label": "最少员工人数"}}
CASES = [
    {"name": "二十人", "facts": {"employees": 20}, "expect": {"condition.rule": True}},
    {"name": "五人", "facts": {"employees": 5}, "expect": {"condition.rule": False}},
]
PDF = b"%PDF-1.4\n%test\n"


def data(**overrides):
    """A city-wide grant policy valid from 2026-01-01 with no rule (stated defaults)."""
    values = {
        "title": "嘉兴市科技企业研发投入补助办法",
        "doc_number": "嘉科〔2026〕8号",
        "issuers": ["嘉兴市科学技术局", "嘉兴市财政局"],
        "summary": "对研发投入增长的科技企业给予补助。",
        "full_text": "第一条 为鼓励企业加大研发投入……",
        "categories": ["rd_support"],
        "scheme": "grant",
        "valid_from": "2026-01-01",
        "valid_to": "2028-12-31",
    }
    values.update(overrides)
    return values


def ruled(**overrides):
    """``data`` with a rule (10 staff or more), its worked cases and a formula (the R&D
    amount applied for times ``rate``)."""
    values = {
        "document": RULE,
        "parameters": {**PARAMS, "rate": {"value": 0.1, "reference": "第五条", "label": "比例"}},
        "worked_cases": CASES,
        "benefit_formula": {"*": [{"var": "input.rd_amount"}, {"param": "rate"}]},
        "inputs": [{"name": "rd_amount", "label": "研发投入", "kind": "money", "typical": 1000000}],
    }
    values.update(overrides)
    return data(**values)


@pytest.fixture
def officer():
    return UserFactory()  # a city officer


def make(state: str, officer) -> Policy:
    """A policy in ``state`` through the services, fresh from the database."""
    policy = services.policy_create(actor=officer, data=data())
    if state in (PolicyState.PUBLISHED, PolicyState.REVISING, PolicyState.EXPIRED):
        services.policy_publish(actor=officer, policy=policy)
    if state == PolicyState.REVISING:
        services.policy_revise(actor=officer, policy=policy)
    if state == PolicyState.EXPIRED:
        services.policy_expire(actor=officer, policy=policy)
    policy.refresh_from_db()
    return policy


def snapshot(policy: Policy) -> dict:
    policy.refresh_from_db()
    return {
        "policy": (policy.status, policy.live_version_id, policy.title, policy.published_at),
        "versions": list(
            PolicyVersion.objects.filter(policy=policy).values_list("pk", "status", "document")
        ),
        "events": PolicyEvent.objects.filter(policy=policy).count(),
        "audit": AuditEvent.objects.count(),
        "notices": PolicyNotice.objects.count(),
    }


def move(action: str, policy: Policy, actor):
    if action == PolicyAction.EDIT:
        return services.policy_update(actor=actor, policy=policy, data={"notes": "改"})
    if action == PolicyAction.REVISE:
        return services.policy_revise(actor=actor, policy=policy)
    if action == PolicyAction.PUBLISH:
        return services.policy_publish(actor=actor, policy=policy)
    return services.policy_expire(actor=actor, policy=policy)


# --- drafting -------------------------------------------------------------------------------


def test_an_officer_drafts_a_policy_with_its_first_version(officer):
    policy = services.policy_create(actor=officer, data=ruled(cap_per_enterprise_year="500000"))
    assert policy.status == PolicyStatus.DRAFT
    assert list(policy.categories.values_list("code", flat=True)) == ["rd_support"]
    version = policy.versions.get()
    assert (version.version, version.status) == ("1", RuleVersionStatus.DRAFT)
    assert str(version.valid_from) == "2026-01-01"
    assert version.cap_per_enterprise_year == Decimal("500000")
    assert version.inputs[0] == {
        "name": "rd_amount",
        "label": "研发投入",
        "kind": "money",
        "required": False,
        "typical": 1000000,
    }
    assert [e.action for e in policy.events.all()] == [PolicyAction.CREATE]
    assert AuditEvent.objects.filter(object_id=str(policy.pk)).exists()


def test_bad_terms_are_refused_field_by_field_and_nothing_is_written(officer):
    before = (Policy.objects.count(), PolicyVersion.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as error:
        services.policy_create(
            actor=officer,
            data=data(
                title="",
                issuers=[],
                categories=["nope"],
                valid_to="2025-01-01",
                document={">=": [{"var": "no_such_fact"}, 1]},
                benefit_formula={"*": [{"var": "input.premium"}, 0.5]},
                cap_per_loan="-1",
                deadline_days={"accept": 0},
            ),
        )
    fields = error.value.fields
    assert fields["title"] == ["请填写政策名称。"]
    assert fields["issuers"] == ["请填写至少一个发文部门，如“嘉兴市科学技术局”。"]
    assert fields["categories"][0].startswith("政策类别“nope”不存在。可选：")
    assert fields["valid_to"] == ["有效期止不能早于有效期起。"]
    assert "no_such_fact" in fields["document"][0]
    assert "input.premium" in fields["benefit_formula"][0]
    assert fields["cap_per_loan"] == ["金额应大于 0 元且不超过 100 亿元。"]
    assert fields["deadline_days"] == ["“受理”时限应在 1 至 60 个工作日之间。"]
    assert before == (
        Policy.objects.count(),
        PolicyVersion.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_parameter_needs_its_reference_and_a_formula_its_inputs(officer):
    with pytest.raises(ApplicationError) as error:
        services.policy_create(
            actor=officer,
            data=ruled(parameters={"min_staff": {"value": 10, "label": "最少员工人数"}}),
        )
    assert error.value.fields["parameters"] == [
        "参数“min_staff”须写明依据条款 reference，如《某某办法》第五条。"
    ]


def test_a_rule_set_document_is_accepted_and_checked(officer):
    document = {
        "conditions": [
            {"id": "staff", "label": "员工人数", "test": {">=": [{"var": "employees"}, 10]}},
        ]
    }
    policy = services.policy_create(
        actor=officer,
        data=data(
            document=document,
            worked_cases=[
                {"name": "二十人", "facts": {"employees": 20}, "expect": {"status": "qualified"}}
            ],
        ),
    )
    services.policy_publish(actor=officer, policy=policy)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED
    bad = {"conditions": [{"id": "x", "label": "x", "test": {">=": [{"var": "nope"}, 1]}}]}
    with pytest.raises(ApplicationError) as error:
        services.policy_create(actor=officer, data=data(document=bad))
    assert "nope" in error.value.fields["document"][0]


def test_editing_a_draft_changes_only_what_is_given(officer):
    policy = services.policy_create(actor=officer, data=data())
    version = services.policy_update(
        actor=officer, policy=policy, data={"title": "新名称", "tiers": [], "budget": "20000000"}
    )
    policy.refresh_from_db()
    assert policy.title == "新名称"
    assert policy.doc_number == "嘉科〔2026〕8号"
    assert version.budget == Decimal("20000000")
    assert [e.action for e in policy.events.all()] == [PolicyAction.CREATE, PolicyAction.EDIT]


def test_a_published_policys_text_is_not_rewritten_by_a_new_version(officer):
    policy = make(PolicyState.REVISING, officer)
    before = snapshot(policy)
    with pytest.raises(ApplicationError) as error:
        services.policy_update(actor=officer, policy=policy, data={"title": "改名"})
    assert error.value.fields["title"] == [
        "已发布的政策不能修改政策文本和基本信息；如需变更，请另行起草新政策。"
    ]
    assert snapshot(policy) == before
    # The same text sent again (an API client sending the whole record) is no change.
    version = services.policy_update(
        actor=officer,
        policy=policy,
        data={"title": policy.title, "categories": ["rd_support"], "notes": "第二版"},
    )
    assert version.notes == "第二版"


# --- the lifecycle table ----------------------------------------------------------------------


@pytest.mark.parametrize("state", list(PolicyState))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_move_from_every_state(state, action, officer):
    policy = make(state, officer)
    before = snapshot(policy)
    if state in TRANSITIONS[action]:
        move(action, policy, officer)
        assert PolicyEvent.objects.filter(policy=policy, action=action).exists()
        return
    with pytest.raises(ApplicationError) as error:
        move(action, policy, officer)
    assert error.value.code == "policy_state_conflict"
    assert error.value.status == 409
    assert error.value.message == (
        f"政策当前为“{PolicyState(state).label}”状态，不能{PolicyAction(action).label}。"
    )
    assert snapshot(policy) == before


def test_publishing_a_new_version_retires_the_live_one(officer):
    policy = make(PolicyState.REVISING, officer)
    first = policy.live_version
    draft = policy.versions.get(status=RuleVersionStatus.DRAFT)
    assert draft.version == "2"
    services.policy_publish(actor=officer, policy=policy)
    policy.refresh_from_db()
    first.refresh_from_db()
    assert policy.live_version_id == draft.pk
    assert first.status == RuleVersionStatus.RETIRED
    assert policy.status == PolicyStatus.PUBLISHED


def test_a_new_version_copies_the_live_one(officer):
    policy = services.policy_create(
        actor=officer,
        data=ruled(cap_per_enterprise_year="300000"),
    )
    services.policy_publish(actor=officer, policy=policy)
    version = services.policy_revise(actor=officer, policy=policy)
    live = Policy.objects.get(pk=policy.pk).live_version
    for name in ("document", "parameters", "benefit_formula", "inputs", "worked_cases"):
        assert getattr(version, name) == getattr(live, name)
    assert version.cap_per_enterprise_year == Decimal("300000")
    assert version.status == RuleVersionStatus.DRAFT


# --- worked cases gate publication ---------------------------------------------------------------


def test_a_rule_without_worked_cases_is_not_published(officer):
    policy = services.policy_create(actor=officer, data=data(document=RULE, parameters=PARAMS))
    before = snapshot(policy)
    with pytest.raises(ApplicationError) as error:
        services.policy_publish(actor=officer, policy=policy)
    assert error.value.code == "worked_cases_fail"
    assert snapshot(policy) == before


def test_a_failing_worked_case_is_named_and_nothing_is_published(officer):
    wrong = [{"name": "五人", "facts": {"employees": 5}, "expect": {"condition.rule": True}}]
    policy = services.policy_create(
        actor=officer, data=data(document=RULE, parameters=PARAMS, worked_cases=wrong)
    )
    before = snapshot(policy)
    with pytest.raises(ApplicationError) as error:
        services.policy_publish(actor=officer, policy=policy)
    assert error.value.code == "worked_cases_fail"
    assert error.value.fields["worked_cases"] == ["算例“五人”：应为成立，实际为不成立。"]
    assert snapshot(policy) == before


# --- who may ----------------------------------------------------------------------------------


def test_others_are_refused_and_nothing_changes(officer):
    policy = make(PolicyState.DRAFT, officer)
    enterprise_user = UserFactory(enterprise_admin=True)
    banker = UserFactory(institution_manager=True)
    before = snapshot(policy)
    for user in (enterprise_user, banker):
        for action in TRANSITIONS:
            with pytest.raises(ApplicationError) as error:
                move(action, policy, user)
            assert error.value.code == "permission_denied"
            assert error.value.message == "只有政府部门工作人员可以起草和管理政策。"
        with pytest.raises(ApplicationError):
            services.policy_create(actor=user, data=data())
    assert snapshot(policy) == before
    assert Policy.objects.count() == 1


def test_a_county_officer_manages_only_their_countys_policies(officer):
    nanhu = Region.objects.get(code="330402")
    xiuzhou = Region.objects.get(code="330411")
    county_officer = UserFactory(county_officer=True, county=nanhu)
    own = services.policy_create(actor=county_officer, data=data())
    assert own.region_id == nanhu.pk
    city = make(PolicyState.DRAFT, officer)
    before = snapshot(city)
    with pytest.raises(ApplicationError) as error:
        services.policy_publish(actor=county_officer, policy=city)
    assert error.value.message == "县(市、区)工作人员只能管理本县(市、区)发布的政策。"
    assert snapshot(city) == before
    with pytest.raises(ApplicationError) as error:
        services.policy_create(actor=county_officer, data=data(region=xiuzhou.pk))
    assert error.value.code == "permission_denied"
    with pytest.raises(ApplicationError):
        services.policy_update(actor=county_officer, policy=own, data={"region": xiuzhou.pk})
    own.refresh_from_db()
    assert own.region_id == nanhu.pk
    services.policy_publish(actor=county_officer, policy=own)


# --- attachments --------------------------------------------------------------------------------


def test_attachments_are_checked_before_anything_is_stored(officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    policy = make(PolicyState.DRAFT, officer)
    with pytest.raises(ApplicationError) as error:
        services.policy_attachments_add(
            actor=officer,
            policy=policy,
            files=[
                SimpleUploadedFile("办法.pdf", PDF, "application/pdf"),
                SimpleUploadedFile("evil.exe", b"MZ", "application/octet-stream"),
            ],
        )
    assert error.value.fields["attachments"] == [
        "附件“evil.exe”的格式不支持，请上传PDF、JPG或PNG文件。"
    ]
    assert PolicyAttachment.objects.count() == 0
    rows = services.policy_attachments_add(
        actor=officer, policy=policy, files=[SimpleUploadedFile("办法.pdf", PDF, "application/pdf")]
    )
    assert [r.name for r in rows] == ["办法.pdf"]


# --- subscriptions --------------------------------------------------------------------------------


def test_an_enterprise_subscribes_and_unsubscribes(officer):
    user = UserFactory(enterprise_admin=True)
    assert services.policy_subscriptions_set(actor=user, categories=["rd_support", "listing"]) == [
        "rd_support",
        "listing",
    ]
    assert services.policy_unsubscribe(actor=user, category="listing") == ["rd_support"]
    assert services.policy_subscribe(actor=user, category="tech_insurance") == [
        "tech_insurance",
        "rd_support",
    ]
    with pytest.raises(ApplicationError) as error:
        services.policy_subscriptions_set(actor=user, categories=["nope"])
    assert error.value.fields["categories"][0].startswith("政策类别“nope”不存在。")
    with pytest.raises(ApplicationError) as error:
        services.policy_subscriptions_set(actor=officer, categories=["rd_support"])
    assert error.value.message == "只有企业用户可以订阅政策和申报政策。"
    assert PolicySubscription.objects.filter(enterprise=user.enterprise).count() == 2


# --- notices of a publication ------------------------------------------------------------------------


def _facts(enterprise, employees):
    AnnualFacts.objects.create(enterprise=enterprise, year=2025, employees=employees)


def test_subscribed_and_qualifying_enterprises_are_told_once(
    officer, django_capture_on_commit_callbacks
):
    subscriber = UserFactory(enterprise_admin=True)
    services.policy_subscriptions_set(actor=subscriber, categories=["rd_support"])
    qualifying = EnterpriseFactory()
    _facts(qualifying, 50)
    qualifying_user = UserFactory(enterprise_staff=True, enterprise=qualifying)
    too_small = EnterpriseFactory()
    _facts(too_small, 3)
    small_user = UserFactory(enterprise_staff=True, enterprise=too_small)
    policy = services.policy_create(
        actor=officer, data=data(document=RULE, parameters=PARAMS, worked_cases=CASES)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_publish(actor=officer, policy=policy)
    policy.refresh_from_db()
    notices = dict(
        PolicyNotice.objects.filter(version=policy.live_version).values_list(
            "enterprise_id", "reason"
        )
    )
    assert notices == {subscriber.enterprise_id: "subscribed", qualifying.pk: "qualifies"}
    told = Notification.objects.filter(kind="policy_published")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [subscriber.pk, qualifying_user.pk]
    )
    assert not told.filter(recipient=small_user).exists()
    assert told.first().title == "新政策发布：嘉兴市科技企业研发投入补助办法"
    # The task run again (a retry) tells nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = policy_notify_publication_task.delay(version_id=policy.live_version_id).get()
    assert again == 0
    assert Notification.objects.filter(kind="policy_published").count() == 2
    assert PolicyNotice.objects.count() == 2


def test_a_new_version_tells_again_and_an_unpublished_one_nobody(
    officer, django_capture_on_commit_callbacks
):
    subscriber = UserFactory(enterprise_admin=True)
    services.policy_subscriptions_set(actor=subscriber, categories=["rd_support"])
    policy = services.policy_create(actor=officer, data=data())
    draft = policy.versions.get()
    assert services.policy_publication_notify(version_id=draft.pk) == 0  # not live yet
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_publish(actor=officer, policy=policy)
        services.policy_revise(actor=officer, policy=policy)
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_publish(actor=officer, policy=policy)
    assert PolicyNotice.objects.filter(enterprise=subscriber.enterprise).count() == 2
    assert Notification.objects.filter(recipient=subscriber).count() == 2


def test_a_countys_policy_tells_that_countys_enterprises_only_in_batches(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "NOTICE_BATCH", 1)
    nanhu = Region.objects.get(code="330402")
    xiuzhou = Region.objects.get(code="330411")
    inside = [
        UserFactory(enterprise_admin=True, enterprise=EnterpriseFactory(county=nanhu))
        for _ in range(3)
    ]
    outside = UserFactory(enterprise_admin=True, enterprise=EnterpriseFactory(county=xiuzhou))
    _facts(outside.enterprise, 50)
    for user in [*inside, outside]:
        services.policy_subscriptions_set(actor=user, categories=["rd_support"])
    county_officer = UserFactory(county_officer=True, county=nanhu)
    policy = services.policy_create(actor=county_officer, data=data())
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_publish(actor=county_officer, policy=policy)
    told = Notification.objects.filter(kind="policy_published")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(u.pk for u in inside)
    assert PolicyNotice.objects.count() == 3


def test_a_versions_first_day_lies_within_the_policys_validity(officer):
    with pytest.raises(ApplicationError) as error:
        services.policy_create(actor=officer, data=data(effective_from="2025-12-31"))
    assert error.value.fields == {
        "effective_from": ["版本生效日期不能早于政策有效期起（2026-01-01）。"]
    }
    policy = services.policy_create(actor=officer, data=data(effective_from="2026-03-01"))
    assert str(policy.versions.get().valid_from) == "2026-03-01"
    with pytest.raises(ApplicationError) as error:
        services.policy_update(actor=officer, policy=policy, data={"effective_from": "2029-01-01"})
    assert error.value.fields == {
        "effective_from": ["版本生效日期不能晚于政策有效期止（2028-12-31）。"]
    }
