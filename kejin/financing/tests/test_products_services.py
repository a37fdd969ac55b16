"""Product services: drafting with validation, every move from every state (a refused move
changes nothing), revisions of a published product, worked cases, notifications, leads."""

from decimal import Decimal

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.choices import RuleVersionStatus
from kejin.financing import services_products as services
from kejin.financing.choices import LeadStatus, ProductAction, ProductStatus, ProductVersionReview
from kejin.financing.models import Lead, Product, ProductEvent, ProductVersion
from kejin.financing.product_workflow import TRANSITIONS, ProductState
from kejin.financing.tests.factories import ProductFactory
from kejin.notifications.models import Notification

pytestmark = pytest.mark.django_db

RULE = {">=": [{"var": "employees"}, 10]}
CASES = [
    {"name": "二十人", "facts": {"employees": 20}, "expect": {"condition.rule": True}},
    {"name": "五人", "facts": {"employees": 5}, "expect": {"condition.rule": False}},
]


def terms(**overrides):
    data = {
        "name": "科创积分贷",
        "product_type": "credit_loan",
        "amount_min": "100000",
        "amount_max": "3000000",
        "term_min_months": 6,
        "term_max_months": 36,
        "rate_min": "3.2",
        "rate_max": "4.8",
        "collateral_kinds": [],
        "materials": ["营业执照", "近两年财务报表"],
        "description": "面向科技型中小企业的纯信用贷款。",
    }
    data.update(overrides)
    return data


@pytest.fixture
def banker():
    return UserFactory(institution_manager=True)


@pytest.fixture
def officer():
    return UserFactory()  # a city officer


def make(state: str, banker, officer) -> Product:
    """A product of ``banker``'s institution in ``state`` (through the services), fresh."""
    product = _make(state, banker, officer)
    product.refresh_from_db()
    return product


def _make(state: str, banker, officer) -> Product:
    product = services.product_create(actor=banker, data=terms())
    if state == ProductState.DRAFT:
        return product
    if state == ProductState.WITHDRAWN:
        return services.product_withdraw(actor=banker, product=product)
    services.product_submit(actor=banker, product=product)
    if state == ProductState.UNDER_REVIEW:
        return product
    services.product_approve(actor=officer, product=product)
    if state == ProductState.PUBLISHED:
        return product
    services.product_update(actor=banker, product=product, data={"rate_max": "5.0"})
    if state == ProductState.REVISING:
        return product
    services.product_submit(actor=banker, product=product)
    return product


