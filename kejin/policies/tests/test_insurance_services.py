"""Tech insurance services: insurers record and correct policies (duplicate numbers refused
with a clear message), group schemes list exactly the qualifying enterprises once and within
the budget, and confirmation creates each member's policy once; every refusal changes
nothing; lists are scoped."""

import datetime
from decimal import Decimal

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.notifications.models import Notification
from kejin.policies.choices import GroupMemberStatus, GroupSchemeStatus, PolicyScheme
from kejin.policies.evaluation import qualifying_ids
from kejin.policies.models import GroupMember, GroupScheme, InsurancePolicy
from kejin.policies.selectors_insurance import (
    group_scheme_budget,
    group_scheme_list,
    insurance_policy_get,
    insurance_policy_list,
)
from kejin.policies.services_insurance import (
    group_scheme_confirm,
    group_scheme_create,
    group_scheme_decline,
    group_scheme_list_insured,
    group_scheme_open,
    insurance_policy_correct,
    insurance_policy_record,
)
from kejin.policies.tests.factories import InsurancePolicyFactory, PolicyFactory

pytestmark = pytest.mark.django_db

SMALL = {"<=": [{"var": "employees"}, 50]}
YEAR = 2025


def snapshot() -> dict:
    return {
        "policies": sorted(
            InsurancePolicy.objects.values_list("number", "premium", "line", "enterprise_id")
        ),
        "schemes": sorted(GroupScheme.objects.values_list("pk", "status", "name")),
        "members": sorted(GroupMember.objects.values_list("scheme_id", "enterprise_id", "status")),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def insurer():
    return InstitutionFactory(kind=InstitutionKind.INSURER, name="中国人保财险嘉兴市分公司")


@pytest.fixture
def insurer_user(insurer):
    return UserFactory(institution_officer=True, institution=insurer)


@pytest.fixture
def city():
    return UserFactory()


def _data(enterprise, **extra):
    return {
        "uscc": enterprise.uscc,
        "line": "patent",
        "number": "PICC2026-001",
        "premium": "50000",
        "sum_insured": "2000000",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        **extra,
    }


def _refused(call, **kwargs) -> ApplicationError:
    before = snapshot()
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert snapshot() == before
    return caught.value


# --- recording ---------------------------------------------------------------------------------


def test_an_insurer_records_a_policy_by_uscc_or_exact_name(insurer_user):
    enterprise = EnterpriseFactory(name="嘉兴禾润光电科技有限公司")
    policy = insurance_policy_record(user=insurer_user, data=_data(enterprise))
    assert (policy.insurer_id, policy.enterprise_id) == (insurer_user.institution_id, enterprise.pk)
    assert policy.premium == Decimal("50000.00") and policy.recorded_by == insurer_user
    by_name = insurance_policy_record(
        user=insurer_user,
        data=_data(enterprise, uscc="", enterprise_name="嘉兴禾润光电科技有限公司", number="B-2"),
    )
    assert by_name.enterprise_id == enterprise.pk
    event = AuditEvent.objects.filter(object_id=str(policy.pk)).get()
    assert event.action == "create" and event.after["number"] == "PICC2026-001"


def test_a_duplicate_number_of_the_same_insurer_is_refused_with_a_clear_message(insurer_user):
    enterprise = EnterpriseFactory()
    insurance_policy_record(user=insurer_user, data=_data(enterprise))
    error = _refused(insurance_policy_record, user=insurer_user, data=_data(enterprise))
    assert error.fields == {
        "number": [
            "本机构已录入保单号为“PICC2026-001”的保单，请核对保单号；如需修改原保单，请在原保单上更正。"
        ]
    }
    other = UserFactory(
        institution_officer=True, institution=InstitutionFactory(kind=InstitutionKind.INSURER)
    )
    assert insurance_policy_record(user=other, data=_data(enterprise)).number == "PICC2026-001"


def test_bad_input_is_refused_field_by_field_and_writes_nothing(insurer_user):
    error = _refused(
        insurance_policy_record,
        user=insurer_user,
        data={
            "uscc": "91330400MA2B00000X",
            "line": "cyber",
            "number": "",
            "premium": "0",
            "starts_on": "2026-12-31",
            "ends_on": "2026-01-01",
        },
    )
    assert error.fields == {
        "enterprise": ["未找到统一社会信用代码为“91330400MA2B00000X”的企业，请核对后重填。"],
        "line": ["请选择险种。"],
        "number": ["此项必填。"],
        "premium": ["金额应大于 0 元，请核对后重填。"],
        "ends_on": ["保险止期不能早于保险起期。"],
    }


@pytest.mark.parametrize(
    "who",
    [
        lambda: UserFactory(),
        lambda: UserFactory(institution_officer=True),
        lambda: UserFactory(enterprise_admin=True),
    ],
)
def test_only_insurers_record(who):
    error = _refused(insurance_policy_record, user=who(), data=_data(EnterpriseFactory()))
    assert error.code == "permission_denied"
    assert error.message == "只有保险机构用户可以录入科技保险保单。"


def test_the_insurer_corrects_its_policy_and_the_audit_keeps_before_and_after(insurer_user):
    enterprise = EnterpriseFactory()
    policy = insurance_policy_record(user=insurer_user, data=_data(enterprise))
    corrected = insurance_policy_correct(
        user=insurer_user, policy=policy, data=_data(enterprise, premium="48000")
    )
    assert corrected.premium == Decimal("48000.00")
    event = AuditEvent.objects.filter(object_id=str(policy.pk), action="update").get()
    assert (event.before, event.after) == ({"premium": "50000.00"}, {"premium": "48000.00"})
    other = UserFactory(
        institution_officer=True, institution=InstitutionFactory(kind=InstitutionKind.INSURER)
    )
    error = _refused(
        insurance_policy_correct,
        user=other,
        policy=policy,
        data=_data(enterprise, premium="1"),
    )
    assert error.code == "permission_denied"


def test_a_correction_to_another_policys_number_is_refused(insurer_user):
    enterprise = EnterpriseFactory()
    insurance_policy_record(user=insurer_user, data=_data(enterprise))
    second = insurance_policy_record(user=insurer_user, data=_data(enterprise, number="B-2"))
    error = _refused(
        insurance_policy_correct,
        user=insurer_user,
        policy=second,
        data=_data(enterprise),
    )
    assert list(error.fields) == ["number"]


def test_lists_are_scoped(insurer_user):
    from kejin.core.tests.factories import RegionFactory

    county = RegionFactory()  # 南湖区
    local = EnterpriseFactory(county=county)
    own = InsurancePolicyFactory(insurer=insurer_user.institution, enterprise=local)
    haining = RegionFactory(code="330481", name="海宁市")
    foreign = InsurancePolicyFactory(enterprise=EnterpriseFactory(county=haining))
    assert list(insurance_policy_list(user=insurer_user)) == [own]
    officer = UserFactory(county_officer=True, county=county)
    assert list(insurance_policy_list(user=officer)) == [own]
    owner = UserFactory(enterprise_admin=True, enterprise=foreign.enterprise)
    assert list(insurance_policy_list(user=owner)) == [foreign]
    assert set(insurance_policy_list(user=UserFactory())) == {own, foreign}
    assert list(insurance_policy_list(user=UserFactory(institution_officer=True))) == []
    with pytest.raises(ApplicationError) as caught:
        insurance_policy_get(user=insurer_user, pk=foreign.pk)
    assert caught.value.code == "not_found"


# --- group cover --------------------------------------------------------------------------------


def _enterprise(employees, founded):
    enterprise = EnterpriseFactory(founded_on=founded)
    AnnualFacts.objects.create(enterprise=enterprise, year=YEAR, employees=employees)
    return enterprise


def _scheme(city, insurer, *, budget=None, premium="3000"):
    policy = PolicyFactory(
        scheme=PolicyScheme.GROUP_COVER,
        published=True,
        live__document=SMALL,
        live__budget=budget,
    )
    return group_scheme_create(
        user=city,
        data={
            "policy": policy.pk,
            "name": "2026年科技型初创企业研发责任统保",
            "insurer": insurer.pk,
            "line": "rd_liability",
            "premium_per_head": premium,
            "sum_insured_per_head": "500000",
            "starts_on": datetime.date(2026, 3, 1),
            "ends_on": datetime.date(2027, 2, 28),
        },
    )


def test_listing_adds_exactly_the_qualifying_once_and_keeps_members(city, insurer):
    a = _enterprise(10, datetime.date(2022, 1, 1))
    b = _enterprise(40, datetime.date(2021, 1, 1))
    _enterprise(300, datetime.date(2023, 1, 1))
    scheme = _scheme(city, insurer)
    first = group_scheme_list_insured(user=city, scheme=scheme, year=YEAR)
    members = set(scheme.members.values_list("enterprise_id", flat=True))
    assert members == set(qualifying_ids(scheme.policy.live_version, year=YEAR)) == {a.pk, b.pk}
    assert (first.added, first.already, first.left_out) == (2, 0, 0)
    assert first.total == Decimal("6000.00")
    before = snapshot()
    again = group_scheme_list_insured(user=city, scheme=scheme, year=YEAR)
    assert (again.added, again.already) == (0, 2) and snapshot() == before
    c = _enterprise(5, datetime.date(2025, 1, 1))
    AnnualFacts.objects.filter(enterprise=b).update(employees=400)  # b no longer qualifies
    third = group_scheme_list_insured(user=city, scheme=scheme, year=YEAR)
    assert third.added == 1
    assert set(scheme.members.values_list("enterprise_id", flat=True)) == {a.pk, b.pk, c.pk}
    assert GroupMember.objects.filter(scheme=scheme).count() == 3


def test_the_budget_takes_the_youngest_first_and_says_who_was_left_out(city, insurer):
    old = _enterprise(10, datetime.date(2019, 1, 1))
    young = _enterprise(10, datetime.date(2025, 6, 1))
    middle = _enterprise(10, datetime.date(2023, 1, 1))
    scheme = _scheme(city, insurer, budget=Decimal("6500"))
    listing = group_scheme_list_insured(user=city, scheme=scheme, year=YEAR)
    assert (listing.added, listing.left_out, listing.over_budget) == (2, 1, True)
    assert set(scheme.members.values_list("enterprise_id", flat=True)) == {young.pk, middle.pk}
    assert old.pk not in scheme.members.values_list("enterprise_id", flat=True)
    budget = group_scheme_budget(GroupScheme.objects.get(pk=scheme.pk))
    assert (budget.total, budget.budget, budget.over_budget) == (
        Decimal("6000.00"),
        Decimal("6500.00"),
        False,
    )


def test_only_city_officers_define_and_list(city, insurer):
    _enterprise(10, datetime.date(2022, 1, 1))
    scheme = _scheme(city, insurer)
    county = UserFactory(county_officer=True)
    error = _refused(group_scheme_list_insured, user=county, scheme=scheme, year=YEAR)
    assert error.message == "只有市级部门工作人员可以设立统保方案。"
    error = _refused(
        group_scheme_create,
        user=UserFactory(institution_officer=True, institution=insurer),
        data={},
    )
    assert error.code == "permission_denied"


def test_a_scheme_needs_a_published_group_cover_policy_and_an_insurer(city):
    grant = PolicyFactory(published=True)
    bank = InstitutionFactory()
    error = _refused(
        group_scheme_create,
        user=city,
        data={
            "policy": grant.pk,
            "name": "统保",
            "insurer": bank.pk,
            "line": "rd_liability",
            "premium_per_head": "3000",
            "starts_on": "2026-03-01",
            "ends_on": "2027-02-28",
        },
    )
    assert error.fields == {
        "policy": ["请选择一项已发布的政府统保政策。"],
        "insurer": ["承保机构应是平台上的保险机构，请重新选择。"],
    }


def test_confirmation_creates_each_members_policy_once(
    city, insurer, insurer_user, django_capture_on_commit_callbacks
):
    a = _enterprise(10, datetime.date(2022, 1, 1))
    b = _enterprise(20, datetime.date(2023, 1, 1))
    c = _enterprise(30, datetime.date(2024, 1, 1))
    scheme = _scheme(city, insurer)
    group_scheme_list_insured(user=city, scheme=scheme, year=YEAR)
    error = _refused(group_scheme_confirm, user=insurer_user, scheme=scheme)
    assert error.message == "统保名单尚未确定，暂不能确认承保。"
    with django_capture_on_commit_callbacks(execute=True):
        group_scheme_open(user=city, scheme=scheme)
    told = Notification.objects.get(recipient=insurer_user)
    assert told.title == "统保方案“2026年科技型初创企业研发责任统保”名单已确定，请确认承保"
    assert told.body == "共 3 户，保费合计 9,000.00 元。"
    error = _refused(group_scheme_list_insured, user=city, scheme=scheme, year=YEAR)
    assert error.status == 409
    other = UserFactory(
        institution_officer=True, institution=InstitutionFactory(kind=InstitutionKind.INSURER)
    )
    error = _refused(group_scheme_confirm, user=other, scheme=scheme)
    assert error.message == "只有承保机构可以确认统保承保。"
    member_a, member_b, member_c = (scheme.members.get(enterprise=e) for e in (a, b, c))
    assert group_scheme_decline(user=insurer_user, scheme=scheme, member_ids=[member_c.pk]) == 1
    created = group_scheme_confirm(user=insurer_user, scheme=scheme, member_ids=[member_a.pk])
    assert [p.number for p in created] == [f"TB{scheme.pk:04d}-{member_a.pk:06d}"]
    rest = group_scheme_confirm(user=insurer_user, scheme=scheme)
    assert [p.enterprise_id for p in rest] == [b.pk]
    scheme.refresh_from_db()
    assert scheme.status == GroupSchemeStatus.CONFIRMED and scheme.confirmed_at
    statuses = dict(scheme.members.values_list("enterprise_id", "status"))
    assert statuses == {
        a.pk: GroupMemberStatus.COVERED,
        b.pk: GroupMemberStatus.COVERED,
        c.pk: GroupMemberStatus.DECLINED,
    }
    policy = InsurancePolicy.objects.get(group_member=member_b)
    assert (policy.premium, policy.line, policy.starts_on, policy.insurer_id) == (
        Decimal("3000.00"),
        "rd_liability",
        datetime.date(2026, 3, 1),
        insurer.pk,
    )
    before = snapshot()
    assert group_scheme_confirm(user=insurer_user, scheme=scheme) == []
    assert snapshot() == before
    assert InsurancePolicy.objects.count() == 2


def test_choosing_a_member_of_another_scheme_is_refused(city, insurer, insurer_user):
    _enterprise(10, datetime.date(2022, 1, 1))
    scheme = _scheme(city, insurer)
    group_scheme_list_insured(user=city, scheme=scheme, year=YEAR)
    group_scheme_open(user=city, scheme=scheme)
    error = _refused(group_scheme_confirm, user=insurer_user, scheme=scheme, member_ids=[999999])
    assert error.fields == {"members": ["所选企业不在本统保方案的名单中，请刷新后重选。"]}


def test_an_empty_list_cannot_be_opened_and_schemes_are_scoped(city, insurer, insurer_user):
    scheme = _scheme(city, insurer)
    error = _refused(group_scheme_open, user=city, scheme=scheme)
    assert error.message == "统保名单为空，请先列入参保企业再确定名单。"
    assert list(group_scheme_list(user=insurer_user)) == [scheme]
    other = UserFactory(
        institution_officer=True, institution=InstitutionFactory(kind=InstitutionKind.INSURER)
    )
    assert list(group_scheme_list(user=other)) == []
    assert list(group_scheme_list(user=UserFactory(enterprise_admin=True))) == []
    assert list(group_scheme_list(user=UserFactory(county_officer=True))) == [scheme]
