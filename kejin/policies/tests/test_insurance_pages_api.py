"""Tech insurance over HTTP: the API records, corrects and lists policies in scope (404 for
another's, 403 for who may not, 400 with the duplicate-number message), runs a group scheme
from definition to confirmation; the pages show the lists, forms and actions by role."""

import datetime

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.policies.choices import GroupMemberStatus, PolicyScheme
from kejin.policies.models import GroupMember, InsurancePolicy
from kejin.policies.tests.factories import InsurancePolicyFactory, PolicyFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/policies/insurance/"


@pytest.fixture
def insurer_user():
    return UserFactory(
        institution_officer=True, institution=InstitutionFactory(kind=InstitutionKind.INSURER)
    )


def _body(enterprise, **extra):
    return {
        "uscc": enterprise.uscc,
        "line": "rd_equipment",
        "number": "CPIC-2026-77",
        "premium": "36000.00",
        "starts_on": "2026-02-01",
        "ends_on": "2027-01-31",
        **extra,
    }


def test_the_api_records_corrects_and_refuses(client, insurer_user):
    enterprise = EnterpriseFactory()
    client.force_login(insurer_user)
    created = client.post(API, _body(enterprise), content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created["Location"] == f"{API}{pk}/"
    duplicate = client.post(API, _body(enterprise), content_type="application/json")
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["fields"]["number"] == [
        "本机构已录入保单号为“CPIC-2026-77”的保单，请核对保单号；如需修改原保单，请在原保单上更正。"
    ]
    corrected = client.put(
        f"{API}{pk}/", _body(enterprise, premium="30000"), content_type="application/json"
    )
    assert corrected.status_code == 200 and corrected.json()["premium"] == "30000.00"
    client.force_login(UserFactory())
    refused = client.post(API, _body(enterprise, number="X"), content_type="application/json")
    assert refused.status_code == 403
    assert InsurancePolicy.objects.count() == 1


def test_the_api_lists_the_scope_and_hides_the_rest(client, insurer_user):
    own = InsurancePolicyFactory(insurer=insurer_user.institution)
    foreign = InsurancePolicyFactory(
        enterprise=EnterpriseFactory(county=RegionFactory(code="330481", name="海宁市"))
    )
    client.force_login(insurer_user)
    listed = client.get(API).json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert client.get(f"{API}{foreign.pk}/").status_code == 404
    client.force_login(UserFactory(enterprise_admin=True, enterprise=foreign.enterprise))
    assert [row["id"] for row in client.get(API).json()["results"]] == [foreign.pk]


def _group_world(insurer):
    for employees, founded in ((10, datetime.date(2023, 1, 1)), (20, datetime.date(2024, 1, 1))):
        enterprise = EnterpriseFactory(founded_on=founded)
        AnnualFacts.objects.create(enterprise=enterprise, year=2025, employees=employees)
    policy = PolicyFactory(
        scheme=PolicyScheme.GROUP_COVER,
        published=True,
        live__document={"<=": [{"var": "employees"}, 50]},
    )
    return {
        "policy": policy.pk,
        "name": "2026年初创科技企业关键研发设备统保",
        "insurer": insurer.pk,
        "line": "rd_equipment",
        "premium_per_head": "2500",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
    }


def test_a_group_scheme_from_definition_to_cover_over_the_api(client, insurer_user):
    body = _group_world(insurer_user.institution)
    city = UserFactory()
    client.force_login(city)
    created = client.post(f"{API}schemes/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    listing = client.post(f"{API}schemes/{pk}/list-insured/").json()
    assert (listing["added"], listing["members"], listing["total"]) == (2, 2, "5000.00")
    assert client.post(f"{API}schemes/{pk}/list-insured/").json()["added"] == 0
    assert client.post(f"{API}schemes/{pk}/open/").json()["status"] == "open"
    again = client.post(f"{API}schemes/{pk}/list-insured/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "policy_state_conflict"
    denied = client.post(f"{API}schemes/{pk}/confirm/", {}, content_type="application/json")
    assert denied.status_code == 403
    client.force_login(insurer_user)
    detail = client.post(f"{API}schemes/{pk}/confirm/", {}, content_type="application/json")
    assert detail.status_code == 200
    data = detail.json()
    assert data["status"] == "confirmed" and data["budget"]["covered"] == 2
    assert {m["status"] for m in data["members"]} == {GroupMemberStatus.COVERED}
    assert all(m["insurance_number"].startswith(f"TB{pk:04d}-") for m in data["members"])
    client.post(f"{API}schemes/{pk}/confirm/", {}, content_type="application/json")
    assert InsurancePolicy.objects.count() == 2


def test_pages_by_role(client, insurer_user):
    body = _group_world(insurer_user.institution)
    own = InsurancePolicyFactory(insurer=insurer_user.institution)
    client.force_login(insurer_user)
    page = client.get("/policies/insurance/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="insurance-record-link"' in content
    assert f'data-policy-id="{own.pk}"' in content
    assert client.get("/policies/insurance/new/").status_code == 200
    assert client.get(f"/policies/insurance/{own.pk}/edit/").status_code == 200
    response = client.post(
        "/policies/insurance/new/",
        {**_body(own.enterprise, number=own.number, line=own.line)},
    )
    assert response.status_code == 200
    assert "本机构已录入保单号为" in response.content.decode()
    city = UserFactory()
    client.force_login(city)
    assert (
        'data-testid="insurance-record-link"'
        not in client.get("/policies/insurance/").content.decode()
    )
    form = client.post("/policies/insurance/schemes/new/", body)
    assert form.status_code == 302
    detail_url = form["Location"]
    detail = client.get(detail_url).content.decode()
    assert 'data-testid="scheme-list-insured"' in detail
    pk = int(detail_url.rstrip("/").split("/")[-1])
    client.post(f"/policies/insurance/schemes/{pk}/list-insured/")
    client.post(f"/policies/insurance/schemes/{pk}/open/")
    assert GroupMember.objects.filter(scheme_id=pk).count() == 2
    client.force_login(insurer_user)
    detail = client.get(detail_url).content.decode()
    assert 'data-testid="scheme-confirm"' in detail
    first = GroupMember.objects.filter(scheme_id=pk).order_by("pk").first()
    client.post(
        f"/policies/insurance/schemes/{pk}/confirm/",
        {"action": "decline", "members": [first.pk]},
    )
    client.post(f"/policies/insurance/schemes/{pk}/confirm/", {"action": "confirm"})
    statuses = sorted(GroupMember.objects.filter(scheme_id=pk).values_list("status", flat=True))
    assert statuses == [GroupMemberStatus.COVERED, GroupMemberStatus.DECLINED]
    client.force_login(UserFactory(enterprise_admin=True))
    assert client.get("/policies/insurance/schemes/").status_code == 403
