"""Publishing pages: the public list with search and filters (visitors too), the detail with
the conditions in words, officers' forms and buttons, attachments' downloads, subscriptions."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from kejin.accounts.tests.factories import UserFactory
from kejin.policies import services_policies as services
from kejin.policies.choices import PolicyStatus
from kejin.policies.models import Policy, PolicySubscription
from kejin.policies.tests.factories import PolicyFactory
from kejin.policies.tests.test_publishing_services import CASES, PARAMS, RULE, data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n"


def login(client, user):
    client.force_login(user)
    return client


def rows(response) -> list[str]:
    html = response.content.decode()
    return [
        part.split('"', 1)[0]
        for part in html.split('data-testid="policy-row" data-policy-id="')[1:]
    ]


def test_visitors_see_published_and_expired_policies_never_drafts(client):
    published = PolicyFactory(published=True, title="科技保险保费补贴办法")
    expired = PolicyFactory(status=PolicyStatus.EXPIRED, title="旧办法")
    draft = PolicyFactory(title="起草中的办法")
    response = client.get(reverse("policies:policy_list"))
    assert response.status_code == 200
    assert sorted(rows(response)) == sorted([str(published.pk), str(expired.pk)])
    assert client.get(reverse("policies:policy_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("policies:policy_detail", args=[published.pk])).status_code == 200


def test_search_finds_words_in_title_number_summary_text_and_issuers(client):
    a = PolicyFactory(published=True, title="研发投入补助", doc_number="嘉科〔2026〕1号")
    b = PolicyFactory(published=True, title="人才政策", summary="支持企业研发中心建设")
    c = PolicyFactory(published=True, title="上市奖励", full_text="对在科创板上市的企业奖励")
    d = PolicyFactory(published=True, title="保险补贴", issuers=["嘉兴市金融工作办公室"])
    url = reverse("policies:policy_list")
    assert sorted(rows(client.get(url, {"q": "研发"}))) == sorted([str(a.pk), str(b.pk)])
    assert rows(client.get(url, {"q": "科创板"})) == [str(c.pk)]
    assert rows(client.get(url, {"q": "〔2026〕1号"})) == [str(a.pk)]
    assert rows(client.get(url, {"q": "金融工作"})) == [str(d.pk)]
    assert rows(client.get(url, {"issuer": "金融工作"})) == [str(d.pk)]
    assert rows(client.get(url, {"q": "研发 中心"})) == [str(b.pk)]
    assert rows(client.get(url, {"q": "不存在的词"})) == []


def test_filters_by_category_scheme_and_region(client):
    officer = UserFactory()
    a = services.policy_create(actor=officer, data=data(categories=["listing"], scheme="grant"))
    services.policy_publish(actor=officer, policy=a)
    nanhu = UserFactory(county_officer=True)
    b = services.policy_create(
        actor=nanhu, data=data(categories=["tech_insurance"], scheme="tech_insurance")
    )
    services.policy_publish(actor=nanhu, policy=b)
    url = reverse("policies:policy_list")
    assert rows(client.get(url, {"category": "listing"})) == [str(a.pk)]
    assert rows(client.get(url, {"scheme": "tech_insurance"})) == [str(b.pk)]
    assert rows(client.get(url, {"region": "city"})) == [str(a.pk)]
    assert rows(client.get(url, {"region": "330402"})) == [str(b.pk)]


def test_the_detail_shows_conditions_benefit_caps_and_references(client):
    officer = UserFactory()
    policy = services.policy_create(
        actor=officer,
        data=data(
            document=RULE,
            parameters={**PARAMS, "rate": {"value": 0.5, "reference": "第五条", "label": "比例"}},
            worked_cases=CASES,
            reference="第三条",
            benefit_formula={"*": [{"var": "input.premium"}, {"param": "rate"}]},
            benefit_reference="第五条第二款",
            inputs=[{"name": "premium", "label": "实缴保费", "kind": "money"}],
            cap_per_enterprise_year="200000",
        ),
    )
    services.policy_publish(actor=officer, policy=policy)
    response = client.get(reverse("policies:policy_detail", args=[policy.pk]))
    html = response.content.decode()
    assert 'data-testid="policy-conditions"' in html
    assert "≥ 10" in html
    assert "依据：第三条" in html
    assert "依据：第五条第二款" in html
    assert "每家企业每年上限：20.00 万元" in html
    assert "{# matching" not in html
    assertNotContains(response, 'data-testid="policy-publish"')
    assertNotContains(response, 'data-testid="policy-history"')


def test_an_officer_drafts_publishes_and_expires_through_the_pages(client):
    officer = UserFactory()
    login(client, officer)
    response = client.post(
        reverse("policies:policy_create"),
        {
            "title": "嘉兴市专利保险补贴办法",
            "doc_number": "嘉市监〔2026〕3号",
            "issuers": "嘉兴市市场监督管理局\n嘉兴市财政局",
            "scheme": "tech_insurance",
            "categories": ["tech_insurance"],
            "valid_from": "2026-01-01",
            "summary": "专利保险保费补贴",
            "period": "year",
            "cap_per_enterprise_year": "5",
            "document-combine": "and",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = Policy.objects.get(title="嘉兴市专利保险补贴办法")
    assert policy.issuers == ["嘉兴市市场监督管理局", "嘉兴市财政局"]
    assert str(policy.versions.get().cap_per_enterprise_year) == "50000.00"
    page = client.get(reverse("policies:policy_detail", args=[policy.pk]))
    assertContains(page, 'data-testid="policy-publish"')
    assert client.get(reverse("policies:policy_edit", args=[policy.pk])).status_code == 200
    client.post(reverse("policies:policy_publish", args=[policy.pk]))
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED
    client.post(reverse("policies:policy_expire", args=[policy.pk]), {"comment": "已被新办法替代"})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.EXPIRED


def test_a_refused_move_shows_the_message_and_changes_nothing(client):
    officer = UserFactory()
    policy = PolicyFactory(published=True)
    login(client, officer)
    response = client.post(reverse("policies:policy_publish", args=[policy.pk]), follow=True)
    assertContains(response, "政策当前为“已发布”状态，不能发布。")
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED


def test_others_may_not_open_the_officers_pages(client):
    policy = PolicyFactory(published=True)
    login(client, UserFactory(enterprise_admin=True))
    assert client.get(reverse("policies:policy_create")).status_code == 403
    assert client.get(reverse("policies:policy_edit", args=[policy.pk])).status_code == 403
    assert client.post(reverse("policies:policy_expire", args=[policy.pk])).status_code == 403
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED


def test_a_new_version_is_drafted_and_opened_for_editing(client):
    officer = UserFactory()
    policy = services.policy_create(actor=officer, data=data())
    services.policy_publish(actor=officer, policy=policy)
    login(client, officer)
    response = client.post(reverse("policies:policy_revise", args=[policy.pk]))
    assert response.url == reverse("policies:policy_edit", args=[policy.pk])
    page = client.get(response.url)
    assertContains(page, 'data-testid="revision-note"')


def test_attachments_download_publicly_once_published(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    officer = UserFactory()
    policy = services.policy_create(actor=officer, data=data())
    login(client, officer)
    client.post(
        reverse("policies:policy_attachments", args=[policy.pk]),
        {"attachments": [SimpleUploadedFile("办法.pdf", PDF, "application/pdf")]},
    )
    attachment = policy.attachments.get()
    url = reverse("policies:policy_attachment", args=[policy.pk, attachment.pk])
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 404  # a draft's: officers only
    services.policy_publish(actor=officer, policy=policy)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_an_enterprise_sets_its_subscriptions(client):
    user = UserFactory(enterprise_admin=True)
    login(client, user)
    assert client.get(reverse("policies:subscriptions")).status_code == 200
    response = client.post(reverse("policies:subscriptions"), {"categories": ["listing", "talent"]})
    assert response.status_code == 302
    assert set(
        PolicySubscription.objects.filter(enterprise=user.enterprise).values_list(
            "category__code", flat=True
        )
    ) == {"listing", "talent"}
    page = client.get(reverse("policies:subscriptions"))
    assertContains(page, "上市挂牌")
    client.logout()
    login(client, UserFactory())
    assert client.get(reverse("policies:subscriptions")).status_code == 403


def test_dates_in_the_detail_read_as_dates(client):
    policy = PolicyFactory(published=True, valid_to=datetime.date(2027, 12, 31))
    response = client.get(reverse("policies:policy_detail", args=[policy.pk]))
    assertContains(response, "2026-01-01")
    assertContains(response, "2027-12-31")


def test_the_edit_form_round_trips_a_rule_with_parameters_and_a_formula(client):
    officer = UserFactory()
    policy = services.policy_create(
        actor=officer,
        data=data(
            document=RULE,
            parameters=PARAMS,
            worked_cases=CASES,
            inputs=[{"name": "premium", "label": "实缴保费", "kind": "money", "typical": 50000}],
            benefit_formula={"*": [{"var": "input.premium"}, 0.5]},
            cap_per_enterprise_year="200000",
            deadline_days={"accept": 5},
        ),
    )
    login(client, officer)
    page = client.get(reverse("policies:policy_edit", args=[policy.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    posted = {}
    for name in form.fields:
        if name == "document":
            continue
        value = form[name].value()
        if value in (None, ""):
            continue
        if isinstance(value, list):
            posted[name] = [getattr(v, "pk", v) for v in value]
        else:
            posted[name] = value  # as the page shows it (JSON indented, amounts in 万元)
    posted["categories"] = ["rd_support"]
    posted["document-use_json"] = "on"
    posted["document-json"] = '{">=": [{"var": "employees"}, {"param": "min_staff"}]}'
    posted["document-combine"] = "and"
    posted["summary"] = "改过的摘要"
    response = client.post(reverse("policies:policy_edit", args=[policy.pk]), posted)
    assert response.status_code == 302, response.context["form"].errors
    policy.refresh_from_db()
    version = policy.versions.get()
    assert policy.summary == "改过的摘要"
    assert version.document == RULE
    assert version.parameters == PARAMS
    assert version.benefit_formula == {"*": [{"var": "input.premium"}, 0.5]}
    assert str(version.cap_per_enterprise_year) == "200000.00"
    assert version.deadline_days == {"accept": 5}
    assert version.worked_cases == CASES
