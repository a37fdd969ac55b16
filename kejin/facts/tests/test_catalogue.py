"""The catalogue, the model, the profile display and the import columns name the same facts;
every registered source joins into the frame."""

import datetime
from decimal import Decimal

import polars as pl
import pytest

from kejin.enterprises.facts import ANNUAL_FACTS, CATALOGUE, build_facts_frame
from kejin.enterprises.imports.columns import FACT_COLUMNS
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.profile.display import FACT_GROUPS
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.catalogue import catalogue
from kejin.facts.frame import build_frame, iter_frames
from kejin.facts.sources import SOURCES, registered_sources
from kejin.registry.models import GrowthStage, Label, RegistryEntry

_FIELD_TYPES = {
    pl.Int64: ("PositiveIntegerField", "PositiveSmallIntegerField"),
    pl.Float64: ("DecimalField",),
    pl.Boolean: ("BooleanField",),
}
_NOT_FACTS = {"id", "enterprise", "year", "provenance", "created_at", "updated_at"}


def test_model_fields_catalogue_display_and_import_columns_agree():
    model_fields = [
        f.name for f in AnnualFacts._meta.get_fields() if f.concrete and f.name not in _NOT_FACTS
    ]
    annual = [f.name for f in ANNUAL_FACTS]
    displayed = [name for _, names in FACT_GROUPS for name in names]
    imported = [column.field for column in FACT_COLUMNS]

    assert annual == model_fields
    assert sorted(displayed) == sorted(annual)  # each annual fact shown once, in groups
    assert imported == annual
    for name in annual:
        fact = catalogue()[name]
        assert fact is CATALOGUE[name]
        assert fact.label and fact.label_en and fact.unit is not None and fact.source
        model_field = AnnualFacts._meta.get_field(name)
        assert model_field.get_internal_type() in _FIELD_TYPES[fact.dtype], name
        if fact.unit in ("元", "人", "项"):
            assert str(model_field.verbose_name).endswith(f"({fact.unit})"), name


def test_every_fact_has_both_labels_a_source_and_an_as_of():
    facts = catalogue()
    assert set(CATALOGUE) < set(facts)
    assert {"registry_on_list", "registry_stage", "registry_labels", "registry_since"} <= set(facts)
    for fact in facts.values():
        assert fact.label and fact.label_en and fact.source and fact.as_of, fact.name


def test_sources_are_one_explicit_list_of_import_strings():
    assert SOURCES == (
        "kejin.enterprises.facts.ENTERPRISE_SOURCE",
        "kejin.registry.fact_source.REGISTRY_SOURCE",
        "kejin.credit.fact_source.CREDIT_SOURCE",
        "kejin.credit.fact_source.CREDIT_SCORE_SOURCE",
        "kejin.credit.fact_source.CREDIT_DISPUTE_SOURCE",
        "kejin.financing.fact_source.LOAN_SOURCE",
    )
    assert [s.name for s in registered_sources()] == [
        "enterprises",
        "registry",
        "credit",
        "credit_score",
        "credit_disputes",
        "financing_loans",
    ]


@pytest.mark.django_db
def test_frame_joins_the_registry_source():
    on_list, off_list = EnterpriseFactory(), EnterpriseFactory()
    AnnualFacts.objects.create(enterprise=on_list, year=2024, employees=10, tech_staff=2)
    stage = GrowthStage.objects.order_by("order").first()
    labels = list(Label.objects.order_by("code")[:2])
    entry = RegistryEntry.objects.create(
        enterprise=on_list, on_list=True, stage=stage, since=datetime.date(2024, 3, 1)
    )
    entry.labels.set(labels)

    frame = build_frame(year=2024).sort("enterprise_id")

    rows = {row["enterprise_id"]: row for row in frame.to_dicts()}
    assert rows[on_list.pk]["registry_on_list"] is True
    assert rows[on_list.pk]["registry_stage"] == stage.code
    assert rows[on_list.pk]["registry_labels"] == sorted(label.code for label in labels)
    assert rows[on_list.pk]["registry_since"] == datetime.date(2024, 3, 1)
    assert rows[on_list.pk]["employees"] == 10
    assert rows[off_list.pk]["registry_on_list"] is None
    assert rows[off_list.pk]["registry_labels"] is None
    assert frame.schema["registry_labels"] == pl.List(pl.Utf8)
    assert set(catalogue()) <= set(frame.columns)
    # The enterprises' part is exactly the enterprises' frame.
    assert frame.select(build_facts_frame(year=2024).columns).equals(
        build_facts_frame(year=2024).sort("enterprise_id")
    )


@pytest.mark.django_db
def test_frame_chunks_and_wanted_facts(django_assert_num_queries):
    for _ in range(3):
        e = EnterpriseFactory()
        AnnualFacts.objects.create(enterprise=e, year=2024, revenue=Decimal("100"))

    chunks = list(iter_frames(year=2024, chunk_size=2))
    assert [c.height for c in chunks] == [2, 1]
    with django_assert_num_queries(3):  # the enterprises' three queries, no registry query
        only = build_frame(year=2024, facts=["revenue"])
    assert "registry_stage" not in only.columns
    assert only.height == 3


@pytest.mark.django_db
def test_empty_frame_has_every_column():
    frame = build_frame(year=2024)
    assert frame.height == 0
    assert set(catalogue()) <= set(frame.columns)


def test_enterprise_source_fetches_an_id_range(db):
    first, second, third = (EnterpriseFactory() for _ in range(3))
    (source,) = [s for s in registered_sources() if s.name == "enterprises"]
    frame = source.fetch(
        first_id=second.pk, last_id=third.pk, as_of=datetime.date(2024, 12, 31), year=2024
    )
    assert frame["enterprise_id"].to_list() == [second.pk, third.pk]
    assert set(CATALOGUE) <= set(frame.columns)


def test_facts_package_imports_no_upper_app():
    import subprocess
    import sys

    code = (
        "import sys, kejin.facts, kejin.facts.catalogue, kejin.facts.sources, "
        "kejin.facts.frame, kejin.facts.periods; "
        "print(sorted(m for m in sys.modules if m.startswith('kejin.') "
        "and not m.startswith(('kejin.facts', 'kejin.core'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
