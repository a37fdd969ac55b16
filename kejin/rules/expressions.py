"""A JsonLogic subset, compiled to polars expressions or evaluated over one record.

Supported operators: ``var``, ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` (including the
three-argument "between" forms of ``<`` and ``<=``), ``and``, ``or``, ``!``, ``!!``, ``if``
(chains), ``+``, ``-``, ``*``, ``/``, ``max``, ``min``, ``in`` (value in a literal list).

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
    "malformed_version": "malformed rule set version {ruleset}: {detail}",
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
    if op == "in" and (len(args) != 2 or not isinstance(args[1], list)):
        raise RuleError("in_arity", path)
    if op != "var":
        for i, arg in enumerate(args):
            _check_arity(arg, f"{path}.{op}[{i}]")


# --- batch: polars -----------------------------------------------------------------------


def _lit(value: Any) -> pl.Expr:
    return pl.lit(value)


def to_polars(expr: Any, path: str = "$") -> pl.Expr:
    """Compile an expression to a polars expression over columns named like the facts."""
    if not _is_operation(expr):
        if isinstance(expr, list):
            raise RuleError("list_place", path)
        return _lit(expr)
    op, args = _split(expr, path)
    if op == "var":
        return pl.col(args[0])
    if op in COMPARISONS and _divides(args):
        return _exact_comparison_polars(op, args, path)
    sub = [
        to_polars(a, f"{path}.{op}[{i}]") if op != "in" or i == 0 else None
        for i, a in enumerate(args)
    ]
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
        return _if_chain(sub)
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
        return sub[0].is_in(args[1])
    raise RuleError("unknown_operator", path, op=op)  # pragma: no cover - guarded by _split


def _if_chain(sub: list[pl.Expr]) -> pl.Expr:
    """if/else-if chain: the first true condition wins. A missing condition reached in order
    makes the result missing unless both ways on from it give the same known value (then no
    value of the missing facts could change it), as in the scalar evaluation."""
    if len(sub) < 2:
        return sub[0] if sub else pl.lit(None)
    condition, then, rest = sub[0], sub[1], _if_chain(sub[2:])
    agree = then.eq_missing(rest) & then.is_not_null()
    return (
        pl.when(condition.is_null())
        .then(pl.when(agree).then(then).otherwise(None))
        .when(condition)
        .then(then)
        .otherwise(rest)
    )


# --- exact comparisons ---------------------------------------------------------------------
#
# A comparison whose operands divide is evaluated over fractions: each operand becomes a
# numerator and a denominator (an integer constant, or an Int128 column), and
# ``n1/d1 OP n2/d2`` is ``n1·d2·s OP n2·d1·s`` with ``s`` the sign of ``d1·d2`` (missing when
# a denominator is zero, like the division). Fact values are taken in cents (EXACT_SCALE),
# exact for amounts below 2**53 / 100 yuan (≈ 9·10¹³), which is the precision a double read
# from the database carries anyway; Int128 holds the products of amounts up to 10¹⁸ yuan with
# thresholds of up to nine decimals.


def _divides(expr: Any) -> bool:
    """Whether an expression (or list of them) divides outside a ``var``."""
    if isinstance(expr, list):
        return any(_divides(e) for e in expr)
    if not isinstance(expr, dict) or len(expr) != 1:
        return False
    ((op, args),) = expr.items()
    if op == "var":
        return False
    return op == "/" or _divides(args)


def _literal_fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Fraction(Decimal(str(value)))


def _distribute_if(op: str, args: list) -> Any | None:
    """``if(c, a, b) OP x`` as ``if(c, a OP x, b OP x)`` (either side), or None."""
    for index, arg in enumerate(args):
        if isinstance(arg, dict) and len(arg) == 1 and "if" in arg:
            chain = list(arg["if"])
            last = len(chain) - 1
            return {
                "if": [
                    {op: [*args[:index], item, *args[index + 1 :]]}
                    if i % 2 == 1 or (i == last and len(chain) % 2 == 1)
                    else item
                    for i, item in enumerate(chain)
                ]
            }
    return None


def _between(op: str, args: list) -> Any:
    return {"and": [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}]}


Denominator = int | pl.Expr


def _fraction_polars(expr: Any, path: str) -> tuple[pl.Expr, Denominator] | None:
    """``expr`` as (numerator, denominator) in Int128, or None if it is not arithmetic."""
    literal = _literal_fraction(expr)
    if literal is not None:
        return pl.lit(literal.numerator, dtype=pl.Int128), literal.denominator
    if not isinstance(expr, dict) or len(expr) != 1:
        return None
    ((op, args),) = expr.items()
    if op == "var":
        cents = pl.col(args if isinstance(args, str) else args[0]).cast(pl.Float64) * EXACT_SCALE
        return cents.round(0).cast(pl.Int128), EXACT_SCALE
    args = args if isinstance(args, list) else [args]
    parts = [_fraction_polars(a, f"{path}.{op}[{i}]") for i, a in enumerate(args)]
    if any(p is None for p in parts) or op not in ARITHMETIC:
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
    if op in ("+", "-") and len(parts) >= 2:
        numerator, denominator = parts[0]
        for n, d in parts[1:]:
            if isinstance(denominator, int) and isinstance(d, int) and denominator == d:
                numerator = numerator + n if op == "+" else numerator - n
                continue
            left, right = _times(numerator, d), _times(n, denominator)
            numerator = left + right if op == "+" else left - right
            denominator = _times(d, denominator)
            if op == "-":
                break
        return numerator, denominator
    return None


def _times(value: Any, factor: Denominator) -> Any:
    if isinstance(factor, int) and factor == 1:
        return value
    if isinstance(value, int) and isinstance(factor, int):
        return value * factor
    if isinstance(value, int):
        return factor * value
    return value * factor


def _exact_comparison_polars(op: str, args: list, path: str) -> pl.Expr:
    if len(args) == 3:
        return to_polars(_between(op, args), path)
    distributed = _distribute_if(op, args)
    if distributed is not None:
        return to_polars(distributed, path)
    left = _fraction_polars(args[0], f"{path}.{op}[0]")
    right = _fraction_polars(args[1], f"{path}.{op}[1]")
    if left is None or right is None:
        # Not plain arithmetic (max, min…): compare the unrounded values.
        return COMPARISONS[op](to_polars(args[0], path), to_polars(args[1], path))
    (n1, d1), (n2, d2) = left, right
    lhs, rhs = _times(n1, d2), _times(n2, d1)
    zero: pl.Expr | None = None
    sign: pl.Expr | None = None
    for d in (d1, d2):
        if not isinstance(d, int):
            zero = (d == 0) if zero is None else zero | (d == 0)
            sign = d.sign() if sign is None else sign * d.sign()
    if sign is not None:
        lhs, rhs = lhs * sign, rhs * sign
    result = COMPARISONS[op](lhs, rhs)
    return result if zero is None else pl.when(zero).then(None).otherwise(result)


# --- one record: explanations -------------------------------------------------------------


def evaluate(expr: Any, facts: Mapping[str, Any], path: str = "$") -> Any:
    """Evaluate over one record's facts (a mapping); same semantics as :func:`to_polars`."""
    if not _is_operation(expr):
        return expr
    op, args = _split(expr, path)
    if op == "var":
        return facts.get(args[0])
    if op in COMPARISONS and _divides(args):
        return _exact_comparison(op, args, facts, path)
    if op == "in":
        value = evaluate(args[0], facts, path)
        return None if value is None else value in args[1]
    if op == "if":
        return _evaluate_if(args, facts, path)
    values = [evaluate(a, facts, f"{path}.{op}[{i}]") for i, a in enumerate(args)]
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


