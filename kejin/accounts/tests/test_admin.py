"""The Django admin: who gets in, USCC validation, audited saves, role/organisation checks."""

from decimal import Decimal

import pytest
from stdnum.cn import uscc as stdnum_uscc

from kejin.accounts.models import User
from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory, IndustryFactory, RegionFactory
from kejin.core.uscc import uscc_error
from kejin.enterprises.models import Enterprise
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.models import Institution
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

VALID_USCC = "91330100716105852F"
WRONG_FINAL_CHECK = "91330100716105852G"
FINAL_CHECK_MESSAGE = "统一社会信用代码第18位校验码错误，请核对营业执照。"
ORG_CHECK_MESSAGE = "统一社会信用代码中的组织机构代码（第9-17位）校验位错误，请核对营业执照。"


def wrong_org_check_code() -> str:
    """A code whose final check character is right but whose organisation-code check is wrong."""
    partial = VALID_USCC[:16] + ("3" if VALID_USCC[16] != "3" else "4")
    return partial + stdnum_uscc.calc_check_digit(partial)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client):
    admin = UserFactory(platform_admin=True, username="root")
    client.force_login(admin)
    client.admin = admin
    return client


@pytest.fixture
def nanhu():
    return RegionFactory(code="330402", name="南湖区", level="county")


@pytest.fixture
def software():
    return IndustryFactory(code="65", name="软件和信息技术服务业", level="division")


def enterprise_form(nanhu, software, **overrides):
    data = {
        "uscc": VALID_USCC,
        "name": "嘉兴星河智能科技有限公司",
        "county": nanhu.pk,
        "zone": "",
        "industry": software.pk,
        "founded_on": "2019-05-20",
        "size": "small",
        "registered_capital": "5000000.00",
        "legal_representative": "张伟",
        "address": "",
        "contact_phone": "",
        "business_scope": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def institution_form(nanhu, **overrides):
    data = {
        "uscc": VALID_USCC,
        "name": "嘉兴银行科技支行",
        "kind": "tech_sub_branch",
        "parent": "",
        "county": nanhu.pk,
        "registered_capital": "",
        "address": "",
        "contact_phone": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


# --- who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "traits",
    [{"enterprise_admin": True}, {"institution_manager": True}, {}, {"county_officer": True}],
)
def test_only_platform_admins_get_into_the_admin(client, traits):
    client.force_login(UserFactory(**traits))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_platform_admin_gets_into_the_admin(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/admin/enterprises/enterprise/" in html
    assert "/admin/institutions/institution/" in html
    assert "/admin/accounts/user/" in html


# --- enterprises ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (WRONG_FINAL_CHECK, FINAL_CHECK_MESSAGE),
        (wrong_org_check_code(), ORG_CHECK_MESSAGE),
        ("9133010071610585", "统一社会信用代码应为18位，当前为16位。"),
        (
            "91330100716105O52F",
            "统一社会信用代码含有不允许的字符：O（不使用I、O、Z、S、V及符号）。",
        ),
    ],
)
def test_admin_rejects_an_invalid_enterprise_uscc_with_the_field_message(
    admin_client, nanhu, software, code, message
):
    assert uscc_error(code) == message

    response = admin_client.post(
        "/admin/enterprises/enterprise/add/", enterprise_form(nanhu, software, uscc=code)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"uscc": [message]}
    assert message in response.content.decode()
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()


def test_admin_adds_an_enterprise_normalised_and_audited(admin_client, nanhu, software):
    response = admin_client.post(
        "/admin/enterprises/enterprise/add/",
        enterprise_form(nanhu, software, uscc=" 9133 0100 7161 0585 2f "),
    )

    assert response.status_code == 302
    enterprise = Enterprise.objects.get()
    assert enterprise.uscc == VALID_USCC
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_type, event.object_id) == (
        admin_client.admin,
        "create",
        "enterprises.enterprise",
        str(enterprise.pk),
    )
    assert event.before is None
    assert event.after["uscc"] == VALID_USCC
    assert event.after["name"] == "嘉兴星河智能科技有限公司"
    assert Decimal(event.after["registered_capital"]) == Decimal("5000000.00")
    assert event.ip_address == "127.0.0.1"


def test_admin_change_of_an_enterprise_records_before_and_after(admin_client, nanhu, software):
    enterprise = EnterpriseFactory(
        county=nanhu, industry=software, name="嘉兴旧名科技有限公司", contact_phone=""
    )
    data = enterprise_form(
        nanhu,
        software,
        uscc=enterprise.uscc,
        name="嘉兴新名科技有限公司",
        founded_on=enterprise.founded_on.isoformat(),
        size=enterprise.size,
        registered_capital=str(enterprise.registered_capital),
        legal_representative="",
        contact_phone="0573-82345678",
    )

    response = admin_client.post(f"/admin/enterprises/enterprise/{enterprise.pk}/change/", data)

    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.name == "嘉兴新名科技有限公司"
    event = AuditEvent.objects.get()
    assert (event.actor, event.action) == (admin_client.admin, "update")
    assert event.before == {"name": "嘉兴旧名科技有限公司", "contact_phone": ""}
    assert event.after == {"name": "嘉兴新名科技有限公司", "contact_phone": "0573-82345678"}


