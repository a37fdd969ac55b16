"""Rules in words: a JSON rule described as a tree of readable (zh-hans, translatable) clauses.

``rule_describe(rule, labels=...)`` turns ``{"and": [{">=": [{"/": [{"var": "rd_expense"},
{"var": "revenue"}]}, 0.03]}, ...]}`` into "全部满足：研发费用占销售收入的比例 ≥ 3%; ...". The
caller says what each fact is called and measured in (``FactLabel``), so this module knows
no catalogue and stays pure. Thresholds are shown exactly as written (no rounding): money in
万元 from one 万 and 亿元 from one 亿, ratios as percentages, counts with their unit.
Every operator of ``kejin.rules.expressions`` is described; worked cases sit next to this
file in ``describe.cases.yaml``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

#: What a fact's values are: a count or measure (``number``), an amount in 元 (``money``),
#: yes/no (``flag``), one of a few codes (``choice``), a set of codes (``set``) or a ratio
#: shown as a percentage (``percent``: an indicator's value such as R&D intensity).
KINDS = ("number", "money", "flag", "choice", "set", "percent")
SYMBOLS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_VALUE_OPERATORS = frozenset({"+", "-", "*", "/", "max", "min"})
_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)


@dataclass(frozen=True)
class FactLabel:
    """How a fact reads: its name, unit (元, 人, 年 …), kind and, for codes, their names."""

    label: str
    unit: str = ""
    kind: str = "number"
    choices: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Clause:
    """One readable condition; ``children`` for 且/或/非 groups. ``path`` is where in the rule
    it comes from, in the engine's notation (``$``, ``$.and[1]``)."""

    text: str
    path: str = "$"
    children: tuple[Clause, ...] = ()
    #: ``condition`` (a leaf), ``all`` (且), ``any`` (或), ``not`` (非) or ``holds``.
    kind: str = "condition"


def rule_describe(rule: Any, *, labels: Mapping[str, FactLabel]) -> Clause:
    """The rule as a clause tree. A rule the engine would refuse is still described as far as
    it can be (unknown facts by their name, odd shapes as JSON): describing never fails."""
    return _clause(rule, labels, "$")


def rule_describe_lines(rule: Any, *, labels: Mapping[str, FactLabel]) -> list[str]:
    """The clause tree flattened to indented lines (two spaces per level), for text exports
    and tests."""
    lines: list[str] = []

    def walk(clause: Clause, depth: int) -> None:
        lines.append("  " * depth + clause.text)
        for child in clause.children:
            walk(child, depth + 1)

    walk(rule_describe(rule, labels=labels), 0)
    return lines


# --- clauses (things that are true or false) ---------------------------------------------


def _op(expr: Any) -> tuple[str, list] | None:
    if not isinstance(expr, dict) or len(expr) != 1:
        return None
    ((op, args),) = expr.items()
    if op == "var":
        return op, args if isinstance(args, list) else [args]
    return op, args if isinstance(args, list) else [args]


def _clause(expr: Any, labels: Mapping[str, FactLabel], path: str) -> Clause:
    if expr is True:
        return Clause(_("所有企业（无条件）"), path)
    if expr is False:
        return Clause(_("没有企业（条件恒不成立）"), path)
    split = _op(expr)
    if split is None:
        return Clause(_term(expr, labels), path)
    op, args = split
    if op in ("and", "or"):
        children = tuple(_clause(arg, labels, f"{path}.{op}[{i}]") for i, arg in enumerate(args))
        text = _("全部满足以下条件") if op == "and" else _("满足以下任一条件")
        return Clause(text, path, children, "all" if op == "and" else "any")
    if op == "!" and len(args) == 1:
        inner = _op(args[0])
        if inner and inner[0] == "var" and _is_flag(inner[1], labels):
            return Clause(_("%(fact)s：否") % {"fact": _fact(inner[1], labels)}, path)
        return Clause(_("不满足以下条件"), path, (_clause(args[0], labels, f"{path}.![0]"),), "not")
    if op == "!!" and len(args) == 1:
        return _truthy(args[0], labels, f"{path}.!![0]", path)
    if op == "var":
        return _truthy(expr, labels, path, path)
    if op in SYMBOLS:
        return Clause(_comparison(op, args, labels), path)
    if op == "in" and len(args) == 2 and _is_var(args[1]):
        hint = _hint(args[1], labels)
        return Clause(
            _("%(term)s包含：%(value)s")
            % {"term": _term(args[1], labels), "value": _value(args[0], hint)},
            path,
        )
    if op == "in" and len(args) == 2 and isinstance(args[1], list):
        hint = _hint(args[0], labels)
        values = "、".join(_value(v, hint) for v in args[1])
        return Clause(
            _("%(term)s为以下之一：%(values)s")
            % {"term": _term(args[0], labels), "values": values},
            path,
        )
    if op == "if":
        return Clause(_term(expr, labels), path)
    if op not in _VALUE_OPERATORS:
        return Clause(_value(expr), path)
    return Clause(_("%(term)s成立") % {"term": _term(expr, labels)}, path)


