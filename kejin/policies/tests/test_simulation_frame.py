"""The simulation's narrow frame read (``narrow_frame``) gives exactly ``build_frame``'s
columns — rows, order, values (missing ones too) and types — for the whole city, one county
and small chunks; facts it does not read make it step aside (None) for ``build_frame``."""

import datetime
from decimal import Decimal

import polars as pl
import pytest

from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.frame import build_frame
from kejin.policies.simulation import narrow_frame
from kejin.registry.models import GrowthStage, Label, RegistryEntry

FACTS = [
    "county_id",
    "registry_stage",
    "registry_on_list",
    "rd_expense",
    "revenue",
    "employees",
    "serious_dishonesty_list",
    "key_field",
    "registry_labels",
    "years_registered",
]


@pytest.fixture
def enterprises(db):
    """Eight enterprises in two counties: facts of 2025 (some missing, flags true, false and
    unknown), one with facts of 2024 only, one with none; list entries with a stage, with
    none, off the list, and none at all; labels on some entries (one with two), founding
    dates on the last day of the year, a 29 February and a later year."""
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    tech_sme, high_tech = Label.objects.get(code="tech_sme"), Label.objects.get(code="high_tech")
    growth = GrowthStage.objects.get(code="growth")
    mature = GrowthStage.objects.get(code="mature")
    made = []
    for n, (county, year, facts, entry) in enumerate(
        [
            (
                nanhu,
                2025,
                {"revenue": "10000000.50", "rd_expense": "400000", "employees": 30},
                growth,
            ),
            (xiuzhou, 2025, {"revenue": "8000000", "serious_dishonesty_list": True}, mature),
            (nanhu, 2025, {"rd_expense": "1", "serious_dishonesty_list": False}, "none"),
            (xiuzhou, 2024, {"revenue": "9000000", "employees": 12}, growth),
            (nanhu, None, {}, None),
            (xiuzhou, 2025, {"revenue": "0", "rd_expense": "0", "key_field": True}, "off"),
            (nanhu, 2025, {"employees": 501}, growth),
            (xiuzhou, 2025, {"revenue": "123456789.99", "rd_expense": "7654321.01"}, None),
        ]
    ):
        founded = [datetime.date(2020, 12, 31), datetime.date(2024, 2, 29)][n % 2]
        enterprise = EnterpriseFactory(
            county=county, founded_on=founded if n != 6 else datetime.date(2025, 7, 1)
        )
        if year:
            AnnualFacts.objects.create(
                enterprise=enterprise,
                year=year,
                **{k: Decimal(v) if isinstance(v, str) else v for k, v in facts.items()},
            )
        if entry == "off":
            made_entry = RegistryEntry.objects.create(enterprise=enterprise, on_list=False)
        elif entry == "none":
            made_entry = RegistryEntry.objects.create(enterprise=enterprise, on_list=True)
        elif entry is not None:
            made_entry = RegistryEntry.objects.create(
                enterprise=enterprise, on_list=True, stage=entry
            )
        if n == 0:
            made_entry.labels.add(tech_sme, high_tech)
        elif n in (1, 5):
            made_entry.labels.add(tech_sme)
        made.append((n, enterprise, county))
    return {"nanhu": nanhu, "xiuzhou": xiuzhou, "all": made}


def _expected(facts, **kwargs):
    return build_frame(year=2025, facts=facts, **kwargs).select("enterprise_id", *sorted(facts))


@pytest.mark.parametrize("chunk_size", [50_000, 3, 1])
def test_the_narrow_frame_is_build_frames_columns(enterprises, chunk_size):
    narrow = narrow_frame(FACTS, year=2025, chunk_size=chunk_size)
    expected = _expected(FACTS)
    assert narrow.schema == expected.schema
    assert narrow.to_dicts() == expected.to_dicts()
    assert narrow.height == 8
    # Not a vacuous comparison: values, unknowns and both flags are there.
    assert set(narrow["registry_stage"].to_list()) == {"growth", "mature", None}
    assert set(narrow["serious_dishonesty_list"].to_list()) == {True, False, None}
    assert set(narrow["registry_on_list"].to_list()) == {True, False, None}
    assert narrow["revenue"].null_count() == 4
    assert narrow["registry_labels"].to_list()[:3] == [["high_tech", "tech_sme"], ["tech_sme"], []]
    assert narrow["registry_labels"].null_count() == 2
    assert narrow["years_registered"].null_count() == 0


def test_one_countys_narrow_frame_is_build_frames_columns(enterprises):
    county = enterprises["xiuzhou"].pk
    narrow = narrow_frame(FACTS, year=2025, county_id=county, chunk_size=2)
    expected = _expected(FACTS, county_id=county)
    assert narrow.to_dicts() == expected.to_dicts()
    assert narrow.schema == expected.schema
    assert narrow.height == 4


def test_only_the_asked_columns_and_the_ids(enterprises):
    narrow = narrow_frame(["revenue", "county_id"], year=2025)
    assert narrow.columns == ["enterprise_id", "county_id", "revenue"]
    assert narrow.to_dicts() == _expected(["revenue", "county_id"]).to_dicts()


def test_an_empty_registry_gives_an_empty_frame_of_the_same_schema(db):
    narrow = narrow_frame(FACTS, year=2025)
    assert narrow.height == 0
    assert dict(narrow.schema) == {
        "enterprise_id": pl.Int64,
        "county_id": pl.Int64,
        "employees": pl.Int64,
        "key_field": pl.Boolean,
        "rd_expense": pl.Float64,
        "registry_on_list": pl.Boolean,
        "registry_stage": pl.Utf8,
        "revenue": pl.Float64,
        "serious_dishonesty_list": pl.Boolean,
        "registry_labels": pl.List(pl.Utf8),
        "years_registered": pl.Float64,
    }


@pytest.mark.parametrize(
    "fact", ["rd_expense_3y", "high_tech_certificate_valid", "registry_since", "credit.grade", "x"]
)
def test_facts_it_does_not_read_leave_it_to_build_frame(db, fact):
    assert narrow_frame(["revenue", "county_id", fact], year=2025) is None
