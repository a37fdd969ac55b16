"""The institution directory pages: list with filters for every signed-in user, detail with
parent and branches, create for city officers and platform admins, edit by
``institution_editable_fields``, and denied writes changing nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.institutions.models import Institution
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

REAL_CODES = ["91330100716105852F", "91110000600037341L"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test creates users; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def nanhu():
    return RegionFactory(code="330402", name="南湖区")


def xiuzhou():
    return RegionFactory(code="330411", name="秀洲区")


def city():
    return RegionFactory(code="330400", name="嘉兴市", level="city")


def login(client, user):
    client.force_login(user)
    return client


def field_error(field: str, message: str) -> str:
    """How a field's error message appears beneath the field on the form pages."""
    return f'<div class="invalid-feedback d-block" data-field="{field}">{message}</div>'


def table_body(response) -> str:
    """The rows of the results table (the search box echoes the query, so look only here)."""
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


def snapshot(institution: Institution) -> dict:
    institution.refresh_from_db()
    return {f.attname: getattr(institution, f.attname) for f in Institution._meta.concrete_fields}


ALL_ROLES = [
    {},
    {"county_officer": True},
    {"platform_admin": True},
    {"enterprise_admin": True},
    {"enterprise_staff": True},
    {"institution_manager": True},
    {"institution_officer": True},
    {"data_provider": True},
]


# --- list -------------------------------------------------------------------------------