def _truthy(expr: Any, labels: Mapping[str, FactLabel], inner_path: str, path: str) -> Clause:
    split = _op(expr)
    if split and split[0] == "var":
        return Clause(_("%(fact)s：是") % {"fact": _fact(split[1], labels)}, path)
    return Clause(_("以下条件成立"), path, (_clause(expr, labels, inner_path),), "holds")


def _comparison(op: str, args: list, labels: Mapping[str, FactLabel]) -> str:
    hint = next((h for h in (_hint(a, labels) for a in args) if h is not None), None)
    parts = [_term(a, labels, hint) for a in args]
    flag = hint is not None and hint.kind == "flag"
    if flag and len(args) == 2 and op in ("==", "!=") and isinstance(args[1], bool):
        yes = args[1] if op == "==" else not args[1]
        return (_("%(fact)s：是") if yes else _("%(fact)s：否")) % {"fact": parts[0]}
    symbol = SYMBOLS[op]
    return f" {symbol} ".join(parts)


# --- terms (values) -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hint:
    """How a literal compared with a term reads: as money, a percentage, a flag or a code."""

    kind: str
    unit: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)


def _hint(expr: Any, labels: Mapping[str, FactLabel]) -> _Hint | None:
    split = _op(expr)
    if split is None:
        return None
    op, args = split
    if op == "var":
        fact = labels.get(args[0]) if args and isinstance(args[0], str) else None
        return _Hint(fact.kind, fact.unit, fact.choices) if fact else None
    if op == "/":
        return _Hint("percent")
    if op in ("+", "-", "max", "min", "if"):
        return next((h for h in (_hint(a, labels) for a in args) if h is not None), None)
    return None


def _is_var(expr: Any) -> bool:
    split = _op(expr)
    return split is not None and split[0] == "var"


def _is_flag(args: list, labels: Mapping[str, FactLabel]) -> bool:
    fact = labels.get(args[0]) if args and isinstance(args[0], str) else None
    return fact is not None and fact.kind == "flag"


def _fact(args: list, labels: Mapping[str, FactLabel]) -> str:
    name = args[0] if args else ""
    fact = labels.get(name) if isinstance(name, str) else None
    return fact.label if fact else str(name)


def _term(expr: Any, labels: Mapping[str, FactLabel], hint: _Hint | None = None) -> str:
    split = _op(expr)
    if split is None:
        return _value(expr, hint)
    op, args = split
    if op == "var":
        return _fact(args, labels)
    sub = [_term(a, labels, hint) for a in args]
    if op == "/" and len(args) == 2:
        return _("%(a)s占%(b)s的比例") % {"a": sub[0], "b": sub[1]}
    if op == "+":
        return "（" + " + ".join(sub) + "）" if len(sub) > 1 else sub[0]
    if op == "-":
        return f"−{sub[0]}" if len(sub) == 1 else f"（{sub[0]} − {sub[1]}）"
    if op == "*":
        return "（" + " × ".join(sub) + "）"
    if op == "max":
        return _("%(terms)s中的较大者") % {"terms": "、".join(sub)}
    if op == "min":
        return _("%(terms)s中的较小者") % {"terms": "、".join(sub)}
    if op == "if":
        return _if_text(args, labels, hint)
    if op in SYMBOLS:
        return "（" + _comparison(op, args, labels) + "）"
    if op in ("and", "or", "!", "!!", "in"):
        return "（" + _flat(_clause(expr, labels, "$")) + "）"
    return _value(expr, hint)


def _if_text(args: list, labels: Mapping[str, FactLabel], hint: _Hint | None) -> str:
    parts: list[str] = []
    rest = list(args)
    while len(rest) >= 2:
        condition = _flat(_clause(rest[0], labels, "$"))
        then = _term(rest[1], labels, hint)
        parts.append(_("若%(condition)s则为%(then)s") % {"condition": condition, "then": then})
        rest = rest[2:]
    if rest:
        parts.append(_("否则为%(value)s") % {"value": _term(rest[0], labels, hint)})
    return "（" + "，".join(parts) + "）"


