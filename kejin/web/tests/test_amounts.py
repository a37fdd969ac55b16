"""Large amounts read in 亿元 on every page that shows them (the unit chosen after rounding,
by ``kejin.core.money.format_yuan`` through the ``yuan`` filter)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

BIG = Decimal("1234567890.00")  # 12.35 亿元, not "123,456.79 万元"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def officer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_enterprise_list_detail_and_home_show_large_capital_in_yiyuan(client):
    enterprise = EnterpriseFactory(registered_capital=BIG)
    client.force_login(UserFactory(enterprise_admin=True, enterprise=enterprise))
    home = _text(client.get("/"))
    detail = _text(client.get(reverse("enterprises:detail", args=[enterprise.pk])))

    client.force_login(UserFactory())
    listing = _text(client.get(reverse("enterprises:list")))

    for page in (home, detail, listing):
        assert "12.35 亿元" in page
        assert "123,456.79 万元" not in page


def test_institution_list_detail_and_home_show_large_capital_in_yiyuan(client):
    bank = InstitutionFactory(registered_capital=BIG)
    client.force_login(UserFactory(institution_manager=True, institution=bank))

    for url in ("/", reverse("institutions:list"), reverse("institutions:detail", args=[bank.pk])):
        page = _text(client.get(url))
        assert "12.35 亿元" in page, url
        assert "123,456.79 万元" not in page, url


def test_the_profiles_facts_show_large_amounts_in_yiyuan(client, officer):
    enterprise = EnterpriseFactory()
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2024, revenue=BIG, rd_expense=Decimal("50000000")
    )

    page = _text(client.get(reverse("profile:facts", args=[enterprise.pk])))

    assert "12.35 亿元" in page
    assert "5,000.00 万元" in page
    assert "123,456.79 万元" not in page
