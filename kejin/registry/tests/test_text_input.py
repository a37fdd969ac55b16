"""Officer-entered text of the list — stage and label names, descriptions and references,
override and lifting reasons, rule versions' references and worked-case names — refuses
control, bidi-override and zero-width characters at every entry point (page form, API,
service) with the one message of ``kejin.core.text``, and stores nothing when it does."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.registry import services
from kejin.registry.forms import worked_cases_parse
from kejin.registry.models import (
    GrowthStage,
    Label,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
    RegistryRuleVersion,
)
from kejin.rules.describe import FactLabel

pytestmark = pytest.mark.django_db

ZERO_WIDTH = "新\u200b雏鹰"  # second character: U+200B
RTL_OVERRIDE = "依据\u202e文件"  # third character: U+202E
BELL = "a\x07b"  # second character: U+0007, which has no Unicode name

ZERO_WIDTH_MESSAGE = (
    "第2个字符是不可见的控制字符（U+200B ZERO WIDTH SPACE），请删除后重新填写"
    "（从其他软件复制的文字常带有这类字符）。"
)
RTL_MESSAGE = (
    "第3个字符是不可见的控制字符（U+202E RIGHT-TO-LEFT OVERRIDE），请删除后重新填写"
    "（从其他软件复制的文字常带有这类字符）。"
)
BELL_MESSAGE = (
    "第2个字符是不可见的控制字符（U+0007），请删除后重新填写"
    "（从其他软件复制的文字常带有这类字符）。"
)


def snapshot() -> tuple:
    """Everything a refused entry must leave as it was."""
    return (
        list(GrowthStage.objects.order_by("pk").values()),
        list(Label.objects.order_by("pk").values()),
        list(RegistryRuleVersion.objects.order_by("pk").values()),
        list(RegistryOverride.objects.order_by("pk").values()),
        list(RegistryEntry.objects.order_by("pk").values()),
        RegistryEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def field_errors(response, field: str) -> list[str]:
    """The page's error messages under ``field`` (``data-field`` of the form mixin)."""
    html = response.content.decode()
    return re.findall(
        rf'<div class="invalid-feedback d-block" data-field="{field}">(.*?)</div>', html
    )


def case_errors(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'data-testid="worked-case-error">(.*?)</div>', html)


@pytest.fixture
def enterprise():
    return EnterpriseFactory(county=RegionFactory(code="330402", name="南湖区"))


# --- stages and labels --------------------------------------------------------------------


def test_page_forms_refuse_invisible_characters_in_stage_and_label_text(client):
    client.force_login(UserFactory())
    before = snapshot()

    stage = client.post(
        reverse("registry:stage_edit", args=["growth"]),
        {"name": ZERO_WIDTH, "criteria": "true", "description": "", "reference": RTL_OVERRIDE},
    )
    created = client.post(
        reverse("registry:label_create"),
        {"code": "rd_heavy", "name": ZERO_WIDTH, "order": "70", "criteria": ""},
    )
    edited = client.post(
        reverse("registry:label_edit", args=["eaglet"]),
        {"name": "雏鹰", "order": "30", "description": BELL, "reference": ""},
    )

    assert (stage.status_code, created.status_code, edited.status_code) == (400, 400, 400)
    assert field_errors(stage, "name") == [ZERO_WIDTH_MESSAGE]
    assert field_errors(stage, "reference") == [RTL_MESSAGE]
    assert field_errors(created, "name") == [ZERO_WIDTH_MESSAGE]
    assert field_errors(edited, "description") == [BELL_MESSAGE]
    assert snapshot() == before


def test_api_refuses_invisible_characters_in_stage_and_label_text(client):
    client.force_login(UserFactory())
    before = snapshot()

    stage = client.patch(
        "/api/v1/registry/stages/growth/",
        {"name": ZERO_WIDTH, "reference": RTL_OVERRIDE},
        content_type="application/json",
    )
    created = client.post(
        "/api/v1/registry/labels/",
        {"code": "rd_heavy", "name": ZERO_WIDTH, "order": 70, "criteria": None},
        content_type="application/json",
    )
    edited = client.patch(
        "/api/v1/registry/labels/eaglet/", {"description": BELL}, content_type="application/json"
    )

    assert (stage.status_code, created.status_code, edited.status_code) == (400, 400, 400)
    assert stage.json()["error"]["fields"] == {
        "name": [ZERO_WIDTH_MESSAGE],
        "reference": [RTL_MESSAGE],
    }
    assert created.json()["error"]["fields"] == {"name": [ZERO_WIDTH_MESSAGE]}
    assert edited.json()["error"]["fields"] == {"description": [BELL_MESSAGE]}
    assert snapshot() == before


def test_services_refuse_invisible_characters_in_stage_and_label_text():
    officer = UserFactory()
    before = snapshot()

    with pytest.raises(ApplicationError) as stage:
        services.growth_stage_update(
            actor=officer,
            stage=GrowthStage.objects.get(code="growth"),
            data={"name": ZERO_WIDTH, "reference": RTL_OVERRIDE},
        )
    with pytest.raises(ApplicationError) as created:
        services.label_create(
            actor=officer, data={"code": "rd_heavy", "name": ZERO_WIDTH, "order": 70}
        )

    assert stage.value.fields == {"name": [ZERO_WIDTH_MESSAGE], "reference": [RTL_MESSAGE]}
    assert created.value.fields == {"name": [ZERO_WIDTH_MESSAGE]}
    assert snapshot() == before


# --- overrides ----------------------------------------------------------------------------


