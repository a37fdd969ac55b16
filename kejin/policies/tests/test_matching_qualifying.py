"""Enterprises that qualify for a policy: officers only (a county officer: the county's),
with county and growth stage, paged; the CSV export is audited and a refused export writes
nothing; a policy not in force is a conflict."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.policies.selectors_matching import policy_qualifying
from kejin.policies.services_matching import policy_qualifying_export
from kejin.policies.tests.factories import PolicyFactory
from kejin.registry.models import GrowthStage, RegistryEntry

RD_RULE = {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.03]}


def _enterprise(county, rd, stage=None):
    """An enterprise of ``county`` with 1,000万元 revenue and ``rd`` R&D expense in 2025."""
    enterprise = EnterpriseFactory(county=county)
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal("10000000"), rd_expense=Decimal(rd)
    )
    if stage:
        RegistryEntry.objects.create(
            enterprise=enterprise, on_list=True, stage=GrowthStage.objects.get(code=stage)
        )
    return enterprise


@pytest.fixture
def world(db):
    cache.clear()
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    return {
        "policy": PolicyFactory(published=True, title="研发投入奖励", live__document=RD_RULE),
        "draft": PolicyFactory(title="起草中的政策"),
        "nanhu_growth": _enterprise(nanhu, "400000", "growth"),
        "xiuzhou_plain": _enterprise(xiuzhou, "300000"),
        "low": _enterprise(nanhu, "200000", "growth"),
        "city": UserFactory(),
        "county": UserFactory(county_officer=True, county=xiuzhou),
        "enterprise": UserFactory(enterprise_admin=True),
        "bank": UserFactory(institution_officer=True),
    }


def test_officers_see_the_qualifying_with_county_and_tier(world):
    result = policy_qualifying(user=world["city"], pk=world["policy"].pk)
    assert result.ids == [world["nanhu_growth"].pk, world["xiuzhou_plain"].pk]
    assert result.year == 2025
    rows = result.rows(result.ids)
    assert [(r.name, r.county, r.tier) for r in rows] == [
        (world["nanhu_growth"].name, "南湖区", "成长期"),
        (world["xiuzhou_plain"].name, "秀洲区", "未评价"),
    ]


def test_a_county_officer_sees_the_county_only(world):
    result = policy_qualifying(user=world["county"], pk=world["policy"].pk)
    assert result.ids == [world["xiuzhou_plain"].pk]
    assert result.county_id == world["xiuzhou_plain"].county_id


@pytest.mark.parametrize("who", ["enterprise", "bank"])
def test_others_are_refused(world, who):
    with pytest.raises(ApplicationError) as refused:
        policy_qualifying(user=world[who], pk=world["policy"].pk)
    assert (refused.value.status, refused.value.message) == (
        403,
        "只有政府部门工作人员可以查看符合条件的企业。",
    )


def test_a_draft_is_not_found_for_others_and_a_conflict_for_officers(world):
    with pytest.raises(ApplicationError) as missing:
        policy_qualifying(user=world["enterprise"], pk=world["draft"].pk)
    assert missing.value.status == 404
    with pytest.raises(ApplicationError) as conflict:
        policy_qualifying(user=world["city"], pk=world["draft"].pk)
    assert (conflict.value.status, conflict.value.code, conflict.value.message) == (
        409,
        "policy_state_conflict",
        "政策“起草中的政策”尚未发布或已失效，无法查找符合条件的企业。",
    )


def test_the_export_is_audited(world):
    result = policy_qualifying_export(user=world["county"], pk=world["policy"].pk)
    assert result.ids == [world["xiuzhou_plain"].pk]
    (event,) = AuditEvent.objects.filter(object_type="policies.policy")
    assert event.action == "read_sensitive"
    assert event.actor == world["county"]
    assert event.object_id == str(world["policy"].pk)
    assert event.after == {
        "export": "qualifying_enterprises_csv",
        "version": world["policy"].live_version_id,
        "count": 1,
        "county": world["xiuzhou_plain"].county_id,
        "year": 2025,
    }


@pytest.mark.parametrize("who", ["enterprise", "bank"])
def test_a_refused_export_writes_nothing(world, who):
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        policy_qualifying_export(user=world[who], pk=world["policy"].pk)
    assert refused.value.status == 403
    assert AuditEvent.objects.count() == before


def test_the_page_and_the_csv(world, client):
    client.force_login(world["city"])
    page = client.get(reverse("policies:policy_qualifying", args=[world["policy"].pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('data-testid="qualifying-row"') == 2
    assert "共 2 家（按 2025 年度数据）" in text
    response = client.get(reverse("policies:policy_qualifying_csv", args=[world["policy"].pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [
        ["统一社会信用代码", "企业名称", "所在县(市、区)", "成长阶段"],
        [world["nanhu_growth"].uscc, world["nanhu_growth"].name, "南湖区", "成长期"],
        [world["xiuzhou_plain"].uscc, world["xiuzhou_plain"].name, "秀洲区", "未评价"],
    ]
    assert AuditEvent.objects.filter(object_type="policies.policy").count() == 1


def test_the_pages_refuse_an_enterprise_user_and_audit_nothing(world, client):
    client.force_login(world["enterprise"])
    pk = world["policy"].pk
    assert client.get(reverse("policies:policy_qualifying", args=[pk])).status_code == 403
    assert client.get(reverse("policies:policy_qualifying_csv", args=[pk])).status_code == 403
    assert not AuditEvent.objects.filter(object_type="policies.policy").exists()


def test_the_api_pages_the_qualifying(world, client):
    client.force_login(world["city"])
    url = f"/api/v1/policies/{world['policy'].pk}/qualifying-enterprises/"
    body = client.get(url).json()
    assert body["count"] == 2
    assert [(r["id"], r["county"], r["tier"]) for r in body["results"]] == [
        (world["nanhu_growth"].pk, "南湖区", "成长期"),
        (world["xiuzhou_plain"].pk, "秀洲区", "未评价"),
    ]
    client.force_login(world["enterprise"])
    assert client.get(url).status_code == 403
