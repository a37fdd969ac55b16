"""Stage and label rules as dated versions (issue 6 item 3): drafted on the rule pages,
activated only when their worked cases pass, never overlapping, picked by the run's
evaluation day; the list's events and results name the version that produced them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.rule_versions import rule_version_valid_on
from kejin.registry import services
from kejin.registry.evaluation import ListRules, registry_reevaluate
from kejin.registry.models import (
    GrowthStage,
    Label,
    RecognitionResult,
    RegistryEvent,
    RegistryRuleVersion,
)

pytestmark = pytest.mark.django_db

RD_HEAVY = {">=": [{"var": "rd_expense"}, 5000000]}
CASES = [
    {
        "name": "研发费用500万元",
        "facts": {"rd_expense": 5000000},
        "expect": {"condition.rule": True},
    },
    {
        "name": "研发费用499万元",
        "facts": {"rd_expense": 4990000},
        "expect": {"condition.rule": False},
    },
]


def _draft(*, label_code="eaglet", document=RD_HEAVY, valid_from=None, officer=None):
    """A draft of a label's rule, written through the service as the rule page does."""
    officer = officer or UserFactory()
    data = {"criteria": document}
    if valid_from:
        data["valid_from"] = valid_from
    edit = services.label_update(actor=officer, label=Label.objects.get(code=label_code), data=data)
    return edit.draft


def _versions(code="eaglet"):
    return list(
        RegistryRuleVersion.objects.filter(label__code=code)
        .order_by("pk")
        .values_list("version", "status", "valid_from", "valid_to")
    )


def test_migrated_rules_are_active_pre_existing_version_1():
    assert _versions("tech_sme") == [("1", "active", datetime.date(2000, 1, 1), None)]
    version = RegistryRuleVersion.objects.get(label__code="tech_sme")
    assert version.pre_existing is True
    assert version.document == Label.objects.get(code="tech_sme").criteria
    assert version.reference == Label.objects.get(code="tech_sme").reference
    assert not RegistryRuleVersion.objects.filter(label__code="listing_reserve").exists()
    assert GrowthStage.objects.get(code="mature").versions.get().document is True


def test_a_draft_without_passing_worked_cases_is_refused_with_each_failing_case():
    officer = UserFactory()
    draft = _draft(valid_from=datetime.date(2025, 1, 1), officer=officer)

    with pytest.raises(ApplicationError) as none:
        services.registry_rule_version_activate(actor=officer, version=draft)
    assert none.value.code == "worked_cases_fail"
    assert none.value.message == (
        "规则集版本 label:eaglet 没有算例：至少要有一个算例且全部通过，才能启用。"
    )

    wrong = [{**CASES[0]}, {**CASES[1], "expect": {"condition.rule": True}}]
    draft = services.registry_rule_version_update(
        actor=officer, version=draft, data={"worked_cases": wrong}
    )
    with pytest.raises(ApplicationError) as failing:
        services.registry_rule_version_activate(actor=officer, version=draft)

    assert (failing.value.code, failing.value.status) == ("worked_cases_fail", 400)
    assert failing.value.message == (
        "规则集版本 label:eaglet 有 1 个算例未通过：研发费用499万元。算例全部通过后才能启用该版本。"
    )
    assert failing.value.fields == {
        "worked_cases": ["算例“研发费用499万元”：应为成立，实际为不成立。"]
    }
    assert _versions() == [
        ("1", "active", datetime.date(2000, 1, 1), None),
        ("2", "draft", datetime.date(2025, 1, 1), None),
    ]


def test_activation_closes_the_previous_version_the_day_before_and_is_audited():
    officer = UserFactory()
    draft = _draft(valid_from=datetime.date(2025, 1, 1), officer=officer)
    draft = services.registry_rule_version_update(
        actor=officer, version=draft, data={"worked_cases": CASES}
    )

    activated = services.registry_rule_version_activate(actor=officer, version=draft)

    assert _versions() == [
        ("1", "active", datetime.date(2000, 1, 1), datetime.date(2024, 12, 31)),
        ("2", "active", datetime.date(2025, 1, 1), None),
    ]
    assert (activated.activated_by, activated.status) == (officer, "active")
    # In force today: the label's criteria follows it.
    assert Label.objects.get(code="eaglet").criteria == RD_HEAVY
    events = AuditEvent.objects.filter(
        object_type="registry.registryruleversion", action="update"
    ).order_by("pk")
    (
        closed,
        activated_event,
    ) = [e for e in events if set(e.after) >= {"valid_to"}][-2:]
    assert (closed.before["valid_to"], closed.after["valid_to"]) == (None, "2024-12-31")
    assert activated_event.before["status"] == "draft"
    assert activated_event.after["status"] == "active"
    assert activated_event.actor == officer


