"""``manage.py demo_data``: counts, valid codes, every role and institution kind, idempotency, logins."""

import random
from decimal import Decimal
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.urls import reverse

from kejin.accounts.choices import Role
from kejin.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from kejin.accounts.models import User
from kejin.core.demo import COUNTIES, demo_regions
from kejin.core.models import Department, Industry, Region
from kejin.core.uscc import uscc_error
from kejin.enterprises.demo import build_enterprises, demo_industries, demo_zones
from kejin.enterprises.models import Enterprise
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.demo import INSTITUTIONS
from kejin.institutions.models import Institution

pytestmark = pytest.mark.django_db

COUNTY_CODES = {"330402", "330411", "330421", "330424", "330481", "330482", "330483"}
DEMO_USERNAMES = [
    "enterprise_admin",
    "enterprise_staff",
    "bank_manager",
    "bank_officer",
    "insurer_officer",
    "city_officer",
    "county_nanhu",
    "county_haining",
    "data_tax",
    "data_market",
    "data_court",
    "data_hrss",
    "data_housing_fund",
    "data_ecology",
    "data_safety",
    "data_grid",
    "data_water",
    "data_gas",
    "data_pbc",
    "data_science",
    "admin",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at Django's production cost takes ~0.5 s per hash or check; what is tested here
    # is that the printed password is the stored one, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo_data", enterprises=200, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    """Every demo row's values (timestamps and surrogate keys aside) and the table counts."""
    return {
        "enterprises": list(
            Enterprise.objects.order_by("uscc").values_list(
                "uscc", "name", "county__code", "zone__code", "industry__code", "founded_on",
                "size", "registered_capital", "legal_representative", "address",
                "contact_phone", "business_scope",
            )
        ),
        "institutions": list(
            Institution.objects.order_by("uscc").values_list(
                "uscc", "name", "kind", "parent__uscc", "county__code", "registered_capital",
                "address", "contact_phone",
            )
        ),
        "users": list(
            User.objects.order_by("username").values_list(
                "username", "role", "enterprise__uscc", "institution__uscc", "department__code",
                "county__code", "is_active", "is_staff", "is_superuser",
            )
        ),
        "counts": [
            model.objects.count() for model in (Enterprise, Institution, User, Department, Region, Industry)
        ],
    }  # fmt: skip


def test_enterprises_have_valid_unique_codes_of_their_county_and_pass_full_clean():
    run_demo()

    enterprises = list(Enterprise.objects.select_related("county", "zone", "industry"))
    assert len(enterprises) == 200
    assert [e.uscc for e in enterprises if uscc_error(e.uscc) is not None] == []
    assert len({e.uscc for e in enterprises}) == 200
    assert len({e.name for e in enterprises}) == 200
    # The USCC carries the county's GB/T 2260 code (characters 3–8).
    assert [e.uscc for e in enterprises if e.uscc[2:8] != e.county.code] == []
    assert {e.county.code for e in enterprises} == COUNTY_CODES
    for enterprise in enterprises:
        enterprise.full_clean()
    assert all(e.name.endswith(("有限公司", "股份有限公司")) for e in enterprises)
    assert all(e.industry.level == "division" for e in enterprises)
    assert all(1995 <= e.founded_on.year <= 2025 for e in enterprises)
    assert all(
        Decimal("100000") <= e.registered_capital <= Decimal("500000000")
        and e.registered_capital % 10000 == 0
        for e in enterprises
    )
    zoned = [e for e in enterprises if e.zone is not None]
    assert zoned, "the reference data has functional zones; some demo enterprises are in them"
    assert [e.uscc for e in zoned if e.zone.reports_to_id != e.county_id] == []


def test_enterprises_are_weighted_to_the_big_counties_and_to_manufacturing():
    run_demo()

    per_county = {
        code: Enterprise.objects.filter(county__code=code).count() for code in COUNTY_CODES
    }
    smallest_big = min(per_county["330481"], per_county["330483"], per_county["330402"])
    assert smallest_big > per_county["330424"]  # 海宁、桐乡、南湖 each outnumber 海盐
    manufacturing = Enterprise.objects.filter(industry__parent__code="C").count()
    it_and_services = Enterprise.objects.filter(industry__parent__code__in=["I", "M"]).count()
    assert manufacturing + it_and_services == 200
    assert manufacturing > 2 * it_and_services


def test_institutions_cover_every_kind_with_the_plans_guarantee_capital():
    run_demo()

    institutions = list(Institution.objects.select_related("parent", "county"))
    assert len(institutions) == len(INSTITUTIONS) >= 30
    assert {i.kind for i in institutions} == set(InstitutionKind.values)
    assert [i.uscc for i in institutions if uscc_error(i.uscc) is not None] == []
    assert len({i.uscc for i in institutions}) == len(institutions)
    for institution in institutions:
        institution.full_clean()
    tech = [i for i in institutions if i.kind == InstitutionKind.TECH_SUB_BRANCH]
    assert len(tech) >= 5
    assert [i.name for i in tech if i.parent is None or i.parent.kind != "bank_branch"] == []
    icbc_tech = Institution.objects.get(name="中国工商银行股份有限公司嘉兴科技支行")
    assert icbc_tech.parent.name == "中国工商银行股份有限公司嘉兴分行"
    # The action plan: the city's government guarantee company ≥ 2 亿元, one per county ≥ 1 亿元.
    city_guarantee = Institution.objects.get(name="嘉兴市融资担保有限公司")
    assert city_guarantee.kind == InstitutionKind.GUARANTEE
    assert city_guarantee.county.code == "330400"
    assert city_guarantee.registered_capital == Decimal("300000000.00")
    for code in COUNTY_CODES:
        assert Institution.objects.filter(
            kind=InstitutionKind.GUARANTEE,
            county__code=code,
            registered_capital__gte=Decimal("100000000"),
        ).exists(), code


def test_one_demo_user_per_role_with_its_organisation():
    output = run_demo()

    users = {u.username: u for u in User.objects.select_related("county", "department")}
    assert sorted(users) == sorted(DEMO_USERNAMES)
    assert {u.role for u in users.values()} == set(Role.values)
    assert [spec["username"] for spec in DEMO_USERS] == DEMO_USERNAMES

    admin, staff = users["enterprise_admin"], users["enterprise_staff"]
    assert (admin.role, staff.role) == (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)
    assert admin.enterprise_id == staff.enterprise_id is not None
    assert admin.enterprise.county.code == "330402"

    manager, officer = users["bank_manager"], users["bank_officer"]
    assert (manager.role, officer.role) == (Role.INSTITUTION_MANAGER, Role.INSTITUTION_OFFICER)
    assert manager.institution_id == officer.institution_id is not None
    assert manager.institution.kind == InstitutionKind.TECH_SUB_BRANCH
    assert users["insurer_officer"].institution.kind == InstitutionKind.INSURER

    city = users["city_officer"]
    assert (city.role, city.department.name, city.county) == (
        Role.CITY_OFFICER,
        "嘉兴市科学技术局",
        None,
    )
    nanhu, haining = users["county_nanhu"], users["county_haining"]
    assert (nanhu.role, nanhu.county.code) == (Role.COUNTY_OFFICER, "330402")
    assert (haining.role, haining.county.code) == (Role.COUNTY_OFFICER, "330481")
    assert nanhu.department.region.code == "330402"
    assert haining.department.region.code == "330481"

    tax = users["data_tax"]
    assert (tax.role, tax.department.name, tax.department.kind) == (
        Role.DATA_PROVIDER,
        "国家税务总局嘉兴市税务局",
        "data_provider",
    )
    platform = users["admin"]
    assert (platform.role, platform.is_staff, platform.is_superuser) == (
        Role.PLATFORM_ADMIN,
        True,
        True,
    )
    assert platform.organisation is None
    # Only the county bureau the reference data lacks is created.
    reference_codes = {"haining-government", "jx-etdz-committee", "jx-science-city-committee"}
    created = Department.objects.exclude(code__startswith="jx-").exclude(code__in=reference_codes)
    assert list(created.values_list("code", flat=True)) == ["nanhu-science-technology"]

    # The credentials table names every login with the shared password and organisation.
    lines = output.splitlines()
    assert lines[0].startswith(f"演示数据已就绪：企业 200 家，金融机构 {len(INSTITUTIONS)} 家，")
    rows = {line.split()[0]: line.split() for line in lines[3:]}
    assert sorted(rows) == sorted(DEMO_USERNAMES)
    assert {row[1] for row in rows.values()} == {DEMO_PASSWORD}
    assert rows["enterprise_admin"][2:] == ["企业管理员", admin.enterprise.name]
    assert rows["bank_manager"][2:] == ["金融机构管理员", "中国工商银行股份有限公司嘉兴科技支行"]
    assert rows["county_nanhu"][2:] == [
        "县(市、区)部门工作人员",
        "嘉兴市南湖区科学技术局（南湖区）",
    ]
    assert rows["admin"][2:] == ["平台管理员", "—"]


def test_running_twice_changes_nothing():
    run_demo()
    first = snapshot()

    run_demo()

    assert snapshot() == first
    assert first["counts"][:3] == [200, len(INSTITUTIONS), len(DEMO_USERNAMES)]


def test_demo_password_logs_in_as_every_demo_user(client):
    run_demo()

    for username in DEMO_USERNAMES:
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert response["Location"] == reverse("web:home")
        assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)


