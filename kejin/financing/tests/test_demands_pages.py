"""The demand pages: posting with messages beside the fields, the lists, the detail with its
timeline and the buttons of the actions the user may take, an action refused with its
message and nothing changed."""

from __future__ import annotations

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.financing.choices import DemandStatus
from kejin.financing.models import Demand, DemandEvent
from kejin.financing.tests.demand_world import world_build

pytestmark = pytest.mark.django_db


def test_post_a_demand_from_the_page(client):
    world = world_build()
    client.force_login(world.enterprise_user)
    assert client.get("/financing/demands/new/").status_code == 200
    response = client.post(
        "/financing/demands/new/",
        {
            "amount": "1000000",
            "term_months": "12",
            "purpose": "研发投入",
            "preferred_types": ["ip_pledge"],
            "urgency": "normal",
            "guarantor_ok": "on",
            "collateral_0_kind": "patent",
            "collateral_0_number": "ZL202110000001.X",
        },
    )
    demand = Demand.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/financing/demands/{demand.pk}/"
    assert demand.collaterals.get().number == "ZL202110000001.X"


def test_the_posting_page_shows_each_message_beside_its_field(client):
    world = world_build()
    client.force_login(world.enterprise_user)
    response = client.post(
        "/financing/demands/new/",
        {
            "amount": "",
            "term_months": "12",
            "purpose": "研发",
            "urgency": "normal",
            "collateral_1_kind": "receivables",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="amount">请填写融资金额（元），例如 1000000。' in html
    assert 'data-field="collateral_1_debtor">第1项：应收账款须填写债务人名称。' in html
    assert not Demand.objects.exists()


def test_detail_shows_the_timeline_and_the_claimants_buttons(client, django_assert_max_num_queries):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.CONTACTED)
    DemandEvent.objects.create(
        demand=demand,
        action="claim",
        from_status="routed",
        to_status="claimed",
        actor=world.claimant,
        institution=world.claimant.institution,
        at=demand.claimed_at,
    )
    client.force_login(world.claimant)
    with django_assert_max_num_queries(25):
        html = client.get(f"/financing/demands/{demand.pk}/").content.decode()
    assert 'data-testid="demand-timeline"' in html
    assert 'data-action="claim"' in html
    for slug in ("release", "start-review"):
        assert f'data-testid="action-{slug}"' in html
    assert 'data-testid="guarantee-form"' in html
    assert 'data-testid="action-approve"' not in html  # not before the review starts
    client.force_login(world.enterprise_user)
    html = client.get(f"/financing/demands/{demand.pk}/").content.decode()
    assert 'data-testid="action-withdraw"' in html
    assert 'data-testid="action-release"' not in html


def test_a_refused_action_says_why_and_changes_nothing(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.CLAIMED)
    before = list(Demand.objects.filter(pk=demand.pk).values())
    client.force_login(world.claimant)
    response = client.post(f"/financing/demands/{demand.pk}/disburse/", follow=True)
    assert "需求当前为“已认领”状态，不能放款。" in response.content.decode()
    assert list(Demand.objects.filter(pk=demand.pk).values()) == before


def test_the_approve_form_shows_its_errors(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.UNDER_REVIEW)
    client.force_login(world.claimant)
    response = client.post(f"/financing/demands/{demand.pk}/approve/", {"amount": "", "rate": "3"})
    assert response.status_code == 400
    assert 'data-field="amount">请填写批准金额（元），应大于0。' in response.content.decode()


def test_lists_per_role_and_no_page_for_a_data_provider(client, django_assert_max_num_queries):
    world = world_build()
    for _ in range(5):
        world.demand_in_state(DemandStatus.ROUTED)
    client.force_login(world.routed)
    with django_assert_max_num_queries(12):
        html = client.get("/financing/demands/?view=routed").content.decode()
    assert html.count('data-testid="demand-row"') == 5
    client.force_login(world.officer)
    assert client.get("/financing/demands/").content.decode().count('data-testid="demand-row"') == 5
    client.force_login(UserFactory(data_provider=True))
    assert client.get("/financing/demands/").status_code == 403


def test_attachments_are_downloaded_only_by_who_sees_the_demand(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kejin.financing import services_demands

    settings.MEDIA_ROOT = tmp_path
    world = world_build()
    demand = services_demands.demand_create(
        enterprise=world.enterprise,
        data={"amount": "100000", "term_months": "6", "purpose": "流动资金"},
        attachments=[SimpleUploadedFile("报表.pdf", b"%PDF-1.7 x", "application/pdf")],
        acting_user=world.enterprise_user,
    )
    attachment = demand.attachments.get()
    url = f"/financing/demands/{demand.pk}/attachments/{attachment.pk}/"
    client.force_login(world.enterprise_user)
    detail = client.get(f"/financing/demands/{demand.pk}/").content.decode()
    assert f'href="{url}"' in detail
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 x"
    client.force_login(world.stranger)
    assert client.get(url).status_code == 404