def _flat(clause: Clause) -> str:
    if not clause.children:
        return clause.text
    if clause.kind == "not":
        return _("并非%(clause)s") % {"clause": _flat(clause.children[0])}
    if clause.kind == "holds":
        return _flat(clause.children[0])
    joiner = _("且") if clause.kind == "all" else _("或")
    return "（" + joiner.join(_flat(c) for c in clause.children) + "）"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _value(value: Any, hint: _Hint | None = None) -> str:
    """A literal as people read it, exact: 2000万元, 20%, 5 年, 是/否, a code's name."""
    if value is None:
        return _("空")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str):
        if hint is not None and value in hint.choices:
            return str(hint.choices[value])
        return f"“{value}”"
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
        if hint is not None and hint.kind == "percent":
            return f"{_number(number * 100)}%"
        if hint is not None and hint.kind == "money":
            for size, unit in ((_YI, "亿元"), (_WAN, "万元")):
                if abs(number) >= size:
                    return f"{_number(number / size)}{unit}"
            return f"{_number(number)}元"
        if hint is not None and hint.unit:
            return f"{_number(number)} {hint.unit}"
        return _number(number)
    return json.dumps(value, ensure_ascii=False)


# --- gaps: a clause with the record's own value -----------------------------------------------


@dataclass(frozen=True)
class Gap:
    """One leaf condition of a rule for one record: the clause with the record's value and
    what the rule needs ("研发费用占销售收入的比例 2.1%，需 ≥ 3%"), and whether it holds
    (None: a fact it reads is unknown)."""

    text: str
    met: bool | None
    path: str = "$"


def rule_gaps(
    rule: Any,
    facts: Mapping[str, Any],
    *,
    labels: Mapping[str, FactLabel],
    only_unmet: bool = False,
) -> list[Gap]:
    """The leaf conditions of ``rule`` for the record ``facts``, each with the record's value
    beside the threshold (groups — 且/或/非 — are walked into). ``only_unmet`` keeps the
    conditions that do not hold or are unknown: what the record lacks. Values are
    evaluated by the engine (``kejin.rules.expressions.evaluate``)."""
    from kejin.rules.expressions import evaluate

    gaps: list[Gap] = []

    def walk(expr: Any, path: str) -> None:
        split = _op(expr)
        if split is not None and split[0] in ("and", "or"):
            op, args = split
            for i, arg in enumerate(args):
                walk(arg, f"{path}.{op}[{i}]")
            return
        met = _met(evaluate(expr, facts))
        if only_unmet and met is True:
            return
        gaps.append(Gap(_gap_text(expr, facts, labels, met), met, path))

    walk(rule, "$")
    return gaps


def _met(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _gap_text(expr: Any, facts: Mapping[str, Any], labels: Mapping[str, FactLabel], met) -> str:
    from kejin.rules.expressions import evaluate

    split = _op(expr)
    if split is not None and split[0] in SYMBOLS and len(split[1]) == 2:
        op, (left, right) = split
        literal_right = _op(right) is None
        term, bound = (left, right) if literal_right else (right, left)
        symbol = op if literal_right else _MIRROR[op]
        hint = _hint(term, labels)
        actual = evaluate(term, facts)
        flag = hint is not None and hint.kind == "flag"
        if flag and isinstance(bound, bool) and op in ("==", "!="):
            return _comparison(op, [left, right], labels) + _known(actual, hint)
        return _("%(term)s %(actual)s，需 %(symbol)s %(bound)s") % {
            "term": _term(term, labels, hint),
            "actual": _actual(actual, hint),
            "symbol": SYMBOLS[symbol],
            "bound": _value(bound, hint) if _op(bound) is None else _term(bound, labels, hint),
        }
    text = _flat(_clause(expr, labels, "$"))
    if split is not None and split[0] in ("in", "var", "!", "!!"):
        term = split[1][0] if split[0] in ("in", "!", "!!") else expr
        if split[0] == "in" and _is_var(split[1][1]):
            term = split[1][1]
        hint = _hint(term, labels)
        if _op(term) is not None:
            return text + _known(evaluate(term, facts), hint)
    if met is None:
        return _("%(clause)s（数据缺失，无法判断）") % {"clause": text}
    return text


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _known(actual: Any, hint: _Hint | None) -> str:
    """ "（当前：…）" — the record's value of a flag, code or set."""
    return _("（当前：%(value)s）") % {"value": _actual(actual, hint)}


def _actual(value: Any, hint: _Hint | None) -> str:
    """A record's value as people read it: rounded to two decimals (percentages of a
    ratio, money in 万元/亿元), "缺失" when unknown, codes by their names."""
    if value is None:
        return _("缺失")
    if isinstance(value, (list, tuple)):
        return "、".join(_actual(v, hint) for v in value) if value else _("无")
    if isinstance(value, float) and not isinstance(value, bool):
        places = Decimal(str(round(value * 100, 2) if hint and hint.kind == "percent" else value))
        if hint is not None and hint.kind == "percent":
            return f"{_number(places.quantize(Decimal('0.01')))}%"
        value = Decimal(str(round(value, 2)))
    return _value(value, hint)
