"""Impact simulation (政策出台前的影响测算): how a draft version — or the live version with one
parameter changed, never saved — would change who qualifies, beside the current version.

Over the facts frame (``kejin.facts.frame``), each version's eligibility is one vectorised
boolean column (``RuleSet.qualified_expr``, the same filter ``eligible_ids`` runs; the full
staged evaluation for a scored rule) and its estimated benefit one float column
(``kejin.policies.benefits.benefit_estimate_expr``: the formula with the application's
fields at their typical values, capped, nothing granted yet). One pass over the frame
computes both versions' columns together; the rest (counts by county × growth stage, the
benefit totals, who enters and who leaves) is aggregated from those few columns.

``simulate_frame`` is the pure part (a frame in, numbers out: what the benchmark times and
the tests check against a direct count); ``version_simulate`` reads the frame from the
database, names the counties, stages and enterprises.

The frame read is most of a simulation's time (the whole facts frame of 100,000 enterprises
takes seconds: every annual fact, the three-year sums, certificates, the list's labels).
When the two versions read only the evaluation year's annual facts, the county, the age and
the list's stage, membership or labels — most policies — ``simulation_frame`` reads just
those columns in one keyset-paged query per chunk (``narrow_frame``: the same values, types
and rows as ``build_frame``'s columns, checked by the tests); anything else goes through
``build_frame``.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.db import connection, models
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.money import format_yuan
from kejin.enterprises.eligibility import COUNTY, LABELS, STAGE, eligible_ids, facts_data_year
from kejin.enterprises.facts import ANNUAL_FACTS
from kejin.enterprises.models import AnnualFacts, Enterprise
from kejin.facts.frame import build_frame
from kejin.facts.periods import years_between_series
from kejin.policies.benefits import benefit_estimate_expr, formula_facts, formula_resolved
from kejin.policies.evaluation import county_name_map, version_rule
from kejin.policies.models import PolicyVersion
from kejin.registry.models import GrowthStage, RegistryEntry
from kejin.registry.selectors import registry_fact_choices
from kejin.rules.ruleset import RuleSet

#: How many of the entering and leaving enterprises are named.
SHOWN = 20
_CURRENT, _PROPOSED = "_q_current", "_q_proposed"
_B_CURRENT, _B_PROPOSED = "_b_current", "_b_proposed"


@dataclass(frozen=True)
class Variant:
    """One side of a simulation: a version's rule and its benefit per enterprise."""

    rule: RuleSet
    benefit: pl.Expr | None = None
    #: The facts the benefit reads (added as empty columns when the frame lacks them).
    benefit_facts: frozenset[str] = frozenset()


@dataclass
class Cell:
    """One county × growth stage: how many qualify and their estimated benefit, each side."""

    county_id: int | None
    stage: str | None
    current: int
    proposed: int
    current_benefit: float
    proposed_benefit: float
    county_name: str = ""
    stage_name: str = ""

    @property
    def change(self) -> int:
        return self.proposed - self.current


@dataclass
class SimulationResult:
    """What a simulation found (counts, yuan as float rounded to the cent)."""

    size: int
    current: int
    proposed: int
    current_benefit: float
    proposed_benefit: float
    cells: list[Cell]
    entering_count: int
    leaving_count: int
    entering_ids: list[int]
    leaving_ids: list[int]
    has_current: bool = True
    year: int | None = None
    entering: list[dict[str, Any]] = field(default_factory=list)
    leaving: list[dict[str, Any]] = field(default_factory=list)

    @property
    def change(self) -> int:
        return self.proposed - self.current

    @property
    def benefit_change(self) -> float:
        return round(self.proposed_benefit - self.current_benefit, 2)

    def yuan(self, value: float) -> str:
        return format_yuan(Decimal(str(value)))

    @property
    def current_benefit_display(self) -> str:
        return self.yuan(self.current_benefit)

    @property
    def proposed_benefit_display(self) -> str:
        return self.yuan(self.proposed_benefit)

    @property
    def benefit_change_display(self) -> str:
        return self.yuan(self.benefit_change)


def _qualified(rule: RuleSet, frame: pl.DataFrame) -> pl.Expr:
    """The rule's verdict as a boolean column expression (true: eligible, never null)."""
    fast = rule.qualified_expr()
    if fast is not None:
        return fast.fill_null(False)
    # A scored rule: the staged evaluation, its eligible ids as a membership test.
    return pl.col("enterprise_id").is_in(eligible_ids(rule, frame).implode())