def test_a_version_from_the_same_day_retires_the_one_it_replaces():
    officer = UserFactory()
    draft = _draft(valid_from=datetime.date(2000, 1, 1), officer=officer)
    services.registry_rule_version_update(
        actor=officer, version=draft, data={"worked_cases": CASES}
    )

    services.registry_rule_version_activate(actor=officer, version=draft)

    assert _versions() == [
        ("1", "retired", datetime.date(2000, 1, 1), None),
        ("2", "active", datetime.date(2000, 1, 1), None),
    ]


def test_overlapping_validity_is_refused_and_nothing_changes():
    officer = UserFactory()
    later = _draft(valid_from=datetime.date(2030, 1, 1), officer=officer)
    services.registry_rule_version_update(
        actor=officer, version=later, data={"worked_cases": CASES}
    )
    services.registry_rule_version_activate(actor=officer, version=later)
    between = _draft(valid_from=datetime.date(2025, 1, 1), officer=officer)
    services.registry_rule_version_update(
        actor=officer, version=between, data={"worked_cases": CASES}
    )
    before = _versions()

    with pytest.raises(ApplicationError) as overlap:
        services.registry_rule_version_activate(actor=officer, version=between)

    assert (overlap.value.code, overlap.value.status) == ("versions_overlap", 409)
    assert overlap.value.message == (
        "规则集“label:eaglet”的版本 3 和 2 在 2030-01-01 同时有效。请调整有效期，使各版本互不重叠。"
    )
    assert _versions() == before
    # With an end before the later version it fits.
    services.registry_rule_version_update(
        actor=officer, version=between, data={"valid_to": datetime.date(2029, 12, 31)}
    )
    services.registry_rule_version_activate(actor=officer, version=between)
    assert _versions() == [
        ("1", "active", datetime.date(2000, 1, 1), datetime.date(2024, 12, 31)),
        ("2", "active", datetime.date(2030, 1, 1), None),
        ("3", "active", datetime.date(2025, 1, 1), datetime.date(2029, 12, 31)),
    ]
    versions = list(RegistryRuleVersion.objects.filter(label__code="eaglet"))
    assert rule_version_valid_on(versions, datetime.date(2024, 12, 31)).version == "1"
    assert rule_version_valid_on(versions, datetime.date(2025, 1, 1)).version == "3"
    assert rule_version_valid_on(versions, datetime.date(2031, 6, 1)).version == "2"


@pytest.mark.parametrize(
    "actor_kwargs", [{"county_officer": True}, {"platform_admin": True}, {"enterprise_admin": True}]
)
def test_only_city_officers_change_or_activate_versions_and_a_denial_changes_nothing(actor_kwargs):
    officer = UserFactory()
    draft = _draft(officer=officer)
    services.registry_rule_version_update(
        actor=officer, version=draft, data={"worked_cases": CASES}
    )
    before = (_versions(), AuditEvent.objects.count(), Label.objects.get(code="eaglet").criteria)
    other = UserFactory(**actor_kwargs)

    for attempt in (
        lambda: services.registry_rule_version_activate(actor=other, version=draft),
        lambda: services.registry_rule_version_update(
            actor=other, version=draft, data={"worked_cases": []}
        ),
    ):
        with pytest.raises(ApplicationError) as denied:
            attempt()
        assert denied.value.code == "permission_denied"

    assert (
        _versions(),
        AuditEvent.objects.count(),
        Label.objects.get(code="eaglet").criteria,
    ) == before


def test_an_active_version_never_changes():
    version = RegistryRuleVersion.objects.get(label__code="tech_sme")

    with pytest.raises(ApplicationError) as refused:
        services.registry_rule_version_update(
            actor=UserFactory(), version=version, data={"worked_cases": CASES}
        )

    assert (refused.value.code, refused.value.status) == ("version_not_draft", 409)
    assert refused.value.message == "版本 1 已是“已启用”状态，只有草稿可以修改或启用。"


# --- evaluation by date -----------------------------------------------------------------------

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


