"""Staged rule sets: indicators with point bands, score components, conditions, an outcome.

A rule set is data (YAML next to the code that uses it) citing its legal source and
validity. It is evaluated in stages, each stage reading the columns of the previous ones:

1. ``value.<indicator>``   the indicator's value (e.g. R&D expense / revenue)
2. ``points.<indicator>``  points from its bands (lower bounds inclusive) or a points expression
3. ``component.<id>``      score components (e.g. the better of two R&D indicators)
4. ``score``               the sum of the components
5. ``condition.<id>``      conditions that must all hold (size limits, exclusions…)
6. ``direct.<id>``         direct qualifications (any one suffices, with all conditions)
7. ``pass``                the score test (e.g. score ≥ 60 and tech-staff points > 0)
8. ``status``              qualified_direct / qualified / not_qualified / undetermined
9. ``grade``               the first grade band whose lower bound the score reaches (rule sets
                           with ``grades``, e.g. a credit scorecard's AAA…C)
10. ``reasons``            reason codes: the scored indicators that cost the most points against
                           their best band, worst first (rule sets with ``reason_count`` > 0)

Bands are numeric (``min``: lower bound, inclusive), categorical (``values``: the value is one
of a literal list), the missing-value band (``missing: true``: the value is unknown) or the
rest (none of these: every other value). A rule set with ``base_points`` is a points table
(a scorecard): its score is the base points plus every scored indicator's points, without
components; an indicator's points are unknown only when its value is unknown and it has no
missing-value band.

An indicator whose value divides also gets its exact numerator and denominator
(``value.<indicator>.num`` / ``.den``, Int128), and every comparison with its value uses
them, so a ratio is compared exactly (see ``kejin.rules.expressions``), never as a rounded
float; the float ``value.<indicator>`` is for display. Unknown facts are three-valued: a result that no value of them could change
is determined. In particular, when some score components are unknown the score test is
decided on the score's bounds (unknown components at 0 and at their ``max_points``): a total
already high enough with the unknown components at 0 passes, one that could not pass even
with them at their maximum fails. The score test must therefore be monotone in ``score``
(a threshold), which every rule set's is.

``evaluate_frame`` runs all stages over a polars frame at once; ``explain`` runs them over one
record and returns every value, band, point and condition, with the facts that were missing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from kejin.rules.expressions import (
    RuleError,
    divides,
    evaluate,
    fraction_columns,
    fraction_value,
    literal_bound,
    to_polars,
    validate,
    variables,
)
from kejin.rules.status import RuleStatus

QUALIFIED_DIRECT = RuleStatus.QUALIFIED_DIRECT.value
QUALIFIED = RuleStatus.QUALIFIED.value
NOT_QUALIFIED = RuleStatus.NOT_QUALIFIED.value
UNDETERMINED = RuleStatus.UNDETERMINED.value
SCORE_BOUNDS = ("score.min", "score.max")


def substitute(expr: Any, replacements: dict[str, Any]) -> Any:
    """``expr`` with every ``{"var": name}`` in ``replacements`` replaced by its expression."""
    if isinstance(expr, list):
        return [substitute(e, replacements) for e in expr]
    if not isinstance(expr, dict) or len(expr) != 1:
        return expr
    ((op, args),) = expr.items()
    if op == "var":
        name = args[0] if isinstance(args, list) and args else args
        return replacements.get(name, expr) if isinstance(name, str) else expr
    return {op: substitute(args, replacements)}


@dataclass(frozen=True)
class Band:
    """Points for values at or above ``min``, or equal to one of ``values`` (a categorical
    band), or unknown (``missing``); a band with none of these catches the rest."""

    points: float
    min: float | None = None
    values: tuple[Any, ...] | None = None
    missing: bool = False

    @property
    def is_rest(self) -> bool:
        return self.min is None and self.values is None and not self.missing

    def test(self, value: Any) -> Any:
        """The JsonLogic test of a bounded or categorical band (None for the others)."""
        if self.min is not None:
            return {">=": [value, self.min]}
        if self.values is not None:
            return {"in": [value, list(self.values)]}
        return None


@dataclass(frozen=True)
class Grade:
    """A grade band: scores at or above ``min`` (the last grade, without ``min``, the rest)."""

    code: str
    label: str = ""
    min: float | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    value: Any = None
    bands: tuple[Band, ...] = ()
    points: Any = None
    format: str = "number"  # percent | number | count
    #: A fact giving the number of fiscal years the value covers, and the note that says so
    #: in the label ("按{years}个会计年度计算"), for sums over several years.
    years_fact: str | None = None
    years_note: str = ""
    #: The reason text when this indicator costs points (a reason code's words, e.g.
    #: "存在严重违法失信记录"); the label stands in when empty.
    reason: str = ""

    @property
    def missing_band(self) -> Band | None:
        return next((b for b in self.bands if b.missing), None)

    @property
    def best_points(self) -> float | None:
        """The most points a band gives (None without bands): a reason code's yardstick."""
        return max(b.points for b in self.bands) if self.bands else None

    @property
    def scored(self) -> bool:
        """Whether the indicator gives points (bands or a points expression), or only a value."""
        return bool(self.bands) or self.points is not None

    def points_expression(self, *, reached_columns: bool = False) -> Any:
        """The JsonLogic expression giving this indicator's points (None if it is not scored).

        With ``reached_columns`` a band's test reads its column ``band.<id>.<i>`` (see
        ``band_tests``) instead of comparing the value again."""
        if not self.scored:
            return None
        if self.points is not None:
            return self.points
        value = {"var": f"value.{self.id}"}
        chain: list[Any] = []
        for index, band in enumerate(self.bands):
            if band.missing:
                continue  # applied around the chain (``points_polars``, ``points_for``)
            if band.is_rest:
                chain.append(band.points)
                break
            chain += [
                {"var": f"band.{self.id}.{index}"} if reached_columns else band.test(value),
                band.points,
            ]
        else:
            chain.append(0)
        return {"if": chain} if len(chain) > 1 else chain[0]

    def points_polars(self, *, table: bool = False) -> pl.Expr:
        """The points column: the band chain, or the missing-value band's points when the
        value is unknown.

        In a points table (``table``) an unknown value without a missing-value band has
        unknown points, and the bands compile straight to one ``when`` chain on the value
        (the first band reached wins), without the band-test columns."""
        missing = self.missing_band
        value = pl.col(f"value.{self.id}")
        if table and self.points is None:
            chain: Any = None
            rest = 0.0
            for band in self.bands:
                if band.missing:
                    continue
                if band.is_rest:
                    rest = band.points
                    break
                test = value >= band.min if band.min is not None else value.is_in(band.values or ())
                chain = (pl.when(test) if chain is None else chain.when(test)).then(
                    pl.lit(float(band.points))
                )
            known = pl.lit(float(rest)) if chain is None else chain.otherwise(pl.lit(float(rest)))
            unknown = pl.lit(None if missing is None else float(missing.points), dtype=pl.Float64)
            return pl.when(value.is_null()).then(unknown).otherwise(known)
        chain = to_polars(self.points_expression(reached_columns=True))
        if missing is None:
            return chain
        return pl.when(value.is_null()).then(missing.points).otherwise(chain)

    def points_for(
        self, row: dict[str, Any], fractions: dict | None = None, *, table: bool = False
    ) -> Any:
        """One record's points (as ``points_polars``)."""
        missing = self.missing_band
        if self.value is not None and row.get(f"value.{self.id}") is None:
            if missing is not None:
                return missing.points
            if table and self.points is None:
                return None
        return evaluate(self.points_expression(), row, fractions=fractions)

    def band_tests(self) -> dict[str, Any]:
        """Each bounded band's test (value ≥ its lower bound), by its column name."""
        if self.points is not None:
            return {}
        value = {"var": f"value.{self.id}"}
        return {
            f"band.{self.id}.{index}": band.test(value)
            for index, band in enumerate(self.bands)
            if band.test(value) is not None
        }

    def band_label(self, band_index: int) -> str:
        """A reader's label for band ``band_index``, e.g. "≥30%" or "25%–30%" or "<10%"."""
        band = self.bands[band_index]
        fmt = _formatter(self.format)
        if band.missing:
            return "缺失"
        if band.values is not None:
            return "、".join({True: "是", False: "否"}.get(v, str(v)) for v in band.values)
        previous = next((b for b in reversed(self.bands[:band_index]) if not b.missing), None)
        if previous is not None and previous.min is None:
            return "其他" if band.is_rest else f"≥{fmt(band.min)}"
        upper = previous.min if previous is not None else None
        if band.min is None:
            return f"<{fmt(upper)}" if upper is not None else "—"
        if upper is None:
            return f"≥{fmt(band.min)}"
        return f"{fmt(band.min)}–{fmt(upper)}"

    def band_for(self, facts: dict[str, Any], fractions: dict | None = None) -> int | None:
        """The band the value falls in, compared exactly as the points are; None if unknown."""
        if not self.bands or self.value is None:
            return None
        value = {"var": f"value.{self.id}"}
        if facts.get(f"value.{self.id}") is None and self.missing_band is not None:
            return self.bands.index(self.missing_band)
        for index, band in enumerate(self.bands):
            if band.missing:
                continue
            if band.is_rest:
                return index
            reached = evaluate(band.test(value), facts, fractions=fractions)
            if reached is None:
                return None
            if reached:
                return index
        return None

    def label_for(self, facts: dict[str, Any]) -> str:
        """The label, with how many fiscal years a multi-year value covers when known."""
        years = facts.get(self.years_fact) if self.years_fact else None
        if years is None or not self.years_note:
            return self.label
        return f"{self.label}（{self.years_note.format(years=years)}）"