@pytest.mark.parametrize("traits", ALL_ROLES)
def test_list_is_open_to_every_signed_in_user(client, traits):
    bank = InstitutionFactory(county=nanhu(), name="嘉兴银行科技支行")
    insurer = InstitutionFactory(county=xiuzhou(), name="人保财险秀洲支公司", kind="insurer")
    login(client, UserFactory(**traits))

    response = client.get(reverse("institutions:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert bank.name in html and insurer.name in html
    assert "科技支行" in html and "保险机构" in html


def test_list_needs_sign_in(client):
    response = client.get(reverse("institutions:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_shows_count_parent_and_large_capital_in_yiyuan(client):
    head = InstitutionFactory(county=city(), name="嘉兴银行", kind="bank_branch")
    branch = InstitutionFactory(
        county=nanhu(), name="嘉兴银行南湖科技支行", parent=head, registered_capital=None
    )
    login(client, UserFactory())

    response = client.get(reverse("institutions:list"))

    html = response.content.decode()
    assert "共 2 家机构" in html
    assert "1.00 亿元" in html  # the head's 1 亿元, not "10,000.00 万元"
    assert "10,000.00 万元" not in html
    rows = table_body(response)
    branch_row = rows[rows.index(branch.name) :]
    assert f'<a href="{reverse("institutions:detail", args=[head.pk])}">嘉兴银行</a>' in branch_row


def test_list_filters_by_kind_county_and_query(client):
    bank = InstitutionFactory(county=nanhu(), name="嘉兴银行科技支行")
    insurer = InstitutionFactory(county=xiuzhou(), name="人保财险秀洲支公司", kind="insurer")
    guarantor = InstitutionFactory(
        county=nanhu(), name="嘉兴融资担保有限公司", kind="guarantee", uscc=REAL_CODES[1]
    )
    login(client, UserFactory(institution_officer=True))

    def names(params):
        body = table_body(client.get(reverse("institutions:list"), params))
        return {i.name for i in (bank, insurer, guarantor) if i.name in body}

    assert names({"kind": "insurer"}) == {insurer.name}
    assert names({"county": "330402"}) == {bank.name, guarantor.name}
    assert names({"q": "担保"}) == {guarantor.name}
    assert names({"q": "9111 0000 6000 3734 1l"}) == {guarantor.name}
    assert names({"county": "330402", "kind": "tech_sub_branch"}) == {bank.name}


def test_list_sorts_by_capital_with_blanks_last(client):
    county = nanhu()
    small = InstitutionFactory(county=county, name="甲机构", registered_capital=Decimal("100"))
    large = InstitutionFactory(county=county, name="乙机构", registered_capital=Decimal("900"))
    blank = InstitutionFactory(county=county, name="丙机构", registered_capital=None)
    login(client, UserFactory())

    ascending = table_body(
        client.get(reverse("institutions:list"), {"ordering": "registered_capital"})
    )
    descending = table_body(
        client.get(reverse("institutions:list"), {"ordering": "-registered_capital"})
    )

    assert ascending.index(small.name) < ascending.index(large.name) < ascending.index(blank.name)
    assert (
        descending.index(large.name) < descending.index(small.name) < descending.index(blank.name)
    )


def test_list_ignores_an_unknown_sort_order(client):
    InstitutionFactory(county=nanhu(), name="乙机构")
    InstitutionFactory(county=nanhu(), name="甲机构")
    login(client, UserFactory())

    response = client.get(reverse("institutions:list"), {"ordering": "uscc"})

    assert response.status_code == 200
    assert 'aria-sort="' not in response.content.decode()


def test_list_pages_by_25_and_page_links_keep_the_filters(client):
    county = nanhu()
    for n in range(27):
        InstitutionFactory(county=county, name=f"分页测试保险{n:02d}", kind="insurer")
    InstitutionFactory(county=county, name="不在其中的银行")
    login(client, UserFactory())

    first = client.get(reverse("institutions:list"), {"kind": "insurer"})
    second = client.get(reverse("institutions:list"), {"kind": "insurer", "page": "2"})

    assert table_body(first).count("分页测试保险") == 25
    assert "共 27 家机构" in first.content.decode()
    assert "?kind=insurer&amp;page=2" in first.content.decode()
    assert table_body(second).count("分页测试保险") == 2
    assert "不在其中的银行" not in second.content.decode()


def test_htmx_search_returns_only_the_results_partial(client):
    InstitutionFactory(county=nanhu(), name="嘉兴银行科技支行")
    InstitutionFactory(county=nanhu(), name="嘉兴融资担保有限公司", kind="guarantee")
    login(client, UserFactory(enterprise_staff=True))

    response = client.get(
        reverse("institutions:list"),
        {"q": "担保"},
        headers={"HX-Request": "true", "HX-Target": "institution-results"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="institution-results"')
    assert "<html" not in html
    assert "嘉兴融资担保有限公司" in html and "嘉兴银行科技支行" not in html


def test_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    head = InstitutionFactory(county=city(), name="嘉兴银行")
    for n in range(30):
        InstitutionFactory(county=nanhu() if n % 2 else xiuzhou(), parent=head if n % 3 else None)
    login(client, UserFactory())

    # Session, user, the user's department (menu), count, regions, one page of rows.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("institutions:list"), {"ordering": "-kind"})
    assert response.status_code == 200
    # The HTMX partial: session, user, count, one page of rows.
    with django_assert_max_num_queries(4):
        client.get(
            reverse("institutions:list"),
            headers={"HX-Request": "true", "HX-Target": "institution-results"},
        )


# --- detail -----------------------------------------------------------------------------


@pytest.mark.parametrize("traits", ALL_ROLES)
def test_detail_shows_parent_and_branches_to_every_signed_in_user(client, traits):
    head = InstitutionFactory(county=city(), name="嘉兴银行", kind="bank_branch")
    branch = InstitutionFactory(
        county=nanhu(),
        name="嘉兴银行南湖科技支行",
        parent=head,
        registered_capital=None,
        address="嘉兴市南湖区金融街1号",
        contact_phone="0573-82222222",
    )
    sub_branch = InstitutionFactory(
        county=nanhu(), name="嘉兴银行南湖科技支行东栅网点", parent=branch
    )
    InstitutionFactory(county=nanhu(), name="无关机构")
    login(client, UserFactory(**traits))

    response = client.get(reverse("institutions:detail", args=[branch.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<dd class="col-sm-9 font-monospace" data-testid="uscc">{branch.uscc}</dd>' in html
    parent_link = f'<a href="{reverse("institutions:detail", args=[head.pk])}">嘉兴银行</a>'
    assert f'<dd class="col-sm-9" data-testid="parent">{parent_link}</dd>' in html
    assert '<dd class="col-sm-9" data-testid="registered-capital">—</dd>' in html
    assert "嘉兴市南湖区金融街1号" in html and "0573-82222222" in html
    assert html.count('data-testid="branch"') == 1
    assert sub_branch.name in html
    assert "无关机构" not in html


def test_detail_of_a_missing_institution_is_404(client):
    login(client, UserFactory())

    assert client.get(reverse("institutions:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("traits", "own", "shown"),
    [
        ({}, False, True),
        ({"platform_admin": True}, False, True),
        ({"institution_manager": True}, True, True),
        ({"institution_officer": True}, True, False),
        ({"county_officer": True}, False, False),
        ({"enterprise_admin": True}, False, False),
    ],
)
def test_edit_button_only_for_those_who_may_edit(client, traits, own, shown):
    user = UserFactory(**traits)
    institution = user.institution if own else InstitutionFactory(county=nanhu())
    login(client, user)

    html = client.get(reverse("institutions:detail", args=[institution.pk])).content.decode()

    assert (reverse("institutions:edit", args=[institution.pk]) in html) is shown


# --- create -----------------------------------------------------------------------------


def _create_data(county, **overrides) -> dict:
    data = {
        "uscc": REAL_CODES[0],
        "name": "嘉兴新设科技支行",
        "kind": "tech_sub_branch",
        "parent": "",
        "county": county.pk,
        "registered_capital": "",
        "address": "嘉兴市南湖区金融街2号",
        "contact_phone": "0573-83333333",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("code", REAL_CODES)
def test_city_officer_creates_an_institution_and_it_is_audited(client, code):
    officer = UserFactory(username="city-officer")
    head = InstitutionFactory(county=city(), name="嘉兴银行")
    login(client, officer)

    response = client.post(
        reverse("institutions:create"),
        _create_data(nanhu(), uscc=code, parent=head.pk, registered_capital="20000000"),
        REMOTE_ADDR="10.1.2.3",
    )

    institution = Institution.objects.get(uscc=code)
    assert response.status_code == 302
    assert response["Location"] == reverse("institutions:detail", args=[institution.pk])
    assert institution.parent == head
    assert institution.registered_capital == Decimal("20000000.00")
    event = AuditEvent.objects.get(object_id=str(institution.pk))
    assert event.object_type == "institutions.institution"
    assert event.action == "create"
    assert event.actor == officer
    assert event.before is None
    assert event.after["uscc"] == code
    assert event.after["parent"] == head.pk
    assert event.after["registered_capital"] == "20000000.00"
    assert event.ip_address == "10.1.2.3"
    page = client.get(response["Location"]).content.decode()
    assert "金融机构“嘉兴新设科技支行”已登记。" in page


def test_platform_admin_creates_an_institution(client):
    login(client, UserFactory(platform_admin=True))

    response = client.post(reverse("institutions:create"), _create_data(nanhu()))

    assert response.status_code == 302
    assert Institution.objects.get().name == "嘉兴新设科技支行"


BAD_CODES = [
    ("91330100716105852G", "统一社会信用代码第18位校验码错误，请核对营业执照。"),
    ("9133010071610585", "统一社会信用代码应为18位，当前为16位。"),
    (
        "91330100716105852O",
        "统一社会信用代码含有不允许的字符：O（不使用I、O、Z、S、V及符号）。",
    ),
]


@pytest.mark.parametrize(("code", "message"), BAD_CODES)
def test_creating_with_a_bad_code_shows_the_message_under_the_uscc_field(client, code, message):
    login(client, UserFactory())

    response = client.post(reverse("institutions:create"), _create_data(nanhu(), uscc=code))

    assert response.status_code == 200
    assert field_error("uscc", message) in response.content.decode()
    assert response.context["form"].errors == {"uscc": [message]}
    assert Institution.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "traits",
    [
        {"county_officer": True},
        {"enterprise_admin": True},
        {"institution_manager": True},
        {"institution_officer": True},
        {"data_provider": True},
    ],
)
def test_create_is_forbidden_to_everyone_else_and_changes_nothing(client, traits):
    login(client, UserFactory(**traits))
    before = Institution.objects.count()

    get = client.get(reverse("institutions:create"))
    post = client.post(reverse("institutions:create"), _create_data(nanhu()))

    assert get.status_code == 403
    assert post.status_code == 403
    assert "您无权登记金融机构。" in post.content.decode()
    assert Institution.objects.count() == before
    assert not Institution.objects.filter(uscc=REAL_CODES[0]).exists()
    assert AuditEvent.objects.count() == 0


# --- edit -------------------------------------------------------------------------------


def _officer_form_data(institution: Institution, **overrides) -> dict:
    data = {
        "uscc": institution.uscc,
        "name": institution.name,
        "kind": institution.kind,
        "parent": institution.parent_id or "",
        "county": institution.county_id,
        "registered_capital": ""
        if institution.registered_capital is None
        else str(institution.registered_capital),
        "address": institution.address,
        "contact_phone": institution.contact_phone,
    }
    data.update(overrides)
    return data


def test_city_officer_edits_and_the_change_is_audited(client):
    institution = InstitutionFactory(county=nanhu(), name="旧名称支行")
    officer = UserFactory()
    login(client, officer)

    response = client.post(
        reverse("institutions:edit", args=[institution.pk]),
        _officer_form_data(institution, name="新名称支行", kind="bank_branch"),
    )

    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.name == "新名称支行"
    event = AuditEvent.objects.get()
    assert event.action == "update"
    assert event.actor == officer
    assert event.before == {"name": "旧名称支行", "kind": "tech_sub_branch"}
    assert event.after == {"name": "新名称支行", "kind": "bank_branch"}
    assert "金融机构信息已保存。" in client.get(response["Location"]).content.decode()


def test_institution_manager_edits_only_own_contact_details(client):
    manager = UserFactory(institution_manager=True)
    institution = manager.institution
    login(client, manager)

    form_page = client.get(reverse("institutions:edit", args=[institution.pk]))
    response = client.post(
        reverse("institutions:edit", args=[institution.pk]),
        {
            "address": "嘉兴市南湖区新址3号",
            "contact_phone": "0573-84444444",
            # Not on this role's form: ignored.
            "name": "改名企图",
            "registered_capital": "1",
        },
    )

    assert set(form_page.context["form"].fields) == {"address", "contact_phone"}
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.address == "嘉兴市南湖区新址3号"
    assert institution.name != "改名企图"
    assert institution.registered_capital == Decimal("100000000.00")
    event = AuditEvent.objects.get()
    assert event.actor == manager
    assert event.before == {"address": "", "contact_phone": ""}
    assert event.after == {"address": "嘉兴市南湖区新址3号", "contact_phone": "0573-84444444"}


@pytest.mark.parametrize(
    ("traits", "own"),
    [
        ({"institution_manager": True}, False),
        ({"institution_officer": True}, True),
        ({"county_officer": True}, False),
        ({"enterprise_admin": True}, False),
    ],
)
def test_denied_edit_is_403_and_changes_nothing(client, traits, own):
    user = UserFactory(**traits)
    institution = user.institution if own else InstitutionFactory(county=nanhu())
    before = snapshot(institution)
    login(client, user)

    get = client.get(reverse("institutions:edit", args=[institution.pk]))
    post = client.post(
        reverse("institutions:edit", args=[institution.pk]),
        _officer_form_data(institution, name="越权修改", address="越权地址"),
    )

    assert get.status_code == 403
    assert post.status_code == 403
    assert "您无权修改该金融机构的信息。" in post.content.decode()
    assert snapshot(institution) == before
    assert AuditEvent.objects.count() == 0


def test_edit_of_a_missing_institution_is_404(client):
    login(client, UserFactory())

    assert client.post(reverse("institutions:edit", args=[999999]), {}).status_code == 404


def test_an_institution_cannot_become_its_own_branchs_branch(client):
    head = InstitutionFactory(county=city(), name="嘉兴银行")
    branch = InstitutionFactory(county=nanhu(), name="嘉兴银行南湖支行", parent=head)
    before = snapshot(head)
    login(client, UserFactory())

    response = client.post(
        reverse("institutions:edit", args=[head.pk]), _officer_form_data(head, parent=branch.pk)
    )

    assert response.status_code == 200
    message = "“嘉兴银行南湖支行”是本机构的下级机构，不能作为上级机构。"
    assert field_error("parent", message) in response.content.decode()
    assert snapshot(head) == before
    assert AuditEvent.objects.count() == 0


def test_the_parent_choices_leave_out_the_institution_itself(client):
    head = InstitutionFactory(county=city(), name="嘉兴银行")
    other = InstitutionFactory(county=nanhu(), name="另一家银行")
    login(client, UserFactory())

    response = client.get(reverse("institutions:edit", args=[head.pk]))

    parents = list(response.context["form"].fields["parent"].queryset)
    assert parents == [other]