def simulate_frame(
    frame: pl.DataFrame,
    *,
    proposed: Variant,
    current: Variant | None,
    shown: int = SHOWN,
) -> SimulationResult:
    """The simulation over one facts frame (``enterprise_id``, ``county_id``,
    ``registry_stage`` and the facts the rules read): each version's verdict and benefit in
    one pass, then the counts by county × stage, the totals and the enterprises that enter
    (eligible under ``proposed`` only) and leave (under ``current`` only), ascending ids,
    the first ``shown`` of each. ``current`` None: a policy with no live version yet."""
    variants = [proposed] + ([current] if current is not None else [])
    present = set(frame.columns)
    needed = {COUNTY, STAGE}
    for variant in variants:
        needed |= set(variant.rule.facts) | set(variant.benefit_facts)
    absent = [pl.lit(None).alias(name) for name in sorted(needed - present)]
    source = frame.with_columns(absent) if absent else frame

    def side(variant: Variant | None, verdict: str, amount: str) -> list[pl.Expr]:
        if variant is None:
            return [pl.lit(False).alias(verdict), pl.lit(0.0).alias(amount)]
        qualified = _qualified(variant.rule, source)
        benefit = variant.benefit if variant.benefit is not None else pl.lit(0.0)
        return [
            qualified.alias(verdict),
            pl.when(qualified).then(benefit.fill_null(0.0)).otherwise(0.0).alias(amount),
        ]

    columns = (
        source.lazy()
        .select(
            "enterprise_id",
            pl.col(COUNTY),
            pl.col(STAGE).cast(pl.Utf8),
            *side(current, _CURRENT, _B_CURRENT),
            *side(proposed, _PROPOSED, _B_PROPOSED),
        )
        .collect()
    )
    by_cell = (
        columns.group_by(COUNTY, STAGE)
        .agg(
            pl.col(_CURRENT).sum().alias("current"),
            pl.col(_PROPOSED).sum().alias("proposed"),
            pl.col(_B_CURRENT).sum().alias("current_benefit"),
            pl.col(_B_PROPOSED).sum().alias("proposed_benefit"),
        )
        .filter((pl.col("current") > 0) | (pl.col("proposed") > 0))
        .sort(COUNTY, STAGE, nulls_last=True)
    )
    entering = columns.filter(pl.col(_PROPOSED) & ~pl.col(_CURRENT))["enterprise_id"]
    leaving = columns.filter(pl.col(_CURRENT) & ~pl.col(_PROPOSED))["enterprise_id"]
    cells = [
        Cell(
            county_id=row[COUNTY],
            stage=row[STAGE],
            current=int(row["current"]),
            proposed=int(row["proposed"]),
            current_benefit=round(float(row["current_benefit"]), 2),
            proposed_benefit=round(float(row["proposed_benefit"]), 2),
        )
        for row in by_cell.iter_rows(named=True)
    ]
    return SimulationResult(
        size=columns.height,
        current=int(columns[_CURRENT].sum()),
        proposed=int(columns[_PROPOSED].sum()),
        current_benefit=round(float(columns[_B_CURRENT].sum()), 2),
        proposed_benefit=round(float(columns[_B_PROPOSED].sum()), 2),
        cells=cells,
        entering_count=entering.len(),
        leaving_count=leaving.len(),
        entering_ids=entering.sort().head(shown).to_list(),
        leaving_ids=leaving.sort().head(shown).to_list(),
        has_current=current is not None,
    )


# --- versions --------------------------------------------------------------------------------


def version_variant(version: PolicyVersion, **rule_kwargs) -> Variant:
    """A version's side of a simulation (``rule_kwargs``: ``version_rule``'s)."""
    return Variant(
        rule=version_rule(version, **rule_kwargs),
        benefit=benefit_estimate_expr(version),
        benefit_facts=frozenset(formula_facts(formula_resolved(version))),
    )


def _number(raw: Any) -> int | float | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    return (
        int(value) if value == value.to_integral_value() and "." not in str(raw) else float(value)
    )


def version_with_parameter(version: PolicyVersion, name: str, raw: Any) -> PolicyVersion:
    """A copy of ``version`` (never saved) with parameter ``name`` set to ``raw`` (a
    number); ``ApplicationError.invalid`` when the version has no such parameter or the
    value is not a number."""
    parameters = dict(version.parameters or {})
    if name not in parameters:
        known = "、".join(sorted(parameters)) or _("（无）")
        raise ApplicationError.invalid(
            {
                "parameter": [
                    _("该版本没有名为“%(name)s”的参数，请从以下参数中选择：%(known)s。")
                    % {"name": name, "known": known}
                ]
            }
        )
    value = _number(raw)
    if value is None:
        raise ApplicationError.invalid({"value": [_("参数值须为数字，例如 0.03 或 5000000。")]})
    spec = parameters[name]
    parameters[name] = {**spec, "value": value} if isinstance(spec, Mapping) else value
    changed = copy.copy(version)
    changed.parameters = parameters
    return changed