def snapshot(product: Product):
    return (
        Product.objects.filter(pk=product.pk).values().get(),
        list(ProductVersion.objects.filter(product=product).order_by("pk").values()),
        ProductEvent.objects.filter(product=product).count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def act(action: str, product, banker, officer):
    if action == ProductAction.EDIT:
        return services.product_update(actor=banker, product=product, data={"rate_min": "3.3"})
    if action == ProductAction.SUBMIT:
        return services.product_submit(actor=banker, product=product)
    if action == ProductAction.APPROVE:
        return services.product_approve(actor=officer, product=product)
    if action == ProductAction.RETURN:
        return services.product_return(actor=officer, product=product, comment="请补充材料清单。")
    return services.product_withdraw(actor=banker, product=product)


EXPECTED_AFTER = {
    # (state, action) -> state afterwards; every pair missing here is refused with 409.
    (ProductState.DRAFT, ProductAction.EDIT): ProductState.DRAFT,
    (ProductState.DRAFT, ProductAction.SUBMIT): ProductState.UNDER_REVIEW,
    (ProductState.DRAFT, ProductAction.WITHDRAW): ProductState.WITHDRAWN,
    (ProductState.UNDER_REVIEW, ProductAction.APPROVE): ProductState.PUBLISHED,
    (ProductState.UNDER_REVIEW, ProductAction.RETURN): ProductState.DRAFT,
    (ProductState.UNDER_REVIEW, ProductAction.WITHDRAW): ProductState.WITHDRAWN,
    (ProductState.PUBLISHED, ProductAction.EDIT): ProductState.REVISING,
    (ProductState.PUBLISHED, ProductAction.WITHDRAW): ProductState.WITHDRAWN,
    (ProductState.REVISING, ProductAction.EDIT): ProductState.REVISING,
    (ProductState.REVISING, ProductAction.SUBMIT): ProductState.REVISION_REVIEW,
    (ProductState.REVISING, ProductAction.WITHDRAW): ProductState.WITHDRAWN,
    (ProductState.REVISION_REVIEW, ProductAction.APPROVE): ProductState.PUBLISHED,
    (ProductState.REVISION_REVIEW, ProductAction.RETURN): ProductState.REVISING,
    (ProductState.REVISION_REVIEW, ProductAction.WITHDRAW): ProductState.WITHDRAWN,
}


def state_of(product: Product) -> str:
    from kejin.financing.selectors_products import product_get, product_view

    officer = UserFactory()
    view = product_view(product_get(user=officer, pk=product.pk))
    from kejin.financing.product_workflow import product_state

    return product_state(
        status=view.product.status, pending_review=view.pending.review if view.pending else None
    )


def test_the_table_is_the_one_the_tests_expect():
    allowed = {(state, action) for action, states in TRANSITIONS.items() for state in states}
    assert allowed == set(EXPECTED_AFTER)


@pytest.mark.parametrize("state", list(ProductState))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_move_from_every_state(state, action, banker, officer):
    product = make(state, banker, officer)
    assert state_of(product) == state
    expected = EXPECTED_AFTER.get((state, action))
    if expected is None:
        before = snapshot(product)
        with pytest.raises(ApplicationError) as refused:
            act(action, product, banker, officer)
        assert (refused.value.status, refused.value.code) == (409, "product_state_conflict")
        assert refused.value.message == (
            f"产品当前为“{ProductState(state).label}”状态，不能{ProductAction(action).label}。"
        )
        assert snapshot(product) == before
    else:
        events = ProductEvent.objects.filter(product=product).count()
        act(action, product, banker, officer)
        assert state_of(product) == expected
        assert ProductEvent.objects.filter(product=product).count() == events + 1


@pytest.mark.parametrize("state", [ProductState.DRAFT, ProductState.PUBLISHED])
def test_another_institution_and_an_enterprise_may_not_edit_and_nothing_changes(
    state, banker, officer
):
    product = make(state, banker, officer)
    before = snapshot(product)
    for outsider in (
        UserFactory(institution_manager=True),
        UserFactory(enterprise_admin=True),
        officer,
    ):
        for call in (
            lambda u: services.product_update(actor=u, product=product, data={"rate_min": "1"}),
            lambda u: services.product_submit(actor=u, product=product),
            lambda u: services.product_withdraw(actor=u, product=product),
        ):
            with pytest.raises(ApplicationError) as denied:
                call(outsider)
            assert denied.value.status == 403
    assert snapshot(product) == before


def test_only_city_officers_review(banker, officer):
    product = make(ProductState.UNDER_REVIEW, banker, officer)
    before = snapshot(product)
    for user in (UserFactory(county_officer=True), banker):
        with pytest.raises(ApplicationError) as denied:
            services.product_approve(actor=user, product=product)
        assert denied.value.message == "只有市级部门工作人员可以审核金融产品。"
        with pytest.raises(ApplicationError):
            services.product_return(actor=user, product=product, comment="不行")
    assert snapshot(product) == before


def test_create_drafts_version_one_audited(banker):
    county = RegionFactory(level="county")
    product = services.product_create(
        actor=banker,
        data=terms(counties=[county.pk], tiers=["growth"], labels=["tech_sme"], document=RULE),
    )
    version = product.versions.get()
    assert (product.status, product.institution_id, product.created_by) == (
        ProductStatus.DRAFT,
        banker.institution_id,
        banker,
    )
    assert (version.version, version.review, version.status) == ("1", "draft", "draft")
    assert version.amount_max == Decimal("3000000")
    assert list(version.counties.all()) == [county]
    assert (version.tiers, version.labels, version.document) == (["growth"], ["tech_sme"], RULE)
    assert version.materials == ["营业执照", "近两年财务报表"]
    assert [e.action for e in product.events.all()] == ["create"]
    assert AuditEvent.objects.filter(object_type="financing.product").count() == 1
    assert AuditEvent.objects.filter(object_type="financing.productversion").count() == 1


def test_validation_says_what_is_wrong_per_field(banker):
    before = (Product.objects.count(), ProductVersion.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as invalid:
        services.product_create(
            actor=banker,
            data=terms(
                amount_min="5000000",
                amount_max="1000000",
                term_min_months=24,
                term_max_months=12,
                rate_max="30",
                counties=[999999],
                tiers=["giant"],
                collateral_kinds=["gold"],
                document={"and": [RULE, {">=": [{"var": "no_such_fact"}, 1]}]},
            ),
        )
    fields = invalid.value.fields
    assert invalid.value.status == 400
    assert fields["amount_max"] == ["最高金额不能低于最低金额。"]
    assert fields["term_max_months"] == ["最长期限不能短于最短期限。"]
    assert fields["rate_max"] == ["最高利率应在 0% 至 24% 之间。"]
    assert fields["counties"] == ["编号为 999999 的县(市、区)不存在。"]
    assert fields["tiers"][0].startswith("成长阶段“giant”不存在。可选：startup（")
    assert fields["collateral_kinds"][0].startswith("抵质押物“gold”不存在。")
    assert fields["document"] == ["规则引用了未知的数据项：no_such_fact。请使用数据目录中的名称。"]
    assert (
        Product.objects.count(),
        ProductVersion.objects.count(),
        AuditEvent.objects.count(),
    ) == before


def test_insurance_products_speak_of_premium_rates(banker):
    with pytest.raises(ApplicationError) as invalid:
        services.product_create(
            actor=banker,
            data=terms(product_type="tech_insurance", rate_min="2", rate_max="1", name="科技险"),
        )
    assert invalid.value.fields == {"rate_max": ["最高费率不能低于最低费率。"]}
    with pytest.raises(ApplicationError) as invalid:
        services.product_create(
            actor=banker, data=terms(product_type="tech_insurance", rate_max="12", name="科技险")
        )
    assert invalid.value.fields == {"rate_max": ["最高费率应在 0% 至 10% 之间。"]}


def test_a_wrong_clause_is_named_with_its_place(banker):
    with pytest.raises(ApplicationError) as invalid:
        services.product_create(
            actor=banker, data=terms(document={"and": [RULE, {"frobnicate": [1, 2]}]})
        )
    (message,) = invalid.value.fields["document"]
    assert "frobnicate" in message and "$.and[1]" in message


def test_names_are_unique_per_institution(banker):
    services.product_create(actor=banker, data=terms())
    with pytest.raises(ApplicationError) as invalid:
        services.product_create(actor=banker, data=terms())
    assert invalid.value.fields == {"name": ["本机构已有名为“科创积分贷”的产品。"]}


def test_a_rule_needs_passing_worked_cases_before_review(banker, officer):
    product = services.product_create(actor=banker, data=terms(document=RULE))
    with pytest.raises(ApplicationError) as refused:
        services.product_submit(actor=banker, product=product)
    assert refused.value.code == "worked_cases_fail"
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT
    wrong = [{**CASES[0], "expect": {"condition.rule": False}}]
    services.product_update(actor=banker, product=product, data={"worked_cases": wrong})
    with pytest.raises(ApplicationError) as refused:
        services.product_submit(actor=banker, product=product)
    assert refused.value.fields == {"worked_cases": ["算例“二十人”：应为不成立，实际为成立。"]}
    services.product_update(actor=banker, product=product, data={"worked_cases": CASES})
    services.product_submit(actor=banker, product=product)
    services.product_approve(actor=officer, product=product)
    product.refresh_from_db()
    live = product.live_version
    assert (live.status, live.review, live.activated_by) == ("active", "approved", officer)
    explained = live.rule_set_version().explain({"employees": 12})
    assert explained.status == "qualified"


def test_a_change_to_a_published_product_is_a_new_version_reviewed_while_the_old_stays(
    banker, officer
):
    product = make(ProductState.PUBLISHED, banker, officer)
    first = product.live_version
    draft = services.product_update(actor=banker, product=product, data={"rate_max": "5.5"})
    product.refresh_from_db()
    assert draft.version == "2" and draft.pk != first.pk
    assert (product.status, product.live_version_id) == (ProductStatus.PUBLISHED, first.pk)
    assert first.rate_max == Decimal("4.800")
    services.product_submit(actor=banker, product=product)
    product.refresh_from_db()
    assert (product.status, product.live_version_id) == (ProductStatus.PUBLISHED, first.pk)
    assert product in Product.objects.published()
    services.product_approve(actor=officer, product=product, comment="同意")
    product.refresh_from_db()
    first.refresh_from_db()
    assert product.live_version_id == draft.pk
    assert product.live_version.rate_max == Decimal("5.500")
    assert first.status == RuleVersionStatus.RETIRED
    assert [e.action for e in product.events.order_by("at", "pk")] == [
        "create",
        "submit",
        "approve",
        "revise",
        "submit",
        "approve",
    ]


def test_name_and_type_are_fixed_once_published(banker, officer):
    product = make(ProductState.PUBLISHED, banker, officer)
    before = snapshot(product)
    with pytest.raises(ApplicationError) as invalid:
        services.product_update(actor=banker, product=product, data={"name": "新名字"})
    assert invalid.value.fields == {
        "name": ["已发布过的产品不能修改名称和类型；如需改变，请另行发布新产品。"]
    }
    assert snapshot(product) == before


def test_return_needs_a_comment_and_tells_the_institution(
    banker, officer, django_capture_on_commit_callbacks
):
    colleague = UserFactory(institution_officer=True, institution=banker.institution)
    product = make(ProductState.UNDER_REVIEW, banker, officer)
    before = snapshot(product)
    with pytest.raises(ApplicationError) as invalid:
        services.product_return(actor=officer, product=product, comment="  ")
    assert invalid.value.fields == {"comment": ["请填写退回意见，说明需要修改的地方。"]}
    assert snapshot(product) == before
    with django_capture_on_commit_callbacks(execute=True):
        version = services.product_return(actor=officer, product=product, comment="利率上限偏高")
    assert (version.review, version.review_comment) == (
        ProductVersionReview.RETURNED,
        "利率上限偏高",
    )
    received = Notification.objects.filter(kind="product_returned")
    assert sorted(n.recipient_id for n in received) == sorted([banker.pk, colleague.pk])
    assert received[0].title == "产品“科创积分贷”（版本 1）被退回修改。"
    assert received[0].body == "利率上限偏高"
    assert received[0].url == f"/financing/products/{product.pk}/"


def test_approval_tells_the_institution_once(banker, officer, django_capture_on_commit_callbacks):
    product = make(ProductState.UNDER_REVIEW, banker, officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.product_approve(actor=officer, product=product)
    assert list(Notification.objects.values_list("recipient_id", "kind", "title")) == [
        (banker.pk, "product_approved", "产品“科创积分贷”（版本 1）已审核通过并发布。")
    ]


def test_a_failed_approval_changes_nothing(banker, officer):
    product = make(ProductState.UNDER_REVIEW, banker, officer)
    # The worked cases were right at submission; someone broke them since (e.g. by admin).
    ProductVersion.objects.filter(product=product).update(document=RULE, worked_cases=[])
    before = snapshot(product)
    with pytest.raises(ApplicationError) as refused:
        services.product_approve(actor=officer, product=product)
    assert refused.value.code == "worked_cases_fail"
    assert snapshot(product) == before


def test_withdrawing_a_product_under_review_takes_the_version_out_of_the_queue(banker, officer):
    product = make(ProductState.REVISION_REVIEW, banker, officer)
    services.product_withdraw(actor=banker, product=product, comment="产品停办")
    product.refresh_from_db()
    assert product.status == ProductStatus.WITHDRAWN and product.withdrawn_at is not None
    assert not ProductVersion.objects.filter(product=product, review="submitted").exists()
    assert product not in Product.objects.published()
    assert product.events.order_by("-at", "-pk").first().comment == "产品停办"


# --- leads --------------------------------------------------------------------------------


def make_lead(institution, **kwargs):
    product = ProductFactory(institution=institution, published=True)
    return Lead.objects.create(
        product=product, enterprise=EnterpriseFactory(), institution=institution, **kwargs
    )


@pytest.mark.parametrize(
    "start,target,allowed",
    [
        (LeadStatus.NEW, LeadStatus.CONTACTED, True),
        (LeadStatus.NEW, LeadStatus.DISMISSED, True),
        (LeadStatus.CONTACTED, LeadStatus.DISMISSED, True),
        (LeadStatus.CONTACTED, LeadStatus.CONTACTED, False),
        (LeadStatus.DISMISSED, LeadStatus.CONTACTED, False),
        (LeadStatus.DISMISSED, LeadStatus.DISMISSED, False),
    ],
)
def test_lead_moves(start, target, allowed, banker):
    lead = make_lead(banker.institution, status=start)
    audits = AuditEvent.objects.count()
    if allowed:
        services.lead_mark(actor=banker, lead=lead, status=target)
        lead.refresh_from_db()
        assert lead.status == target
        assert AuditEvent.objects.count() == audits + 1
    else:
        with pytest.raises(ApplicationError) as refused:
            services.lead_mark(actor=banker, lead=lead, status=target)
        assert (refused.value.status, refused.value.code) == (409, "conflict")
        lead.refresh_from_db()
        assert lead.status == start
        assert AuditEvent.objects.count() == audits


def test_only_the_institution_pushed_to_follows_a_lead_up(banker, officer):
    lead = make_lead(banker.institution)
    for user in (
        UserFactory(institution_manager=True),
        officer,
        UserFactory(enterprise_admin=True),
    ):
        with pytest.raises(ApplicationError) as denied:
            services.lead_mark(actor=user, lead=lead, status=LeadStatus.CONTACTED)
        assert denied.value.status == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


# --- the whole table: state × action × role -----------------------------------------------

ROLES = ("own_institution", "other_institution", "enterprise", "county_officer", "city_officer")
#: Who may take each action at all (else 403, whatever the state).
MAY = {
    ProductAction.EDIT: {"own_institution"},
    ProductAction.SUBMIT: {"own_institution"},
    ProductAction.WITHDRAW: {"own_institution"},
    ProductAction.APPROVE: {"city_officer"},
    ProductAction.RETURN: {"city_officer"},
}


def actor_for(role: str, banker, officer):
    if role == "own_institution":
        return UserFactory(institution_officer=True, institution=banker.institution)
    if role == "other_institution":
        return UserFactory(institution_manager=True)
    if role == "enterprise":
        return UserFactory(enterprise_admin=True)
    if role == "county_officer":
        return UserFactory(county_officer=True)
    return officer


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(ProductState))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_state_action_role_table(state, action, role, banker, officer):
    product = make(state, banker, officer)
    actor = actor_for(role, banker, officer)
    before = snapshot(product)
    expected = EXPECTED_AFTER.get((state, action))
    if role not in MAY[action] or expected is None:
        with pytest.raises(ApplicationError) as refused:
            act(action, product, actor, actor)
        assert refused.value.status == (403 if role not in MAY[action] else 409)
        assert snapshot(product) == before
    else:
        act(action, product, actor, actor)
        assert state_of(product) == expected
