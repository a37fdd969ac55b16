"""Product pages: the list with filters (and its query count), the detail with versions and
the rule in words, the form with the rule editor and field messages, the review queue with
approve/return, the leads inbox."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing import services_products as services
from kejin.financing.models import Lead, Product
from kejin.financing.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

TERMS = {
    "name": "科创积分贷",
    "product_type": "credit_loan",
    "amount_min": "100000",
    "amount_max": "3000000",
    "term_min_months": 6,
    "term_max_months": 36,
    "rate_min": "3.2",
    "rate_max": "4.8",
}


def form_post(**overrides):
    """The form as a browser posts it: amounts in 万元, the rule editor's rows."""
    data = {
        "name": "科创积分贷",
        "product_type": "credit_loan",
        "amount_min": "10",
        "amount_max": "300",
        "term_min_months": "6",
        "term_max_months": "36",
        "rate_min": "3.2",
        "rate_max": "4.8",
        "materials": "营业执照\n近两年财务报表",
        "description": "",
        "reference": "",
        "worked_cases": "",
        "document-TOTAL": "1",
        "document-combine": "and",
        "document-0-fact": "",
        "document-0-divisor": "",
        "document-0-op": ">=",
        "document-0-value": "",
        "document-0-group": "0",
        "document-json": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def banker():
    return UserFactory(institution_manager=True)


def test_list_shows_published_products_with_filters_in_few_queries(client):
    county = RegionFactory(code="330402", name="南湖区")
    for i in range(8):
        ProductFactory(published=True, product_type="ip_pledge" if i % 2 else "credit_loan")
    client.force_login(UserFactory(enterprise_admin=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/financing/products/")
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"] for q in queries.captured_queries]
    html = response.content.decode()
    assert html.count('data-testid="product-row"') == 8
    assert 'data-testid="product-create"' not in html
    response = client.get("/financing/products/", {"type": "ip_pledge", "county": county.code})
    assert response.content.decode().count('data-testid="product-row"') == 4


def test_institution_drafts_through_the_form_and_sees_field_messages(client, banker):
    client.force_login(banker)
    assert 'data-testid="product-create"' in client.get("/financing/products/").content.decode()
    page = client.get("/financing/products/new/")
    assert 'data-testid="rule-editor"' in page.content.decode()
    response = client.post(
        "/financing/products/new/",
        form_post(
            amount_min="500",
            amount_max="300",
            **{"document-0-fact": "employees", "document-0-value": "abc"},
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“abc”不是数字" in html
    assert Product.objects.count() == 0
    response = client.post(
        "/financing/products/new/", form_post(amount_min="500", amount_max="300")
    )
    assert "最高金额不能低于最低金额。" in response.content.decode()
    assert Product.objects.count() == 0
    response = client.post(
        "/financing/products/new/",
        form_post(
            **{
                "document-0-fact": "employees",
                "document-0-value": "10",
                "worked_cases": '[{"name": "二十人", "facts": {"employees": 20}, '
                '"expect": {"condition.rule": true}}]',
            }
        ),
    )
    product = Product.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/financing/products/{product.pk}/"
    )
    version = product.versions.get()
    assert version.amount_max == 3000000 and version.document == {">=": [{"var": "employees"}, 10]}
    assert version.materials == ["营业执照", "近两年财务报表"]
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="product-submit"' in detail
    assert "职工总数 ≥ 10 人" in detail
    client.post(f"/financing/products/{product.pk}/submit/")
    product.refresh_from_db()
    assert product.status == "under_review"


def test_officer_reviews_from_the_queue(client, banker):
    product = services.product_create(actor=banker, data=TERMS)
    services.product_submit(actor=banker, product=product)
    officer = UserFactory()
    client.force_login(officer)
    queue = client.get("/financing/products/review/").content.decode()
    assert queue.count('data-testid="review-row"') == 1
    detail = client.get(f"/financing/products/{product.pk}/").content.decode()
    assert 'data-testid="review-form"' in detail
    response = client.post(f"/financing/products/{product.pk}/return/", {"comment": ""})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == "under_review"  # refused: a return needs a comment
    client.post(f"/financing/products/{product.pk}/approve/", {"comment": "同意"})
    product.refresh_from_db()
    assert product.status == "published"
    assert (
        client.get("/financing/products/review/").content.decode().count('data-testid="review-row"')
        == 0
    )
    detail = client.get(f"/financing/products/{product.pk}/").content.decode()
    assert 'data-testid="live-version"' in detail
    assert detail.count('data-testid="product-event"') == 3


def test_review_queue_is_for_city_officers(client):
    client.force_login(UserFactory(county_officer=True))
    assert client.get("/financing/products/review/").status_code == 403


def test_a_draft_is_404_to_others_and_a_published_product_has_no_edit_for_them(client, banker):
    draft = services.product_create(actor=banker, data=TERMS)
    published = ProductFactory(institution=banker.institution, published=True)
    client.force_login(UserFactory(institution_manager=True))
    assert client.get(f"/financing/products/{draft.pk}/").status_code == 404
    html = client.get(f"/financing/products/{published.pk}/").content.decode()
    assert 'data-testid="product-edit"' not in html
    assert client.get(f"/financing/products/{published.pk}/edit/").status_code == 403


def test_editing_a_published_product_drafts_a_new_version(client, banker):
    product = ProductFactory(institution=banker.institution, published=True)
    client.force_login(banker)
    page = client.get(f"/financing/products/{product.pk}/edit/").content.decode()
    assert "已发布产品的修改将存为新版本" in page
    data = form_post(rate_max="5.5", amount_max="500")
    del data["name"], data["product_type"]
    response = client.post(f"/financing/products/{product.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert product.versions.count() == 2
    assert product.live_version.rate_max == 6  # the approved one stays on the market
    detail = client.get(f"/financing/products/{product.pk}/").content.decode()
    assert detail.count('data-testid="product-version"') == 2


def test_leads_inbox(client, banker):
    product = ProductFactory(institution=banker.institution, published=True)
    lead = Lead.objects.create(
        product=product, enterprise=EnterpriseFactory(), institution=banker.institution
    )
    client.force_login(banker)
    html = client.get("/financing/leads/").content.decode()
    assert html.count('data-testid="lead-row"') == 1
    client.post(f"/financing/leads/{lead.pk}/mark/", {"status": "contacted"})
    lead.refresh_from_db()
    assert lead.status == "contacted"
    client.force_login(UserFactory(enterprise_admin=True))
    assert client.get("/financing/leads/").status_code == 403


def test_leads_list_query_count_does_not_grow_with_rows(client, banker):
    product = ProductFactory(institution=banker.institution, published=True)
    for _ in range(10):
        Lead.objects.create(
            product=product, enterprise=EnterpriseFactory(), institution=banker.institution
        )
    client.force_login(banker)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/financing/leads/")
    assert response.content.decode().count('data-testid="lead-row"') == 10
    assert len(queries) <= 10, [q["sql"] for q in queries.captured_queries]


def test_a_new_version_never_repeats_a_label_already_given(client, banker):
    # The live version was labelled "2" (by hand or import): the draft must not be "2" again.
    product = ProductFactory(institution=banker.institution, published=True, live__version="2")
    client.force_login(banker)
    data = form_post(rate_max="5.5", amount_max="500")
    del data["name"], data["product_type"]
    response = client.post(f"/financing/products/{product.pk}/edit/", data)
    assert response.status_code == 302
    assert sorted(product.versions.values_list("version", flat=True)) == ["2", "3"]