def test_a_run_uses_the_version_valid_on_its_day_and_events_name_it():
    # Given "rd_heavy" (研发费用 ≥ 50万元) whose version 2 from 2025 asks 100万元.
    officer = UserFactory()
    label = services.label_create(
        actor=officer,
        data={
            "code": "rd_heavy",
            "name": "研发密集",
            "order": 60,
            "criteria": {">=": [{"var": "rd_expense"}, 500000]},
            "valid_from": datetime.date(2000, 1, 1),
        },
    )
    first = label.draft
    services.registry_rule_version_update(
        actor=officer,
        version=first,
        data={
            "worked_cases": [
                {
                    "name": "50万元",
                    "facts": {"rd_expense": 500000},
                    "expect": {"condition.rule": True},
                }
            ]
        },
    )
    services.registry_rule_version_activate(actor=officer, version=first)
    second = services.label_update(
        actor=officer,
        label=label.owner,
        data={
            "criteria": {">=": [{"var": "rd_expense"}, 1000000]},
            "valid_from": datetime.date(2025, 1, 1),
        },
    ).draft
    services.registry_rule_version_update(
        actor=officer,
        version=second,
        data={
            "worked_cases": [
                {
                    "name": "60万元",
                    "facts": {"rd_expense": 600000},
                    "expect": {"condition.rule": False},
                }
            ]
        },
    )
    services.registry_rule_version_activate(actor=officer, version=second)
    enterprise = EnterpriseFactory(founded_on=datetime.date(2022, 3, 1))
    AnnualFacts.objects.create(enterprise=enterprise, year=2024, **QUALIFYING)
    AnnualFacts.objects.create(enterprise=enterprise, year=2025, **QUALIFYING)

    assert ListRules.load(on=datetime.date(2024, 12, 31)).versions["label:rd_heavy"] == first
    assert ListRules.load(on=datetime.date(2025, 12, 31)).versions["label:rd_heavy"] == second

    # When the 2024 run (day 2024-12-31) and then the 2025 run (2025-12-31) evaluate it.
    registry_reevaluate(year=2024)
    added = RegistryEvent.objects.get(enterprise=enterprise, rule="label:rd_heavy")
    registry_reevaluate(year=2025)
    removed = RegistryEvent.objects.filter(enterprise=enterprise, rule="label:rd_heavy").latest(
        "pk"
    )

    # Then each change names the version that produced it.
    assert (added.kind, added.rule_version) == ("label_added", first)
    assert (removed.kind, removed.rule_version) == ("label_removed", second)
    stage = RegistryEvent.objects.filter(enterprise=enterprise, kind="stage_change").first()
    assert stage.rule_version == GrowthStage.objects.get(code="startup").versions.get()
    assert RegistryEvent.objects.get(enterprise=enterprise, kind="entry").rule_version is None
    result = RecognitionResult.objects.get(enterprise=enterprise, ruleset="tech_sme")
    assert result.ruleset_version == "2017"


# --- the list's own facts in rules ------------------------------------------------------------


def test_a_label_rule_may_name_another_label_and_the_stage():
    officer = UserFactory()
    rule = {
        "and": [
            {"in": ["tech_sme", {"var": "registry_labels"}]},
            {"==": [{"var": "registry_stage"}, "startup"]},
        ]
    }
    edit = services.label_create(
        actor=officer,
        data={
            "code": "young_sme",
            "name": "初创科技型中小企业",
            "order": 70,
            "criteria": rule,
            "valid_from": datetime.date(2000, 1, 1),
        },
    )
    services.registry_rule_version_update(
        actor=officer,
        version=edit.draft,
        data={
            "worked_cases": [
                {
                    "name": "初创期科技型中小企业",
                    "facts": {"registry_labels": ["tech_sme"], "registry_stage": "startup"},
                    "expect": {"condition.rule": True},
                },
                {
                    "name": "成长期",
                    "facts": {"registry_labels": ["tech_sme"], "registry_stage": "growth"},
                    "expect": {"condition.rule": False},
                },
            ]
        },
    )
    services.registry_rule_version_activate(actor=officer, version=edit.draft)
    young = EnterpriseFactory(founded_on=datetime.date(2022, 3, 1))
    AnnualFacts.objects.create(enterprise=young, year=2024, **QUALIFYING)

    registry_reevaluate(year=2024)

    labels = set(young.registry_entry.labels.values_list("code", flat=True))
    assert labels == {"tech_sme", "young_sme"}


