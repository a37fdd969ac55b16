"""Who may do what in the enterprises app: every role × every predicate, as a table (the
list's, 名单库, are in ``kejin.registry.tests.test_permissions``).

Columns are the roles in ``Role``'s order (enterprise admin, enterprise staff, institution
manager, institution officer, city officer, county officer, data provider, platform admin).
``own``: the user's own enterprise / an enterprise of the county officer's county / that
county / a batch limited to it; ``other``: another county's. See docs/architecture.md.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from kejin.accounts.choices import Role
from kejin.accounts.tests.factories import UserFactory
from kejin.accounts.tests.permission_table import (
    OTHER_COUNTY,
    OTHER_ENTERPRISE,
    OWN_COUNTY,
    OWN_ENTERPRISE,
    ROLES,
    parse,
    predicates_of,
    user_with_role,
)
from kejin.core.models import AuditEvent, Region
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises import permissions
from kejin.enterprises.models import AnnualFacts, Certificate, Enterprise, ImportBatch
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.registry.models import (
    Label,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
)

TABLE = """
predicate                                 obj   enterprise_admin enterprise_staff institution_manager institution_officer city_officer county_officer data_provider platform_admin
enterprise_can_view                       -     Y Y N N Y Y N Y
enterprise_can_view                       own   Y Y N N Y Y N Y
enterprise_can_view                       other N N N N Y N N Y
enterprise_can_view_own                   -     Y Y N N N N N N
enterprise_can_browse                     -     N N N N Y Y N Y
enterprise_can_create                     -     N N N N Y Y N Y
enterprise_can_change                     -     N N N N N N N N
enterprise_can_change                     own   Y N N N Y Y N Y
enterprise_can_change                     other N N N N Y N N Y
enterprise_can_place_in_county            -     N N N N Y Y N Y
enterprise_can_place_in_county            own   N N N N Y Y N Y
enterprise_can_place_in_county            other N N N N Y N N Y
annual_facts_can_report_for_department    -     N N N N Y Y N N
annual_facts_can_report_for_department    own   N N N N Y Y N N
annual_facts_can_report_for_department    other N N N N Y N N N
annual_facts_can_self_report              -     Y N N N N N N N
annual_facts_can_self_report              own   Y N N N N N N N
annual_facts_can_self_report              other N N N N N N N N
annual_facts_can_change                   own   Y N N N Y Y N N
annual_facts_can_change                   other N N N N Y N N N
certificate_can_change                    -     N N N N Y Y N Y
certificate_can_change                    own   N N N N Y Y N Y
certificate_can_change                    other N N N N Y N N Y
import_batch_can_create                   -     N N N N Y Y N Y
import_batch_can_view                     -     N N N N Y Y N Y
import_batch_can_view                     own   N N N N Y Y N Y
import_batch_can_view                     other N N N N Y N N Y
"""
CASES = parse(TABLE)


def _obj(name: str, which: str):
    """The object of a row: an enterprise, a county (placing) or an import batch."""
    if which == "-":
        return None
    own = which == "own"
    county = OWN_COUNTY if own else OTHER_COUNTY
    if name == "enterprise_can_place_in_county":
        return Region(pk=county)
    if name.startswith("import_batch"):
        return ImportBatch(county_id=county)
    return Enterprise(pk=OWN_ENTERPRISE if own else OTHER_ENTERPRISE, county_id=county)


@pytest.mark.parametrize(("name", "obj", "role", "expected"), CASES)
def test_role_may(name, obj, role, expected):
    predicate = getattr(permissions, name)
    assert predicate(user=user_with_role(role), obj=_obj(name, obj)) is expected


def test_the_table_covers_every_predicate():
    assert {name for name, *_ in CASES} == predicates_of(permissions)


@pytest.mark.parametrize("name", sorted(predicates_of(permissions)))
def test_nobody_signed_out_or_deactivated_may_do_anything(name):
    predicate = getattr(permissions, name)
    for user in [AnonymousUser(), *(user_with_role(role, is_active=False) for role in ROLES)]:
        for which in ("-", "own", "other"):
            assert predicate(user=user, obj=_obj(name, which)) is False


def test_editable_fields_follow_the_predicates():
    own = Enterprise(pk=OWN_ENTERPRISE, county_id=OWN_COUNTY)
    other = Enterprise(pk=OTHER_ENTERPRISE, county_id=OTHER_COUNTY)
    fields = {
        role: (
            permissions.enterprise_editable_fields(user=user_with_role(role), enterprise=None),
            permissions.enterprise_editable_fields(user=user_with_role(role), enterprise=own),
            permissions.enterprise_editable_fields(user=user_with_role(role), enterprise=other),
        )
        for role in ROLES
    }
    officer, self_, none = (
        permissions.OFFICER_EDITABLE,
        permissions.ENTERPRISE_SELF_EDITABLE,
        frozenset(),
    )
    assert fields == {
        Role.ENTERPRISE_ADMIN: (none, self_, none),
        Role.ENTERPRISE_STAFF: (none, none, none),
        Role.INSTITUTION_MANAGER: (none, none, none),
        Role.INSTITUTION_OFFICER: (none, none, none),
        Role.CITY_OFFICER: (officer, officer, officer),
        Role.COUNTY_OFFICER: (officer, officer, none),
        Role.DATA_PROVIDER: (none, none, none),
        Role.PLATFORM_ADMIN: (officer, officer, officer),
    }


# --- visible_to on every enterprise-owned model ---------------------------------------------


def _owned_rows(enterprise, officer) -> None:
    AnnualFacts.objects.create(enterprise=enterprise, year=2024)
    Certificate.objects.create(
        enterprise=enterprise, kind="high_tech", valid_from="2024-01-01", valid_to="2026-12-31"
    )
    RecognitionResult.objects.create(
        enterprise=enterprise, ruleset="tech_sme", year=2024, status="qualified"
    )
    RegistryEntry.objects.create(enterprise=enterprise)
    RegistryEvent.objects.create(
        enterprise=enterprise, kind="entry", happened_on="2025-01-01", reason="入库"
    )
    RegistryOverride.objects.create(
        enterprise=enterprise, kind="membership", value=True, reason="调整", created_by=officer
    )


OWNED_MODELS = [
    AnnualFacts,
    Certificate,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", OWNED_MODELS, ids=lambda model: model.__name__)
def test_enterprise_owned_rows_are_visible_exactly_with_their_enterprise(model):
    # Given an enterprise in each of two counties, each with one row of every owned model
    north = EnterpriseFactory(county=RegionFactory(code="330402", name="南湖区"))
    south = EnterpriseFactory(county=RegionFactory(code="330411", name="秀洲区"))
    city = UserFactory()
    _owned_rows(north, city)
    _owned_rows(south, city)
    users = {
        "enterprise": UserFactory(enterprise_admin=True, enterprise=north),
        "county": UserFactory(county_officer=True, county=north.county),
        "city": city,
        "admin": UserFactory(platform_admin=True),
        "institution": UserFactory(institution_manager=True),
        "anonymous": AnonymousUser(),
    }
    # When each asks for the rows they may see, then they get exactly those of the
    # enterprises they may see
    for who, user in users.items():
        rows = {row.enterprise_id for row in model.objects.visible_to(user)}
        enterprises = set(Enterprise.objects.visible_to(user).values_list("pk", flat=True))
        assert rows == enterprises, who
    assert {row.enterprise_id for row in model.objects.visible_to(users["county"])} == {north.pk}


# --- refusals over HTTP: the predicate's message, and nothing changed ----------------------


def _denied(message: str) -> dict:
    return {"error": {"code": "permission_denied", "message": message, "fields": {}}}


def _snapshot() -> tuple:
    return (
        ImportBatch.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "traits", [{"enterprise_admin": True}, {"institution_manager": True}, {"data_provider": True}]
)
def test_api_refuses_imports_to_everyone_but_officers_and_admins(client, traits):
    client.force_login(UserFactory(**traits))
    before = _snapshot()

    listed = client.get("/api/v1/enterprises/imports/")
    uploaded = client.post(
        "/api/v1/enterprises/imports/",
        {"kind": "enterprises", "file": SimpleUploadedFile("a.csv", "统一社会信用代码\n".encode())},
    )

    assert (listed.status_code, listed.json()) == (403, _denied("您无权执行此操作。"))
    assert (uploaded.status_code, uploaded.json()) == (
        403,
        _denied("只有市、县(市、区)工作人员和平台管理员可以导入企业数据。"),
    )
    assert _snapshot() == before


@pytest.mark.django_db
def test_api_refuses_the_audit_trail_to_county_officers(client):
    client.force_login(UserFactory(county_officer=True))

    response = client.get("/api/v1/audit-events/")

    assert (response.status_code, response.json()) == (
        403,
        _denied("只有平台管理员和市级部门工作人员可以查看审计日志。"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_predicate_and_the_queryset_agree_on_which_enterprises_a_role_sees(role):
    traits = {
        Role.ENTERPRISE_ADMIN: {"enterprise_admin": True},
        Role.ENTERPRISE_STAFF: {"enterprise_staff": True},
        Role.INSTITUTION_MANAGER: {"institution_manager": True},
        Role.INSTITUTION_OFFICER: {"institution_officer": True},
        Role.CITY_OFFICER: {},
        Role.COUNTY_OFFICER: {"county_officer": True},
        Role.DATA_PROVIDER: {"data_provider": True},
        Role.PLATFORM_ADMIN: {"platform_admin": True},
    }[role]
    EnterpriseFactory(county=RegionFactory(code="330411", name="秀洲区"))
    user = UserFactory(**traits)
    EnterpriseFactory(county=RegionFactory(code="330402", name="南湖区"))

    by_predicate = {
        e.pk for e in Enterprise.objects.all() if permissions.enterprise_can_view(user=user, obj=e)
    }

    assert set(Enterprise.objects.visible_to(user).values_list("pk", flat=True)) == by_predicate
    sees_some = role not in (Role.INSTITUTION_MANAGER, Role.INSTITUTION_OFFICER, Role.DATA_PROVIDER)
    assert bool(by_predicate) is sees_some


@pytest.mark.django_db
def test_a_model_reaching_its_enterprise_through_a_path_is_scoped_by_it():
    # Given two enterprises on the list with a label each (the entry-label link reaches its
    # enterprise through the entry)
    north = EnterpriseFactory(county=RegionFactory(code="330402", name="南湖区"))
    south = EnterpriseFactory(county=RegionFactory(code="330411", name="秀洲区"))
    label = Label.objects.get(code="tech_sme")
    for enterprise in (north, south):
        RegistryEntry.objects.create(enterprise=enterprise).labels.add(label)
    through = RegistryEntry.labels.through
    queryset = EnterpriseOwnedQuerySet.owned_through("registryentry__enterprise")(model=through)

    # When a county officer of the north asks, then only the north's link is theirs
    officer = UserFactory(county_officer=True, county=north.county)
    rows = queryset.visible_to(officer).values_list("registryentry__enterprise", flat=True)
    assert list(rows) == [north.pk]
    assert queryset.visible_to(UserFactory()).count() == 2


@pytest.mark.django_db
def test_import_batches_are_visible_city_wide_or_for_the_county():
    north, south = (
        RegionFactory(code="330402", name="南湖区"),
        RegionFactory(code="330411", name="秀洲区"),
    )
    city = UserFactory()
    batches = {
        name: ImportBatch.objects.create(
            kind="enterprises", uploaded_by=city, county=county, original_name=f"{name}.csv"
        )
        for name, county in (("north", north), ("south", south), ("city", None))
    }

    def seen(user):
        return {
            name
            for name, batch in batches.items()
            if ImportBatch.objects.visible_to(user).filter(pk=batch.pk).exists()
        }

    assert seen(city) == {"north", "south", "city"}
    assert seen(UserFactory(platform_admin=True)) == {"north", "south", "city"}
    assert seen(UserFactory(county_officer=True, county=north)) == {"north"}
    assert seen(UserFactory(enterprise_admin=True)) == set()
