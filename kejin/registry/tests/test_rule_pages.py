"""Stage and label rules as readable conditions, edited with the condition editor, and read
only by the list's users (issue 6, "Pages users meet")."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.core.ui.rule_editor import EditorInput, input_to_rule, rule_to_input
from kejin.registry.models import GrowthStage, Label, RegistryRuleVersion
from kejin.registry.rule_labels import rule_fact_labels

pytestmark = pytest.mark.django_db

ROLES = {
    "enterprise_admin": {"enterprise_admin": True},
    "enterprise_staff": {"enterprise_staff": True},
    "institution_manager": {"institution_manager": True},
    "institution_officer": {"institution_officer": True},
    "city_officer": {},
    "county_officer": {"county_officer": True},
    "data_provider": {"data_provider": True},
    "platform_admin": {"platform_admin": True},
}
READS = {"city_officer", "county_officer", "platform_admin"}


def _testids(html: str, testid: str) -> list[str]:
    pattern = rf'<[^>]*data-testid="{testid}"[^>]*>(.*?)</'
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(pattern, html, re.S)]


def _clauses(html: str) -> list[str]:
    return [text.split("\n")[0].strip() for text in _testids(html, "rule-clause")]


def _draft(**owner) -> RegistryRuleVersion:
    """The newest draft version of a stage's (``stage__code=``) or label's rule."""
    return RegistryRuleVersion.objects.filter(status="draft", **owner).latest("pk")


def _editor_post(**conditions) -> dict:
    """A label form post with the condition editor's fields."""
    data = {"name": "新雏鹰", "order": "30", "description": "", "reference": ""}
    data.update({"criteria-combine": "and", "criteria-json": ""})
    rows = conditions.pop("rows")
    data["criteria-TOTAL"] = str(len(rows))
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"criteria-{i}-{key}"] = value
    data.update(conditions)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_rule_pages_are_read_by_the_lists_users_only(client, role):
    client.force_login(UserFactory(**ROLES[role]))

    pages = [
        client.get(reverse("registry:stage_list")),
        client.get(reverse("registry:label_list")),
        client.get("/api/v1/registry/stages/"),
        client.get("/api/v1/registry/labels/tech_sme/"),
    ]
    menu = client.get(reverse("web:home")).content.decode() if role not in READS else ""

    if role in READS:
        assert [p.status_code for p in pages] == [200, 200, 200, 200]
    else:
        assert [p.status_code for p in pages] == [403, 403, 403, 403]
        assert "名单库仅向市、县(市、区)工作人员和平台管理员开放。" in pages[0].content.decode()
        assert pages[2].json()["error"]["code"] == "permission_denied"
        assert reverse("registry:stage_list") not in menu
        assert reverse("registry:label_list") not in menu


@pytest.mark.parametrize("role", ROLES)
def test_rule_editing_is_for_city_officers_only(client, role):
    client.force_login(UserFactory(**ROLES[role]))
    before = list(Label.objects.order_by("pk").values())

    page = client.get(reverse("registry:label_edit", args=["eaglet"]))
    post = client.post(
        reverse("registry:label_edit", args=["eaglet"]),
        _editor_post(rows=[{"fact": "employees", "op": ">=", "value": "5", "group": "0"}]),
    )

    expected = 302 if role == "city_officer" else 403
    assert (page.status_code, post.status_code) == (
        200 if role == "city_officer" else 403,
        expected,
    )
    if role != "city_officer":
        assert list(Label.objects.order_by("pk").values()) == before


def test_stage_and_label_pages_show_the_rules_as_conditions(client):
    client.force_login(UserFactory())

    stages = client.get(reverse("registry:stage_list")).content.decode()
    labels = client.get(reverse("registry:label_list")).content.decode()

    assert _clauses(stages)[:3] == ["全部满足以下条件", "成立年限 ≤ 5 年", "销售收入 ≤ 2000万元"]
    assert "资产总额 ≤ 2亿元" in _clauses(stages)
    assert "所有企业（无条件）" in _clauses(stages)
    assert _clauses(labels) == [
        "科技型中小企业评价结果为以下之一：符合、直接认定",
        "有效高新技术企业证书：是",
        "全部满足以下条件",
        "科技型中小企业评价结果为以下之一：符合、直接认定",
        "成立年限 ≤ 5 年",
        "科技人员数占职工总数的比例 ≥ 20%",
        "研发费用占销售收入的比例 ≥ 10%",
    ]


