"""The menu and the pages agree: an entry is shown exactly when its page lets the user in.

Both ask the same predicate (``kejin.web.navigation.MENU``); this drives every role through
every menu page over HTTP, so a page that starts refusing (or admitting) someone the menu
offers (or hides) fails here.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from kejin.accounts.choices import Role
from kejin.accounts.tests.factories import UserFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.web.navigation import MENU, navigation_for

TRAITS = {
    Role.ENTERPRISE_ADMIN: {"enterprise_admin": True},
    Role.ENTERPRISE_STAFF: {"enterprise_staff": True},
    Role.INSTITUTION_MANAGER: {"institution_manager": True},
    Role.INSTITUTION_OFFICER: {"institution_officer": True},
    Role.CITY_OFFICER: {},
    Role.COUNTY_OFFICER: {"county_officer": True},
    Role.DATA_PROVIDER: {"data_provider": True},
    Role.PLATFORM_ADMIN: {"platform_admin": True},
}

# Which menu entries each role gets (besides 首页), in menu order.
EXPECTED_MENU = {
    Role.ENTERPRISE_ADMIN: [
        "enterprises:mine",
        "credit:report_requests",
        "credit:dispute_list",
        "credit:public_search",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "financing:products_for_me",
        "financing:demand_list",
        "financing:loan_list",
        "policies:policy_list",
        "policies:for_me",
        "policies:subscriptions",
        "policies:application_list",
        "policies:insurance_policy_list",
    ],
    Role.ENTERPRISE_STAFF: [
        "enterprises:mine",
        "credit:dispute_list",
        "credit:public_search",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "financing:products_for_me",
        "financing:demand_list",
        "financing:loan_list",
        "policies:policy_list",
        "policies:for_me",
        "policies:subscriptions",
        "policies:application_list",
        "policies:insurance_policy_list",
    ],
    Role.INSTITUTION_MANAGER: [
        "credit:report_requests",
        "credit:public_search",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "financing:lead_list",
        "financing:demand_list",
        "financing:loan_list",
        "financing:my_scoreboard",
        "policies:policy_list",
        "policies:fund_list",
        "policies:fund_claim_list",
    ],
    Role.INSTITUTION_OFFICER: [
        "credit:report_requests",
        "credit:public_search",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "financing:lead_list",
        "financing:demand_list",
        "financing:loan_list",
        "financing:my_scoreboard",
        "policies:policy_list",
        "policies:fund_list",
        "policies:fund_claim_list",
    ],
    Role.CITY_OFFICER: [
        "enterprises:list",
        "imports:list",
        "registry:list",
        "credit:scorecard_list",
        "credit:report_requests",
        "credit:dispute_list",
        "credit:public_search",
        "credit:ingest_home",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "financing:product_review_queue",
        "financing:lead_list",
        "financing:demand_list",
        "financing:loan_list",
        "financing:monitoring",
        "policies:policy_list",
        "policies:application_list",
        "policies:insurance_policy_list",
        "policies:insurance_scheme_list",
        "policies:fund_list",
        "policies:fund_claim_list",
        "core:audit_list",
        "core:holiday_schedule_list",
    ],
    Role.COUNTY_OFFICER: [
        "enterprises:list",
        "imports:list",
        "registry:list",
        "credit:scorecard_list",
        "credit:dispute_list",
        "credit:public_search",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "financing:lead_list",
        "financing:demand_list",
        "financing:loan_list",
        "financing:monitoring",
        "policies:policy_list",
        "policies:application_list",
        "policies:insurance_policy_list",
        "policies:insurance_scheme_list",
        "policies:fund_list",
        "policies:fund_claim_list",
        "core:holiday_schedule_list",
    ],
    Role.DATA_PROVIDER: [
        "credit:dispute_list",
        "credit:public_search",
        "credit:ingest_home",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "policies:policy_list",
    ],
    Role.PLATFORM_ADMIN: [
        "enterprises:list",
        "imports:list",
        "registry:list",
        "credit:scorecard_list",
        "credit:report_requests",
        "credit:dispute_list",
        "credit:public_search",
        "credit:ingest_home",
        "credit:catalogue_list",
        "institutions:list",
        "financing:product_list",
        "financing:lead_list",
        "financing:demand_list",
        "financing:loan_list",
        "financing:monitoring",
        "policies:policy_list",
        "policies:application_list",
        "policies:insurance_policy_list",
        "policies:insurance_scheme_list",
        "policies:fund_list",
        "policies:fund_claim_list",
        "core:audit_list",
        "core:holiday_schedule_list",
        "admin:index",
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_menu(role):
    user = UserFactory(**TRAITS[role])
    assert [item.url_name for item in navigation_for(user)] == ["web:home", *EXPECTED_MENU[role]]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_menu_pages_admit_exactly_the_roles_the_menu_offers_them_to(client, role):
    user = UserFactory(**TRAITS[role])
    client.force_login(user)
    offered = {item.url_name for item in navigation_for(user)}
    answers = {}
    for _label, url_name, _predicate, _group in MENU:
        response = client.get(reverse(url_name))
        admitted = response.status_code == 200 or (
            response.status_code == 302 and "login" not in response["Location"]
        )
        answers[url_name] = admitted
    assert answers == {url_name: url_name in offered for _label, url_name, _p, _g in MENU}


def test_anonymous_visitors_get_no_menu():
    assert navigation_for(AnonymousUser()) == []
    assert navigation_for(None) == []


FORM_ARGS = {"profile:facts_edit": [2024]}  # the form pages after the enterprise's id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("traits", "form_page", "linked"),
    [
        ({"enterprise_admin": True}, "profile:facts_edit", False),
        ({}, "profile:facts_edit", True),
        ({"platform_admin": True}, "profile:certificate_create", True),
    ],
)
def test_profile_breadcrumbs_link_the_directory_only_for_who_may_open_it(
    client, traits, form_page, linked
):
    user = UserFactory(**traits)
    enterprise = user.enterprise or EnterpriseFactory()
    client.force_login(user)

    pages = [
        client.get(reverse("profile:facts", args=[enterprise.pk])),  # a section page
        client.get(reverse(form_page, args=[enterprise.pk, *FORM_ARGS.get(form_page, [])])),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    assert [b'data-testid="breadcrumb-directory"' in page.content for page in pages] == [
        linked,
        linked,
    ]
