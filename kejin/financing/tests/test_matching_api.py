"""Matching through the API and the pages: who sees what, the error envelope, paging,
the CSV export, pushing leads twice, query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.models import Lead
from kejin.financing.tests.factories import DemandFactory, ProductFactory

pytestmark = pytest.mark.django_db

RD_RULE = {
    "indicators": [
        {
            "id": "rd_ratio",
            "label": "研发投入占比",
            "format": "percent",
            "value": {"/": [{"var": "rd_expense"}, {"var": "revenue"}]},
        }
    ],
    "conditions": [
        {"id": "rd", "label": "研发", "test": {">=": [{"var": "value.rd_ratio"}, 0.03]}}
    ],
}


def _error(code, message, fields=None):
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


@pytest.fixture
def world():
    county = RegionFactory()
    enterprise = EnterpriseFactory(county=county)
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal("10000000"), rd_expense=Decimal("210000")
    )
    fitting = [EnterpriseFactory(county=county) for _ in range(3)]
    for other in fitting:
        AnnualFacts.objects.create(
            enterprise=other, year=2025, revenue=Decimal("10000000"), rd_expense=Decimal("900000")
        )
    plain = ProductFactory(published=True)
    rd = ProductFactory(published=True, live__document=RD_RULE)
    return {
        "enterprise": enterprise,
        "fitting": fitting,
        "demand": DemandFactory(enterprise=enterprise),
        "plain": plain,
        "rd": rd,
        "owner": UserFactory(enterprise_admin=True, enterprise=enterprise),
        "stranger": UserFactory(enterprise_admin=True),
        "officer": UserFactory(),
        "bank": UserFactory(institution_officer=True, institution=rd.institution),
    }


def test_demand_matches_for_its_enterprise_and_404_for_others(client, world):
    client.force_login(world["owner"])
    response = client.get(f"/api/v1/financing/demands/{world['demand'].pk}/matches/")
    assert response.status_code == 200
    body = response.json()
    assert [m["product"] for m in body["matches"]] == [world["plain"].pk]
    assert body["matches"][0]["rank"] == 1
    assert body["matches"][0]["institution_name"] == world["plain"].institution.name
    assert set(body["matches"][0]["components"]) == {
        "amount",
        "term",
        "rate",
        "type",
        "county",
        "service",
        "grade",
    }
    assert body["near_misses"][0]["product"] == world["rd"].pk
    assert body["near_misses"][0]["failures"] == ["研发投入占比 2.1%，需 ≥ 3%"]

    client.force_login(world["stranger"])
    response = client.get(f"/api/v1/financing/demands/{world['demand'].pk}/matches/")
    assert response.status_code == 404
    assert response.json() == _error("not_found", "未找到该记录，或您无权查看。")


def test_products_for_me_only_for_enterprise_users(client, world):
    client.force_login(world["owner"])
    body = client.get("/api/v1/financing/products/for-me/").json()
    assert [m["product"] for m in body["matches"]] == [world["plain"].pk]
    client.force_login(world["bank"])
    response = client.get("/api/v1/financing/products/for-me/")
    assert response.status_code == 403
    assert response.json() == _error("permission_denied", "只有企业用户可以查看适合本企业的产品。")


def test_fit_enterprises_paged_and_pushed_once(client, world, django_capture_on_commit_callbacks):
    rd = world["rd"]
    client.force_login(world["officer"])
    first = client.get(f"/api/v1/financing/products/{rd.pk}/fit-enterprises/?page_size=2").json()
    assert first["count"] == 3
    assert [row["id"] for row in first["results"]] == sorted(e.pk for e in world["fitting"])[:2]
    ids = [e.pk for e in world["fitting"]]
    with django_capture_on_commit_callbacks(execute=True):
        pushed = client.post(
            f"/api/v1/financing/products/{rd.pk}/leads/",
            {"enterprise_ids": ids, "note": "请尽快对接"},
            content_type="application/json",
        )
    assert pushed.status_code == 201
    assert len(pushed.json()["created"]) == 3
    again = client.post(
        f"/api/v1/financing/products/{rd.pk}/leads/",
        {"enterprise_ids": ids},
        content_type="application/json",
    )
    assert again.status_code == 201
    assert again.json() == {"created": [], "already": 3}
    assert Lead.objects.count() == 3

    client.force_login(world["bank"])
    leads = client.get("/api/v1/financing/leads/").json()
    assert leads["count"] == 3
    refused = client.post(
        f"/api/v1/financing/products/{rd.pk}/leads/",
        {"enterprise_ids": "not a list"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json() == _error("permission_denied", "只有政府工作人员可以向机构推送企业线索。")


def test_fit_enterprises_refused_to_an_enterprise(client, world):
    client.force_login(world["owner"])
    response = client.get(f"/api/v1/financing/products/{world['rd'].pk}/fit-enterprises/")
    assert response.status_code == 403
    assert response.json() == _error(
        "permission_denied", "只有政府工作人员和产品所属机构可以查看适配企业。"
    )


def test_lead_list_query_count_does_not_grow(client, world):
    from kejin.financing.services_leads import lead_push

    lead_push(
        product_id=world["rd"].pk,
        enterprise_ids=[e.pk for e in world["fitting"]],
        acting_user=world["officer"],
    )
    client.force_login(world["officer"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/financing/leads/")
    assert response.json()["count"] == 3
    assert len(queries) <= 6


def test_pages(client, world):
    client.force_login(world["owner"])
    page = client.get(f"/financing/demands/{world['demand'].pk}/matches/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="match"' in html
    assert "研发投入占比 2.1%，需 ≥ 3%" in html
    partial = client.get(
        f"/financing/demands/{world['demand'].pk}/matches/", headers={"HX-Request": "true"}
    )
    assert partial.content.decode().lstrip().startswith('<div id="financing-matches"')
    assert client.get("/financing/products/for-me/").status_code == 200

    client.force_login(world["officer"])
    fit = client.get(f"/financing/products/{world['rd'].pk}/fit/")
    assert fit.status_code == 200
    assert fit.content.decode().count('data-testid="fit-row"') == 3
    csv = client.get(f"/financing/products/{world['rd'].pk}/fit.csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "统一社会信用代码,企业名称,所在县(市、区),所属行业"
    assert len(lines) == 4
    pushed = client.post(
        f"/financing/products/{world['rd'].pk}/leads/",
        {"enterprise_ids": [world["fitting"][0].pk]},
    )
    assert pushed.status_code == 302
    assert Lead.objects.count() == 1
    assert client.get("/financing/leads/").content.decode().count('data-testid="lead-row"') == 1