def test_the_editor_shows_a_stored_rule_as_condition_rows(client):
    client.force_login(UserFactory())

    html = client.get(reverse("registry:label_edit", args=["eaglet"])).content.decode()

    values = re.findall(r'name="criteria-(\d+)-value" value="([^"]*)"', html)
    assert values[:4] == [("0", "符合、直接认定"), ("1", "5"), ("2", "20"), ("3", "10")]
    assert 'data-testid="rule-editor-json-only"' not in html


def test_an_officer_saves_a_label_rule_with_the_editor_and_it_is_audited(client):
    officer = UserFactory()
    client.force_login(officer)

    response = client.post(
        reverse("registry:label_edit", args=["eaglet"]),
        _editor_post(
            rows=[
                {"fact": "years_registered", "op": "<=", "value": "5", "group": "0"},
                {"fact": "revenue", "op": ">=", "value": "2000", "group": "0"},
                {
                    "fact": "rd_expense",
                    "divisor": "revenue",
                    "op": ">=",
                    "value": "3",
                    "group": "1",
                },
                {"fact": "key_field", "op": "yes", "value": "", "group": "1"},
                {"fact": "", "op": ">=", "value": "", "group": "0"},
            ]
        ),
    )

    assert response.status_code == 302
    # The rule in force stays until the officer activates the draft its change became.
    draft = _draft(label__code="eaglet")
    assert response.url == reverse("registry:rule_version", args=[draft.pk])
    assert Label.objects.get(code="eaglet").criteria["and"][0]["in"][0] == {
        "var": "tech_sme.status"
    }
    assert draft.document == {
        "and": [
            {"<=": [{"var": "years_registered"}, 5]},
            {">=": [{"var": "revenue"}, 20000000]},
            {
                "or": [
                    {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.03]},
                    {"var": "key_field"},
                ]
            },
        ]
    }
    audit = AuditEvent.objects.get(object_type="registry.label")
    assert (audit.actor, audit.action) == (officer, "update")


def test_an_invalid_value_is_refused_beside_its_condition_and_nothing_changes(client):
    client.force_login(UserFactory())
    before = list(Label.objects.order_by("pk").values())

    response = client.post(
        reverse("registry:label_edit", args=["eaglet"]),
        _editor_post(
            rows=[
                {"fact": "years_registered", "op": "<=", "value": "5", "group": "0"},
                {"fact": "revenue", "op": ">=", "value": "２千", "group": "0"},
                {"fact": "key_field", "op": ">=", "value": "1", "group": "0"},
            ]
        ),
    )

    assert response.status_code == 400
    html = response.content.decode()
    rows = re.findall(r'<tr data-testid="condition-row" data-condition="(\d+)".*?</tr>', html, re.S)
    errors = {
        index: _testids(row_html, "condition-error")
        for index, row_html in zip(
            rows, re.findall(r'<tr data-testid="condition-row".*?</tr>', html, re.S), strict=True
        )
    }
    assert errors["0"] == []
    assert errors["1"] == ["“２千”不是数字：请填写阿拉伯数字，例如 3 或 2.5。"]
    assert errors["2"] == ["“属于重点支持领域”是“是/否”类数据项，运算请选“是”或“否”。"]
    assert list(Label.objects.order_by("pk").values()) == before


def test_a_choice_value_must_be_one_of_the_choices(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("registry:label_edit", args=["eaglet"]),
        _editor_post(
            rows=[{"fact": "tech_sme.status", "op": "in", "value": "符合、优秀", "group": "0"}]
        ),
    )

    assert response.status_code == 400
    assert _testids(response.content.decode(), "condition-error") == [
        "“优秀”不是可选的取值。可选：直接认定、符合、不符合、数据不足。"
    ]


def test_advanced_json_wins_when_ticked_and_is_checked_by_the_service(client):
    client.force_login(UserFactory())
    before = list(GrowthStage.objects.order_by("pk").values())

    bad = client.post(
        reverse("registry:stage_edit", args=["growth"]),
        {
            "name": "成长期",
            "description": "",
            "reference": "",
            "criteria-combine": "and",
            "criteria-TOTAL": "0",
            "criteria-use_json": "on",
            "criteria-json": '{"between": [{"var": "employees"}, 1, 500]}',
        },
    )
    assert bad.status_code == 400
    assert "规则使用了不支持的运算符“between”（位置 $）" in bad.content.decode()
    assert list(GrowthStage.objects.order_by("pk").values()) == before

    good = client.post(
        reverse("registry:stage_edit", args=["growth"]),
        {
            "name": "成长期",
            "description": "",
            "reference": "",
            "criteria-combine": "and",
            "criteria-TOTAL": "0",
            "criteria-use_json": "on",
            "criteria-json": '{"if": [{"var": "key_field"}, true, false]}',
        },
    )
    assert good.status_code == 302
    assert _draft(stage__code="growth").document == {"if": [{"var": "key_field"}, True, False]}


