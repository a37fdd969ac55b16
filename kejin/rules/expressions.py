"""A JsonLogic subset, compiled to polars expressions or evaluated over one record.

Supported operators: ``var``, ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` (including the
three-argument "between" forms of ``<`` and ``<=``), ``and``, ``or``, ``!``, ``!!``, ``if``
(chains), ``+``, ``-``, ``*``, ``/``, ``max``, ``min``, ``in`` (value in a literal list, or
in a list-valued fact: ``{"in": ["high_tech", {"var": "registry_labels"}]}``).

Semantics differ from JsonLogic in one deliberate way: a missing fact is *unknown*, not
falsy. A comparison or arithmetic with a missing value is missing, ``and``/``or`` follow
three-valued (Kleene) logic and a division by zero is missing (rules that need another
reading of a zero denominator say so explicitly with ``if``). On complete data the
results agree with a reference JsonLogic implementation (tested differentially).

Comparisons are exact: a comparison whose operands divide (``{">=": [{"/": [a, b]}, 0.3]}``)
is compared as fractions by cross-multiplication in integers (``10·a ≥ 3·b``), never by
rounding a float ratio, so 30 of 100 staff is exactly 30 % and 29.999999 % is below it.
Fact values enter that comparison exact to the cent (``EXACT_SCALE``: money has two decimal
places, counts none); literals enter as the decimal they are written as. An ``if`` with an
unknown condition is still known when every branch it could take gives the same value.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

#: Fact values enter exact comparisons as integer multiples of 1/EXACT_SCALE (cents).
EXACT_SCALE = 100
COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
ARITHMETIC = ("+", "-", "*", "/")
OPERATORS = frozenset(
    {"var", "and", "or", "!", "!!", "if", "max", "min", "in", *COMPARISONS, *ARITHMETIC}
)


#: Every RuleError code with its (developer-facing, English) template; pages and the API
#: build their own messages from the code and parameters (``kejin.rules.messages``).
RULE_ERROR_TEMPLATES = {
    "one_operator": "an operation is an object with exactly one operator",
    "unknown_operator": "unknown operator {op!r}",
    "var_name": "var needs a fact name",
    "arity": "{op} takes {count} argument{plural}",
    "if_arity": "if takes condition, then and else",
    "in_arity": "in takes a value and a literal list",
    "list_place": "a list is only allowed as the second argument of in",
    "unknown_facts": "unknown fact(s): {facts}",
    "malformed_ruleset": "malformed rule set {ruleset}: {detail}",
    "unknown_parameter": "unknown parameter {name!r}",
    "worked_cases_fail": "{count} worked case(s) fail: {cases}",
    "versions_overlap": "versions {first} and {second} of {ruleset} are both valid on {day}",
}


class RuleError(ValueError):
    """A rule that cannot be compiled: unknown operator or fact, or a malformed argument list.

    ``code`` (a key of ``RULE_ERROR_TEMPLATES``), ``path`` (where in the rule, ``$`` the
    root) and ``params`` carry everything a message needs; ``str()`` is the English form.
    """

    def __init__(self, code: str, path: str = "", **params: Any) -> None:
        if code not in RULE_ERROR_TEMPLATES:
            raise ValueError(f"unknown rule error code {code!r}")
        self.code = code
        self.path = path
        self.params = params
        super().__init__(f"{path}: {self.detail}" if path else self.detail)

    @property
    def detail(self) -> str:
        """The English message without the path."""
        params = dict(self.params)
        if self.code == "arity":
            params["plural"] = "" if params.get("count") == 1 else "s"
        if self.code == "unknown_facts":
            params["facts"] = ", ".join(params.get("facts", ()))
        if self.code == "worked_cases_fail":
            params["count"] = len(params.get("failures", ()))
            params["cases"] = "; ".join(f["case"] for f in params.get("failures", ()))
        return RULE_ERROR_TEMPLATES[self.code].format(**params)


def _split(expr: Any, path: str) -> tuple[str, list]:
    if not isinstance(expr, dict) or len(expr) != 1:
        raise RuleError("one_operator", path)
    ((op, args),) = expr.items()
    if op not in OPERATORS:
        raise RuleError("unknown_operator", path, op=op)
    if op == "var":
        return op, [args] if not isinstance(args, list) else args
    return op, args if isinstance(args, list) else [args]


def _is_operation(expr: Any) -> bool:
    return isinstance(expr, dict)


def variables(expr: Any, path: str = "$") -> set[str]:
    """Every fact name the expression reads."""
    if not _is_operation(expr):
        if isinstance(expr, list):
            return (
                set().union(*(variables(e, f"{path}[{i}]") for i, e in enumerate(expr)))
                if expr
                else set()
            )
        return set()
    op, args = _split(expr, path)
    if op == "var":
        if not args or not isinstance(args[0], str):
            raise RuleError("var_name", path)
        return {args[0]}
    found: set[str] = set()
    for i, arg in enumerate(args):
        found |= variables(arg, f"{path}.{op}[{i}]")
    return found


def validate(expr: Any, known: Iterable[str], path: str = "$") -> None:
    """Raise RuleError if the expression uses an unknown operator or fact, or bad arity."""
    known = set(known)
    unknown = variables(expr, path) - known
    if unknown:
        raise RuleError("unknown_facts", path, facts=sorted(unknown))
    _check_arity(expr, path)


def _list_fact(expr: Any) -> str | None:
    """The fact's name when ``expr`` is a plain ``{"var": name}`` (``in``'s list-valued fact)."""
    if isinstance(expr, dict) and len(expr) == 1 and "var" in expr:
        name = expr["var"]
        name = name[0] if isinstance(name, list) and len(name) == 1 else name
        return name if isinstance(name, str) else None
    return None


def _check_arity(expr: Any, path: str) -> None:
    if not _is_operation(expr):
        return
    op, args = _split(expr, path)
    if op in COMPARISONS and len(args) not in ((2, 3) if op in ("<", "<=") else (2,)):
        raise RuleError("arity", path, op=op, count=2)
    if op in ("!", "!!") and len(args) != 1:
        raise RuleError("arity", path, op=op, count=1)
    if op == "if" and len(args) < 3:
        raise RuleError("if_arity", path)
    if op == "in" and (len(args) != 2 or not (isinstance(args[1], list) or _list_fact(args[1]))):
        raise RuleError("in_arity", path)
    if op != "var":
        for i, arg in enumerate(args):
            _check_arity(arg, f"{path}.{op}[{i}]")


# --- batch: polars -----------------------------------------------------------------------

#: Names of columns that hold an exact fraction: name -> (numerator column, denominator
#: column), both Int128 (see ``fraction_columns``).
FractionColumns = Mapping[str, tuple[str, str]]


def _lit(value: Any) -> pl.Expr:
    return pl.lit(value)


def to_polars(expr: Any, path: str = "$", *, fractions: FractionColumns | None = None) -> pl.Expr:
    """Compile an expression to a polars expression over columns named like the facts.

    ``fractions`` names columns (e.g. a ratio indicator's ``value.x``) that also exist as an
    exact numerator/denominator pair; comparisons with them use the pair."""
    fractions = fractions or {}
    if not _is_operation(expr):
        if isinstance(expr, list):
            raise RuleError("list_place", path)
        return _lit(expr)
    op, args = _split(expr, path)
    if op == "var":
        return pl.col(args[0])
    if op in COMPARISONS and divides(args, fractions):
        return _exact_comparison_polars(op, args, path, fractions)
    # ``in`` compiles its first operand only: the second is a literal list.
    operands = args[:1] if op == "in" else args
    sub = [to_polars(a, f"{path}.{op}[{i}]", fractions=fractions) for i, a in enumerate(operands)]
    if op in COMPARISONS:
        if len(args) == 3:  # a < b < c
            return COMPARISONS[op](sub[0], sub[1]) & COMPARISONS[op](sub[1], sub[2])
        return COMPARISONS[op](sub[0], sub[1])
    if op == "and":
        return pl.all_horizontal(sub) if len(sub) > 1 else sub[0].cast(pl.Boolean)
    if op == "or":
        return pl.any_horizontal(sub) if len(sub) > 1 else sub[0].cast(pl.Boolean)
    if op == "!":
        return ~sub[0].cast(pl.Boolean)
    if op == "!!":
        return sub[0].cast(pl.Boolean)
    if op == "if":
        return _if_chain(sub, args)
    if op == "+":
        return pl.sum_horizontal(sub, ignore_nulls=False) if len(sub) > 1 else sub[0]
    if op == "*":
        result = sub[0]
        for s in sub[1:]:
            result = result * s
        return result
    if op == "-":
        return -sub[0] if len(sub) == 1 else sub[0] - sub[1]
    if op == "/":
        numerator, denominator = sub[0].cast(pl.Float64), sub[1].cast(pl.Float64)
        # A value for display and arithmetic; comparisons never see this float (see
        # _exact_comparison_polars).
        return pl.when(denominator != 0).then(numerator / denominator).otherwise(None)
    if op in ("max", "min"):
        value = pl.max_horizontal(sub) if op == "max" else pl.min_horizontal(sub)
        return pl.when(pl.any_horizontal([s.is_null() for s in sub])).then(None).otherwise(value)
    if op == "in":
        listed = _list_fact(args[1])
        if listed is not None:  # membership in a list-valued fact; unknown list -> unknown
            return pl.col(listed).list.contains(sub[0])
        return sub[0].is_in(args[1])
    raise RuleError("unknown_operator", path, op=op)  # pragma: no cover - guarded by _split


def _if_chain(sub: list[pl.Expr], args: list) -> pl.Expr:
    """if/else-if chain: the first true condition wins. With unknown conditions, every
    branch that could be taken (earlier conditions false or unknown, its own true or unknown)
    must give the same known value, else the result is unknown (as in the scalar
    evaluation). Built without repeating sub-chains: its size grows with the square of the
    number of branches, not exponentially."""
    conditions, values = sub[0:-1:2], sub[1::2]
    otherwise = sub[-1] if len(sub) % 2 else pl.lit(None)
    if not conditions:
        return otherwise
    literals = [*args[1::2], args[-1] if len(args) % 2 else None]
    if all(isinstance(v, (int, float, str)) for v in literals) and len(
        {(type(v), v) for v in literals}
    ) == len(literals):
        # Distinct known literals (points bands): two branches that could both be taken
        # never agree, so the first unknown condition reached leaves the result unknown.
        chain: Then | ChainedThen = (
            pl.when(conditions[0].is_null()).then(None).when(conditions[0]).then(values[0])
        )
        for condition, value in zip(conditions[1:], values[1:], strict=True):
            chain = chain.when(condition.is_null()).then(None).when(condition).then(value)
        return chain.otherwise(otherwise)
    plain_chain: Then | ChainedThen = pl.when(conditions[0]).then(values[0])
    for condition, value in zip(conditions[1:], values[1:], strict=True):
        plain_chain = plain_chain.when(condition).then(value)
    plain = plain_chain.otherwise(otherwise)
    unknown = pl.any_horizontal([c.is_null() for c in conditions])
    # Which branches could be taken: not ruled out by an earlier true condition.
    possible, open_ = [], pl.lit(True)
    for condition in conditions:
        possible.append(open_ & condition.fill_null(True))
        open_ = open_ & ~condition.fill_null(False)
    first_chain: Then | ChainedThen = pl.when(possible[0]).then(values[0])
    for can, value in zip(possible[1:], values[1:], strict=True):
        first_chain = first_chain.when(can).then(value)
    first = first_chain.otherwise(otherwise)
    agree = pl.all_horizontal(
        [~can | value.eq_missing(first) for can, value in zip(possible, values, strict=True)]
        + [~open_ | otherwise.eq_missing(first)]
    )
    return pl.when(~unknown).then(plain).when(agree & first.is_not_null()).then(first)


# --- exact comparisons ---------------------------------------------------------------------
#
# A comparison whose operands divide is evaluated over fractions: each operand becomes a
# numerator and a denominator (an integer constant, or an Int128 column), and
# ``n1/d1 OP n2/d2`` is ``n1·d2·s OP n2·d1·s`` with ``s`` the sign of ``d1·d2`` (missing when
# a denominator is zero, like the division). Fact values are taken in cents (EXACT_SCALE),
# exact for amounts below 2**53 / 100 yuan (≈ 9·10¹³), which is the precision a double read
# from the database carries anyway; Int128 holds the products of amounts up to 10¹⁸ yuan with
# thresholds of up to nine decimals. An ``if`` over fractions (``if(revenue > 0,
# rd / revenue, 0)``) is a fraction; with its condition unknown it is unknown.


def literal_bound(expr: Any) -> int:
    """The largest numerator or denominator of the numeric literals in an expression."""
    if isinstance(expr, list):
        return max((literal_bound(e) for e in expr), default=1)
    if isinstance(expr, dict):
        return max((literal_bound(v) for v in expr.values()), default=1)
    literal = _literal_fraction(expr)
    if literal is None:
        return 1
    return max(abs(literal.numerator), literal.denominator, 1)


def divides(expr: Any, fractions: Mapping[str, Any] | None = None) -> bool:
    """Whether an expression (or list of them) divides, or reads a fraction column."""
    if isinstance(expr, list):
        return any(divides(e, fractions) for e in expr)
    if not isinstance(expr, dict) or len(expr) != 1:
        return False
    ((op, args),) = expr.items()
    if op == "var":
        name = args[0] if isinstance(args, list) and args else args
        return fractions is not None and isinstance(name, str) and name in fractions
    return op == "/" or divides(args, fractions)


def _literal_fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Fraction(Decimal(str(value)))


def _between(op: str, args: list) -> Any:
    return {"and": [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}]}


Denominator = int | pl.Expr


def fraction_columns(expr: Any, path: str = "$") -> tuple[pl.Expr, pl.Expr] | None:
    """An arithmetic expression as exact (numerator, denominator) Int128 columns, or None if
    it is not arithmetic. The denominator is positive; both are missing when the value is
    (a zero division included), so comparisons need no sign or zero test."""
    parts = _fraction_polars(expr, path, {})
    if parts is None:
        return None
    numerator, denominator = parts
    if isinstance(denominator, int):
        return numerator, pl.lit(denominator, dtype=pl.Int128)
    if isinstance(denominator, _Positive):
        return numerator, denominator.expr
    valid = denominator != 0
    return (
        pl.when(valid).then(numerator * denominator.sign()),
        pl.when(valid).then(denominator.abs()),
    )


class _Positive:
    """A denominator column known to be positive (or missing)."""

    def __init__(self, expr: pl.Expr) -> None:
        self.expr = expr


def _fraction_polars(
    expr: Any, path: str, fractions: FractionColumns
) -> tuple[pl.Expr, Denominator | _Positive] | None:
    """``expr`` as (numerator, denominator) in Int128, or None if it is not arithmetic."""
    literal = _literal_fraction(expr)
    if literal is not None:
        # An untyped literal takes the integer type of what it meets (Int64 or Int128).
        return pl.lit(literal.numerator), literal.denominator
    if not isinstance(expr, dict) or len(expr) != 1:
        return None
    op, args = _split(expr, path)
    if op == "var":
        if args[0] in fractions:
            numerator_column, denominator_column = fractions[args[0]]
            return pl.col(numerator_column), _Positive(pl.col(denominator_column))
        cents = pl.col(args[0]).cast(pl.Float64) * EXACT_SCALE
        return cents.round(0).cast(pl.Int128), EXACT_SCALE
    if op == "if":
        return _fraction_if_polars(args, path, fractions)
    maybe_parts = [_fraction_polars(a, f"{path}.{op}[{i}]", fractions) for i, a in enumerate(args)]
    parts = [p for p in maybe_parts if p is not None]
    if len(parts) < len(maybe_parts) or op not in ARITHMETIC:
        return None
    if op == "-" and len(parts) == 1:
        return -parts[0][0], parts[0][1]
    if op == "/" and len(parts) == 2:
        (n1, d1), (n2, d2) = parts
        if isinstance(d1, int) and isinstance(d2, int):
            common = math.gcd(d1, d2)
            return _times(n1, d2 // common), _times(n2, d1 // common)
        return _times(n1, d2), _times(n2, d1)
    if op == "*":
        numerator, denominator = parts[0]
        for n, d in parts[1:]:
            numerator, denominator = numerator * n, _times(d, denominator)
        return numerator, denominator
    if op in ("+", "-") and len(parts) == 2:
        (n1, d1), (n2, d2) = parts
        if isinstance(d1, int) and isinstance(d2, int) and d1 == d2:
            return (n1 + n2 if op == "+" else n1 - n2), d1
        left, right = _times(n1, d2), _times(n2, d1)
        return (left + right if op == "+" else left - right), _times(d1, d2)
    return None


def _fraction_if_polars(
    args: list, path: str, fractions: FractionColumns
) -> tuple[pl.Expr, pl.Expr] | None:
    if len(args) % 2 == 0:
        return None
    maybe_values = [_fraction_polars(a, f"{path}.if", fractions) for a in [*args[1::2], args[-1]]]
    values = [v for v in maybe_values if v is not None]
    if len(values) < len(maybe_values):
        return None
    conditions = [to_polars(c, path, fractions=fractions) for c in args[0:-1:2]]
    chains = []
    for index in (0, 1):
        parts = [_as_expr(v[index]) for v in values]
        chain = pl.when(conditions[0].is_null()).then(None).when(conditions[0]).then(parts[0])
        for condition, part in zip(conditions[1:], parts[1:-1], strict=True):
            chain = chain.when(condition.is_null()).then(None).when(condition).then(part)
        chains.append(chain.otherwise(parts[-1]).cast(pl.Int128))
    return chains[0], chains[1]


def _as_expr(value: Any) -> pl.Expr:
    if isinstance(value, _Positive):
        return value.expr
    return pl.lit(value) if isinstance(value, int) else value


def _times(value: Any, factor: Any) -> Any:
    value = value.expr if isinstance(value, _Positive) else value
    factor = factor.expr if isinstance(factor, _Positive) else factor
    if isinstance(factor, int) and factor == 1:
        return value
    if isinstance(value, int) and isinstance(factor, int):
        return value * factor
    if isinstance(value, int):
        return factor * value
    return value * factor


def _exact_comparison_polars(op: str, args: list, path: str, fractions: FractionColumns) -> pl.Expr:
    if len(args) == 3:
        return to_polars(_between(op, args), path, fractions=fractions)
    left = _fraction_polars(args[0], f"{path}.{op}[0]", fractions)
    right = _fraction_polars(args[1], f"{path}.{op}[1]", fractions)
    if left is None or right is None:
        # Not plain arithmetic (max, min…): compare the unrounded values.
        return COMPARISONS[op](
            to_polars(args[0], path, fractions=fractions),
            to_polars(args[1], path, fractions=fractions),
        )
    (n1, d1), (n2, d2) = left, right
    lhs, rhs = _times(n1, d2), _times(n2, d1)
    zero: pl.Expr | None = None
    sign: pl.Expr | None = None
    for d in (d1, d2):
        if not isinstance(d, (int, _Positive)):
            zero = (d == 0) if zero is None else zero | (d == 0)
            sign = d.sign() if sign is None else sign * d.sign()
    if sign is not None:
        lhs, rhs = lhs * sign, rhs * sign
    result = COMPARISONS[op](lhs, rhs)
    return result if zero is None else pl.when(zero).then(None).otherwise(result)


# --- one record: explanations -------------------------------------------------------------


def evaluate(
    expr: Any,
    facts: Mapping[str, Any],
    path: str = "$",
    *,
    fractions: Mapping[str, Fraction | None] | None = None,
) -> Any:
    """Evaluate over one record's facts (a mapping); same semantics as :func:`to_polars`.

    ``fractions`` gives the exact value of fraction columns (see :func:`to_polars`)."""
    fractions = fractions or {}
    if not _is_operation(expr):
        return expr
    op, args = _split(expr, path)
    if op == "var":
        return facts.get(args[0])
    if op in COMPARISONS and divides(args, fractions):
        return _exact_comparison(op, args, facts, path, fractions)
    if op == "in":
        value = evaluate(args[0], facts, path, fractions=fractions)
        listed = _list_fact(args[1])
        values = facts.get(listed) if listed is not None else args[1]
        return None if value is None or values is None else value in values
    if op == "if":
        return _evaluate_if(args, facts, path, fractions)
    values = [
        evaluate(a, facts, f"{path}.{op}[{i}]", fractions=fractions) for i, a in enumerate(args)
    ]
    if op == "and":
        if any(v is not None and not v for v in values):
            return False
        return None if any(v is None for v in values) else True
    if op == "or":
        if any(v is not None and v for v in values):
            return True
        return None if any(v is None for v in values) else False
    if op in ("!", "!!"):
        if values[0] is None:
            return None
        return (not values[0]) if op == "!" else bool(values[0])
    if any(v is None for v in values):
        return None
    if op in ("max", "min"):
        return (max if op == "max" else min)(values)
    if op in COMPARISONS:
        if len(values) == 3:
            return COMPARISONS[op](values[0], values[1]) and COMPARISONS[op](values[1], values[2])
        return COMPARISONS[op](values[0], values[1])
    if op == "+":
        return sum(values)
    if op == "*":
        result = 1
        for v in values:
            result *= v
        return result
    if op == "-":
        return -values[0] if len(values) == 1 else values[0] - values[1]
    if op == "/":
        return None if values[1] == 0 else float(values[0]) / float(values[1])
    raise RuleError("unknown_operator", path, op=op)  # pragma: no cover


def _evaluate_if(args: list, facts: Mapping[str, Any], path: str, fractions: Mapping) -> Any:
    if len(args) < 2:
        return evaluate(args[0], facts, path, fractions=fractions) if args else None
    condition = evaluate(args[0], facts, path, fractions=fractions)
    if condition is None:
        # Unknown which way: known only if both ways give the same known value.
        then = evaluate(args[1], facts, path, fractions=fractions)
        rest = _evaluate_if(args[2:], facts, path, fractions)
        return then if then is not None and then == rest and type(then) is type(rest) else None
    if condition:
        return evaluate(args[1], facts, path, fractions=fractions)
    return _evaluate_if(args[2:], facts, path, fractions)


def _fact_fraction(value: Any) -> Fraction | None:
    """A fact value as the batch path takes it: in whole cents (round half to even)."""
    if value is None:
        return None
    return Fraction(round(float(value) * EXACT_SCALE), EXACT_SCALE)


_NOT_ARITHMETIC = object()


def fraction_value(
    expr: Any,
    facts: Mapping[str, Any],
    path: str = "$",
    *,
    fractions: Mapping[str, Fraction | None] | None = None,
) -> Fraction | None:
    """An arithmetic expression's exact value for one record (None: unknown, a zero
    division, or not arithmetic)."""
    value = _fraction(expr, facts, path, fractions or {})
    return None if value is _NOT_ARITHMETIC else value


def _fraction(expr: Any, facts: Mapping[str, Any], path: str, fractions: Mapping) -> Any:
    literal = _literal_fraction(expr)
    if literal is not None:
        return literal
    if not isinstance(expr, dict) or len(expr) != 1:
        return _NOT_ARITHMETIC
    op, args = _split(expr, path)
    if op == "var":
        if args[0] in fractions:
            return fractions[args[0]]
        return _fact_fraction(facts.get(args[0]))
    if op == "if":
        if len(args) % 2 == 0:
            return _NOT_ARITHMETIC
        values = [_fraction(a, facts, path, fractions) for a in [*args[1::2], args[-1]]]
        if any(v is _NOT_ARITHMETIC for v in values):
            return _NOT_ARITHMETIC
        for index, condition in enumerate(args[0:-1:2]):
            met = evaluate(condition, facts, path, fractions=fractions)
            if met is None:
                return None
            if met:
                return values[index]
        return values[-1]
    if op not in ARITHMETIC:
        return _NOT_ARITHMETIC
    parts = [_fraction(a, facts, f"{path}.{op}[{i}]", fractions) for i, a in enumerate(args)]
    if any(p is _NOT_ARITHMETIC for p in parts):
        return _NOT_ARITHMETIC
    if (op in ("/", "+") and len(parts) != 2) or (op == "-" and len(parts) not in (1, 2)):
        return _NOT_ARITHMETIC
    if any(p is None for p in parts):
        return None
    if op == "-" and len(parts) == 1:
        return -parts[0]
    if op == "/":
        return None if parts[1] == 0 else parts[0] / parts[1]
    if op == "*":
        return math.prod(parts, start=Fraction(1))
    if op == "+":
        return parts[0] + parts[1]
    return parts[0] - parts[1]


def _exact_comparison(
    op: str, args: list, facts: Mapping[str, Any], path: str, fractions: Mapping
) -> Any:
    if len(args) == 3:
        return evaluate(_between(op, args), facts, path, fractions=fractions)
    left = _fraction(args[0], facts, path, fractions)
    right = _fraction(args[1], facts, path, fractions)
    if left is _NOT_ARITHMETIC or right is _NOT_ARITHMETIC:
        values = [evaluate(a, facts, path, fractions=fractions) for a in args]
        return None if None in values else COMPARISONS[op](values[0], values[1])
    if left is None or right is None:
        return None
    return COMPARISONS[op](left, right)
