"""Demo annual facts: years, consistency, provenance, certificates, the 2024 cases the list
must show, stage changes between the 2023 and 2024 evaluations, idempotent re-runs."""

import datetime
import random
from collections import Counter
from io import StringIO

import polars as pl
import pytest
from django.core.management import call_command
from django.utils import timezone

from kejin.enterprises.choices import CertificateKind
from kejin.enterprises.demo import demo_enterprises
from kejin.enterprises.demo_facts import (
    FACT_NAMES,
    YEARS,
    DemoSubject,
    Plan,
    demo_annual_facts,
    demo_enterprise_facts,
)
from kejin.enterprises.facts import build_facts_frame
from kejin.enterprises.models import AnnualFacts, Certificate, Enterprise
from kejin.enterprises.recognition import ruleset_by_id
from kejin.registry.choices import RegistryEventKind
from kejin.registry.models import EvaluationRun, RecognitionResult, RegistryEvent

pytestmark = pytest.mark.django_db

ENTERPRISES = 300
SEED = 2017  # the demo_data default


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The command also makes the demo users; what is tested here is not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo() -> str:
    out = StringIO()
    call_command("demo_data", enterprises=ENTERPRISES, stdout=out)
    return out.getvalue()


@pytest.fixture
def enterprises_with_facts():
    enterprises = demo_enterprises(rng=random.Random(SEED), count=ENTERPRISES)
    summary = demo_annual_facts(rng_seed=SEED, enterprises=enterprises)
    return enterprises, summary


def test_every_enterprise_has_a_row_for_each_year_it_existed(enterprises_with_facts):
    enterprises, summary = enterprises_with_facts

    years: dict[int, set[int]] = {}
    for enterprise_id, year in AnnualFacts.objects.values_list("enterprise_id", "year"):
        years.setdefault(enterprise_id, set()).add(year)
    expected = {e.pk: {y for y in YEARS if y >= e.founded_on.year} for e in enterprises}
    assert {pk: years.get(pk, set()) for pk in expected} == expected
    assert summary.annual_facts == AnnualFacts.objects.count() == sum(map(len, expected.values()))
    # Enterprises founded in 2022 or before (most of them) have all three years.
    full = [pk for pk, wanted in expected.items() if wanted == set(YEARS)]
    assert len(full) >= 0.6 * ENTERPRISES
    assert AnnualFacts.objects.filter(year__lt=2022).count() == 0


def test_facts_are_consistent_and_carry_demo_provenance(enterprises_with_facts):
    rows = list(AnnualFacts.objects.select_related("enterprise"))

    for row in rows:
        where = f"{row.enterprise.uscc} {row.year}"
        if row.tech_staff is not None and row.employees is not None:
            assert 0 <= row.tech_staff <= row.employees, where
        if row.rd_expense is not None:
            assert row.rd_expense_domestic <= row.rd_expense <= row.total_cost, where
        assert row.total_income >= row.revenue >= 0, where
        assert row.high_tech_income <= row.total_income, where
        assert row.total_assets > 0, where
        assert row.exports <= row.revenue, where
        assert row.ip_class1 >= 0 and row.ip_class2 >= 0, where
        assert row.innovation_score is None or 50 <= row.innovation_score <= 100, where
        present = {name for name in FACT_NAMES if getattr(row, name) is not None}
        assert set(row.provenance) == present, where
        assert {(p["source"], p["as_of"]) for p in row.provenance.values()} == {
            ("demo", f"{row.year}-12-31")
        }, where
    profitable = [r for r in rows if r.revenue and r.total_cost < r.revenue]
    assert len(profitable) >= 0.7 * len(rows)
    # Revenue and staff move plausibly from one full year to the next.
    by_key = {(r.enterprise_id, r.year): r for r in rows}
    for (enterprise_id, year), row in by_key.items():
        before = by_key.get((enterprise_id, year - 1))
        if before is None or row.enterprise.founded_on.year >= year - 1 or not before.revenue:
            continue
        if row.employees and before.employees:
            assert 0.3 <= row.employees / before.employees <= 3.5, (enterprise_id, year)
        assert 0.4 <= row.revenue / before.revenue <= 3.0, (enterprise_id, year)


def test_certificates_high_tech_for_some_expiring_and_expired_ones_and_other_routes(
    enterprises_with_facts,
):
    today = timezone.localdate()
    high_tech = list(Certificate.objects.filter(kind=CertificateKind.HIGH_TECH))
    holders = {c.enterprise_id for c in high_tech}

    assert 0.10 * ENTERPRISES <= len(holders) <= 0.22 * ENTERPRISES
    for certificate in high_tech:
        assert certificate.number.startswith(f"GR{certificate.valid_from.year}33"), certificate
        three_years = certificate.valid_from.replace(year=certificate.valid_from.year + 3)
        assert certificate.valid_to == three_years - datetime.timedelta(days=1), certificate
    soon = today + datetime.timedelta(days=90)
    assert [c for c in high_tech if today <= c.valid_to <= soon], "some expire within 90 days"
    assert [c for c in high_tech if c.valid_to < today], "some have expired"
    on_evaluation_day = datetime.date(2024, 12, 31)
    valid_then = {
        c.enterprise_id for c in high_tech if c.valid_from <= on_evaluation_day <= c.valid_to
    }
    assert holders - valid_then, "some holders had let their certificate lapse by the end of 2024"
    kinds = Counter(Certificate.objects.values_list("kind", flat=True))
    assert kinds[CertificateKind.RD_INSTITUTION] >= 3
    assert kinds[CertificateKind.STANDARD] >= 1