@pytest.mark.parametrize(
    ("code", "rule", "message"),
    [
        (
            "tech_sme",
            {"in": ["tech_sme", {"var": "registry_labels"}]},
            "标签“科技型中小企业”的规则不能引用该标签本身（或引用全部名单标签、是否在库）。请改为引用其他标签。",
        ),
        (
            "tech_sme",
            {"var": "registry_on_list"},
            "标签“科技型中小企业”的规则不能引用该标签本身（或引用全部名单标签、是否在库）。请改为引用其他标签。",
        ),
        (
            "high_tech",
            {"in": ["eaglet", {"var": "registry_labels"}]},
            None,
        ),
    ],
)
def test_a_label_reading_itself_is_refused_with_a_clear_message(code, rule, message):
    label = Label.objects.get(code=code)
    assert services.registry_rule_problem(rule, owner=label) == message


def test_a_cycle_between_labels_and_the_stage_is_refused():
    officer = UserFactory()
    # The stage reads eaglet; eaglet may not then read the stage.
    GrowthStage.objects.filter(code="growth").update(
        criteria={"in": ["eaglet", {"var": "registry_labels"}]}
    )
    RegistryRuleVersion.objects.filter(stage__code="growth").update(
        document={"in": ["eaglet", {"var": "registry_labels"}]}
    )

    with pytest.raises(ApplicationError) as refused:
        _draft(document={"==": [{"var": "registry_stage"}, "growth"]}, officer=officer)

    assert refused.value.fields == {
        "criteria": [
            "规则之间不能循环引用：成长阶段 → 标签“新雏鹰” → 成长阶段。请删去其中一处引用。"
        ]
    }
    stage_self = services.registry_rule_problem(
        {"==": [{"var": "registry_stage"}, "growth"]}, owner=GrowthStage.objects.get(code="startup")
    )
    assert stage_self == "成长阶段的规则不能引用成长阶段本身（registry_stage）。"


# --- text -------------------------------------------------------------------------------------


def test_invisible_characters_are_refused_in_label_and_stage_names_and_descriptions():
    officer = UserFactory()
    before = list(Label.objects.order_by("pk").values())

    with pytest.raises(ApplicationError) as name:
        services.label_update(
            actor=officer, label=Label.objects.get(code="eaglet"), data={"name": "新\u200b雏鹰"}
        )
    with pytest.raises(ApplicationError) as description:
        services.growth_stage_update(
            actor=officer,
            stage=GrowthStage.objects.get(code="growth"),
            data={"description": "a\x07b"},
        )

    assert name.value.fields == {
        "name": [
            "第2个字符是不可见的控制字符（U+200B ZERO WIDTH SPACE），请删除后重新填写（从其他软件复制的文字常带有这类字符）。"
        ]
    }
    assert list(description.value.fields) == ["description"]
    assert list(Label.objects.order_by("pk").values()) == before


# --- the rule pages ---------------------------------------------------------------------------


def _case_post(version, cases, *, activate: bool) -> dict:
    data = {
        "valid_from": version.valid_from.isoformat(),
        "valid_to": "",
        "reference": "试行",
        "case-TOTAL": str(len(cases)),
    }
    for i, (name, values, expect) in enumerate(cases):
        data[f"case-{i}-name"] = name
        data[f"case-{i}-expect"] = expect
        for fact, value in values.items():
            data[f"case-{i}-{fact}"] = value
    if activate:
        data["activate"] = "1"
    return data


def _texts(html: str, testid: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).strip()
        for m in re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    ]


def test_rule_page_journey_draft_cases_refused_fixed_activated(client):
    officer = UserFactory()
    client.force_login(officer)

    # The officer changes eaglet's rule: a draft version, whose page comes next.
    response = client.post(
        reverse("registry:label_edit", args=["eaglet"]),
        {
            "name": "新雏鹰",
            "order": "30",
            "description": "",
            "reference": "",
            "criteria-combine": "and",
            "criteria-TOTAL": "1",
            "criteria-0-fact": "rd_expense",
            "criteria-0-op": ">=",
            "criteria-0-value": "500",
            "valid_from": "2025-01-01",
        },
    )
    draft = RegistryRuleVersion.objects.get(label__code="eaglet", status="draft")
    assert response.url == reverse("registry:rule_version", args=[draft.pk])
    page = client.get(response.url).content.decode()
    assert "研发费用（万元）" in page

    # A wrong case: activation is refused with the case listed, the cases kept.
    refused = client.post(
        response.url,
        _case_post(
            draft,
            [
                ("研发费用500万元", {"rd_expense": "500"}, "true"),
                ("研发费用499万元", {"rd_expense": "499"}, "true"),
            ],
            activate=True,
        ),
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert _texts(html, "case-failure") == ["算例“研发费用499万元”：应为成立，实际为不成立。"]
    assert "有 1 个算例未通过：研发费用499万元" in html
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.worked_cases[1] == {
        "name": "研发费用499万元",
        "facts": {"rd_expense": 4990000},
        "expect": {"condition.rule": True},
    }

    # Fixed, it is activated; the history shows both versions with their dates.
    fixed = client.post(
        response.url,
        _case_post(
            draft,
            [
                ("研发费用500万元", {"rd_expense": "500"}, "true"),
                ("研发费用499万元", {"rd_expense": "499"}, "false"),
            ],
            activate=True,
        ),
    )
    assert fixed.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.reference) == ("active", "试行")
    history = client.get(reverse("registry:label_versions", args=["eaglet"])).content.decode()
    assert _texts(history, "version-validity") == ["2025-01-01 — 长期", "2000-01-01 — 2024-12-31"]
    assert _texts(history, "version-status")[0] == "已启用"
    assert timezone.localdate() >= datetime.date(2025, 1, 1)
    assert Label.objects.get(code="eaglet").criteria == {">=": [{"var": "rd_expense"}, 5000000]}