def test_admin_change_to_an_invalid_uscc_changes_nothing(admin_client, nanhu, software):
    enterprise = EnterpriseFactory(county=nanhu, industry=software)
    original = enterprise.uscc

    response = admin_client.post(
        f"/admin/enterprises/enterprise/{enterprise.pk}/change/",
        enterprise_form(nanhu, software, uscc=WRONG_FINAL_CHECK),
    )

    assert response.status_code == 200
    assert FINAL_CHECK_MESSAGE in response.content.decode()
    enterprise.refresh_from_db()
    assert enterprise.uscc == original
    assert not AuditEvent.objects.exists()


def test_admin_delete_of_an_enterprise_is_audited(admin_client):
    enterprise = EnterpriseFactory(name="嘉兴注销科技有限公司")

    response = admin_client.post(
        f"/admin/enterprises/enterprise/{enterprise.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Enterprise.objects.exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.after) == ("delete", str(enterprise.pk), None)
    assert event.before["name"] == "嘉兴注销科技有限公司"


def test_admin_finds_an_enterprise_by_a_pasted_lower_case_code(admin_client):
    wanted = EnterpriseFactory(name="嘉兴要找科技有限公司")
    EnterpriseFactory(name="嘉兴别家科技有限公司")

    response = admin_client.get(
        "/admin/enterprises/enterprise/", {"q": wanted.uscc.lower()[:6] + " " + wanted.uscc[6:]}
    )

    assert [e.pk for e in response.context["cl"].result_list] == [wanted.pk]


# --- institutions --------------------------------------------------------------------------


def test_admin_rejects_an_invalid_institution_uscc(admin_client, nanhu):
    response = admin_client.post(
        "/admin/institutions/institution/add/", institution_form(nanhu, uscc=WRONG_FINAL_CHECK)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"uscc": [FINAL_CHECK_MESSAGE]}
    assert not Institution.objects.exists()
    assert not AuditEvent.objects.exists()


def test_admin_adds_and_changes_an_institution_audited(admin_client, nanhu):
    head = InstitutionFactory(name="嘉兴银行", county=nanhu)

    added = admin_client.post(
        "/admin/institutions/institution/add/", institution_form(nanhu, parent=head.pk)
    )

    assert added.status_code == 302
    branch = Institution.objects.get(uscc=VALID_USCC)
    assert branch.parent == head
    created = AuditEvent.objects.get()
    assert (created.actor, created.action, created.object_id) == (
        admin_client.admin,
        "create",
        str(branch.pk),
    )
    assert created.after["parent"] == head.pk

    changed = admin_client.post(
        f"/admin/institutions/institution/{branch.pk}/change/",
        {
            **institution_form(nanhu, parent=head.pk, registered_capital="200000000"),
            # The (read-only) branches inline of the change page.
            "branches-TOTAL_FORMS": "0",
            "branches-INITIAL_FORMS": "0",
        },
    )

    assert changed.status_code == 302
    branch.refresh_from_db()
    assert branch.registered_capital == Decimal("200000000")
    update = AuditEvent.objects.exclude(pk=created.pk).get()
    assert (update.action, update.before) == ("update", {"registered_capital": None})
    assert list(update.after) == ["registered_capital"]
    assert Decimal(update.after["registered_capital"]) == Decimal("200000000.00")


def test_institution_page_lists_its_branches(admin_client, nanhu):
    head = InstitutionFactory(name="嘉兴银行", county=nanhu)
    InstitutionFactory(name="嘉兴银行科技支行", parent=head, county=nanhu)

    response = admin_client.get(f"/admin/institutions/institution/{head.pk}/change/")

    assert response.status_code == 200
    assert "嘉兴银行科技支行" in response.content.decode()


# --- users ---------------------------------------------------------------------------------


def user_add_form(**overrides):
    data = {
        "username": "zhangwei",
        "usable_password": "true",
        "password1": "Nanhu-Lake-2031",
        "password2": "Nanhu-Lake-2031",
        "full_name": "张伟",
        "phone": "",
        "email": "",
        "role": "enterprise_admin",
        "enterprise": "",
        "institution": "",
        "department": "",
        "county": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def test_user_add_with_a_role_but_not_its_organisation_is_a_form_error(admin_client):
    response = admin_client.post("/admin/accounts/user/add/", user_add_form())

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "enterprise": ["角色为企业用户时必须选择所属企业。"]
    }
    assert not User.objects.filter(username="zhangwei").exists()
    assert not AuditEvent.objects.exists()


def test_user_add_of_a_county_officer_without_county_is_a_form_error(admin_client):
    department = DepartmentFactory()

    response = admin_client.post(
        "/admin/accounts/user/add/",
        user_add_form(role="county_officer", department=department.pk),
    )

    assert response.context["adminform"].form.errors == {
        "county": ["县(市、区)部门工作人员必须选择负责的县(市、区)。"]
    }
    assert not User.objects.filter(username="zhangwei").exists()


def test_user_add_with_an_organisation_of_another_kind_is_a_form_error(admin_client):
    enterprise = EnterpriseFactory()
    department = DepartmentFactory()

    response = admin_client.post(
        "/admin/accounts/user/add/",
        user_add_form(role="city_officer", department=department.pk, enterprise=enterprise.pk),
    )

    assert response.context["adminform"].form.errors == {
        "enterprise": ["该角色的用户不属于此类组织，请清空此项。"]
    }
    assert not User.objects.filter(username="zhangwei").exists()


def test_user_add_applies_the_password_validators_in_chinese(admin_client):
    enterprise = EnterpriseFactory()

    response = admin_client.post(
        "/admin/accounts/user/add/",
        user_add_form(enterprise=enterprise.pk, password1="Jx-2026", password2="Jx-2026"),
    )

    assert response.context["adminform"].form.errors == {
        "password2": ["密码太短，至少需要10个字符。"]
    }
    assert not User.objects.filter(username="zhangwei").exists()


def test_user_add_saves_a_consistent_user_and_audits_without_the_password(admin_client, nanhu):
    department = DepartmentFactory()

    response = admin_client.post(
        "/admin/accounts/user/add/",
        user_add_form(role="county_officer", department=department.pk, county=nanhu.pk),
    )

    assert response.status_code == 302
    user = User.objects.get(username="zhangwei")
    assert (user.role, user.department, user.county) == ("county_officer", department, nanhu)
    assert user.check_password("Nanhu-Lake-2031")
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_id) == (
        admin_client.admin,
        "create",
        str(user.pk),
    )
    assert event.after["role"] == "county_officer"
    assert event.after["county"] == nanhu.pk
    assert "password" not in event.after