#: The list's facts ``narrow_frame`` reads from the list entry.
_ON_LIST = "registry_on_list"
#: The enterprise's age on the evaluation year's last day (from its founding date).
_AGE = "years_registered"
#: Annual facts by name: how ``narrow_frame`` reads each (money as a double, flags as 0/1).
_ANNUAL = {fact.name: fact for fact in ANNUAL_FACTS}


def _annual_sql(name: str) -> tuple[str, Any]:
    """The SQL reading annual fact ``name`` of the joined row ``a``, and its frame type."""
    fact = _ANNUAL[name]
    field = AnnualFacts._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column  # a concrete column, not a relation
    column = f"a.{connection.ops.quote_name(field.column)}"
    if fact.dtype == pl.Float64:
        return f"CAST({column} AS DOUBLE PRECISION)", fact.dtype
    if fact.dtype == pl.Boolean:
        return f"CAST({column} AS INTEGER)", pl.Int64
    return column, fact.dtype


def _narrow_sql(annual: list[str], *, registry: bool, age: bool, county: bool):
    """The query of one chunk of ``narrow_frame`` (parameters: the year, the last id read,
    the county when ``county``, the chunk size) and the schema of its rows."""
    quote = connection.ops.quote_name

    def field(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    county_column = f"e.{field(Enterprise, 'county')}"
    columns = ["e.id", county_column]
    schema: dict[str, Any] = {"enterprise_id": pl.Int64, COUNTY: pl.Int64}
    for name in annual:
        sql, dtype = _annual_sql(name)
        columns.append(sql)
        schema[name] = dtype
    if age:
        # SQLite hands dates to a per-value converter; as ISO text polars parses them at once.
        founded = f"e.{field(Enterprise, 'founded_on')}"
        sqlite = connection.vendor == "sqlite"
        columns.append(f"CAST({founded} AS TEXT)" if sqlite else founded)
        schema["_founded_on"] = pl.Utf8 if sqlite else pl.Date
    joins = (
        f" LEFT JOIN {quote(AnnualFacts._meta.db_table)} a ON "
        f"a.{field(AnnualFacts, 'enterprise')} = e.id AND a.{field(AnnualFacts, 'year')} = %s"
    )
    if registry:
        # The stage as its id (a few stages, named in polars): no join per row for the code.
        columns += [
            "r.id",
            f"r.{field(RegistryEntry, 'stage')}",
            f"CAST(r.{field(RegistryEntry, 'on_list')} AS INTEGER)",
        ]
        schema |= {"_entry_id": pl.Int64, "_stage_id": pl.Int64, _ON_LIST: pl.Int64}
        joins += (
            f" LEFT JOIN {quote(RegistryEntry._meta.db_table)} r ON "
            f"r.{field(RegistryEntry, 'enterprise')} = e.id"
        )
    where = f" AND {county_column} = %s" if county else ""
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Enterprise._meta.db_table)} e{joins} "
        f"WHERE e.id > %s{where} ORDER BY e.id LIMIT %s"
    )
    return sql, schema


def _labels(first_id: int, last_id: int) -> pl.DataFrame:
    """The list labels of the entries of enterprises ``first_id``..``last_id``, by code."""
    links = (
        RegistryEntry.labels.through.objects.filter(
            registryentry__enterprise__pk__range=(first_id, last_id)
        )
        .order_by("registryentry__enterprise_id", "label__code")
        .values_list("registryentry__enterprise_id", "label__code")
    )
    return (
        pl.DataFrame(list(links), schema={"enterprise_id": pl.Int64, LABELS: pl.Utf8}, orient="row")
        .group_by("enterprise_id", maintain_order=True)
        .agg(pl.col(LABELS))
    )