def test_api_lists_a_labels_versions_read_only(client):
    client.force_login(UserFactory(county_officer=True))

    response = client.get("/api/v1/registry/labels/tech_sme/versions/")

    assert response.status_code == 200
    [version] = response.json()
    assert (version["version"], version["status"], version["valid_from"], version["valid_to"]) == (
        "1",
        "active",
        "2000-01-01",
        None,
    )
    assert version["pre_existing"] is True
    assert client.post("/api/v1/registry/labels/tech_sme/versions/").status_code == 405
    client.force_login(UserFactory(enterprise_admin=True))
    assert client.get("/api/v1/registry/stages/growth/versions/").status_code == 403


def test_county_officers_read_versions_and_may_not_post(client, django_assert_max_num_queries):
    officer = UserFactory()
    draft = _draft(officer=officer)
    client.force_login(UserFactory(county_officer=True))
    before = (_versions(), AuditEvent.objects.count())

    page = client.get(reverse("registry:rule_version", args=[draft.pk])).content.decode()
    posted = client.post(
        reverse("registry:rule_version", args=[draft.pk]),
        _case_post(draft, [("研发费用500万元", {"rd_expense": "500"}, "true")], activate=True),
    )

    assert 'data-testid="version-activate"' not in page
    assert 'data-testid="worked-case-name"' not in page
    assert posted.status_code == 403
    assert (_versions(), AuditEvent.objects.count()) == before
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("registry:label_versions", args=["eaglet"]))
    for _n in range(3):
        _draft(officer=officer, document={">=": [{"var": "rd_expense"}, 100 + _n]})
    with django_assert_max_num_queries(len(few.captured_queries)):
        history = client.get(reverse("registry:label_versions", args=["eaglet"]))
    assert len(_texts(history.content.decode(), "version-validity")) == 5


def test_a_label_rule_may_name_a_manual_label_an_officer_gave():
    officer = UserFactory()
    rule = {"in": ["listing_reserve", {"var": "registry_labels"}]}
    edit = services.label_create(
        actor=officer,
        data={
            "code": "reserve_sme",
            "name": "上市后备科技企业",
            "order": 70,
            "criteria": rule,
            "valid_from": datetime.date(2000, 1, 1),
        },
    )
    services.registry_rule_version_update(
        actor=officer,
        version=edit.draft,
        data={
            "worked_cases": [
                {
                    "name": "上市后备",
                    "facts": {"registry_labels": ["listing_reserve"]},
                    "expect": {"condition.rule": True},
                }
            ]
        },
    )
    services.registry_rule_version_activate(actor=officer, version=edit.draft)
    given, other = (EnterpriseFactory(founded_on=datetime.date(2022, 3, 1)) for _ in range(2))
    for enterprise in (given, other):
        AnnualFacts.objects.create(enterprise=enterprise, year=2024, **QUALIFYING)
    registry_reevaluate(year=2024)

    services.registry_override_create(
        actor=officer,
        enterprise=given,
        kind="label",
        value=True,
        label=Label.objects.get(code="listing_reserve"),
        reason="市上市办认定",
    )
    registry_reevaluate(year=2024)

    assert set(given.registry_entry.labels.values_list("code", flat=True)) == {
        "tech_sme",
        "listing_reserve",
        "reserve_sme",
    }
    assert set(other.registry_entry.labels.values_list("code", flat=True)) == {"tech_sme"}
