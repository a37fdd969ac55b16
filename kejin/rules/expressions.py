"""A JsonLogic subset, compiled to polars expressions or evaluated over one record.

Supported operators: ``var``, ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` (including the
three-argument "between" forms of ``<`` and ``<=``), ``and``, ``or``, ``!``, ``!!``, ``if``
(chains), ``+``, ``-``, ``*``, ``/``, ``max``, ``min``, ``in`` (value in a literal list).

Semantics differ from JsonLogic in one deliberate way: a missing fact is *unknown*, not
falsy. A comparison or arithmetic with a missing value is missing, ``and``/``or`` follow
three-valued (Kleene) logic and a division by zero is missing (rules that need another
reading of a zero denominator say so explicitly with ``if``). On complete data the
results agree with a reference JsonLogic implementation (tested differentially).
Ratios are rounded to ``RATIO_PLACES`` decimals before comparison so that a ratio which is
exactly on a threshold (30 of 100 staff = 30 %) compares as equal whatever the float error.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

RATIO_PLACES = 9
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


class RuleError(ValueError):
    """A rule that cannot be compiled: unknown operator or fact, or a malformed argument list."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def _split(expr: Any, path: str) -> tuple[str, list]:
    if not isinstance(expr, dict) or len(expr) != 1:
        raise RuleError("an operation is an object with exactly one operator", path)
    ((op, args),) = expr.items()
    if op not in OPERATORS:
        raise RuleError(f"unknown operator {op!r}", path)
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
            raise RuleError("var needs a fact name", path)
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
        raise RuleError(f"unknown fact(s): {', '.join(sorted(unknown))}", path)
    _check_arity(expr, path)


def _check_arity(expr: Any, path: str) -> None:
    if not _is_operation(expr):
        return
    op, args = _split(expr, path)
    if op in COMPARISONS and len(args) not in ((2, 3) if op in ("<", "<=") else (2,)):
        raise RuleError(f"{op} takes 2 arguments", path)
    if op in ("!", "!!") and len(args) != 1:
        raise RuleError(f"{op} takes 1 argument", path)
    if op == "if" and len(args) < 3:
        raise RuleError("if takes condition, then and else", path)
    if op == "in" and (len(args) != 2 or not isinstance(args[1], list)):
        raise RuleError("in takes a value and a literal list", path)
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
            raise RuleError("a list is only allowed as the second argument of in", path)
        return _lit(expr)
    op, args = _split(expr, path)
    if op == "var":
        return pl.col(args[0])
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
        return (
            pl.when(denominator != 0)
            .then((numerator / denominator).round(RATIO_PLACES))
            .otherwise(None)
        )
    if op in ("max", "min"):
        value = pl.max_horizontal(sub) if op == "max" else pl.min_horizontal(sub)
        return pl.when(pl.any_horizontal([s.is_null() for s in sub])).then(None).otherwise(value)
    if op == "in":
        return sub[0].is_in(args[1])
    raise RuleError(f"unsupported operator {op!r}", path)  # pragma: no cover - guarded by _split


def _if_chain(sub: list[pl.Expr]) -> pl.Expr:
    """if/else-if chain: the first true condition wins; a missing condition reached in
    order makes the result missing, as in the scalar evaluation."""
    chain = pl.when(sub[0].is_null()).then(None).when(sub[0]).then(sub[1])
    rest = sub[2:]
    while len(rest) >= 2:
        chain = chain.when(rest[0].is_null()).then(None).when(rest[0]).then(rest[1])
        rest = rest[2:]
    return chain.otherwise(rest[0] if rest else None)


# --- one record: explanations -------------------------------------------------------------


def evaluate(expr: Any, facts: Mapping[str, Any], path: str = "$") -> Any:
    """Evaluate over one record's facts (a mapping); same semantics as :func:`to_polars`."""
    if not _is_operation(expr):
        return expr
    op, args = _split(expr, path)
    if op == "var":
        return facts.get(args[0])
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
        return None if values[1] == 0 else round(float(values[0]) / float(values[1]), RATIO_PLACES)
    raise RuleError(f"unsupported operator {op!r}", path)  # pragma: no cover


def _evaluate_if(args: list, facts: Mapping[str, Any], path: str) -> Any:
    rest = list(args)
    while len(rest) >= 2:
        condition = evaluate(rest[0], facts, path)
        if condition is None:
            return None
        if condition:
            return evaluate(rest[1], facts, path)
        rest = rest[2:]
    return evaluate(rest[0], facts, path) if rest else None