def test_override_and_lift_forms_refuse_invisible_characters(client, enterprise):
    officer = UserFactory()
    client.force_login(officer)
    override = services.registry_override_create(
        actor=officer, enterprise=enterprise, kind="membership", value=False, reason="企业申请退出"
    )
    before = snapshot()

    created = client.post(
        reverse("registry:override_create", args=[enterprise.pk]),
        {"kind": "label", "value": "1", "label": "listing_reserve", "reason": RTL_OVERRIDE},
    )
    lifted = client.post(reverse("registry:override_lift", args=[override.pk]), {"reason": BELL})

    assert (created.status_code, lifted.status_code) == (200, 200)
    assert field_errors(created, "reason") == [RTL_MESSAGE]
    assert field_errors(lifted, "reason") == [BELL_MESSAGE]
    assert snapshot() == before


def test_override_reasons_keep_their_line_breaks(enterprise):
    officer = UserFactory()

    override = services.registry_override_create(
        actor=officer,
        enterprise=enterprise,
        kind="membership",
        value=False,
        reason="企业申请退出\n见会议纪要第3条",
    )
    services.registry_override_lift(actor=officer, override=override, reason="撤回\t申请")

    override.refresh_from_db()
    assert (override.reason, override.lift_reason) == (
        "企业申请退出\n见会议纪要第3条",
        "撤回\t申请",
    )


def test_api_refuses_invisible_characters_in_override_reasons(client, enterprise):
    officer = UserFactory()
    client.force_login(officer)
    override = services.registry_override_create(
        actor=officer, enterprise=enterprise, kind="membership", value=False, reason="企业申请退出"
    )
    before = snapshot()

    created = client.post(
        "/api/v1/registry/overrides/",
        {"enterprise": enterprise.pk, "kind": "stage", "stage": "growth", "reason": ZERO_WIDTH},
        content_type="application/json",
    )
    lifted = client.post(
        f"/api/v1/registry/overrides/{override.pk}/lift/",
        {"reason": RTL_OVERRIDE},
        content_type="application/json",
    )

    assert (created.status_code, lifted.status_code) == (400, 400)
    assert created.json()["error"]["fields"] == {"reason": [ZERO_WIDTH_MESSAGE]}
    assert lifted.json()["error"]["fields"] == {"reason": [RTL_MESSAGE]}
    assert snapshot() == before


def test_services_refuse_invisible_characters_in_override_reasons(enterprise):
    officer = UserFactory()
    override = services.registry_override_create(
        actor=officer, enterprise=enterprise, kind="membership", value=False, reason="企业申请退出"
    )
    before = snapshot()

    with pytest.raises(ApplicationError) as created:
        services.registry_override_create(
            actor=officer,
            enterprise=enterprise,
            kind="stage",
            stage=GrowthStage.objects.get(code="growth"),
            reason=ZERO_WIDTH,
        )
    with pytest.raises(ApplicationError) as lifted:
        services.registry_override_lift(actor=officer, override=override, reason=BELL)

    assert created.value.fields == {"reason": [ZERO_WIDTH_MESSAGE]}
    assert lifted.value.fields == {"reason": [BELL_MESSAGE]}
    assert snapshot() == before


# --- rule versions ------------------------------------------------------------------------


def _draft(officer) -> RegistryRuleVersion:
    return services.label_update(
        actor=officer,
        label=Label.objects.get(code="eaglet"),
        data={"criteria": {">=": [{"var": "rd_expense"}, 5000000]}},
    ).draft


def test_rule_version_page_refuses_invisible_characters_in_reference_and_case_names(client):
    officer = UserFactory()
    client.force_login(officer)
    draft = _draft(officer)
    before = snapshot()

    response = client.post(
        reverse("registry:rule_version", args=[draft.pk]),
        {
            "valid_from": draft.valid_from.isoformat(),
            "valid_to": "",
            "reference": RTL_OVERRIDE,
            "case-TOTAL": "2",
            "case-0-name": ZERO_WIDTH,
            "case-0-rd_expense": "500",
            "case-0-expect": "true",
            "case-1-name": "研发费用499万元",
            "case-1-rd_expense": "499",
            "case-1-expect": "false",
        },
    )

    assert response.status_code == 400
    assert field_errors(response, "reference") == [RTL_MESSAGE]
    assert case_errors(response) == [f"算例名称：{ZERO_WIDTH_MESSAGE}"]
    assert snapshot() == before


def test_rule_version_service_refuses_invisible_characters_in_reference_and_case_names():
    officer = UserFactory()
    draft = _draft(officer)
    before = snapshot()
    case = {"facts": {"rd_expense": 5000000}, "expect": {"condition.rule": True}}

    with pytest.raises(ApplicationError) as reference:
        services.registry_rule_version_update(
            actor=officer, version=draft, data={"reference": RTL_OVERRIDE}
        )
    with pytest.raises(ApplicationError) as cases:
        services.registry_rule_version_update(
            actor=officer,
            version=draft,
            data={"worked_cases": [{"name": "研发费用500万元", **case}, {"name": BELL, **case}]},
        )

    assert reference.value.fields == {"reference": [RTL_MESSAGE]}
    assert cases.value.fields == {"worked_cases": [f"第2个算例的名称：{BELL_MESSAGE}"]}
    assert snapshot() == before


def test_a_typed_code_in_a_worked_case_refuses_invisible_characters():
    industry = FactLabel("行业", kind="choice", choices={"C39": "计算机、通信和其他电子设备制造业"})
    post = {
        "case-TOTAL": "1",
        "case-0-name": "电子设备",
        "case-0-industry": "C\u200b39",
        "case-0-expect": "true",
    }

    cases, rows = worked_cases_parse(post, [("industry", industry)])

    assert cases == []
    assert rows[0].errors == [f"“行业”：{ZERO_WIDTH_MESSAGE}"]