@dataclass(frozen=True)
class Component:
    id: str
    label: str
    points: Any
    max_points: float


@dataclass(frozen=True)
class Condition:
    id: str
    label: str
    test: Any
    if_missing: bool | None = None  # value to use when the facts are missing (None: unknown)


@dataclass(frozen=True)
class Parameter:
    """A named threshold with its own legal reference (OpenFisca-style); rules write
    ``{"param": "<name>"}`` where the value goes."""

    name: str
    value: Any
    reference: str
    label: str = ""


def resolve_parameters(data: Any, parameters: dict[str, Parameter], path: str = "$") -> Any:
    """``data`` with every ``{"param": name}`` replaced by the parameter's value."""
    if isinstance(data, list):
        return [resolve_parameters(d, parameters, f"{path}[{i}]") for i, d in enumerate(data)]
    if not isinstance(data, dict):
        return data
    if set(data) == {"param"}:
        name = data["param"]
        if name not in parameters:
            raise RuleError("unknown_parameter", path, name=name)
        return parameters[name].value
    return {k: resolve_parameters(v, parameters, f"{path}.{k}") for k, v in data.items()}


@dataclass(frozen=True)
class RuleSet:
    """One dated version of a recognition or eligibility rule set: its legal reference,
    validity, named parameters and stages (a ``RuleSetVersion``)."""

    id: str
    title: str
    reference: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    facts: tuple[str, ...]
    indicators: tuple[Indicator, ...] = ()
    components: tuple[Component, ...] = ()
    conditions: tuple[Condition, ...] = ()
    direct: tuple[Condition, ...] = ()
    pass_test: Condition | None = None
    source_file: str = ""
    version: str = ""
    parameters: tuple[Parameter, ...] = ()
    #: A points table (scorecard): score = base_points + every scored indicator's points.
    base_points: float | None = None
    #: Grade bands from the highest; the ``grade`` stage.
    grades: tuple[Grade, ...] = ()
    #: How many reason codes the ``reasons`` stage lists (0: no such stage).
    reason_count: int = 0

    # -- loading ------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> RuleSet:
        path = Path(path)
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        ruleset = cls.from_dict(data, source_file=str(path))
        return ruleset

    @classmethod
    def from_dict(cls, data: dict, source_file: str = "") -> RuleSet:
        try:
            parameters = {
                name: Parameter(
                    name=name,
                    value=p["value"],
                    reference=p["reference"],
                    label=p.get("label", ""),
                )
                for name, p in (data.get("parameters") or {}).items()
            }
        except (KeyError, TypeError) as exc:
            raise RuleError(
                "malformed_ruleset", source_file, ruleset=data.get("id", "?"), detail=str(exc)
            ) from exc
        data = {
            **data,
            **{
                key: resolve_parameters(data[key], parameters, f"{data.get('id', '?')}.{key}")
                for key in ("indicators", "components", "conditions", "direct", "pass")
                if key in data
            },
        }
        try:
            ruleset = cls(
                id=data["id"],
                title=data["title"],
                reference=data["reference"],
                valid_from=_date(data["valid_from"]),  # type: ignore[arg-type]
                valid_to=_date(data.get("valid_to")),
                facts=tuple(data["facts"]),
                indicators=tuple(
                    Indicator(
                        id=i["id"],
                        label=i["label"],
                        value=i.get("value"),
                        bands=tuple(
                            Band(
                                points=b["points"],
                                min=b.get("min"),
                                values=tuple(b["values"]) if "values" in b else None,
                                missing=bool(b.get("missing", False)),
                            )
                            for b in i.get("bands", ())
                        ),
                        reason=i.get("reason", ""),
                        points=i.get("points"),
                        years_fact=i.get("years_fact"),
                        years_note=i.get("years_note", ""),
                        format=i.get("format", "number"),
                    )
                    for i in data.get("indicators", ())
                ),
                components=tuple(Component(**c) for c in data.get("components", ())),
                conditions=tuple(Condition(**c) for c in data.get("conditions", ())),
                direct=tuple(Condition(**c) for c in data.get("direct", ())),
                pass_test=Condition(id="pass", **data["pass"]) if data.get("pass") else None,
                source_file=source_file,
                version=str(data.get("version", "")),
                parameters=tuple(parameters.values()),
                base_points=data.get("base_points"),
                grades=tuple(
                    Grade(code=g["code"], label=g.get("label", ""), min=g.get("min"))
                    for g in data.get("grades", ())
                ),
                reason_count=int(data.get("reason_count", 0)),
            )
        except (KeyError, TypeError) as exc:
            raise RuleError(
                "malformed_ruleset", source_file, ruleset=data.get("id", "?"), detail=str(exc)
            ) from exc
        ruleset.check()
        return ruleset

    def check(self) -> None:
        """Every expression compiles against the facts and the earlier stages' columns."""
        known = set(self.facts)
        for ind in self.indicators:
            if ind.value is not None:
                validate(ind.value, known, f"{self.id}.indicators.{ind.id}.value")
                known.add(f"value.{ind.id}")
        for ind in self.indicators:
            if ind.scored:
                validate(ind.points_expression(), known, f"{self.id}.indicators.{ind.id}.points")
        known |= {f"points.{i.id}" for i in self.indicators if i.scored}
        self._check_points_table()
        for comp in self.components:
            validate(comp.points, known, f"{self.id}.components.{comp.id}")
        known |= {f"component.{c.id}" for c in self.components} | {"score"}
        for ind in self.indicators:
            if ind.years_fact is not None and ind.years_fact not in self.facts:
                raise RuleError(
                    "unknown_facts",
                    f"{self.id}.indicators.{ind.id}.years_fact",
                    facts=[ind.years_fact],
                )
        for cond in (*self.conditions, *self.direct, *([self.pass_test] if self.pass_test else [])):
            validate(cond.test, known, f"{self.id}.conditions.{cond.id}")

    def _check_points_table(self) -> None:
        """Bands in a usable order, a points table without components, grades from the top."""
        for ind in self.indicators:
            path = f"{self.id}.indicators.{ind.id}.bands"
            if sum(b.missing for b in ind.bands) > 1:
                raise RuleError(
                    "malformed_ruleset", path, ruleset=self.id, detail="two missing bands"
                )
            rests = [i for i, b in enumerate(ind.bands) if b.is_rest]
            if (
                rests
                and rests[0] != len(ind.bands) - 1
                and not all(b.missing for b in ind.bands[rests[0] + 1 :])
            ):
                raise RuleError(
                    "malformed_ruleset", path, ruleset=self.id, detail="bands after the rest"
                )
            if ind.missing_band is not None and ind.value is None:
                raise RuleError(
                    "malformed_ruleset",
                    path,
                    ruleset=self.id,
                    detail="a missing band needs a value",
                )
        if self.base_points is not None and self.components:
            raise RuleError(
                "malformed_ruleset",
                f"{self.id}.components",
                ruleset=self.id,
                detail="a points table (base_points) has no components",
            )
        mins = [g.min for g in self.grades]
        if self.grades and (
            any(m is None for m in mins[:-1])
            or any(
                a is not None and b is not None and a <= b
                for a, b in zip(mins, mins[1:], strict=False)
            )
        ):
            raise RuleError(
                "malformed_ruleset",
                f"{self.id}.grades",
                ruleset=self.id,
                detail="grades go from the highest lower bound down, the rest last",
            )
        if (self.grades or self.reason_count) and not self.has_score:
            raise RuleError(
                "malformed_ruleset", self.id, ruleset=self.id, detail="grades need a score"
            )

    @property
    def has_score(self) -> bool:
        return bool(self.components) or self.base_points is not None

    @property
    def fraction_columns(self) -> dict[str, tuple[str, str]]:
        """Indicator values that divide, with their exact numerator and denominator columns."""
        return {
            f"value.{i.id}": (f"value.{i.id}.num", f"value.{i.id}.den")
            for i in self.indicators
            if i.value is not None and divides(i.value)
        }

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    # -- batch -------------------------------------------------------------------------------

    def qualified_expr(self) -> pl.Expr | None:
        """One boolean expression that is true exactly where ``evaluate_frame`` gives the
        status qualified (false or missing elsewhere), for rule sets that are conditions
        only (no points, score or score test: the usual eligibility rule); None for the
        others. Indicator values are substituted into the conditions, so a ratio is still
        compared exactly; nothing else is computed (a filter, not an evaluation)."""
        if self.pass_test is not None or self.has_score or any(i.scored for i in self.indicators):
            return None
        values: dict[str, Any] = {}
        for ind in self.indicators:
            if ind.value is not None:
                values[f"value.{ind.id}"] = substitute(ind.value, values)
        parts = []
        for cond in self.conditions:
            expr = to_polars(substitute(cond.test, values)).cast(pl.Boolean)
            parts.append(expr if cond.if_missing is None else expr.fill_null(cond.if_missing))
        return pl.all_horizontal(parts) if parts else pl.lit(True)

    def evaluate_frame(self, frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
        """All stages over a frame with one column per fact; adds the stage columns."""
        lf = frame.lazy()
        present = set(lf.collect_schema().names())
        absent = [pl.lit(None).alias(name) for name in self.facts if name not in present]
        if absent:
            lf = lf.with_columns(absent)
        values = [
            to_polars(i.value).alias(f"value.{i.id}")
            for i in self.indicators
            if i.value is not None
        ]
        fractions = self.fraction_columns
        for i in self.indicators:
            name = f"value.{i.id}"
            pair = fraction_columns(i.value) if name in fractions else None
            if pair is not None:
                numerator, denominator = pair
                values += [
                    numerator.alias(fractions[name][0]),
                    denominator.alias(fractions[name][1]),
                ]
        if values:
            lf = lf.with_columns(values)
        if fractions:
            lf = self._narrow_fractions(lf, fractions)
        scored = [i for i in self.indicators if i.scored]
        # Each band's test once, as a column: the points chain reads them (a points table's
        # chains read the value directly).
        table = self.base_points is not None
        band_tests = [
            to_polars(test, fractions=fractions).alias(name)
            for i in scored
            if not (table and i.points is None)
            for name, test in i.band_tests().items()
        ]
        if band_tests:
            lf = lf.with_columns(band_tests)
        if scored:
            lf = lf.with_columns(
                [i.points_polars(table=table).alias(f"points.{i.id}") for i in scored]
            )
        if self.base_points is not None:
            lf = lf.with_columns(self._points_table_score())
        if self.components:
            lf = lf.with_columns(
                [
                    to_polars(c.points, fractions=fractions).alias(f"component.{c.id}")
                    for c in self.components
                ]
            )
            lf = lf.with_columns(
                pl.sum_horizontal(
                    [f"component.{c.id}" for c in self.components], ignore_nulls=False
                ).alias("score"),
                pl.sum_horizontal(
                    [pl.col(f"component.{c.id}").fill_null(0) for c in self.components]
                ).alias(SCORE_BOUNDS[0]),
                pl.sum_horizontal(
                    [pl.col(f"component.{c.id}").fill_null(c.max_points) for c in self.components]
                ).alias(SCORE_BOUNDS[1]),
            )
        tests = [_condition_expr(c, "condition", fractions) for c in self.conditions]
        tests += [_condition_expr(c, "direct", fractions) for c in self.direct]
        if self.pass_test:
            tests.append(self._pass_expr())
        if tests:
            lf = lf.with_columns(tests)
        lf = lf.with_columns(self._status_expr())
        if self.grades:
            lf = lf.with_columns(self.grade_expr(pl.col("score")))
        if self.reason_count:
            lf = self._reasons_stage(lf)
        return lf

    def _points_table_score(self) -> list[pl.Expr]:
        """A points table's score and its bounds (unknown points at 0 / at their best)."""
        base = pl.lit(float(self.base_points or 0))
        scored = [i for i in self.indicators if i.scored]
        names = [pl.col(f"points.{i.id}") for i in scored]
        return [
            (base + pl.sum_horizontal(names, ignore_nulls=False)).alias("score"),
            (base + pl.sum_horizontal([n.fill_null(0) for n in names])).alias(SCORE_BOUNDS[0]),
            (
                base
                + pl.sum_horizontal(
                    [
                        n.fill_null(i.best_points if i.best_points is not None else 0)
                        for n, i in zip(names, scored, strict=True)
                    ]
                )
            ).alias(SCORE_BOUNDS[1]),
        ]

    def grade_expr(self, score: pl.Expr) -> pl.Expr:
        """The ``grade`` column for a score column (unknown score: unknown grade)."""
        chain: Any = None
        for grade in self.grades:
            test = pl.lit(True) if grade.min is None else score >= grade.min
            chain = (pl.when(test) if chain is None else chain.when(test)).then(pl.lit(grade.code))
        assert chain is not None  # only called with grades
        return (
            pl.when(score.is_null())
            .then(pl.lit(None, dtype=pl.Utf8))
            .otherwise(chain.otherwise(pl.lit(None, dtype=pl.Utf8)))
            .alias("grade")
        )

    def grade_for(self, score: Any) -> str | None:
        """One score's grade (as ``grade_expr``)."""
        if score is None:
            return None
        for grade in self.grades:
            if grade.min is None or score >= grade.min:
                return grade.code
        return None

    def _reason_indicators(self) -> list[Indicator]:
        return [i for i in self.indicators if i.scored and i.best_points is not None]

    def _reasons_stage(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """The ``reasons`` column: up to ``reason_count`` indicator ids, those losing the
        most points against their best band first (ties in the rule set's order); an
        indicator losing none or with unknown points is no reason.

        Each indicator's loss is packed with its position into one integer key column (loss
        first, then the earlier indicator), so the n-th reason is the n-th largest key:
        taken by ``max_horizontal`` rounds, each round's keys a column of its own with the
        key it took blanked (columns, not nested expressions, keep every round linear)."""
        indicators = self._reason_indicators()
        if not indicators:
            return lf.with_columns(pl.lit([], dtype=pl.List(pl.Utf8)).alias("reasons"))
        width = len(indicators)
        keys = [f"reason_key.{i.id}" for i in indicators]
        lf = lf.with_columns(
            pl.when(pl.col(f"points.{i.id}") < i.best_points)
            .then(
                ((pl.lit(i.best_points) - pl.col(f"points.{i.id}")) * 1e6).round(0).cast(pl.Int64)
                * width
                + (width - 1 - position)
            )
            .otherwise(None)
            .alias(key)
            for position, (i, key) in enumerate(zip(indicators, keys, strict=True))
        )
        positions = list(range(width))
        ids = [i.id for i in reversed(indicators)]  # key % width = width - 1 - position
        rounds = min(self.reason_count, width)
        for n in range(rounds):
            lf = lf.with_columns(pl.max_horizontal(keys).alias(f"reason_top.{n}"))
            if n < rounds - 1:
                top = pl.col(f"reason_top.{n}")
                lf = lf.with_columns(
                    pl.when(pl.col(k) == top).then(None).otherwise(pl.col(k)).alias(k) for k in keys
                )
        picked = [
            (pl.col(f"reason_top.{n}") % width).replace_strict(
                positions, ids, default=None, return_dtype=pl.Utf8
            )
            for n in range(rounds)
        ]
        # Joined and split again: several times faster than concat_list of strings.
        joined = pl.concat_str(picked, separator=",", ignore_nulls=True)
        reasons = (
            pl.when(joined == "")
            .then(pl.lit([], dtype=pl.List(pl.Utf8)))
            .otherwise(joined.str.split(","))
        )
        return lf.with_columns(reasons.alias("reasons")).drop(
            [*keys, *(f"reason_top.{n}" for n in range(rounds))]
        )

    def reasons_for(self, row: dict[str, Any]) -> list[str]:
        """One record's reason codes (as ``_reasons_expr``), from its ``points.<id>``."""
        losses = []
        for position, ind in enumerate(self._reason_indicators()):
            points = row.get(f"points.{ind.id}")
            if points is not None and ind.best_points is not None and points < ind.best_points:
                losses.append((-round((ind.best_points - points) * 1e6), position, ind.id))
        return [ind_id for _, _, ind_id in sorted(losses)[: self.reason_count]]

    def _narrow_fractions(self, lf: pl.LazyFrame, fractions: dict) -> pl.LazyFrame:
        """The frame with its fraction columns in Int64 when every product an exact
        comparison can form fits (the usual case: about four times faster than Int128).

        Products are of a fraction part with a rule literal's numerator or denominator, or
        of two fraction parts; both bounds are measured, on this frame and on the rules."""
        frame = lf.collect()
        columns = [name for pair in fractions.values() for name in pair]
        largest = frame.select(
            pl.max_horizontal([pl.col(c).abs().max() for c in columns]).alias("m")
        ).item()
        literals = literal_bound(
            [[i.bands and [b.min for b in i.bands], i.points, i.value] for i in self.indicators]
            + [c.test for c in (*self.conditions, *self.direct)]
            + ([self.pass_test.test] if self.pass_test else [])
            + [c.points for c in self.components]
        )
        if largest is None or int(largest) * max(int(largest), literals) < 2**62:
            return frame.lazy().with_columns(pl.col(columns).cast(pl.Int64))
        return frame.lazy()

    def _pass_expr(self) -> pl.Expr:
        """The score test; with the score unknown, decided on its bounds when they agree."""
        test, fractions = self.pass_test, self.fraction_columns
        assert test is not None  # only called with a score test
        direct = _condition_expr(test, None, fractions)
        if not self.has_score:
            return direct
        at_min, at_max = (
            to_polars(substitute(test.test, {"score": {"var": bound}}), fractions=fractions).cast(
                pl.Boolean
            )
            for bound in SCORE_BOUNDS
        )
        bounded = pl.when(at_min.eq_missing(at_max)).then(at_min).otherwise(None)
        return pl.when(pl.col("score").is_null()).then(bounded).otherwise(direct).alias("pass")

    def _status_expr(self) -> pl.Expr:
        all_conditions = (
            pl.all_horizontal([f"condition.{c.id}" for c in self.conditions])
            if self.conditions
            else pl.lit(True)
        )
        any_direct = (
            pl.any_horizontal([f"direct.{c.id}" for c in self.direct])
            if self.direct
            else pl.lit(False)
        )
        # Without a score test the conditions alone decide.
        passed = pl.col("pass") if self.pass_test else pl.lit(True)
        return (
            pl.when(all_conditions & any_direct)
            .then(pl.lit(QUALIFIED_DIRECT))
            .when(all_conditions & passed)
            .then(pl.lit(QUALIFIED))
            .when(all_conditions.not_() | (any_direct.not_() & passed.not_()))
            .then(pl.lit(NOT_QUALIFIED))
            .otherwise(pl.lit(UNDETERMINED))
            .alias("status")
        )

    # -- one record -----------------------------------------------------------------------

    def explain(self, facts: dict[str, Any]) -> Explanation:
        """Every stage for one record, with bands, points, conditions and missing facts."""
        row = dict(facts)
        indicators = []
        exact = dict.fromkeys(self.fraction_columns)
        for ind in self.indicators:
            if ind.value is not None:
                row[f"value.{ind.id}"] = evaluate(ind.value, row)
                if f"value.{ind.id}" in exact:
                    exact[f"value.{ind.id}"] = fraction_value(ind.value, row)
        for ind in self.indicators:
            points = (
                ind.points_for(row, exact, table=self.base_points is not None)
                if ind.scored
                else None
            )
            if ind.scored:
                row[f"points.{ind.id}"] = points
            value = row.get(f"value.{ind.id}")
            band = ind.band_for(row, exact)
            indicators.append(
                IndicatorResult(
                    id=ind.id,
                    label=ind.label_for(row),
                    value=value,
                    display=_formatter(ind.format)(value) if ind.value is not None else None,
                    band=ind.band_label(band) if band is not None else None,
                    points=points,
                    facts=self._used(ind.value if ind.value is not None else ind.points, facts),
                )
            )
        components = []
        for comp in self.components:
            points = evaluate(comp.points, row, fractions=exact)
            row[f"component.{comp.id}"] = points
            components.append(ComponentResult(comp.id, comp.label, points, comp.max_points))
        if self.base_points is not None:
            scored = [(i, row[f"points.{i.id}"]) for i in self.indicators if i.scored]
            present = [p for _, p in scored if p is not None]
            base = float(self.base_points)
            row["score"] = base + sum(present) if len(present) == len(scored) else None
            row[SCORE_BOUNDS[0]] = base + sum(present)
            row[SCORE_BOUNDS[1]] = base + sum(
                (i.best_points or 0) if p is None else p for i, p in scored
            )
        if self.components:
            present = [c.points for c in components if c.points is not None]
            row["score"] = sum(present) if len(present) == len(components) else None
            row[SCORE_BOUNDS[0]] = sum(present)
            row[SCORE_BOUNDS[1]] = sum(
                c.max_points if c.points is None else c.points for c in components
            )
        conditions = [self._condition_result(c, row, facts, exact) for c in self.conditions]
        direct = [self._condition_result(c, row, facts, exact) for c in self.direct]
        passed = self._pass_result(row, facts, exact) if self.pass_test else None
        status = _status(
            [c.met for c in conditions], [c.met for c in direct], passed.met if passed else True
        )
        undecided = [
            i.facts
            for i, ind in zip(indicators, self.indicators, strict=True)
            if (i.points if ind.scored else i.value) is None
        ]
        undecided += [c.facts for c in (*conditions, *direct) if c.met is None]
        missing = sorted(
            {name for used in undecided for name, value in used.items() if value is None}
        )
        return Explanation(
            ruleset=self,
            status=status,
            grade=self.grade_for(row.get("score")) if self.grades else None,
            reasons=self.reasons_for(row) if self.reason_count else [],
            score=row.get("score"),
            indicators=indicators,
            components=components,
            conditions=conditions,
            direct=direct,
            passed=passed,
            missing_facts=missing,
        )

    def _pass_result(self, row: dict, facts: dict, exact: dict) -> ConditionResult:
        assert self.pass_test is not None  # only called with a score test
        result = self._condition_result(self.pass_test, row, facts, exact)
        if result.met is None and self.has_score and row.get("score") is None:
            at_min, at_max = (
                evaluate(
                    substitute(self.pass_test.test, {"score": {"var": bound}}),
                    row,
                    fractions=exact,
                )
                for bound in SCORE_BOUNDS
            )
            if at_min is not None and at_max is not None and bool(at_min) == bool(at_max):
                result.met = bool(at_min)
        return result

    def _condition_result(
        self, cond: Condition, row: dict, facts: dict, exact: dict
    ) -> ConditionResult:
        met = evaluate(cond.test, row, fractions=exact)
        if met is None and cond.if_missing is not None:
            met = cond.if_missing
        return ConditionResult(
            cond.id, cond.label, None if met is None else bool(met), self._used(cond.test, facts)
        )

    def _used(self, expr: Any, facts: dict) -> dict[str, Any]:
        """The source facts an expression reads, with their values; a stage column
        (``value.x``, ``points.x``…) stands for the facts behind it."""
        if expr is None:
            return {}
        names: set[str] = set()
        pending = set(variables(expr))
        by_id = {i.id: i for i in self.indicators}
        while pending:
            name = pending.pop()
            stage, _, key = name.partition(".")
            if name in self.facts:
                names.add(name)
            elif stage in ("value", "points") and key in by_id:
                indicator = by_id[key]
                pending |= variables(indicator.value) if indicator.value is not None else set()
                if stage == "points" and indicator.points is not None:
                    pending |= variables(indicator.points)
            elif stage == "component":
                comp = next((c for c in self.components if c.id == key), None)
                pending |= variables(comp.points) if comp else set()
            elif name == "score":
                for comp in self.components:
                    pending |= variables(comp.points)
        return {name: facts.get(name) for name in self.facts if name in names}


def _date(value: Any) -> datetime.date | None:
    """A validity date from YAML (a date) or a stored JSON document (an ISO string)."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


def _condition_expr(cond: Condition, prefix: str | None, fractions: dict) -> pl.Expr:
    expr = to_polars(cond.test, fractions=fractions).cast(pl.Boolean)
    if cond.if_missing is not None:
        expr = expr.fill_null(cond.if_missing)
    return expr.alias(f"{prefix}.{cond.id}" if prefix else cond.id)


def _status(conditions: list[bool | None], direct: list[bool | None], passed: bool | None) -> str:
    all_met = _kleene_all(conditions)
    any_direct = _kleene_any(direct)
    if all_met is True and any_direct is True:
        return QUALIFIED_DIRECT
    if all_met is True and passed is True:
        return QUALIFIED
    if all_met is False or (any_direct is False and passed is False):
        return NOT_QUALIFIED
    return UNDETERMINED


def _kleene_all(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _kleene_any(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _formatter(kind: str):
    if kind == "percent":
        return lambda v: "—" if v is None else f"{v * 100:.2f}".rstrip("0").rstrip(".") + "%"
    return lambda v: "—" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


@dataclass
class IndicatorResult:
    id: str
    label: str
    value: Any
    display: str | None
    band: str | None
    points: Any
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class ComponentResult:
    id: str
    label: str
    points: Any
    max_points: float


@dataclass
class ConditionResult:
    id: str
    label: str
    met: bool | None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Explanation:
    """One record's evaluation, stage by stage, for pages and the API."""

    ruleset: RuleSet
    status: str
    score: Any
    indicators: list[IndicatorResult]
    components: list[ComponentResult]
    conditions: list[ConditionResult]
    direct: list[ConditionResult]
    passed: ConditionResult | None
    missing_facts: list[str]
    #: The grade band (rule sets with grades) and reason codes (with ``reason_count``).
    grade: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(RuleStatus(self.status).label)

    def as_dict(self) -> dict:
        """JSON-safe form for the API."""
        from dataclasses import asdict

        return {
            "ruleset": {
                "id": self.ruleset.id,
                "title": self.ruleset.title,
                "reference": self.ruleset.reference,
                "valid_from": self.ruleset.valid_from.isoformat(),
                "valid_to": self.ruleset.valid_to.isoformat() if self.ruleset.valid_to else None,
            },
            "status": self.status,
            "status_label": self.status_label,
            "score": self.score,
            "indicators": [asdict(i) for i in self.indicators],
            "components": [asdict(c) for c in self.components],
            "conditions": [asdict(c) for c in self.conditions],
            "direct": [asdict(c) for c in self.direct],
            "passed": asdict(self.passed) if self.passed else None,
            "missing_facts": self.missing_facts,
            "grade": self.grade,
            "reasons": self.reasons,
        }


#: A rule set is one dated version of its rules.
RuleSetVersion = RuleSet
