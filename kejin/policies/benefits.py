"""A policy version's benefit: its formula (an expression of ``kejin.rules``), with caps.

The formula reads the enterprise's facts (``{"var": "rd_expense"}``), the application's
fields (``{"var": "input.premium"}``) and the version's parameters (``{"param": "rate"}``);
it is evaluated by the engine — ``kejin.rules.expressions.evaluate`` for one application,
``to_polars`` over the facts frame for an impact simulation — never by a second evaluator.
The result is yuan, rounded half-up to the cent, never negative; then the caps apply in
order: per loan (``cap_per_loan``), per enterprise and year (``cap_per_enterprise_year``
less what the enterprise was already granted under the policy that year), per institution
and year (likewise). ``Benefit`` says which cap bound and shows each step, so an applicant
and an officer read the same arithmetic.

Numbers are Decimal throughout a single computation (a parameter of ``0.7`` times a premium
of ``12345.67`` is exact); a batch estimate is float and rounded at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.core.money import format_yuan
from kejin.rules.expressions import RuleError, evaluate, to_polars, validate, variables
from kejin.rules.ruleset import Parameter, resolve_parameters

INPUT_PREFIX = "input."
CENT = Decimal("0.01")

#: The caps in the order they apply: (field on the version, name in ``already``, label).
CAPS = (
    ("cap_per_loan", "loan", gettext_lazy("单笔贷款上限")),
    ("cap_per_enterprise_year", "enterprise_year", gettext_lazy("每家企业每年上限")),
    ("cap_per_institution_year", "institution_year", gettext_lazy("每家机构每年上限")),
)


def version_parameters(version) -> dict[str, Parameter]:
    """The version's parameters as the engine's (``{"value", "reference", "label"}`` each)."""
    parameters: dict[str, Parameter] = {}
    for name, spec in (version.parameters or {}).items():
        spec = spec if isinstance(spec, Mapping) else {"value": spec}
        parameters[name] = Parameter(
            name, spec.get("value"), str(spec.get("reference", "")), str(spec.get("label", ""))
        )
    return parameters


def formula_resolved(version) -> Any:
    """The formula with its parameters' values in place (None: the version pays nothing
    computed)."""
    if version.benefit_formula in (None, {}, ""):
        return None
    return resolve_parameters(version.benefit_formula, version_parameters(version))


def formula_inputs(formula: Any) -> set[str]:
    """The application fields a formula reads (without the ``input.`` prefix)."""
    if formula is None:
        return set()
    return {n[len(INPUT_PREFIX) :] for n in variables(formula) if n.startswith(INPUT_PREFIX)}


def formula_facts(formula: Any) -> set[str]:
    """The catalogue facts a formula reads."""
    if formula is None:
        return set()
    return {n for n in variables(formula) if not n.startswith(INPUT_PREFIX)}


def formula_check(version, known_facts: Iterable[str]) -> None:
    """``RuleError`` unless the formula is well formed, its parameters exist and it reads
    only catalogue facts and the version's own fields."""
    if version.benefit_formula in (None, {}, ""):
        return
    formula = resolve_parameters(version.benefit_formula, version_parameters(version))
    fields = {f"{INPUT_PREFIX}{spec['name']}" for spec in version.inputs or ()}
    validate(formula, set(known_facts) | fields)


def _decimal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    return value


def _decimals(expr: Any) -> Any:
    """Numeric literals of an expression as Decimal (so Decimal × rate stays exact)."""
    if isinstance(expr, list):
        return [_decimals(e) for e in expr]
    if isinstance(expr, dict):
        if set(expr) == {"var"}:
            return expr
        return {k: _decimals(v) for k, v in expr.items()}
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return Decimal(str(expr))
    return expr


def to_cents(value: Any) -> Decimal | None:
    """Yuan to the cent, half-up; None stays None."""
    value = _decimal(value)
    if value is None or not isinstance(value, Decimal):
        return None
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BenefitStep:
    """One line of the arithmetic shown to the user."""

    text: str
    amount: Decimal | None


