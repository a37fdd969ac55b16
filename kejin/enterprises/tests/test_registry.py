"""Re-evaluation of the list: entries, stages, labels, history of changes only, overrides."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.enterprises.models import (
    AnnualFacts,
    Label,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
)
from kejin.enterprises.registry import registry_reevaluate
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

# A tech SME: 30 % tech staff (20), R&D 6 % of revenue (50) → 70 points.
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


def _enterprise_with_facts(founded=datetime.date(2022, 3, 1), **facts):
    enterprise = EnterpriseFactory(founded_on=founded)
    AnnualFacts.objects.create(enterprise=enterprise, year=2024, **{**QUALIFYING, **facts})
    return enterprise


def _events(enterprise):
    return list(
        RegistryEvent.objects.filter(enterprise=enterprise)
        .order_by("id")
        .values_list("kind", "to_value", "rule")
    )


def test_first_run_puts_a_qualifying_enterprise_on_the_list_with_its_reasons():
    enterprise = _enterprise_with_facts()
    run = registry_reevaluate(year=2024)

    entry = RegistryEntry.objects.get(enterprise=enterprise)
    assert entry.on_list is True
    assert entry.stage.code == "startup"
    assert set(entry.labels.values_list("code", flat=True)) == {"tech_sme"}
    assert entry.since == timezone.localdate()
    assert _events(enterprise) == [
        ("entry", "在库", "labels"),
        ("stage_change", "初创期", "stage:startup"),
        ("label_added", "科技型中小企业", "label:tech_sme"),
    ]
    result = RecognitionResult.objects.get(enterprise=enterprise, ruleset="tech_sme")
    assert (result.status, result.score) == ("qualified", 70)
    assert run.status == "done"
    assert run.enterprises == 1
    assert run.summary == {
        "entry": 1,
        "stage_change": 1,
        "label_added": 1,
        "recognition_changed": 2,
    }


def test_second_run_without_changes_records_nothing():
    enterprise = _enterprise_with_facts()
    registry_reevaluate(year=2024)
    run = registry_reevaluate(year=2024)
    assert run.changes == 0
    assert len(_events(enterprise)) == 3


def test_changed_facts_record_only_the_change():
    enterprise = _enterprise_with_facts()
    registry_reevaluate(year=2024)
    AnnualFacts.objects.filter(enterprise=enterprise).update(
        revenue=Decimal("30000000"), rd_expense=Decimal("1800000")
    )
    registry_reevaluate(year=2024)
    assert _events(enterprise)[3:] == [("stage_change", "成长期", "stage:growth")]


def test_losing_the_only_label_exits_the_list():
    enterprise = _enterprise_with_facts()
    registry_reevaluate(year=2024)
    AnnualFacts.objects.filter(enterprise=enterprise).update(tech_staff=5)
    registry_reevaluate(year=2024)
    assert _events(enterprise)[3:] == [
        ("exit", "", "labels"),
        ("label_removed", "", "label:tech_sme"),
    ]
    assert RegistryEntry.objects.get(enterprise=enterprise).on_list is False


def test_officer_override_wins_until_lifted():
    enterprise = _enterprise_with_facts(tech_staff=5)  # does not qualify
    officer = UserFactory()
    reserve = Label.objects.get(code="listing_reserve")
    override = RegistryOverride.objects.create(
        enterprise=enterprise,
        kind="label",
        label=reserve,
        value=True,
        reason="列入2024年上市后备企业",
        created_by=officer,
    )
    registry_reevaluate(year=2024)
    entry = RegistryEntry.objects.get(enterprise=enterprise)
    assert entry.on_list is True
    event = RegistryEvent.objects.get(enterprise=enterprise, kind="label_added")
    assert (event.reason, event.officer, event.rule) == ("列入2024年上市后备企业", officer, "")

    registry_reevaluate(year=2024)  # still respected
    assert RegistryEntry.objects.get(enterprise=enterprise).on_list is True

    override.lifted_at = timezone.now()
    override.save()
    registry_reevaluate(year=2024)
    assert RegistryEntry.objects.get(enterprise=enterprise).on_list is False


def test_enterprise_without_facts_has_no_stage_and_is_not_on_the_list():
    enterprise = EnterpriseFactory()
    registry_reevaluate(year=2024)
    entry = RegistryEntry.objects.get(enterprise=enterprise)
    assert (entry.on_list, entry.stage) == (False, None)
    assert (
        RecognitionResult.objects.get(enterprise=enterprise, ruleset="tech_sme").status
        == "undetermined"
    )


def test_chunked_run_gives_the_same_result_as_one_chunk():
    enterprises = [_enterprise_with_facts() for _ in range(5)]
    registry_reevaluate(year=2024, chunk_size=2)
    assert RegistryEntry.objects.filter(on_list=True).count() == 5
    assert RegistryEvent.objects.filter(enterprise__in=enterprises, kind="entry").count() == 5


def test_a_new_data_year_with_the_same_result_updates_the_recorded_year():
    enterprise = _enterprise_with_facts()
    AnnualFacts.objects.create(enterprise=enterprise, year=2025, **QUALIFYING)
    registry_reevaluate(year=2024)
    registry_reevaluate(year=2025)
    result = RecognitionResult.objects.get(enterprise=enterprise, ruleset="tech_sme")
    assert (result.status, result.year) == ("qualified", 2025)
