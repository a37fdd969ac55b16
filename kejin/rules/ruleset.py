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
    """Points for values at or above ``min`` (the last band, without ``min``, catches the rest)."""

    points: float
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
            if band.min is None:
                chain.append(band.points)
                break
            test = {">=": [value, band.min]}
            chain += [
                {"var": f"band.{self.id}.{index}"} if reached_columns else test,
                band.points,
            ]
        else:
            chain.append(0)
        return {"if": chain} if len(chain) > 1 else chain[0]

    def band_tests(self) -> dict[str, Any]:
        """Each bounded band's test (value ≥ its lower bound), by its column name."""
        if self.points is not None:
            return {}
        value = {"var": f"value.{self.id}"}
        return {
            f"band.{self.id}.{index}": {">=": [value, band.min]}
            for index, band in enumerate(self.bands)
            if band.min is not None
        }

    def band_label(self, band_index: int) -> str:
        """A reader's label for band ``band_index``, e.g. "≥30%" or "25%–30%" or "<10%"."""
        band = self.bands[band_index]
        fmt = _formatter(self.format)
        upper = self.bands[band_index - 1].min if band_index > 0 else None
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
        for index, band in enumerate(self.bands):
            if band.min is None:
                return index
            reached = evaluate({">=": [value, band.min]}, facts, fractions=fractions)
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
                valid_from=data["valid_from"],
                valid_to=data.get("valid_to"),
                facts=tuple(data["facts"]),
                indicators=tuple(
                    Indicator(
                        id=i["id"],
                        label=i["label"],
                        value=i.get("value"),
                        bands=tuple(
                            Band(points=b["points"], min=b.get("min")) for b in i.get("bands", ())
                        ),
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
        # Each band's test once, as a column: the points chain reads them.
        band_tests = [
            to_polars(test, fractions=fractions).alias(name)
            for i in scored
            for name, test in i.band_tests().items()
        ]
        if band_tests:
            lf = lf.with_columns(band_tests)
        if scored:
            lf = lf.with_columns(
                [
                    to_polars(i.points_expression(reached_columns=True)).alias(f"points.{i.id}")
                    for i in scored
                ]
            )
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
        return lf.with_columns(self._status_expr())

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
        if not self.components:
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
            points = evaluate(ind.points_expression(), row, fractions=exact) if ind.scored else None
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
        if result.met is None and self.components and row.get("score") is None:
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
        }


#: A rule set is one dated version of its rules.
RuleSetVersion = RuleSet