def _evaluate_if(args: list, facts: Mapping[str, Any], path: str) -> Any:
    if len(args) < 2:
        return evaluate(args[0], facts, path) if args else None
    condition = evaluate(args[0], facts, path)
    if condition is None:
        # Unknown which way: known only if both ways give the same known value.
        then, rest = evaluate(args[1], facts, path), _evaluate_if(args[2:], facts, path)
        return then if then is not None and then == rest and type(then) is type(rest) else None
    if condition:
        return evaluate(args[1], facts, path)
    return _evaluate_if(args[2:], facts, path)


def _fact_fraction(value: Any) -> Fraction | None:
    """A fact value as the batch path takes it: in whole cents (round half to even)."""
    if value is None:
        return None
    return Fraction(round(float(value) * EXACT_SCALE), EXACT_SCALE)


def _fraction(expr: Any, facts: Mapping[str, Any], path: str) -> Fraction | None | bool:
    """``expr`` as an exact fraction; None if unknown or a zero division; False if the
    expression is not plain arithmetic."""
    literal = _literal_fraction(expr)
    if literal is not None:
        return literal
    if not isinstance(expr, dict) or len(expr) != 1:
        return False
    op, args = _split(expr, path)
    if op == "var":
        return _fact_fraction(facts.get(args[0]))
    if op not in ARITHMETIC:
        return False
    parts = [_fraction(a, facts, f"{path}.{op}[{i}]") for i, a in enumerate(args)]
    if any(p is False for p in parts):
        return False
    if any(p is None for p in parts):
        return None
    if op == "-" and len(parts) == 1:
        return -parts[0]
    if op == "/":
        return None if parts[1] == 0 else parts[0] / parts[1]
    if op == "*":
        return math.prod(parts, start=Fraction(1))
    if op == "+":
        return sum(parts, Fraction(0))
    return parts[0] - parts[1]


def _exact_comparison(op: str, args: list, facts: Mapping[str, Any], path: str) -> Any:
    if len(args) == 3:
        return evaluate(_between(op, args), facts, path)
    distributed = _distribute_if(op, args)
    if distributed is not None:
        return evaluate(distributed, facts, path)
    left, right = _fraction(args[0], facts, path), _fraction(args[1], facts, path)
    if left is False or right is False:
        values = [evaluate(a, facts, path) for a in args]
        return None if None in values else COMPARISONS[op](values[0], values[1])
    if left is None or right is None:
        return None
    return COMPARISONS[op](left, right)
