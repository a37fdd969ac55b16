"""The re-evaluation preview at scale: a list with more enterprises than
``KEJIN_REGISTRY_PREVIEW_SYNC_MAX`` is previewed by a task (queued on commit) whose page polls
for the result with HTMX; a smaller one is still previewed within the request. Both show the
same preview, and neither writes anything to the list."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.enterprises.models import AnnualFacts
from kejin.registry.evaluation import evaluation_preview_compute
from kejin.registry.models import EvaluationPreview
from kejin.registry.tests.test_list import (
    QUALIFYING,
    YEAR,
    county_officer,
    login,
    nanhu,
    parse_page,
    two_counties,  # noqa: F401 (fixture)
    world_snapshot,
)

pytestmark = pytest.mark.django_db

STATUS = {"HX-Request": "true", "HX-Target": "preview-status"}


def rows(page, testid: str) -> list[str]:
    return [
        row.get_text(" ", strip=True) for row in page.select(f'[data-testid="{testid}"] tbody tr')
    ]


def test_a_small_list_is_previewed_within_the_request(client, two_counties, settings):  # noqa: F811
    settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX = 4  # the list has exactly 4 enterprises
    login(client, UserFactory())
    before = world_snapshot()

    response = client.get(reverse("registry:run_preview"), {"year": str(YEAR)})

    assert response.status_code == 200
    page = parse_page(response.content)
    assert page.select_one('[data-testid="preview-coverage"]').get_text(" ", strip=True) == (
        f"评价 4 家企业，其中 3 家有{YEAR}年度数据。 1 家没有该年度数据，其认定结果将为“数据不足”。"
    )
    assert page.select_one('[data-testid="run-confirm"]') is not None
    assert page.select_one('[data-testid="preview-request"]') is None
    assert not EvaluationPreview.objects.exists()
    assert world_snapshot() == before


def test_a_large_list_is_previewed_by_a_task_and_the_page_polls_until_it_is_done(
    client,
    two_counties,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    # Since the last run, 秀洲光伏 no longer qualifies and 南湖新登记 has qualifying facts.
    AnnualFacts.objects.filter(enterprise=two_counties["c"]).update(tech_staff=5)
    AnnualFacts.objects.create(enterprise=two_counties["d"], year=YEAR, **QUALIFYING)
    officer = UserFactory()
    login(client, officer)
    in_request = parse_page(
        client.get(reverse("registry:run_preview"), {"year": str(YEAR)}).content
    )
    settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX = 3
    before = world_snapshot()

    # The preview page offers to compute it in the background (a GET changes nothing).
    offer = parse_page(client.get(reverse("registry:run_preview"), {"year": str(YEAR)}).content)
    form = offer.select_one('[data-testid="preview-request"]')
    assert (form["method"], form["action"]) == ("post", reverse("registry:run_preview_request"))
    assert form.select_one("input[name=year]")["value"] == str(YEAR)
    assert offer.select_one('[data-testid="run-confirm"]') is None
    assert not EvaluationPreview.objects.exists()

    # Asked for, it is queued; the task is sent once the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asked = client.post(reverse("registry:run_preview_request"), {"year": str(YEAR)})
    stored = EvaluationPreview.objects.get()
    assert asked.status_code == 302
    assert asked["Location"] == reverse("registry:run_preview_detail", args=[stored.pk])
    assert (stored.status, stored.year, stored.requested_by) == ("queued", YEAR, officer)
    assert len(callbacks) == 1

    # While it is computed, the page (and the block it polls) waits and polls every 2 s.
    waiting = parse_page(client.get(asked["Location"]).content)
    block = waiting.select_one("div[id=preview-status]")
    assert (block["hx-get"], block["hx-trigger"]) == (asked["Location"], "every 2s")
    assert waiting.select_one('[data-testid="preview-waiting"]') is not None
    polled = client.get(asked["Location"], headers=STATUS)
    assert polled.content.decode().lstrip().startswith('<div id="preview-status"')
    assert (
        parse_page(polled.content).select_one("div[id=preview-status]")["hx-trigger"] == "every 2s"
    )

    # The task runs (in-process here); the next poll brings the preview and stops polling.
    callbacks[0]()
    stored.refresh_from_db()
    assert stored.status == "done" and stored.finished_at is not None
    done = parse_page(client.get(asked["Location"], headers=STATUS).content)
    block = done.select_one("div[id=preview-status]")
    assert "hx-trigger" not in block.attrs and block["data-status"] == "done"
    # The same preview as one computed within the request: counts, entries and exits.
    assert rows(done, "preview-entries") == rows(in_request, "preview-entries")
    assert rows(done, "preview-exits") == rows(in_request, "preview-exits")
    assert rows(done, "preview-exits") == [
        "秀洲光伏有限公司 不再具有任何名单标签：科技型中小企业（科技型中小企业评价：不符合）"
    ]
    assert rows(done, "preview-entries") == ["南湖新登记有限公司 具有名单标签：科技型中小企业"]
    assert done.select_one('[data-testid="preview-counts"]').get_text(" ", strip=True) == (
        in_request.select_one('[data-testid="preview-counts"]').get_text(" ", strip=True)
    )
    confirm = done.select_one('[data-testid="run-confirm"]')
    assert confirm.select_one("input[name=year]")["value"] == str(YEAR)
    assert world_snapshot() == before  # the list itself is untouched


def test_asking_again_while_it_is_computed_sends_no_second_task(
    client,
    two_counties,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX = 3
    login(client, UserFactory())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(reverse("registry:run_preview_request"), {"year": str(YEAR)})
        second = client.post(reverse("registry:run_preview_request"), {"year": str(YEAR)})

    assert first["Location"] == second["Location"]
    assert EvaluationPreview.objects.count() == 1
    assert len(callbacks) == 1


def test_a_second_delivery_of_the_task_does_nothing(two_counties):  # noqa: F811
    stored = EvaluationPreview.objects.create(
        year=YEAR, as_of=datetime.date(YEAR, 12, 31), requested_by=UserFactory()
    )
    evaluation_preview_compute(stored.pk, limit=200)
    stored.refresh_from_db()
    result, finished = stored.result, stored.finished_at

    evaluation_preview_compute(stored.pk, limit=200)

    stored.refresh_from_db()
    assert (stored.status, stored.result, stored.finished_at) == ("done", result, finished)


def test_a_preview_no_worker_took_fails_and_stops_polling(client, two_counties):  # noqa: F811
    officer = UserFactory()
    stored = EvaluationPreview.objects.create(
        year=YEAR, as_of=datetime.date(YEAR, 12, 31), requested_by=officer
    )
    EvaluationPreview.objects.filter(pk=stored.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    login(client, officer)

    page = parse_page(
        client.get(reverse("registry:run_preview_detail", args=[stored.pk]), headers=STATUS).content
    )

    block = page.select_one("div[id=preview-status]")
    assert "hx-trigger" not in block.attrs and block["data-status"] == "failed"
    assert page.select_one('[data-testid="preview-failed"]').get_text(strip=True) == (
        "后台计算超过10分钟未完成，预览已停止，请重新预览。"
    )


def test_only_the_officer_who_asked_sees_a_background_preview(
    client,
    two_counties,  # noqa: F811
    settings,
):
    settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX = 3
    stored = EvaluationPreview.objects.create(
        year=YEAR, as_of=datetime.date(YEAR, 12, 31), requested_by=UserFactory()
    )
    url = reverse("registry:run_preview_detail", args=[stored.pk])
    before = world_snapshot()

    login(client, UserFactory())
    assert client.get(url).status_code == 404
    login(client, county_officer(nanhu()))
    assert client.get(url).status_code == 403
    assert client.post(
        reverse("registry:run_preview_request"), {"year": str(YEAR)}
    ).status_code == (403)
    assert EvaluationPreview.objects.count() == 1
    assert world_snapshot() == before