@dataclass
class Benefit:
    """A computed benefit: ``amount`` after caps (None: a field or fact it needs is
    missing), ``formula_amount`` before them, ``capped_by`` the caps that bound it."""

    amount: Decimal | None
    formula_amount: Decimal | None
    capped_by: list[str] = field(default_factory=list)
    steps: list[BenefitStep] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able record of the computation (kept on an application or claim)."""
        return {
            "amount": None if self.amount is None else str(self.amount),
            "formula_amount": None if self.formula_amount is None else str(self.formula_amount),
            "capped_by": self.capped_by,
            "steps": [
                {"text": s.text, "amount": None if s.amount is None else str(s.amount)}
                for s in self.steps
            ],
            "missing": self.missing,
        }


def benefit_compute(
    version,
    *,
    facts: Mapping[str, Any],
    inputs: Mapping[str, Any],
    already: Mapping[str, Decimal] | None = None,
) -> Benefit:
    """The benefit of ``version`` for an enterprise with ``facts`` and an application with
    ``inputs`` (field name -> value), after the caps; ``already`` is what was granted before
    under the same policy, by cap (``"enterprise_year"``, ``"institution_year"``)."""
    formula = formula_resolved(version)
    if formula is None:
        return Benefit(
            None, None, steps=[BenefitStep(_("本政策无测算公式，由审核部门核定金额"), None)]
        )
    record: dict[str, Any] = {name: _decimal(value) for name, value in facts.items()}
    record.update({f"{INPUT_PREFIX}{k}": _decimal(v) for k, v in inputs.items()})
    missing = sorted(n for n in variables(formula) if record.get(n) is None)
    try:
        raw = evaluate(_decimals(formula), record)
    except (RuleError, TypeError, ArithmeticError):
        raw = None
    amount = to_cents(raw)
    if amount is None:
        return Benefit(
            None, None, missing=missing, steps=[BenefitStep(_("测算所需数据不全"), None)]
        )
    amount = max(amount, Decimal(0))
    steps = [BenefitStep(_("按公式测算"), amount)]
    formula_amount = amount
    capped_by: list[str] = []
    already = already or {}
    for cap_field, key, label in CAPS:
        cap = getattr(version, cap_field, None)
        if cap is None:
            continue
        room = max(Decimal(cap) - Decimal(already.get(key, 0) or 0), Decimal(0))
        if amount > room:
            amount = room.quantize(CENT)
            capped_by.append(cap_field)
            steps.append(
                BenefitStep(
                    _("%(label)s %(cap)s，已享受 %(used)s，按上限核减")
                    % {
                        "label": label,
                        "cap": format_yuan(cap),
                        "used": format_yuan(already.get(key, 0) or 0),
                    },
                    amount,
                )
            )
    return Benefit(amount, formula_amount, capped_by, steps)


def benefit_estimate_expr(version) -> pl.Expr | None:
    """The benefit per enterprise over a facts frame (float yuan, before the per-enterprise
    cap's history: each enterprise assumed to have had nothing yet), with every input at its
    ``typical`` value — for impact simulation. None when the version has no formula."""
    formula = formula_resolved(version)
    if formula is None:
        return None
    typical = {
        f"{INPUT_PREFIX}{spec['name']}": spec.get("typical")
        for spec in version.inputs or ()
        if spec.get("name")
    }
    expr = to_polars(_substitute_inputs(formula, typical)).cast(pl.Float64)
    expr = pl.max_horizontal(expr, pl.lit(0.0))
    for cap_field in ("cap_per_loan", "cap_per_enterprise_year"):
        cap = getattr(version, cap_field, None)
        if cap is not None:
            expr = pl.min_horizontal(expr, pl.lit(float(cap)))
    return expr


def _substitute_inputs(expr: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(expr, list):
        return [_substitute_inputs(e, values) for e in expr]
    if isinstance(expr, dict):
        if set(expr) == {"var"}:
            name = expr["var"][0] if isinstance(expr["var"], list) else expr["var"]
            if isinstance(name, str) and name.startswith(INPUT_PREFIX):
                value = values.get(name)
                return float(value) if value is not None else None
            return expr
        return {k: _substitute_inputs(v, values) for k, v in expr.items()}
    return expr