def narrow_frame(
    facts: Iterable[str],
    *,
    year: int,
    county_id: int | None = None,
    chunk_size: int = 50_000,
) -> pl.DataFrame | None:
    """``build_frame``'s ``enterprise_id`` and ``facts`` columns (same rows, order, values and
    types) read in one query per chunk of enterprises (and one for the labels), when
    ``facts`` are only the county, the list's stage, membership or labels, the age and the
    evaluation year's annual facts; None otherwise."""
    wanted = sorted(set(facts) - {"enterprise_id"})
    annual = [name for name in wanted if name in _ANNUAL]
    if set(wanted) - set(annual) - {COUNTY, STAGE, _ON_LIST, LABELS, _AGE}:
        return None
    registry = bool({STAGE, _ON_LIST, LABELS} & set(wanted))
    sql, schema = _narrow_sql(
        annual, registry=registry, age=_AGE in wanted, county=county_id is not None
    )
    county = [] if county_id is None else [county_id]
    chunks = []
    last_id = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [year, last_id, *county, chunk_size])
            rows = cursor.fetchall()
            chunk = pl.DataFrame(rows, schema=schema, orient="row")
            if LABELS in wanted:
                labels = _labels(rows[0][0], rows[-1][0]) if rows else None
                chunk = (
                    chunk.join(labels, on="enterprise_id", how="left", maintain_order="left")
                    if labels is not None
                    else chunk.with_columns(pl.lit(None, dtype=pl.List(pl.Utf8)).alias(LABELS))
                )
            chunks.append(chunk)
            if len(rows) < chunk_size:
                break
            last_id = rows[-1][0]
    frame = pl.concat(chunks, how="vertical")
    casts = [
        pl.col(name).cast(pl.Boolean)
        for name in (*annual, _ON_LIST)
        if name in frame.columns and (name == _ON_LIST or _ANNUAL[name].dtype == pl.Boolean)
    ]
    if registry:
        stages = dict(GrowthStage.objects.values_list("pk", "code"))
        casts.append(
            pl.col("_stage_id")
            .replace_strict(
                pl.Series(list(stages), dtype=pl.Int64),
                pl.Series(list(stages.values()), dtype=pl.Utf8),
                default=None,
                return_dtype=pl.Utf8,
            )
            .alias(STAGE)
        )
    if LABELS in wanted:
        # An entry without labels has none (an empty list); no entry: unknown.
        casts.append(
            pl.when(pl.col("_entry_id").is_not_null())
            .then(pl.col(LABELS).fill_null(pl.lit([], dtype=pl.List(pl.Utf8))))
            .alias(LABELS)
        )
    if casts:
        frame = frame.with_columns(casts)
    if _AGE in wanted:
        founded = frame["_founded_on"]
        if founded.dtype == pl.Utf8:
            founded = founded.str.to_date("%Y-%m-%d")
        as_of = datetime.date(year, 12, 31)
        frame = frame.with_columns(years_between_series(founded, as_of).alias(_AGE))
    return frame.select("enterprise_id", *wanted)


def simulation_frame(
    versions: Iterable[Variant], *, year: int, county_id: int | None = None
) -> pl.DataFrame:
    """The facts frame for ``year`` (the whole city, or county ``county_id``) with what the
    variants read: ``narrow_frame`` when it can read them, else ``build_frame``."""
    facts = {COUNTY, STAGE}
    for variant in versions:
        facts |= set(variant.rule.facts) | set(variant.benefit_facts)
    narrow = narrow_frame(facts, year=year, county_id=county_id)
    if narrow is not None:
        return narrow
    return build_frame(year=year, county_id=county_id, facts=facts)


def version_simulate(
    *,
    version: PolicyVersion,
    current: PolicyVersion | None,
    parameter: str | None = None,
    value: Any = None,
    county_id: int | None = None,
    shown: int = SHOWN,
) -> SimulationResult:
    """``version`` (with ``parameter`` set to ``value`` when given) against ``current``
    (the policy's live version; None when it has none) over the city's facts of the data
    year (``county_id``: that county's enterprises only), the cells named and the first
    ``shown`` entering and leaving enterprises named."""
    proposed_version = version_with_parameter(version, parameter, value) if parameter else version
    counties = [r.pk for r in version.counties.all()] if version.pk else []
    proposed = version_variant(proposed_version, counties=counties)
    baseline = version_variant(current) if current is not None else None
    year = facts_data_year()
    variants = [proposed] + ([baseline] if baseline is not None else [])
    frame = simulation_frame(variants, year=year, county_id=county_id)
    result = simulate_frame(frame, proposed=proposed, current=baseline, shown=shown)
    result.year = year
    names = county_name_map()
    stages = registry_fact_choices().get(STAGE, {})
    for cell in result.cells:
        cell.county_name = names.get(cell.county_id, "—") if cell.county_id else "—"
        cell.stage_name = stages.get(cell.stage, cell.stage) if cell.stage else _("未评价")
    named = dict(
        Enterprise.objects.filter(pk__in=result.entering_ids + result.leaving_ids).values_list(
            "pk", "name"
        )
    )
    result.entering = [{"id": pk, "name": named.get(pk, "")} for pk in result.entering_ids]
    result.leaving = [{"id": pk, "name": named.get(pk, "")} for pk in result.leaving_ids]
    return result
