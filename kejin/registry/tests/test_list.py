"""The list itself (名单库): its filters, the registry page and export, an enterprise's panel
and history, officers' overrides, re-evaluation runs, stages' and labels' rules, and the API
of each — with county scoping (404 outside it, never a leak) and denied actions changing
nothing."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.filters import EnterpriseFilterSet
from kejin.enterprises.models import AnnualFacts, Enterprise
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.registry import services
from kejin.registry.evaluation import registry_reevaluate
from kejin.registry.models import (
    EvaluationRun,
    GrowthStage,
    Label,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
)
from kejin.registry.selectors import registry_panel_get

pytestmark = pytest.mark.django_db

YEAR = 2024
# A tech SME: 30 % tech staff (20 points), R&D 6 % of revenue (50) → 70 points; founded
# 2022, revenue 1000万: 初创期.
QUALIFYING = {
    "employees": 100,
    "tech_staff": 30,
    "revenue": Decimal("10000000"),
    "total_assets": Decimal("50000000"),
    "total_cost": Decimal("9000000"),
    "rd_expense": Decimal("600000"),
    "ip_class1": 0,
    "ip_class2": 0,
}


def nanhu():
    return RegionFactory(code="330402", name="南湖区")


def xiuzhou():
    return RegionFactory(code="330411", name="秀洲区")


def enterprise_with_facts(*, county=None, name=None, founded=datetime.date(2022, 3, 1), **facts):
    """An enterprise with facts for YEAR (qualifying as a tech SME unless ``facts`` say not)."""
    kwargs = {"county": county or nanhu(), "founded_on": founded}
    if name:
        kwargs["name"] = name
    enterprise = EnterpriseFactory(**kwargs)
    AnnualFacts.objects.create(enterprise=enterprise, year=YEAR, **{**QUALIFYING, **facts})
    return enterprise


def evaluate():
    return registry_reevaluate(year=YEAR)


def county_officer(county):
    return UserFactory(county_officer=True, county=county)


def login(client, user):
    client.force_login(user)
    return client


def entry_state(enterprise) -> tuple:
    entry = RegistryEntry.objects.filter(enterprise=enterprise).first()
    if entry is None:
        return None
    return (
        entry.on_list,
        entry.stage.code if entry.stage else None,
        sorted(entry.labels.values_list("code", flat=True)),
        entry.since,
    )


def events_of(enterprise) -> list[tuple]:
    return list(
        RegistryEvent.objects.filter(enterprise=enterprise)
        .order_by("id")
        .values_list("kind", "from_value", "to_value", "reason", "rule", "officer__username", "run")
    )


def world_snapshot() -> tuple:
    """Everything a denied action must leave as it was."""
    return (
        list(RegistryOverride.objects.order_by("pk").values()),
        list(RegistryEntry.objects.order_by("pk").values()),
        sorted(RegistryEntry.labels.through.objects.values_list("registryentry_id", "label_id")),
        RegistryEvent.objects.count(),
        AuditEvent.objects.count(),
        list(GrowthStage.objects.order_by("pk").values()),
        list(Label.objects.order_by("pk").values()),
        EvaluationRun.objects.count(),
    )


def table_body(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


class _Node:
    """An element of a parsed page: its tag, attributes, children and text."""

    def __init__(self, tag: str, attrs: dict, parent=None):
        self.tag, self.attrs, self.parent, self.children, self.parts = tag, attrs, parent, [], []

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def get_text(self, separator: str = " ", strip: bool = True) -> str:
        texts = []

        def walk(node):
            for part in node.parts:
                if isinstance(part, _Node):
                    walk(part)
                elif part.strip():
                    texts.append(part.strip())

        walk(self)
        return separator.join(texts)

    def iter(self):
        for child in self.children:
            yield child
            yield from child.iter()

    def select(self, selector: str) -> list:
        """A small CSS subset: ``[data-testid="x"]``, ``tag``, ``tag[name=x]``, and a
        descendant chain of those separated by spaces."""
        import re

        nodes = [self]
        for step in selector.split(" "):
            match = re.fullmatch(r"(\w*)(?:\[([\w-]+)(?:=\"?([^\"\]]*)\"?)?\])?", step)
            tag, attr, value = match.groups()
            nodes = [
                node
                for parent in nodes
                for node in parent.iter()
                if (not tag or node.tag == tag)
                and (
                    not attr
                    or (attr in node.attrs if value is None else node.attrs.get(attr) == value)
                )
            ]
        return nodes

    def select_one(self, selector: str):
        found = self.select(selector)
        return found[0] if found else None


def parse_page(content: bytes) -> _Node:
    """A page's element tree (the standard library's parser; no dependency)."""
    from html.parser import HTMLParser

    void = {"input", "br", "meta", "link", "img", "hr", "source", "col", "wbr"}
    root = _Node("root", {})

    class Parser(HTMLParser):
        node = root

        def handle_starttag(self, tag, attrs):
            child = _Node(tag, {k: v or "" for k, v in attrs}, self.node)
            self.node.children.append(child)
            self.node.parts.append(child)
            if tag not in void:
                self.node = child

        def handle_endtag(self, tag):
            node = self.node
            while node is not root and node.tag != tag:
                node = node.parent
            if node is not root:
                self.node = node.parent

        def handle_data(self, data):
            self.node.parts.append(data)

    Parser().feed(content.decode())
    return root


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def two_counties():
    """Three enterprises in 南湖区 (a tech SME, one failing, one never evaluated) and a tech
    SME in 秀洲区, after a run."""
    a = enterprise_with_facts(county=nanhu(), name="南湖芯片有限公司")
    b = enterprise_with_facts(county=nanhu(), name="南湖传统制造有限公司", tech_staff=5)
    c = enterprise_with_facts(county=xiuzhou(), name="秀洲光伏有限公司")
    evaluate()
    d = EnterpriseFactory(county=nanhu(), name="南湖新登记有限公司")
    return {"a": a, "b": b, "c": c, "d": d}


# --- filters ------------------------------------------------------------------------------


def filtered(data) -> list[str]:
    filterset = EnterpriseFilterSet(data, queryset=Enterprise.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("name", flat=True))


def test_stage_label_on_list_and_recognition_filters(two_counties):
    grown = enterprise_with_facts(
        county=xiuzhou(),
        name="秀洲成长科技有限公司",
        revenue=Decimal("30000000"),
        rd_expense=Decimal("1800000"),
    )
    evaluate()

    assert filtered({"stage": "growth"}) == ["秀洲成长科技有限公司"]
    assert filtered({"stage": "startup"}) == [
        "南湖传统制造有限公司",
        "南湖芯片有限公司",
        "秀洲光伏有限公司",
    ]
    assert filtered({"label": ["tech_sme"]}) == [
        "南湖芯片有限公司",
        "秀洲光伏有限公司",
        "秀洲成长科技有限公司",
    ]
    assert filtered({"on_list": "true"}) == [
        "南湖芯片有限公司",
        "秀洲光伏有限公司",
        "秀洲成长科技有限公司",
    ]
    # Not on the list includes the enterprise never evaluated (it has no entry).
    assert filtered({"on_list": "false"}) == ["南湖传统制造有限公司", "南湖新登记有限公司"]
    assert filtered({"recognition": ["tech_sme:not_qualified"]}) == ["南湖传统制造有限公司"]
    assert filtered({"recognition": ["tech_sme:passed"]}) == filtered({"label": ["tech_sme"]})
    assert grown.name in filtered({"recognition": ["tech_sme:qualified"]})


def test_label_filter_asks_for_every_label_without_duplicate_rows(two_counties):
    reserve = Label.objects.get(code="listing_reserve")
    officer = UserFactory()
    for enterprise in (two_counties["a"], two_counties["b"]):
        services.registry_override_create(
            actor=officer, enterprise=enterprise, kind="label", label=reserve, reason="列入上市后备"
        )

    both = EnterpriseFilterSet(
        {"label": ["tech_sme", "listing_reserve"]}, queryset=Enterprise.objects.all()
    )
    assert both.is_valid()
    assert list(both.qs.values_list("name", flat=True)) == ["南湖芯片有限公司"]
    assert "DISTINCT" not in str(both.qs.query)
    assert filtered({"label": ["listing_reserve"]}) == ["南湖传统制造有限公司", "南湖芯片有限公司"]


def test_recognition_filter_of_two_rule_sets_needs_both(two_counties):
    RecognitionResult.objects.filter(enterprise=two_counties["c"], ruleset="high_tech").update(
        status="qualified"
    )
    assert filtered({"recognition": ["tech_sme:passed", "high_tech:qualified"]}) == [
        "秀洲光伏有限公司"
    ]
    # Two values of one rule set are alternatives.
    assert filtered({"recognition": ["tech_sme:qualified", "tech_sme:not_qualified"]}) == [
        "南湖传统制造有限公司",
        "南湖芯片有限公司",
        "秀洲光伏有限公司",
    ]


def test_unknown_filter_values_are_reported():
    filterset = EnterpriseFilterSet(
        {"recognition": ["tech_sme:maybe"], "stage": "teen", "label": ["nope"]},
        queryset=Enterprise.objects.all(),
    )
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"recognition", "stage", "label"}


# --- the registry page and export ---------------------------------------------------------


def test_city_officer_sees_every_county_on_the_list_with_stage_labels_and_counts(
    client, two_counties
):
    login(client, UserFactory())

    response = client.get(reverse("registry:list"))

    assert response.status_code == 200
    body = table_body(response)
    assert "南湖芯片有限公司" in body and "秀洲光伏有限公司" in body
    assert "南湖传统制造有限公司" not in body  # not on the list: hidden by default
    assert "南湖新登记有限公司" not in body
    assert '<span class="badge text-bg-info me-1">科技型中小企业</span>' in body
    assert '<td data-testid="stage">初创期</td>' in body
    html = response.content.decode()
    assert "共 2 家企业" in html
    assert '<span class="fs-4 fw-semibold" data-testid="count-total">2</span>' in html
    assert (
        'data-testid="count-stage-startup">初创期 <span class="badge text-bg-secondary">2</span>'
        in html
    )
    assert (
        'data-testid="count-label-tech_sme">科技型中小企业 <span class="badge text-bg-info">2</span>'
        in html
    )


def test_list_shows_those_off_the_list_on_request(client, two_counties):
    login(client, UserFactory())

    off = table_body(client.get(reverse("registry:list"), {"on_list": "false"}))
    everyone = table_body(client.get(reverse("registry:list"), {"on_list": ""}))

    assert "南湖传统制造有限公司" in off and "南湖新登记有限公司" in off
    assert "南湖芯片有限公司" not in off
    assert everyone.count("data-enterprise-id") == 4


def test_county_officer_sees_only_their_county_in_list_counts_and_export(client, two_counties):
    login(client, county_officer(xiuzhou()))

    response = client.get(reverse("registry:list"), {"on_list": ""})
    export = client.get(reverse("registry:export"), {"on_list": ""})

    body = table_body(response)
    assert "秀洲光伏有限公司" in body
    assert "南湖" not in body
    assert (
        '<span class="fs-4 fw-semibold" data-testid="count-total">1</span>'
        in response.content.decode()
    )
    assert [row[1] for row in xlsx_rows(export)[1:]] == ["秀洲光伏有限公司"]


def test_search_box_uses_the_shared_q_filter(client, two_counties):
    login(client, UserFactory())

    body = table_body(client.get(reverse("registry:list"), {"q": "芯片"}))

    assert "南湖芯片有限公司" in body and "秀洲光伏有限公司" not in body


# What the page's filter form sends: every field, the empty ones too.
EMPTY_FORM = {
    "q": "",
    "county": "",
    "industry": "",
    "size": "",
    "on_list": "",
    "stage": "",
    "recognition": "",
}


@pytest.fixture
def filterable(two_counties):
    """two_counties, with the industries and sizes told apart and a listing-reserve label."""
    from kejin.core.tests.factories import IndustryFactory

    software = IndustryFactory(code="39", name="计算机、通信和其他电子设备制造业")
    Enterprise.objects.filter(pk=two_counties["c"].pk).update(industry=software, size="medium")
    services.registry_override_create(
        actor=UserFactory(),
        enterprise=two_counties["a"],
        kind="label",
        label=Label.objects.get(code="listing_reserve"),
        reason="列入上市后备",
    )
    return two_counties


@pytest.mark.parametrize(
    "given, expected",
    [
        (
            {},
            ["南湖传统制造有限公司", "南湖新登记有限公司", "南湖芯片有限公司", "秀洲光伏有限公司"],
        ),
        ({"q": "芯片"}, ["南湖芯片有限公司"]),
        ({"county": "330411"}, ["秀洲光伏有限公司"]),
        ({"industry": "39"}, ["秀洲光伏有限公司"]),
        ({"size": "medium"}, ["秀洲光伏有限公司"]),
        ({"on_list": "true"}, ["南湖芯片有限公司", "秀洲光伏有限公司"]),
        ({"on_list": "false"}, ["南湖传统制造有限公司", "南湖新登记有限公司"]),
        ({"stage": "startup"}, ["南湖传统制造有限公司", "南湖芯片有限公司", "秀洲光伏有限公司"]),
        ({"label": "listing_reserve"}, ["南湖芯片有限公司"]),
        ({"recognition": "tech_sme:not_qualified"}, ["南湖传统制造有限公司"]),
        ({"q": "南湖", "on_list": "true"}, ["南湖芯片有限公司"]),
    ],
)
def test_each_filter_of_the_submitted_form_narrows_the_page_and_the_export(
    client, filterable, given, expected
):
    login(client, UserFactory())
    query = {**EMPTY_FORM, **given}

    page = client.get(reverse("registry:list"), query)
    export = client.get(reverse("registry:export"), query)

    assert page.status_code == 200
    body = table_body(page)
    shown = sorted(
        name for name in Enterprise.objects.values_list("name", flat=True) if name in body
    )
    assert shown == expected
    assert sorted(row[1] for row in xlsx_rows(export)[1:]) == expected
    assert f'data-testid="result-count">共 {len(expected)} 家企业' in page.content.decode()


def test_an_invalid_filter_is_ignored_alone_and_said_so(client, filterable):
    login(client, UserFactory())
    query = {**EMPTY_FORM, "county": "330411", "stage": "teenage"}

    page = client.get(reverse("registry:list"), query)
    export = client.get(reverse("registry:export"), query)

    assert "以下筛选条件无效，已忽略：" in page.content.decode()
    assert [row[1] for row in xlsx_rows(export)[1:]] == ["秀洲光伏有限公司"]


def test_sorting_by_stage_puts_startups_first(client, two_counties):
    enterprise_with_facts(
        county=xiuzhou(),
        name="阿尔法成长有限公司",
        revenue=Decimal("30000000"),
        rd_expense=Decimal("1800000"),
    )
    evaluate()
    login(client, UserFactory())

    ascending = table_body(client.get(reverse("registry:list"), {"ordering": "stage"}))
    descending = table_body(client.get(reverse("registry:list"), {"ordering": "-stage"}))

    assert ascending.index("南湖芯片有限公司") < ascending.index("阿尔法成长有限公司")
    assert descending.index("阿尔法成长有限公司") < descending.index("南湖芯片有限公司")


def test_htmx_refresh_returns_only_the_results(client, two_counties):
    login(client, UserFactory())

    response = client.get(
        reverse("registry:list"),
        {"stage": "startup"},
        headers={"HX-Request": "true", "HX-Target": "registry-results"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="registry-results"')
    assert "registry-counts" not in html and "<form" not in html
    assert "共 2 家企业" in html


def test_export_has_stage_labels_and_recognition_columns(client, two_counties):
    login(client, UserFactory())

    response = client.get(reverse("registry:export"), {"q": "芯片"})

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = xlsx_rows(response)
    assert rows[0] == (
        "统一社会信用代码",
        "企业名称",
        "所在县(市、区)",
        "行业代码",
        "行业名称",
        "在库",
        "成长阶段",
        "名单标签",
        "入库日期",
        "高新技术企业认定条件结果",
        "科技型中小企业评价结果",
        "科技型中小企业评价得分",
    )
    a = two_counties["a"]
    assert rows[1] == (
        a.uscc,
        "南湖芯片有限公司",
        "南湖区",
        "65",
        "软件和信息技术服务业",
        "是",
        "初创期",
        "科技型中小企业",
        datetime.datetime.combine(timezone.localdate(), datetime.time()),
        "不符合",
        "符合",
        70,
    )
    assert len(rows) == 2


@pytest.mark.parametrize(
    "user_kwargs",
    [{"enterprise_admin": True}, {"institution_manager": True}, {"data_provider": True}],
)
def test_list_and_export_are_refused_to_everyone_but_officers_and_admins(client, user_kwargs):
    login(client, UserFactory(**user_kwargs))

    for name in ("registry:list", "registry:export"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "名单库仅向市、县(市、区)工作人员和平台管理员开放。" in response.content.decode()


def test_platform_admin_may_browse_the_list(client, two_counties):
    login(client, UserFactory(platform_admin=True))
    assert client.get(reverse("registry:list")).status_code == 200


def test_list_page_queries_do_not_grow_with_rows(client, django_assert_max_num_queries):
    for n in range(3):
        enterprise_with_facts(county=nanhu(), name=f"南湖少量{n}有限公司")
    evaluate()
    login(client, UserFactory())
    client.get(reverse("registry:list"))  # warm the session

    with django_assert_max_num_queries(16) as few:
        client.get(reverse("registry:list"))
    for n in range(20):
        enterprise_with_facts(county=xiuzhou(), name=f"秀洲较多{n}有限公司")
    evaluate()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("registry:list"))
    assert "共 23 家企业" in response.content.decode()


def test_preview_page_queries_do_not_grow_with_enterprises(client, django_assert_max_num_queries):
    for n in range(3):
        enterprise_with_facts(county=nanhu(), name=f"南湖少量{n}有限公司")
    evaluate()
    enterprise_with_facts(county=nanhu(), name="南湖新入库有限公司")
    login(client, UserFactory())
    client.get(reverse("registry:run_list"))  # warm the session

    with django_assert_max_num_queries(30) as few:
        client.get(reverse("registry:run_preview"), {"year": str(YEAR)})
    for n in range(20):
        enterprise_with_facts(county=xiuzhou(), name=f"秀洲较多{n}有限公司")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("registry:run_preview"), {"year": str(YEAR)})
    assert response.status_code == 200
    assert (
        len(parse_page(response.content).select('[data-testid="preview-entries"] tbody tr')) == 21
    )


# --- an enterprise's panel ----------------------------------------------------------------


def panel_url(enterprise) -> str:
    return reverse("registry:panel", args=[enterprise.pk])


def test_panel_shows_membership_stage_labels_and_the_timeline(client, two_counties):
    a = two_counties["a"]
    run = EvaluationRun.objects.get()
    login(client, UserFactory())

    response = client.get(panel_url(a), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card mb-4" id="registry-panel"')
    assert '<span class="badge text-bg-success">在库</span>' in html
    assert '<dd class="col-sm-9" data-testid="stage">初创期</dd>' in html
    assert "科技型中小企业评价</dt>" in html and "符合 · 70分" in html
    timeline = html[html.index('data-testid="registry-timeline"') :]
    assert [
        kind
        for kind in ("entry", "stage_change", "label_added")
        if f'data-event-kind="{kind}"' in timeline
    ] == [
        "entry",
        "stage_change",
        "label_added",
    ]
    assert "依据：成长阶段规则：初创期" in timeline
    assert "依据：标签规则：科技型中小企业" in timeline
    assert f'<a href="/registry/runs/{run.pk}/">评价批次 #{run.pk}</a>' in timeline
    assert 'data-testid="active-overrides"' in html
    assert reverse("registry:override_create", args=[a.pk]) in html


def test_panel_without_htmx_is_a_page_of_its_own(client, two_counties):
    login(client, UserFactory())
    response = client.get(panel_url(two_counties["a"]))
    assert response.status_code == 200
    assert "<title>南湖芯片有限公司 · 名单库" in response.content.decode()


def test_panel_is_scoped_like_the_enterprise(client, two_counties):
    a, c = two_counties["a"], two_counties["c"]

    login(client, county_officer(xiuzhou()))
    assert client.get(panel_url(a)).status_code == 404
    assert client.get(panel_url(c)).status_code == 200

    login(client, UserFactory(institution_manager=True))
    assert client.get(panel_url(a)).status_code == 404

    owner = UserFactory(enterprise_admin=True, enterprise=a)
    login(client, owner)
    assert client.get(panel_url(c)).status_code == 404
    own = client.get(panel_url(a), headers={"HX-Request": "true"}).content.decode()
    assert '<span class="badge text-bg-success">在库</span>' in own
    # Overrides and run links are for officers.
    assert "active-overrides" not in own and "人工调整</a>" not in own
    assert "/registry/runs/" not in own


def test_panel_include_loads_itself_by_htmx(two_counties):
    a = two_counties["a"]
    html = render_to_string("enterprises/includes/registry_panel.html", {"enterprise": a})
    assert f'hx-get="/registry/enterprises/{a.pk}/panel/" hx-trigger="load"' in html


def test_panel_include_renders_a_panel_given_in_the_context(two_counties):
    a = two_counties["a"]
    panel = registry_panel_get(user=UserFactory(), enterprise_id=a.pk)
    html = render_to_string(
        "enterprises/includes/registry_panel.html", {"enterprise": a, "registry_panel": panel}
    )
    assert "hx-get" not in html and 'data-testid="registry-timeline"' in html


def test_the_profile_summary_and_recognition_section_speak_of_the_same_year(client, two_counties):
    a = two_counties["a"]  # judged on YEAR's facts: a tech SME
    AnnualFacts.objects.create(enterprise=a, year=YEAR + 1, **{**QUALIFYING, "tech_staff": 5})
    login(client, UserFactory())

    panel = parse_page(client.get(panel_url(a)).content)
    section = parse_page(client.get(reverse("profile:recognition", args=[a.pk])).content)

    assert f"符合 · 70分 {YEAR}年度数据" in panel.get_text(" ")
    assert (
        section.select_one('select[data-testid="recognition-year"] option[selected]').get_text()
        == f"{YEAR}年"
    )
    sme = section.select_one('article[data-ruleset="tech_sme"]')
    assert sme.select_one('span[data-testid="recognition-status"]')["data-status"] == "qualified"
    assert section.select_one('[data-testid="recognition-listed"]').get_text(" ") == (
        f"名单库记录的结果：高新技术企业认定条件 不符合 （{YEAR}年度数据）；"
        f"科技型中小企业评价 符合 （{YEAR}年度数据）"
    )
    assert section.select_one('[data-testid="recognition-stale"]') is None


def test_the_recognition_section_says_when_the_list_judged_the_same_year_differently(
    client, two_counties
):
    a = two_counties["a"]
    AnnualFacts.objects.filter(enterprise=a, year=YEAR).update(tech_staff=5)  # after the run
    login(client, UserFactory())

    section = parse_page(client.get(reverse("profile:recognition", args=[a.pk])).content)

    sme = section.select_one('article[data-ruleset="tech_sme"]')
    assert sme.select_one('span[data-testid="recognition-status"]')["data-status"] == (
        "not_qualified"
    )
    assert section.select_one('[data-testid="recognition-stale"]').get_text() == (
        "数据已更新，与下方重算结果不同；名单将在下次重新评价时更新"
    )


# --- overrides: the services --------------------------------------------------------------


def test_label_override_puts_an_enterprise_on_the_list_at_once_and_is_audited(two_counties):
    b = two_counties["b"]  # does not qualify
    officer = county_officer(nanhu())
    reserve = Label.objects.get(code="listing_reserve")

    override = services.registry_override_create(
        actor=officer, enterprise=b, kind="label", label=reserve, reason="列入2024年上市后备企业"
    )

    assert entry_state(b) == (True, "startup", ["listing_reserve"], timezone.localdate())
    assert events_of(b)[-2:] == [
        ("entry", "", "在库", "具有名单标签：上市后备", "labels", None, None),
        ("label_added", "", "上市后备", "列入2024年上市后备企业", "", officer.username, None),
    ]
    audit = AuditEvent.objects.get(object_type="registry.registryoverride")
    assert (audit.actor, audit.action, audit.object_id) == (officer, "create", str(override.pk))
    assert audit.after == {
        "enterprise": b.pk,
        "kind": "label",
        "value": True,
        "stage": None,
        "label": reserve.pk,
        "reason": "列入2024年上市后备企业",
        "created_by": officer.pk,
    }


def test_the_next_run_finds_nothing_more_to_change_after_an_override(two_counties):
    a, b = two_counties["a"], two_counties["b"]
    officer = UserFactory()
    services.registry_override_create(
        actor=officer,
        enterprise=b,
        kind="label",
        label=Label.objects.get(code="listing_reserve"),
        reason="列入上市后备",
    )
    services.registry_override_create(
        actor=officer,
        enterprise=a,
        kind="stage",
        stage=GrowthStage.objects.get(code="mature"),
        reason="已在新三板挂牌",
    )
    services.registry_override_create(
        actor=officer,
        enterprise=a,
        kind="label",
        label=Label.objects.get(code="tech_sme"),
        value=False,
        reason="存在严重失信行为，不予入库",
    )
    before = {e.pk: (entry_state(e), events_of(e)) for e in (a, b)}

    run = evaluate()

    assert run.summary.get("entry", 0) + run.summary.get("exit", 0) == 0
    assert {e.pk: (entry_state(e), events_of(e)) for e in (a, b)} == before


def test_lifting_a_label_override_rejudges_the_label_at_once(two_counties):
    b = two_counties["b"]
    setter, lifter = UserFactory(), county_officer(nanhu())
    override = services.registry_override_create(
        actor=setter,
        enterprise=b,
        kind="label",
        label=Label.objects.get(code="listing_reserve"),
        reason="列入上市后备",
    )

    lifted = services.registry_override_lift(
        actor=lifter, override=override, reason="已终止上市计划"
    )

    assert (lifted.lifted_by, lifted.lift_reason) == (lifter, "已终止上市计划")
    assert entry_state(b) == (False, "startup", [], None)
    assert events_of(b)[-2:] == [
        (
            "exit",
            "在库",
            "",
            "不再具有任何名单标签：上市后备（解除人工调整：已终止上市计划）",
            "labels",
            None,
            None,
        ),
        (
            "label_removed",
            "上市后备",
            "",
            "解除人工调整：已终止上市计划",
            "label:listing_reserve",
            lifter.username,
            None,
        ),
    ]
    audit = AuditEvent.objects.filter(object_type="registry.registryoverride").latest("id")
    assert (audit.actor, audit.action) == (lifter, "update")
    assert audit.before == {"lifted_at": None, "lifted_by": None, "lift_reason": ""}
    assert audit.after["lifted_by"] == lifter.pk
    assert audit.after["lift_reason"] == "已终止上市计划"


def test_lifting_a_stage_override_returns_to_the_computed_stage(two_counties):
    a = two_counties["a"]
    officer = UserFactory()
    override = services.registry_override_create(
        actor=officer,
        enterprise=a,
        kind="stage",
        stage=GrowthStage.objects.get(code="mature"),
        reason="已在新三板挂牌",
    )
    assert entry_state(a)[1] == "mature"
    assert events_of(a)[-1] == (
        "stage_change",
        "初创期",
        "成熟期",
        "已在新三板挂牌",
        "",
        officer.username,
        None,
    )

    services.registry_override_lift(actor=officer, override=override, reason="挂牌信息有误")

    assert entry_state(a)[1] == "startup"
    assert events_of(a)[-1] == (
        "stage_change",
        "成熟期",
        "初创期",
        "解除人工调整：挂牌信息有误",
        "stage:startup",
        officer.username,
        None,
    )


def test_membership_override_keeps_a_qualifying_enterprise_off_the_list_until_lifted(two_counties):
    a = two_counties["a"]
    officer = UserFactory()
    override = services.registry_override_create(
        actor=officer, enterprise=a, kind="membership", value=False, reason="企业申请退出名单库"
    )
    assert entry_state(a) == (False, "startup", ["tech_sme"], None)
    assert events_of(a)[-1] == (
        "exit",
        "在库",
        "",
        "企业申请退出名单库",
        "",
        officer.username,
        None,
    )

    evaluate()
    assert entry_state(a)[0] is False

    services.registry_override_lift(actor=officer, override=override, reason="企业撤回申请")
    assert entry_state(a) == (True, "startup", ["tech_sme"], timezone.localdate())
    assert events_of(a)[-1] == (
        "entry",
        "",
        "在库",
        "解除人工调整：企业撤回申请",
        "labels",
        officer.username,
        None,
    )


def test_an_override_on_an_enterprise_never_evaluated_creates_its_entry(two_counties):
    d = two_counties["d"]
    services.registry_override_create(
        actor=UserFactory(),
        enterprise=d,
        kind="label",
        label=Label.objects.get(code="unicorn"),
        reason="经认定为独角兽企业",
    )
    assert entry_state(d) == (True, None, ["unicorn"], timezone.localdate())


def test_a_second_active_override_on_the_same_target_is_a_conflict(two_counties):
    a = two_counties["a"]
    officer = UserFactory(full_name="王科员")
    services.registry_override_create(
        actor=officer,
        enterprise=a,
        kind="stage",
        stage=GrowthStage.objects.get(code="mature"),
        reason="已在新三板挂牌",
    )
    before = world_snapshot()

    with pytest.raises(ApplicationError) as raised:
        services.registry_override_create(
            actor=officer,
            enterprise=a,
            kind="stage",
            stage=GrowthStage.objects.get(code="growth"),
            reason="重新核定",
        )

    assert (raised.value.code, raised.value.status) == ("override_active", 409)
    assert raised.value.message == (
        f"该企业已有生效中的同类人工调整（成长阶段：成熟期，王科员于{timezone.localdate():%Y-%m-%d}设定，"
        "原因：已在新三板挂牌），请先解除该调整再重新设定。"
    )
    assert world_snapshot() == before


def test_overrides_on_different_labels_coexist(two_counties):
    a = two_counties["a"]
    officer = UserFactory()
    for code in ("listing_reserve", "unicorn"):
        services.registry_override_create(
            actor=officer,
            enterprise=a,
            kind="label",
            label=Label.objects.get(code=code),
            reason="认定",
        )
    assert entry_state(a)[2] == ["listing_reserve", "tech_sme", "unicorn"]


@pytest.mark.parametrize(
    "actor_kwargs",
    [
        {"county_officer": True},  # another county (the factory's own 330402 is not 秀洲区)
        {"platform_admin": True},
        {"enterprise_admin": True},
        {"institution_manager": True},
        {"data_provider": True},
    ],
)
def test_overrides_by_anyone_but_officers_in_scope_are_refused_and_change_nothing(
    two_counties, actor_kwargs
):
    c = two_counties["c"]  # 秀洲区
    actor = UserFactory(**actor_kwargs)
    before = world_snapshot()

    with pytest.raises(ApplicationError) as raised:
        services.registry_override_create(
            actor=actor, enterprise=c, kind="membership", value=False, reason="测试"
        )

    assert raised.value.code == "permission_denied"
    assert (
        raised.value.message
        == "只有市级部门工作人员和企业所在县(市、区)的工作人员可以人工调整名单。"
    )
    assert world_snapshot() == before


def test_lifting_is_refused_outside_the_county_and_twice(two_counties):
    c = two_counties["c"]
    officer = UserFactory()
    override = services.registry_override_create(
        actor=officer, enterprise=c, kind="membership", value=False, reason="企业申请退出"
    )
    before = world_snapshot()
    with pytest.raises(ApplicationError) as denied:
        services.registry_override_lift(
            actor=county_officer(nanhu()), override=override, reason="x"
        )
    assert denied.value.code == "permission_denied"
    assert world_snapshot() == before

    services.registry_override_lift(actor=officer, override=override, reason="撤回")
    before = world_snapshot()
    with pytest.raises(ApplicationError) as twice:
        services.registry_override_lift(actor=officer, override=override, reason="再次解除")
    assert (twice.value.code, twice.value.status) == ("override_lifted", 409)
    assert twice.value.message.startswith("该人工调整已于")
    assert world_snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        (
            {"kind": "membership", "reason": "  "},
            {"reason": ["请填写原因，例如依据的文件、会议纪要或核实情况。"]},
        ),
        ({"kind": "stage", "reason": "x"}, {"stage": ["请选择要指定的成长阶段。"]}),
        ({"kind": "label", "reason": "x"}, {"label": ["请选择要调整的标签。"]}),
        (
            {"kind": "tier", "reason": "x"},
            {"kind": ["调整类型无效，应为 membership、stage 或 label。"]},
        ),
        ({"kind": "membership", "reason": "长" * 256}, {"reason": ["原因不能超过255个字。"]}),
    ],
)
def test_invalid_overrides_say_what_is_missing_and_change_nothing(two_counties, kwargs, fields):
    before = world_snapshot()
    with pytest.raises(ApplicationError) as raised:
        services.registry_override_create(
            actor=UserFactory(), enterprise=two_counties["a"], **kwargs
        )
    assert (raised.value.code, raised.value.fields) == ("invalid", fields)
    assert world_snapshot() == before


# --- overrides: the pages -----------------------------------------------------------------


def test_override_form_sets_an_override_and_returns_to_the_enterprise(client, two_counties):
    b = two_counties["b"]
    officer = county_officer(nanhu())
    login(client, officer)

    form = client.get(reverse("registry:override_create", args=[b.pk]), {"kind": "label"})
    assert form.status_code == 200
    assert (
        '<input type="radio" name="kind" value="label" class="form-check-input" id="id_kind_2" '
        "required checked>"
    ) in form.content.decode()

    response = client.post(
        reverse("registry:override_create", args=[b.pk]),
        {"kind": "label", "value": "1", "label": "listing_reserve", "reason": "列入上市后备"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{b.pk}/#registry-panel"
    override = RegistryOverride.objects.get()
    assert (override.enterprise, override.label.code, override.created_by) == (
        b,
        "listing_reserve",
        officer,
    )
    assert entry_state(b)[0] is True


def test_override_form_shows_a_conflict_and_a_missing_reason(client, two_counties):
    a = two_counties["a"]
    login(client, UserFactory())
    url = reverse("registry:override_create", args=[a.pk])
    client.post(url, {"kind": "membership", "value": "0", "reason": "企业申请退出"})
    before = world_snapshot()

    again = client.post(url, {"kind": "membership", "value": "1", "reason": "重新纳入"})
    blank = client.post(url, {"kind": "stage", "stage": "", "reason": ""})

    assert again.status_code == 200
    assert "该企业已有生效中的同类人工调整（名单：移出" in again.content.decode()
    html = blank.content.decode()
    assert (
        '<div class="invalid-feedback d-block" data-field="reason">该字段是必填项。</div>' in html
    )
    assert (
        '<div class="invalid-feedback d-block" data-field="stage">请选择要指定的成长阶段。</div>'
        in html
    )
    assert world_snapshot() == before


def test_override_pages_are_scoped(client, two_counties):
    a, c = two_counties["a"], two_counties["c"]
    override = services.registry_override_create(
        actor=UserFactory(), enterprise=a, kind="membership", value=False, reason="企业申请退出"
    )
    before = world_snapshot()

    login(client, county_officer(xiuzhou()))
    assert client.get(reverse("registry:override_create", args=[a.pk])).status_code == 404
    assert (
        client.post(
            reverse("registry:override_create", args=[a.pk]),
            {"kind": "membership", "value": "0", "reason": "x"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("registry:override_lift", args=[override.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert "企业申请退出" not in client.get(reverse("registry:override_list")).content.decode()

    login(client, UserFactory(platform_admin=True))  # may read, may not decide
    assert client.get(reverse("registry:override_create", args=[c.pk])).status_code == 403
    assert (
        client.post(
            reverse("registry:override_lift", args=[override.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    assert "企业申请退出" in client.get(reverse("registry:override_list")).content.decode()

    login(client, UserFactory(enterprise_admin=True, enterprise=a))
    assert client.get(reverse("registry:override_create", args=[a.pk])).status_code == 403
    assert client.get(reverse("registry:override_list")).status_code == 403
    assert world_snapshot() == before


def test_override_list_and_lift_page(client, two_counties):
    a = two_counties["a"]
    officer = UserFactory()
    override = services.registry_override_create(
        actor=officer, enterprise=a, kind="membership", value=False, reason="企业申请退出"
    )
    login(client, county_officer(nanhu()))

    listing = client.get(reverse("registry:override_list")).content.decode()
    assert (
        "名单：移出" in listing and reverse("registry:override_lift", args=[override.pk]) in listing
    )

    response = client.post(
        reverse("registry:override_lift", args=[override.pk]), {"reason": "企业撤回申请"}
    )

    assert response.status_code == 302
    override.refresh_from_db()
    assert override.lift_reason == "企业撤回申请"
    assert entry_state(a)[0] is True
    assert "企业申请退出" not in client.get(reverse("registry:override_list")).content.decode()
    assert (
        "企业申请退出"
        in client.get(reverse("registry:override_list"), {"status": "lifted"}).content.decode()
    )
    again = client.post(reverse("registry:override_lift", args=[override.pk]), {"reason": "再次"})
    assert "该人工调整已于" in again.content.decode()


# --- re-evaluation runs -------------------------------------------------------------------


def test_a_run_started_from_the_page_records_the_changes(
    client, django_capture_on_commit_callbacks
):
    a = enterprise_with_facts(county=nanhu(), name="南湖芯片有限公司")
    officer = UserFactory(full_name="李处长")
    login(client, officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:run_start"), {"year": str(YEAR)})

    assert response.status_code == 302
    run = EvaluationRun.objects.get()
    assert (run.year, run.status, run.triggered_by, run.enterprises) == (YEAR, "done", officer, 1)
    assert [e[0] for e in events_of(a)] == ["entry", "stage_change", "label_added"]
    assert all(e[6] == run.pk for e in events_of(a))

    runs = client.get(reverse("registry:run_list")).content.decode()
    assert f'<a href="/registry/runs/{run.pk}/">{run.pk}</a>' in runs
    assert "入库 1 · 阶段变化 1 · 新增标签 1 · 认定结果变化 2" in runs
    detail = client.get(reverse("registry:run_detail", args=[run.pk]), {"kind": "label_added"})
    assert table_body(detail).count("data-event-kind") == 1
    assert "符合“科技型中小企业”判定规则" in table_body(detail)


def test_the_run_page_offers_the_latest_year_with_data_and_previews_before_confirming(
    client, two_counties, django_capture_on_commit_callbacks
):
    a, c = two_counties["a"], two_counties["c"]
    AnnualFacts.objects.create(enterprise=a, year=YEAR + 1, **QUALIFYING)
    AnnualFacts.objects.create(enterprise=c, year=YEAR + 1, **QUALIFYING)
    login(client, UserFactory())

    runs = parse_page(client.get(reverse("registry:run_list")).content)
    start = runs.select_one('[data-testid="run-start"]')
    assert (start["method"], start["action"]) == ("get", reverse("registry:run_preview"))
    assert start.select_one("input[name=year]")["value"] == str(YEAR + 1)  # 2 of 3 have data

    before = world_snapshot()
    response = client.get(reverse("registry:run_preview"), {"year": str(YEAR)})
    assert response.status_code == 200
    assert world_snapshot() == before  # a preview writes nothing
    page = parse_page(response.content)
    assert page.select_one('[data-testid="preview-count-exit"]').get_text(" ", strip=True) == (
        "出库 0"
    )

    response = client.get(reverse("registry:run_preview"), {"year": str(YEAR + 1)})
    page = parse_page(response.content)
    assert page.select_one('[data-testid="preview-coverage"]').get_text(" ", strip=True) == (
        f"评价 4 家企业，其中 2 家有{YEAR + 1}年度数据。 "
        f"2 家没有该年度数据，其认定结果将为“数据不足”。"
    )
    assert page.select_one('[data-testid="preview-count-exit"]').get_text(" ", strip=True) == (
        "出库 0"
    )
    assert [
        row.get_text(" ", strip=True)
        for row in page.select('[data-testid="preview-entries"] tbody tr')
    ] == ["无"]
    confirm = page.select_one('[data-testid="run-confirm"]')
    assert confirm["action"] == reverse("registry:run_start")
    assert confirm.select_one("input[name=year]")["value"] == str(YEAR + 1)
    assert world_snapshot() == before

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("registry:run_start"), {"year": str(YEAR + 1)})
    assert started.status_code == 302
    run = EvaluationRun.objects.latest("id")
    assert (run.year, run.status) == (YEAR + 1, "done")


def test_the_preview_names_each_exit_and_its_reason(client, two_counties):
    AnnualFacts.objects.filter(enterprise=two_counties["c"]).update(tech_staff=5)
    login(client, UserFactory())

    page = parse_page(client.get(reverse("registry:run_preview"), {"year": str(YEAR)}).content)

    rows = page.select('[data-testid="preview-exits"] tbody tr')
    assert [row.get_text(" ", strip=True) for row in rows] == [
        "秀洲光伏有限公司 不再具有任何名单标签：科技型中小企业（科技型中小企业评价：不符合）"
    ]
    assert page.select_one('[data-testid="preview-count-exit"]').get_text(" ", strip=True) == (
        "出库 1"
    )

    run = evaluate()
    detail = parse_page(
        client.get(reverse("registry:run_detail", args=[run.pk]), {"kind": "exit"}).content
    )
    assert [row.get_text(" ") for row in detail.select("tbody tr")] == [
        "秀洲光伏有限公司 秀洲区 出库 在库 → — "
        "不再具有任何名单标签：科技型中小企业（科技型中小企业评价：不符合） 名单标签"
    ]
    timeline = parse_page(client.get(panel_url(two_counties["c"])).content)
    assert "不再具有任何名单标签：科技型中小企业（科技型中小企业评价：不符合）" in (
        timeline.select_one('[data-testid="registry-timeline"]').get_text(" ")
    )


@pytest.mark.parametrize("actor_kwargs", [{"county_officer": True}, {"enterprise_admin": True}])
def test_only_those_who_may_run_may_preview(client, two_counties, actor_kwargs):
    login(client, UserFactory(**actor_kwargs))
    assert client.get(reverse("registry:run_preview"), {"year": str(YEAR)}).status_code == 403


def test_run_detail_shows_a_county_officer_only_their_county(client, two_counties):
    run = EvaluationRun.objects.get()
    login(client, county_officer(xiuzhou()))

    response = client.get(reverse("registry:run_detail", args=[run.pk]))

    body = table_body(response)
    assert "秀洲光伏有限公司" in body and "南湖" not in body
    assert "本县(市、区)企业的名单变动" in response.content.decode()


@pytest.mark.parametrize("actor_kwargs", [{"county_officer": True}, {"enterprise_admin": True}])
def test_runs_cannot_be_started_by_others(client, actor_kwargs, django_capture_on_commit_callbacks):
    login(client, UserFactory(**actor_kwargs))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("registry:run_start"), {"year": str(YEAR)})
    assert response.status_code == 403
    assert callbacks == []
    assert EvaluationRun.objects.count() == 0


def test_a_run_is_refused_while_another_is_in_progress_or_for_a_future_year(
    client, django_capture_on_commit_callbacks
):
    running = EvaluationRun.objects.create(year=2023, as_of=datetime.date(2023, 12, 31))
    login(client, UserFactory(platform_admin=True))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        busy = client.post(reverse("registry:run_start"), {"year": str(YEAR)})
        future = client.post(
            reverse("registry:run_start"), {"year": str(timezone.localdate().year + 1)}
        )

    assert callbacks == []
    assert busy.status_code == 409
    assert f"评价批次 #{running.pk}（2023年度）正在进行" in busy.content.decode()
    assert future.status_code == 400
    assert f"数据年度不能晚于{timezone.localdate().year}年。" in future.content.decode()
    assert EvaluationRun.objects.count() == 1


def test_runs_pages_are_for_officers_and_admins(client, two_counties):
    run = EvaluationRun.objects.get()
    login(client, UserFactory(institution_manager=True))
    assert client.get(reverse("registry:run_list")).status_code == 403
    assert client.get(reverse("registry:run_detail", args=[run.pk])).status_code == 403
    login(client, county_officer(nanhu()))
    page = client.get(reverse("registry:run_list")).content.decode()
    assert 'data-testid="run-start"' not in page  # county officers see runs, do not start them


# --- stages and labels --------------------------------------------------------------------


def test_stage_and_label_pages_show_each_rule_pretty_printed(client):
    # Rules are read by the list's users only (issue 6): a county officer, not an enterprise.
    login(client, county_officer(nanhu()))

    stages = client.get(reverse("registry:stage_list")).content.decode()
    labels = client.get(reverse("registry:label_list")).content.decode()

    assert (
        '<pre class="bg-body-tertiary border rounded p-2 small mb-0" data-testid="criteria">{\n'
        "  &quot;and&quot;: [\n    {\n      &quot;&lt;=&quot;: [\n"
    ) in stages
    assert "《科技型中小企业评价办法》（国科发政〔2017〕115号）第六条" in stages
    assert "人工认定" in labels and "国科发火〔2016〕32号" in labels
    assert "修改</a>" not in stages  # only city officers edit


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (
            '{"<=": [{"var": "staff_count"}, 500]}',
            "规则引用了未知的数据项：staff_count。请使用数据目录中的名称。",
        ),
        (
            '{"between": [{"var": "employees"}, 1, 500]}',
            "规则使用了不支持的运算符“between”（位置 $）。可用的运算符：",
        ),
        ('{"<=": [{"var": "employees"}]}', "运算符“&lt;=”需要2个参数（位置 $）。"),
        (
            '{"==": [{"var": "tech_sme.status"}, 5]}',
            "规则无法在企业数据上计算（例如把文字与数字比较）：",
        ),
        ("[1, 2]", "规则应是一个JSON对象"),
    ],
)
def test_a_bad_stage_rule_is_refused_with_a_message_and_nothing_changes(client, criteria, message):
    login(client, UserFactory())
    before = world_snapshot()

    response = client.post(
        reverse("registry:stage_edit", args=["growth"]),
        {"name": "成长期", "criteria": criteria, "description": "", "reference": ""},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="invalid-feedback d-block" data-field="criteria">' + message in html
    assert world_snapshot() == before


def test_a_good_stage_rule_is_saved_and_audited(client):
    officer = UserFactory()
    login(client, officer)
    rule = '{"and": [{"<=": [{"var": "employees"}, 300]}, {"==": [{"var": "tech_sme.status"}, "qualified"]}]}'

    response = client.post(
        reverse("registry:stage_edit", args=["growth"]),
        {
            "name": "成长期",
            "criteria": rule,
            "description": "职工不超过300人的科技型中小企业",
            "reference": "试行",
        },
    )

    assert response.status_code == 302
    stage = GrowthStage.objects.get(code="growth")
    # The rule becomes a draft version; the stage's own fields are saved at once.
    draft = stage.versions.get(status="draft")
    assert (draft.version, draft.reference, draft.created_by) == ("2", "试行", officer)
    assert draft.document == {
        "and": [
            {"<=": [{"var": "employees"}, 300]},
            {"==": [{"var": "tech_sme.status"}, "qualified"]},
        ]
    }
    assert stage.criteria["and"][0] == {"<=": [{"var": "employees"}, 500]}
    audit = AuditEvent.objects.get(object_type="registry.growthstage")
    assert (audit.actor, audit.action, audit.object_id) == (officer, "update", str(stage.pk))
    assert set(audit.after) == {"description", "reference"}
    drafted = AuditEvent.objects.get(object_type="registry.registryruleversion")
    assert (drafted.action, drafted.object_id) == ("create", str(draft.pk))


def test_city_officer_creates_a_manual_label_and_a_computed_one(client):
    officer = UserFactory()
    login(client, officer)

    manual = client.post(
        reverse("registry:label_create"),
        {
            "code": "specialised_sme",
            "name": "专精特新",
            "order": "60",
            "criteria": "",
            "description": "",
            "reference": "浙经信〔2022〕",
        },
    )
    computed = client.post(
        reverse("registry:label_create"),
        {
            "code": "rd_heavy",
            "name": "研发密集",
            "order": "70",
            "criteria": '{">=": [{"var": "rd_expense"}, 5000000]}',
            "description": "",
            "reference": "",
        },
    )
    taken = client.post(
        reverse("registry:label_create"),
        {
            "code": "rd_heavy",
            "name": "重复",
            "order": "80",
            "criteria": "",
            "description": "",
            "reference": "",
        },
    )

    assert (manual.status_code, computed.status_code, taken.status_code) == (302, 302, 400)
    assert Label.objects.get(code="specialised_sme").criteria is None
    rd_heavy = Label.objects.get(code="rd_heavy")
    assert rd_heavy.criteria is None  # manual until its drafted version 1 is activated
    assert rd_heavy.versions.get().document == {">=": [{"var": "rd_expense"}, 5000000]}
    assert 'data-field="code">具有 代码 的 名单标签 已存在。' in taken.content.decode()
    assert AuditEvent.objects.filter(object_type="registry.label", action="create").count() == 2


@pytest.mark.parametrize(
    "actor_kwargs", [{"county_officer": True}, {"platform_admin": True}, {"enterprise_admin": True}]
)
def test_only_city_officers_edit_stages_and_labels(client, actor_kwargs):
    login(client, UserFactory(**actor_kwargs))
    before = world_snapshot()

    responses = [
        client.get(reverse("registry:stage_edit", args=["growth"])),
        client.post(
            reverse("registry:stage_edit", args=["growth"]), {"name": "x", "criteria": "true"}
        ),
        client.post(reverse("registry:label_create"), {"code": "xx", "name": "x", "order": "1"}),
        client.post(reverse("registry:label_edit", args=["tech_sme"]), {"name": "x", "order": "1"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert world_snapshot() == before


# --- API ----------------------------------------------------------------------------------


def api(client, user):
    client.force_login(user)
    return client


def test_api_lists_the_registry_in_the_callers_scope(client, two_counties):
    response = api(client, county_officer(nanhu())).get("/api/v1/registry/entries/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (entry,) = body["results"]
    a = two_counties["a"]
    assert entry == {
        "enterprise_id": a.pk,
        "uscc": a.uscc,
        "name": "南湖芯片有限公司",
        "county": "330402",
        "county_name": "南湖区",
        "on_list": True,
        "stage": "startup",
        "stage_name": "初创期",
        "labels": [{"code": "tech_sme", "name": "科技型中小企业"}],
        "since": timezone.localdate().isoformat(),
        "recognitions": [
            {
                "ruleset": "high_tech",
                "year": YEAR,
                "status": "not_qualified",
                "status_label": "不符合",
                "score": None,
                "evaluated_at": entry["recognitions"][0]["evaluated_at"],
            },
            {
                "ruleset": "tech_sme",
                "year": YEAR,
                "status": "qualified",
                "status_label": "符合",
                "score": 70,
                "evaluated_at": entry["recognitions"][1]["evaluated_at"],
            },
        ],
    }
    off = client.get("/api/v1/registry/entries/", {"on_list": "false"}).json()
    assert sorted(r["name"] for r in off["results"]) == [
        "南湖传统制造有限公司",
        "南湖新登记有限公司",
    ]


def test_api_reports_invalid_filters(client, two_counties):
    response = api(client, UserFactory()).get(
        "/api/v1/registry/entries/", {"recognition": "tech_sme:maybe"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["recognition"]


def test_api_takes_empty_filter_values_as_any(client, two_counties):
    api(client, UserFactory())

    response = client.get(
        "/api/v1/registry/entries/", {**EMPTY_FORM, "on_list": "true", "q": "芯片", "label": ""}
    )

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["南湖芯片有限公司"]


def test_api_history_is_scoped_like_the_enterprise(client, two_counties):
    a, c = two_counties["a"], two_counties["c"]

    api(client, county_officer(xiuzhou()))
    denied = client.get(f"/api/v1/registry/entries/{a.pk}/history/")
    assert denied.status_code == 404
    assert denied.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/registry/entries/{a.pk}/").status_code == 404
    history = client.get(f"/api/v1/registry/entries/{c.pk}/history/").json()
    assert [e["kind"] for e in history["results"]] == ["label_added", "stage_change", "entry"]
    assert history["results"][0]["rule"] == "label:tech_sme"

    api(client, UserFactory(enterprise_admin=True, enterprise=a))
    assert client.get("/api/v1/registry/entries/").status_code == 403
    assert client.get(f"/api/v1/registry/entries/{a.pk}/history/").status_code == 200
    assert client.get(f"/api/v1/registry/entries/{c.pk}/history/").status_code == 404

    api(client, UserFactory(institution_manager=True))
    assert client.get("/api/v1/registry/entries/").status_code == 403
    assert client.get(f"/api/v1/registry/entries/{a.pk}/history/").status_code == 404


def test_api_override_create_conflict_and_lift(client, two_counties):
    b = two_counties["b"]
    officer = county_officer(nanhu())
    api(client, officer)
    payload = {
        "enterprise": b.pk,
        "kind": "label",
        "label": "listing_reserve",
        "reason": "列入上市后备",
    }

    created = client.post("/api/v1/registry/overrides/", payload, content_type="application/json")
    before = world_snapshot()
    duplicate = client.post("/api/v1/registry/overrides/", payload, content_type="application/json")

    assert created.status_code == 201
    body = created.json()
    assert created["Location"] == f"/api/v1/registry/overrides/{body['id']}/"
    assert (body["kind"], body["label"], body["value"], body["is_active"]) == (
        "label",
        "listing_reserve",
        True,
        True,
    )
    assert body["description"] == "标签“上市后备”：具有"
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "override_active"
    assert world_snapshot() == before
    assert client.get(f"/api/v1/registry/entries/{b.pk}/").json()["on_list"] is True

    lifted = client.post(
        f"/api/v1/registry/overrides/{body['id']}/lift/",
        {"reason": "终止"},
        content_type="application/json",
    )
    assert lifted.status_code == 200
    assert (lifted.json()["is_active"], lifted.json()["lift_reason"]) == (False, "终止")
    assert client.get(f"/api/v1/registry/entries/{b.pk}/").json()["on_list"] is False
    assert client.get("/api/v1/registry/overrides/").json()["count"] == 0
    assert client.get("/api/v1/registry/overrides/", {"status": "all"}).json()["count"] == 1


def test_api_overrides_outside_the_county_are_not_found_and_change_nothing(client, two_counties):
    a = two_counties["a"]
    override = services.registry_override_create(
        actor=UserFactory(), enterprise=a, kind="membership", value=False, reason="企业申请退出"
    )
    api(client, county_officer(xiuzhou()))
    before = world_snapshot()

    create = client.post(
        "/api/v1/registry/overrides/",
        {"enterprise": a.pk, "kind": "membership", "value": True, "reason": "x"},
        content_type="application/json",
    )
    lift = client.post(
        f"/api/v1/registry/overrides/{override.pk}/lift/",
        {"reason": "x"},
        content_type="application/json",
    )
    detail = client.get(f"/api/v1/registry/overrides/{override.pk}/")

    assert (create.status_code, lift.status_code, detail.status_code) == (404, 404, 404)
    assert client.get("/api/v1/registry/overrides/").json()["count"] == 0
    assert world_snapshot() == before


def test_api_override_without_a_reason_is_invalid(client, two_counties):
    api(client, UserFactory())
    before = world_snapshot()
    response = client.post(
        "/api/v1/registry/overrides/",
        {"enterprise": two_counties["a"].pk, "kind": "stage", "reason": "无"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"stage": ["请选择要指定的成长阶段。"]}
    assert world_snapshot() == before


def test_api_runs(client, two_counties, django_capture_on_commit_callbacks):
    api(client, UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/registry/runs/", {"year": YEAR}, content_type="application/json"
        )
    assert started.status_code == 202
    run = EvaluationRun.objects.latest("id")
    assert started.json() == {
        "id": run.pk,
        "year": YEAR,
        "status": "queued",
        "detail": "已发起重新评价。",
    }
    assert started["Location"] == f"/api/v1/registry/runs/{run.pk}/"
    audit = AuditEvent.objects.get(object_type="registry.evaluationrun")
    assert (audit.action, audit.object_id, audit.after["year"], audit.after["status"]) == (
        "create",
        str(run.pk),
        YEAR,
        "queued",
    )
    runs = client.get("/api/v1/registry/runs/").json()
    assert runs["count"] == 2
    latest = runs["results"][0]
    # Only the enterprise registered after the first run is new: its results, no list change.
    assert (latest["year"], latest["status"], latest["enterprises"], latest["summary"]) == (
        YEAR,
        "done",
        4,
        {"recognition_changed": 2},
    )
    first = runs["results"][1]
    assert client.get(f"/api/v1/registry/runs/{first['id']}/").json()["summary"] == first["summary"]

    api(client, county_officer(xiuzhou()))
    events = client.get(f"/api/v1/registry/runs/{first['id']}/events/", {"kind": "entry"}).json()
    assert [e["enterprise_name"] for e in events["results"]] == ["秀洲光伏有限公司"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refused = client.post(
            "/api/v1/registry/runs/", {"year": YEAR}, content_type="application/json"
        )
    assert (refused.status_code, callbacks) == (403, [])


def test_api_preview_lists_exits_with_reasons_and_writes_nothing(client, two_counties):
    AnnualFacts.objects.filter(enterprise=two_counties["c"]).update(tech_staff=5)
    api(client, UserFactory())
    before = world_snapshot()

    response = client.get("/api/v1/registry/runs/preview/", {"year": YEAR})

    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["as_of"], body["enterprises"], body["with_data"]) == (
        YEAR,
        f"{YEAR}-12-31",
        4,
        3,
    )
    assert body["counts"] == {
        "entry": 0,
        "exit": 1,
        "stage_change": 0,
        "label_added": 0,
        "label_removed": 1,
    }
    assert body["entries"] == []
    assert body["exits"] == [
        {
            "enterprise": two_counties["c"].pk,
            "enterprise_name": "秀洲光伏有限公司",
            "reason": "不再具有任何名单标签：科技型中小企业（科技型中小企业评价：不符合）",
        }
    ]
    assert world_snapshot() == before
    assert client.get("/api/v1/registry/runs/preview/").json()["year"] == YEAR  # default
    bad = client.get("/api/v1/registry/runs/preview/", {"year": "99999999999999999999"})
    assert (bad.status_code, bad.json()["error"]["fields"]) == (
        400,
        {"year": ["数据年度应为四位数字年份。"]},
    )
    api(client, county_officer(xiuzhou()))
    assert client.get("/api/v1/registry/runs/preview/").status_code == 403


def test_api_start_while_a_run_is_active_is_run_in_progress(client, two_counties):
    active = EvaluationRun.objects.create(year=2023, as_of=datetime.date(2023, 12, 31))
    api(client, UserFactory())
    before = world_snapshot()

    response = client.post(
        "/api/v1/registry/runs/", {"year": YEAR}, content_type="application/json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "run_in_progress"
    assert response.json()["error"]["message"].startswith(f"评价批次 #{active.pk}（2023年度）")
    assert world_snapshot() == before


def test_api_stage_with_a_bad_rule_is_refused_and_a_label_is_created(client):
    officer = UserFactory()
    api(client, officer)
    before = world_snapshot()

    bad = client.patch(
        "/api/v1/registry/stages/growth/",
        {"criteria": {"<=": [{"var": "headcount"}, 500]}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "criteria": ["规则引用了未知的数据项：headcount。请使用数据目录中的名称。"]
    }
    assert world_snapshot() == before

    created = client.post(
        "/api/v1/registry/labels/",
        {"code": "specialised_sme", "name": "专精特新", "order": 60, "criteria": None},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["is_computed"] is False
    stages = client.get("/api/v1/registry/stages/").json()
    assert [s["code"] for s in stages] == ["startup", "growth", "mature"]

    api(client, county_officer(nanhu()))
    assert (
        client.patch(
            "/api/v1/registry/labels/tech_sme/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert Label.objects.get(code="tech_sme").name == "科技型中小企业"


def test_api_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    for n in range(3):
        enterprise_with_facts(county=nanhu(), name=f"南湖{n}有限公司")
    evaluate()
    api(client, UserFactory())
    client.get("/api/v1/registry/entries/")
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/registry/entries/")
    for n in range(15):
        enterprise_with_facts(county=xiuzhou(), name=f"秀洲{n}有限公司")
    evaluate()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/registry/entries/").json()["count"] == 18


def test_api_override_filters_are_checked(client, two_counties):
    api(client, UserFactory())
    response = client.get("/api/v1/registry/overrides/", {"status": "old", "kind": "tier"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "status": ["状态应为 active（生效中）、lifted（已解除）或 all（全部）。"],
        "kind": ["调整类型无效，应为 membership、stage 或 label。"],
    }


# --- query counts of the other list pages -------------------------------------------------


def _many_overrides(count: int, officer) -> None:
    reserve = Label.objects.get(code="listing_reserve")
    for n in range(count):
        enterprise = enterprise_with_facts(
            county=xiuzhou() if n % 2 else nanhu(), name=f"调整{n}有限公司"
        )
        services.registry_override_create(
            actor=officer, enterprise=enterprise, kind="label", label=reserve, reason=f"第{n}批"
        )


@pytest.mark.parametrize("name", ["registry:override_list", "registry:run_list"])
def test_override_and_run_lists_do_not_grow_with_rows(client, name, django_assert_max_num_queries):
    officer = UserFactory()
    _many_overrides(2, officer)
    evaluate()
    login(client, county_officer(nanhu()))
    client.get(reverse(name))
    with django_assert_max_num_queries(8) as few:
        client.get(reverse(name))
    _many_overrides(12, officer)
    for _ in range(5):
        evaluate()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_run_detail_and_panel_queries_do_not_grow_with_events(
    client, django_assert_max_num_queries
):
    a = enterprise_with_facts(county=nanhu(), name="南湖芯片有限公司")
    run = evaluate()
    login(client, UserFactory())
    client.get(reverse("registry:run_detail", args=[run.pk]))
    with django_assert_max_num_queries(10) as few_detail:
        client.get(reverse("registry:run_detail", args=[run.pk]))
    with django_assert_max_num_queries(10) as few_panel:
        client.get(panel_url(a))
    for n in range(15):
        enterprise_with_facts(county=nanhu(), name=f"南湖{n}有限公司")
    run = evaluate()
    officer = UserFactory()
    for code in ("listing_reserve", "unicorn"):
        services.registry_override_create(
            actor=officer,
            enterprise=a,
            kind="label",
            label=Label.objects.get(code=code),
            reason="认定",
        )
    with django_assert_max_num_queries(len(few_detail.captured_queries)):
        assert (
            "南湖9有限公司"
            in client.get(reverse("registry:run_detail", args=[run.pk])).content.decode()
        )
    with django_assert_max_num_queries(len(few_panel.captured_queries)):
        assert client.get(panel_url(a)).status_code == 200