def test_the_generator_is_seeded_per_enterprise_and_pure():
    subject = DemoSubject(
        key="91330402MA2B000001",
        founded_on=datetime.date(2015, 3, 1),
        size="small",
        division="65",
        registered_capital=3_000_000.0,
    )
    today = datetime.date(2026, 11, 30)

    first = demo_enterprise_facts(subject, rng_seed=SEED, today=today)
    again = demo_enterprise_facts(subject, rng_seed=SEED, today=today)
    other = demo_enterprise_facts(subject, rng_seed=SEED + 1, today=today)

    assert first == again
    assert first.years != other.years
    assert sorted(first.years) == list(YEARS)
    assert first.plan in set(Plan)


def _status_frame() -> pl.DataFrame:
    """The 2024 tech SME evaluation with its stage columns, for the enterprises with facts."""
    facts = build_facts_frame(year=2024)
    evaluated = ruleset_by_id("tech_sme").evaluate_frame(facts).collect()
    return evaluated.with_columns(
        (pl.col("tech_staff") / pl.col("employees")).alias("tech_share"),
        pl.max_horizontal(
            pl.col("employees") / 500,
            pl.col("revenue") / 200_000_000,
            pl.col("total_assets") / 200_000_000,
        ).alias("size_over_limit"),
    )


def test_2024_shows_qualified_narrow_fails_direct_and_undetermined_enterprises():
    run_demo()

    stored = Counter(
        RecognitionResult.objects.filter(ruleset="tech_sme").values_list("status", flat=True)
    )
    assert set(stored) == {"qualified", "qualified_direct", "not_qualified", "undetermined"}
    frame = _status_frame()
    with_facts = frame.filter(pl.col("employees").is_not_null() | pl.col("revenue").is_not_null())
    status = pl.col("status")
    qualified = with_facts.filter(status.is_in(["qualified", "qualified_direct"]))
    assert qualified.height >= 0.25 * with_facts.height
    # The computed statuses are the ones the re-evaluation stored.
    assert Counter(frame["status"].to_list()) == stored

    failing = frame.filter(status == "not_qualified")
    narrow_score = failing.filter(pl.col("score").is_between(54, 58))
    assert narrow_score.height >= 5
    narrow_staff = failing.filter(
        (pl.col("score") >= 60) & pl.col("tech_share").is_between(0.085, 0.1, closed="left")
    )
    assert narrow_staff.height >= 1
    narrow_size = failing.filter(
        (pl.col("score") >= 60) & pl.col("size_over_limit").is_between(1, 1.15, closed="right")
    )
    assert narrow_size.height >= 1
    direct_weak = frame.filter((status == "qualified_direct") & (pl.col("score") < 60))
    assert direct_weak.height >= 1
    assert direct_weak["direct.high_tech_certificate"].any()
    undetermined_with_facts = frame.filter(
        (status == "undetermined") & pl.col("revenue").is_not_null()
    )
    assert undetermined_with_facts.height >= 1


def test_some_enterprises_change_stage_between_the_2023_and_2024_evaluations():
    run_demo()

    runs = list(EvaluationRun.objects.order_by("id").values_list("year", "status"))
    assert runs == [(2023, "done"), (2024, "done")]
    changes = RegistryEvent.objects.filter(
        run__year=2024, kind=RegistryEventKind.STAGE_CHANGE
    ).exclude(from_value="")
    pairs = Counter(changes.values_list("from_value", "to_value"))
    assert pairs[("初创期", "成长期")] >= 1
    assert pairs[("成长期", "成熟期")] + pairs[("成熟期", "成长期")] >= 1
    # The 2023 run put enterprises on the list; 2024 has entries and exits too.
    kinds_2024 = set(RegistryEvent.objects.filter(run__year=2024).values_list("kind", flat=True))
    assert {RegistryEventKind.ENTRY, RegistryEventKind.EXIT} <= kinds_2024
    assert RegistryEvent.objects.filter(run__year=2023, kind=RegistryEventKind.ENTRY).exists()


def _facts_snapshot() -> list[tuple]:
    return list(
        AnnualFacts.objects.order_by("enterprise__uscc", "year").values_list(
            "enterprise__uscc", "year", *FACT_NAMES, "provenance"
        )
    )


def test_running_again_creates_no_facts_certificates_or_events():
    run_demo()
    facts, certificates = (
        _facts_snapshot(),
        list(
            Certificate.objects.order_by("enterprise__uscc", "kind", "number").values_list(
                "enterprise__uscc", "kind", "number", "issuer", "valid_from", "valid_to"
            )
        ),
    )
    events = RegistryEvent.objects.count()
    results = list(RecognitionResult.objects.order_by("pk").values_list("pk", "status", "score"))

    output = run_demo()

    assert _facts_snapshot() == facts
    assert (
        list(
            Certificate.objects.order_by("enterprise__uscc", "kind", "number").values_list(
                "enterprise__uscc", "kind", "number", "issuer", "valid_from", "valid_to"
            )
        )
        == certificates
    )
    assert RegistryEvent.objects.count() == events
    assert (
        list(RecognitionResult.objects.order_by("pk").values_list("pk", "status", "score"))
        == results
    )
    # Only 2024 is evaluated again (2023 would rewind the list), and nothing changed.
    runs = list(EvaluationRun.objects.order_by("id").values_list("year", "changes"))
    assert [year for year, _ in runs] == [2023, 2024, 2024]
    assert runs[-1][1] == 0
    assert output.splitlines()[0].startswith(f"演示数据已就绪：企业 {ENTERPRISES} 家，金融机构 ")
    assert f"企业年度数据 {len(facts)} 条" in output.splitlines()[0]
    assert Enterprise.objects.count() == ENTERPRISES
