"""Product selectors: scoping, and ``products_published`` — the contract matching reads
(published products with their live version joined, counties prefetched, the rule evaluated
by the engine through ``rule_set_version``)."""

from __future__ import annotations

import polars as pl
import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.tests.factories import RegionFactory
from kejin.financing import services_products as services
from kejin.financing.selectors_products import (
    product_get,
    product_list,
    product_review_queue,
    products_published,
)
from kejin.financing.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

RULE = {"and": [{">=": [{"var": "employees"}, 10]}, {">=": [{"var": "revenue"}, 5000000]}]}


def test_products_published_reads_live_versions_in_three_queries(django_assert_num_queries):
    county = RegionFactory(code="330402", name="南湖区")
    for i in range(5):
        product = ProductFactory(published=True, live__document=RULE if i % 2 else None)
        product.live_version.counties.set([county])
    ProductFactory()  # a draft
    ProductFactory(published=True, product_type="ip_pledge", status="withdrawn")
    with django_assert_num_queries(2):
        products = list(products_published())
        terms = [
            (
                p.institution.name,
                p.live_version.amount_max,
                [c.code for c in p.live_version.counties.all()],
            )
            for p in products
        ]
    assert len(products) == 5 and all(codes == ["330402"] for _n, _a, codes in terms)
    assert products_published(product_types=["ip_pledge"]).count() == 0
    assert products_published(user=UserFactory(enterprise_admin=True)).count() == 5


def test_a_live_rule_is_evaluated_by_the_engine_in_batch_and_explained():
    product = ProductFactory(published=True, live__document=RULE)
    version = products_published().get(pk=product.pk).live_version
    assert version.rule() == RULE
    frame = pl.DataFrame(
        {"enterprise_id": [1, 2, 3], "employees": [20, 5, None], "revenue": [9e6, 9e6, 9e6]}
    )
    result = version.rule_set_version().evaluate_frame(frame).collect()
    assert result["condition.rule"].to_list() == [True, False, None]
    explained = version.rule_set_version().explain({"employees": 5, "revenue": 9e6})
    assert explained.status == "not_qualified"
    no_rule = ProductFactory(published=True).live_version
    assert no_rule.rule() is True


def test_scoping_and_review_queue():
    banker = UserFactory(institution_manager=True)
    draft = services.product_create(
        actor=banker,
        data={
            "name": "草稿产品",
            "product_type": "credit_loan",
            "amount_min": "100000",
            "amount_max": "200000",
            "term_min_months": 1,
            "term_max_months": 12,
            "rate_min": "3",
            "rate_max": "4",
        },
    )
    enterprise_user = UserFactory(enterprise_admin=True)
    with pytest.raises(ApplicationError) as hidden:
        product_get(user=enterprise_user, pk=draft.pk)
    assert hidden.value.status == 404
    assert product_get(user=banker, pk=draft.pk) == draft
    assert list(product_list(user=UserFactory())) == [draft]
    officer = UserFactory()
    assert list(product_review_queue(user=officer)) == []
    services.product_submit(actor=banker, product=draft)
    assert [v.product_id for v in product_review_queue(user=officer)] == [draft.pk]
    with pytest.raises(ApplicationError) as denied:
        product_review_queue(user=UserFactory(county_officer=True))
    assert denied.value.status == 403