def test_a_rule_the_rows_cannot_say_opens_in_json(client):
    GrowthStage.objects.filter(code="growth").update(
        criteria={"if": [{"var": "key_field"}, True, False]}
    )
    client.force_login(UserFactory())

    html = client.get(reverse("registry:stage_edit", args=["growth"])).content.decode()

    assert 'data-testid="rule-editor-json-only"' in html
    assert re.search(r'name="criteria-use_json"[^>]* checked', html)
    assert "&quot;if&quot;: [" in html  # the rule in the JSON box


@pytest.mark.parametrize(
    "rule",
    [
        {"and": [{"<=": [{"var": "years_registered"}, 5]}, {"<=": [{"var": "revenue"}, 20000000]}]},
        {"in": [{"var": "tech_sme.status"}, ["qualified", "qualified_direct"]]},
        {"var": "high_tech_certificate_valid"},
        {"!": [{"var": "key_field"}]},
        {
            "or": [
                {">": [{"var": "employees"}, 10]},
                {"and": [{"var": "key_field"}, {"!=": [{"var": "tech_sme.status"}, "qualified"]}]},
            ]
        },
        {">=": [{"/": [{"var": "tech_staff"}, {"var": "employees"}]}, 0.2]},
    ],
)
def test_rows_read_back_to_the_same_rule(rule):
    facts = rule_fact_labels()
    data = rule_to_input(rule, facts, empty_value=None)
    assert data.expressible
    assert input_to_rule(data, facts, empty_value=None)[0] == rule


def test_check_errors_go_to_the_condition_they_concern():
    facts = rule_fact_labels()
    data = rule_to_input(
        {"and": [{">": [{"var": "employees"}, 10]}, {"or": [{"var": "key_field"}]}]},
        facts,
        empty_value=None,
    )
    assert isinstance(data, EditorInput)
    rule, where = input_to_rule(data, facts, empty_value=None)
    assert rule == {"and": [{">": [{"var": "employees"}, 10]}, {"var": "key_field"}]}
    assert where == {"$.and[0]": 0, "$.and[1]": 1}


def test_no_condition_is_every_enterprise_for_a_stage_and_a_manual_label(client):
    client.force_login(UserFactory())
    RegionFactory()

    client.post(reverse("registry:label_edit", args=["eaglet"]), _editor_post(rows=[{"fact": ""}]))
    client.post(
        reverse("registry:stage_edit", args=["mature"]),
        {
            "name": "成熟期",
            "description": "",
            "reference": "",
            "criteria-combine": "and",
            "criteria-TOTAL": "0",
            "criteria-json": "",
        },
    )

    assert _draft(label__code="eaglet").document is None  # manual once activated
    assert GrowthStage.objects.get(code="mature").criteria is True
    assert not RegistryRuleVersion.objects.filter(stage__code="mature", status="draft").exists()


def test_a_new_label_is_created_with_the_editor(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("registry:label_create"),
        {
            **_editor_post(
                rows=[
                    {"fact": "ip_class1", "op": ">=", "value": "1", "group": "0"},
                    {"fact": "prohibited_industry", "op": "no", "value": "", "group": "0"},
                ]
            ),
            "code": "patent_holder",
            "name": "发明专利企业",
            "criteria-combine": "or",
        },
    )

    assert response.status_code == 302
    assert Label.objects.get(code="patent_holder").criteria is None  # manual until activated
    assert _draft(label__code="patent_holder").document == {
        "or": [{">=": [{"var": "ip_class1"}, 1]}, {"!": [{"var": "prohibited_industry"}]}]
    }


def test_the_rule_pages_read_in_english(client):
    client.force_login(UserFactory())
    client.cookies["django_language"] = "en"

    stages = client.get(reverse("registry:stage_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "All of the following" in _clauses(stages)
    assert "Every enterprise (no condition)" in _clauses(stages)


def test_the_engine_check_names_the_condition_by_its_path():
    from kejin.registry.rule_labels import rule_check

    problems = rule_check({"and": [{">": [{"var": "employees"}, 1]}, {"<=": [{"var": "nope"}, 2]}]})

    assert problems == [("$", "规则引用了未知的数据项：nope。请使用数据目录中的名称。")]
    arity = rule_check({"and": [{">": [{"var": "employees"}, 1]}, {"<=": [{"var": "employees"}]}]})
    assert arity == [("$.and[1]", "运算符“<=”需要2个参数（位置 $.and[1]）。")]
