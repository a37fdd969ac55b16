"""Browser journey: a city officer previews the re-evaluation of a list too large to preview
within the request — asks for it to be computed in the background, watches the page wait and
poll (HTMX, under the CSP), sees the preview appear when the task is done, and confirms."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kejin.accounts.choices import Role
from kejin.registry.tests.defaults import default_stages_and_labels_load
from tests.e2e.test_journeys import (
    REGISTRY_QUALIFYING,
    make_user,
    sign_in,
    world,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_city_officer_previews_a_large_list_in_the_background_and_confirms(
    page,
    live_server,
    check_page,
    world,  # noqa: F811
    settings,
    monkeypatch,
):
    from kejin.enterprises.models import AnnualFacts, Enterprise
    from kejin.registry import services
    from kejin.registry.evaluation import evaluation_preview_compute, registry_reevaluate
    from kejin.registry.models import EvaluationPreview, EvaluationRun

    default_stages_and_labels_load()
    by_name = {e.name: e for e in Enterprise.objects.all()}
    for name in ("嘉兴星河智能科技有限公司", "嘉兴云帆软件有限公司"):
        AnnualFacts.objects.create(enterprise=by_name[name], year=2024, **REGISTRY_QUALIFYING)
    registry_reevaluate(year=2024)
    AnnualFacts.objects.filter(enterprise=by_name["嘉兴云帆软件有限公司"]).update(tech_staff=5)
    settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX = 3  # the city has 5 enterprises
    # No worker here: the task is held back, and run below while the page is polling.
    sent: list[int] = []
    monkeypatch.setattr(
        services, "_enqueue_preview", lambda *, preview_id, limit: sent.append(preview_id)
    )
    user = make_user(Role.CITY_OFFICER, world)
    sign_in(page, live_server, check_page, user.username, "city_officer-preview")

    page.goto(f"{live_server.url}/registry/runs/")
    page.get_by_label("数据年度").fill("2024")
    page.get_by_test_id("run-preview-button").click()
    expect(page.get_by_test_id("preview-background-note")).to_be_visible()
    check_page("city_officer-preview-offer")
    assert not EvaluationPreview.objects.exists()

    page.get_by_test_id("preview-request-button").click()
    expect(page).to_have_url(re.compile(r"/registry/runs/previews/\d+/$"))
    expect(page.get_by_test_id("preview-waiting")).to_be_visible()
    check_page("city_officer-preview-waiting")
    assert len(sent) == 1

    evaluation_preview_compute(sent[0], limit=200)  # the worker's part

    exits = page.get_by_test_id("preview-exits")
    expect(exits).to_contain_text("嘉兴云帆软件有限公司", timeout=10_000)
    expect(page.get_by_test_id("preview-waiting")).to_have_count(0)
    expect(page.get_by_test_id("preview-count-exit")).to_have_text(re.compile(r"出库\s*1"))
    check_page("city_officer-preview-done")
    assert EvaluationRun.objects.count() == 1

    page.get_by_test_id("run-confirm-button").click()
    expect(page).to_have_url(f"{live_server.url}/registry/runs/")
    expect(page.get_by_text("已发起2024年度名单重新评价")).to_be_visible()
    assert EvaluationRun.objects.count() == 2
