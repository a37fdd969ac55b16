"""Credit profile and scorecard pages and API: who sees what, what they show, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.credit.models import CreditScore, ScorecardVersion
from kejin.credit.scoring.batch import credit_scores_recompute
from kejin.credit.scoring.services import scorecard_default_install, scorecard_draft_create
from kejin.credit.tests.scoring_factories import record
from kejin.enterprises.tests.factories import EnterpriseFactory


def _scored_enterprise():
    enterprise = EnterpriseFactory()
    record(
        enterprise, "dishonest_debtor", datetime.date(2025, 1, 5), case_no="1", performance="none"
    )
    record(enterprise, "tax_rating", datetime.date(2025, 4, 1), rating_year=2024, rating="B")
    scorecard_default_install()
    credit_scores_recompute(as_of=datetime.date(2026, 6, 30))
    return enterprise


@pytest.mark.django_db
def test_the_enterprise_sees_its_profile_with_score_grade_and_reasons_in_chinese(
    client, django_assert_max_num_queries
):
    enterprise = _scored_enterprise()
    client.force_login(UserFactory(enterprise_admin=True, enterprise=enterprise))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("credit:profile", args=[enterprise.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    score = CreditScore.objects.get(enterprise=enterprise)
    assert (score.score, score.grade) == (Decimal("290.00"), "C")
    assert 'data-testid="score">290</span>' in html
    assert 'data-testid="grade">C</span>' in html
    assert "被列入严重违法失信名单或失信被执行人名单" in html
    assert 'data-category="dishonest_debtor"' in html
    assert 'data-indicator="credit.on_dishonesty_list"><td>列入失信名单</td><td>是</td>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "traits",
    [
        {"institution_manager": True},
        {"institution_officer": True},
        {"data_provider": True},
        {"enterprise_admin": True},  # another enterprise
        {"county_officer": True, "county": None},  # another county
    ],
)
def test_others_get_404_for_the_profile_page_and_api(client, traits):
    enterprise = _scored_enterprise()
    if "county" in traits:
        traits = {**traits, "county": RegionFactory(code="330481", name="海宁市")}
    client.force_login(UserFactory(**traits))
    assert client.get(reverse("credit:profile", args=[enterprise.pk])).status_code == 404
    api = client.get(f"/api/v1/credit/profiles/{enterprise.pk}/")
    assert (api.status_code, api.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.django_db
def test_the_profile_api_for_a_city_officer():
    enterprise = _scored_enterprise()
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory())
    body = client.get(f"/api/v1/credit/profiles/{enterprise.pk}/").json()
    assert (body["score"], body["grade"]) == ("290.00", "C")
    assert body["reasons"][0] == {
        "code": "on_dishonesty_list",
        "text": "被列入严重违法失信名单或失信被执行人名单",
    }
    assert {k: body["indicators"][0][k] for k in ("name", "label", "value")} == {
        "name": "credit.tax_rating",
        "label": "纳税信用等级",
        "value": "B",
    }
    assert [h["grade"] for h in body["history"]] == ["C"]


@pytest.mark.django_db
def test_scorecard_pages_preview_and_an_officers_edit_becomes_a_draft(client):
    _scored_enterprise()
    officer = UserFactory()
    client.force_login(officer)
    active = ScorecardVersion.objects.get()
    listing = client.get(reverse("credit:scorecard_list")).content.decode()
    assert "嘉兴市企业公共信用评分卡（专家版）" in listing
    detail = client.get(reverse("credit:scorecard_detail", args=[active.pk]))
    assert detail.status_code == 200
    assert 'data-grade="C"><td>C</td><td>1</td><td>1</td>' in detail.content.decode()

    response = client.post(
        reverse("credit:scorecard_edit", args=[active.pk]),
        {"p-on_dishonesty_list-0": "-300", "base_points": "500", "note": "加重失信扣分"},
    )
    draft = ScorecardVersion.objects.get(version=2)
    assert response.status_code == 302
    assert draft.document["indicators"][0]["bands"][0]["points"] == -300
    preview = client.get(reverse("credit:scorecard_detail", args=[draft.pk])).content.decode()
    assert 'data-testid="activate"' in preview
    assert 'data-grade="C"><td>C</td><td>1</td><td>1</td>' in preview
    # The carried-over case of a dishonest enterprise now fails: shown, and activation refused.
    assert preview.count('data-passed="no"') == 1
    assert 'data-case="2" data-passed="no"' in preview

    refused = client.post(reverse("credit:scorecard_activate", args=[draft.pk]))
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "规则集版本 jiaxing_expert 有 1 个算例未通过" in page
    assert (
        '<li data-testid="failure">算例“失信被执行人：扣250分，首要原因是失信名单”：'
        "应为350.0，实际为300.0。</li>" in page
    )
    draft.refresh_from_db()
    assert draft.status == "draft"

    # The officer restates the expected score and activates.
    posted = {}
    for index, case in enumerate(draft.worked_cases):
        posted[f"s-{index}"] = str(case["expect"]["score"])
        posted[f"g-{index}"] = case["expect"]["grade"]
    posted["s-2"] = "300"
    saved = client.post(reverse("credit:scorecard_cases", args=[draft.pk]), posted)
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.worked_cases[2]["expect"] == {"score": 300.0, "grade": "C"}
    assert draft.worked_cases[0]["expect"] == {"score": 600.0, "grade": "A"}
    client.post(reverse("credit:scorecard_activate", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "active"
    assert ScorecardVersion.objects.get(version=1).status == "retired"


@pytest.mark.django_db
def test_a_county_officer_reads_scorecards_but_cannot_edit_and_nothing_changes(client):
    scorecard_default_install()
    active = ScorecardVersion.objects.get()
    county = UserFactory(county_officer=True)
    client.force_login(county)
    assert client.get(reverse("credit:scorecard_list")).status_code == 200
    assert client.get(reverse("credit:scorecard_edit", args=[active.pk])).status_code == 403
    posted = client.post(
        reverse("credit:scorecard_edit", args=[active.pk]), {"p-on_dishonesty_list-0": "0"}
    )
    assert posted.status_code == 403
    api = client.post(
        f"/api/v1/credit/scorecards/{active.pk}/drafts/", {}, content_type="application/json"
    )
    assert (api.status_code, api.json()["error"]["code"]) == (403, "permission_denied")
    assert ScorecardVersion.objects.count() == 1
    assert not AuditEvent.objects.filter(actor=county).exists()
    same_county = _scored_enterprise()
    assert client.get(reverse("credit:profile", args=[same_county.pk])).status_code == 200
    client.force_login(UserFactory(enterprise_admin=True))
    assert client.get(reverse("credit:scorecard_list")).status_code == 403


@pytest.mark.django_db
def test_scorecard_api_draft_activate_and_preview():
    from rest_framework.test import APIClient

    _scored_enterprise()
    active = ScorecardVersion.objects.get()
    client = APIClient()
    client.force_authenticate(UserFactory())
    listing = client.get("/api/v1/credit/scorecards/").json()
    assert listing["count"] == 1 and listing["results"][0]["status"] == "active"
    created = client.post(
        f"/api/v1/credit/scorecards/{active.pk}/drafts/",
        {"points": {"tax_rating": {"1": 50}, "on_dishonesty_list": {"0": -260}}, "note": "B级加分"},
        format="json",
    )
    assert created.status_code == 201
    draft_id = created.json()["id"]
    assert created.json()["document"]["indicators"][1]["bands"][1]["points"] == 50
    preview = client.get(f"/api/v1/credit/scorecards/{draft_id}/preview/").json()
    assert preview["enterprises"] == 1
    assert {g["grade"]: (g["count"], g["active_count"]) for g in preview["grades"]}["C"] == (1, 1)
    cases = created.json()["worked_cases"]
    assert cases[4]["expect"] == {"score": 360.0, "grade": "C"}  # a D-rated enterprise
    refused = client.post(f"/api/v1/credit/scorecards/{draft_id}/activate/")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "worked_cases_fail")
    assert refused.json()["error"]["fields"]["worked_cases"] == [
        "算例“失信被执行人：扣250分，首要原因是失信名单”：应为350.0，实际为340.0。",
    ]
    cases[2]["expect"] = {"score": 340.0, "grade": "C"}
    patched = client.patch(
        f"/api/v1/credit/scorecards/{draft_id}/", {"worked_cases": cases}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["worked_cases"][2]["expect"] == {"score": 340.0, "grade": "C"}
    assert (
        client.post(f"/api/v1/credit/scorecards/{draft_id}/activate/").json()["status"] == "active"
    )
    again_patch = client.patch(
        f"/api/v1/credit/scorecards/{draft_id}/", {"worked_cases": cases}, format="json"
    )
    assert (again_patch.status_code, again_patch.json()["error"]["code"]) == (
        409,
        "version_not_draft",
    )
    again = client.post(f"/api/v1/credit/scorecards/{draft_id}/activate/")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "version_not_draft")


@pytest.mark.django_db
def test_scorecard_lists_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    officer = UserFactory()
    active = scorecard_default_install()
    for _ in range(5):
        scorecard_draft_create(base=active, acting_user=officer, points={})
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("credit:scorecard_list"))
    assert page.content.decode().count('data-status="draft"') == 5
    with django_assert_max_num_queries(8):
        api = client.get("/api/v1/credit/scorecards/")
    assert api.json()["count"] == 6
