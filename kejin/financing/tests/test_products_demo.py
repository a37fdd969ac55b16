"""Demo products: at least 200 across the demo institutions, every state, rules whose worked
cases pass, published ones with an active live version; running again adds nothing."""

import random

import pytest

from kejin.facts.rule_versions import rule_version_check_cases
from kejin.financing.choices import ProductStatus
from kejin.financing.demo_products import financing_products_demo
from kejin.financing.models import Product, ProductVersion
from kejin.financing.selectors_products import products_published
from kejin.institutions.demo import demo_institutions

pytestmark = pytest.mark.django_db


def test_demo_products():
    demo_institutions(rng=random.Random(7))
    created = financing_products_demo(rng=random.Random(7))
    assert created == Product.objects.count() >= 200, created
    assert set(Product.objects.values_list("status", flat=True)) == set(ProductStatus.values)
    published = list(products_published())
    assert len(published) >= 150
    assert all(p.live_version.status == "active" for p in published)
    for version in ProductVersion.objects.exclude(document=None):
        rule_version_check_cases(version)
    assert financing_products_demo(rng=random.Random(8)) == 0
    assert Product.objects.count() == created