def test_rerun_resets_a_demo_users_password_role_and_lockout(client):
    run_demo()
    manager = User.objects.get(username="bank_manager")
    institution_id = manager.institution_id
    manager.set_password("Changed-by-someone-2026")
    manager.role = Role.INSTITUTION_OFFICER
    manager.is_active = False
    manager.save()
    AccessAttempt.objects.create(
        username="bank_manager",
        ip_address="127.0.0.1",
        user_agent="",
        http_accept="",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    locked = client.post(reverse("login"), {"username": "bank_manager", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session

    run_demo()

    manager.refresh_from_db()
    assert (manager.role, manager.is_active, manager.institution_id) == (
        Role.INSTITUTION_MANAGER,
        True,
        institution_id,
    )
    assert not AccessAttempt.objects.filter(username="bank_manager").exists()
    response = client.post(
        reverse("login"), {"username": "bank_manager", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_generation_is_seeded_and_a_smaller_run_is_a_prefix_of_a_larger_one():
    regions = demo_regions()
    counties = {county.code: regions[county.code] for county in COUNTIES}
    reference = {
        "counties": counties,
        "industries": demo_industries(),
        "zones": demo_zones(counties),
    }

    def rows(seed: int, count: int) -> list[tuple]:
        return [
            (e.uscc, e.name, e.county.code, e.industry.code, e.founded_on, e.registered_capital)
            for e in build_enterprises(rng=random.Random(seed), count=count, **reference)
        ]

    assert rows(7, 100) == rows(7, 100)
    assert rows(7, 50) == rows(7, 100)[:50]
    other = rows(8, 100)
    assert len({row[1] for row in other} & {row[1] for row in rows(7, 100)}) < 10
    assert rows(7, 1)[0][2] == rows(8, 1)[0][2] == "330402"  # the demo users' enterprise


def test_a_different_seed_adds_other_enterprises_and_keeps_one_set_of_users():
    run_demo()
    first = set(Enterprise.objects.values_list("uscc", flat=True))

    run_demo(seed=99)

    both = set(Enterprise.objects.values_list("uscc", flat=True))
    assert first < both
    assert User.objects.count() == len(DEMO_USERNAMES)
    assert Institution.objects.count() == len(INSTITUTIONS)


def test_zero_enterprises_is_refused_and_nothing_is_written():
    with pytest.raises(CommandError) as excinfo:
        call_command("demo_data", enterprises=0, stdout=StringIO())

    assert str(excinfo.value) == "--enterprises 至少为 1（演示企业用户需要一家企业）。"
    assert (Enterprise.objects.count(), Institution.objects.count(), User.objects.count()) == (
        0,
        0,
        0,
    )