def user_change_form(user, **overrides):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "role": user.role,
        "enterprise": user.enterprise_id or "",
        "institution": user.institution_id or "",
        "department": user.department_id or "",
        "county": user.county_id or "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def test_user_change_to_county_officer_without_county_changes_nothing(admin_client):
    user = UserFactory(role="city_officer")

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        user_change_form(user, role="county_officer"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "county": ["县(市、区)部门工作人员必须选择负责的县(市、区)。"]
    }
    user.refresh_from_db()
    assert user.role == "city_officer"
    assert not AuditEvent.objects.exists()


def test_user_change_refuses_admin_access_for_other_roles(admin_client):
    user = UserFactory(role="city_officer")

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/", user_change_form(user, is_staff="on")
    )

    assert response.context["adminform"].form.errors == {
        "is_staff": ["只有平台管理员可以进入后台管理，请取消勾选或将角色改为平台管理员。"]
    }
    user.refresh_from_db()
    assert user.is_staff is False


def test_user_change_is_audited_with_the_changed_fields(admin_client):
    user = UserFactory(role="city_officer", full_name="王芳")

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/", user_change_form(user, full_name="王芳芳")
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert (event.action, event.before, event.after) == (
        "update",
        {"full_name": "王芳"},
        {"full_name": "王芳芳"},
    )


def test_enterprise_list_filters_by_industry_section_and_county(admin_client, nanhu):
    section = IndustryFactory(code="I", name="信息传输、软件和信息技术服务业", level="section")
    software = IndustryFactory(code="65", name="软件和信息技术服务业", parent=section)
    manufacturing = IndustryFactory(code="C", name="制造业", level="section")
    machinery = IndustryFactory(code="34", name="通用设备制造业", parent=manufacturing)
    haining = RegionFactory(code="330481", name="海宁市", level="county")
    wanted = EnterpriseFactory(county=nanhu, industry=software)
    EnterpriseFactory(county=nanhu, industry=machinery)
    EnterpriseFactory(county=haining, industry=software)

    response = admin_client.get(
        "/admin/enterprises/enterprise/", {"section": "I", "county__id__exact": nanhu.pk}
    )

    assert response.status_code == 200
    assert [e.pk for e in response.context["cl"].result_list] == [wanted.pk]


def test_user_list_filters_by_role(admin_client):
    officer = UserFactory(county_officer=True)
    UserFactory(enterprise_admin=True)

    response = admin_client.get("/admin/accounts/user/", {"role__exact": "county_officer"})

    assert response.status_code == 200
    assert [u.pk for u in response.context["cl"].result_list] == [officer.pk]


def test_admin_password_change_of_a_user_applies_the_validators_in_chinese(admin_client):
    user = UserFactory()

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"usable_password": "true", "password1": "Jx-2026", "password2": "Jx-2026"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["密码太短，至少需要10个字符。"]}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
