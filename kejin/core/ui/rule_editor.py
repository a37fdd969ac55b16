"""A form field that edits a JSON rule as a list of conditions instead of raw JSON.

Each condition is a row: a fact (chosen from the facts the caller offers), optionally "divided
by" a second fact (a ratio, entered in %), an operator and a value in the fact's unit (money
in 万元). Rows are combined with 全部满足 (and) or 任一满足 (or); rows given the same group
number form one nested group combined the other way (one level of nesting). The field
serialises to the same JSON rule the engine reads, and reads a stored rule back into rows.

It works without JavaScript: the page posts a fixed set of rows (the conditions plus a few
blank ones), like a formset; ``core/ui/rule_editor.js`` only hides the spare rows and shows
each value's unit. A rule the rows cannot express stays editable as JSON in an "advanced"
section (ticking "use JSON" makes the JSON win).

Errors are shown beside the condition they concern: the field's own (a value that is not a
number) and the caller's ``check`` (``rule -> [(path, message)]``, paths in the engine's
notation such as ``$.and[2]``), mapped back to the row that produced that part of the rule.
This module imports no rules engine: the caller passes what facts are and how to check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WAN = Decimal(10_000)
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
OPERATOR_CHOICES = (
    (">=", "≥"),
    (">", ">"),
    ("<=", "≤"),
    ("<", "<"),
    ("==", "="),
    ("!=", "≠"),
    ("in", gettext_lazy("属于其中之一")),
    ("contains", gettext_lazy("包含")),
    ("yes", gettext_lazy("是")),
    ("no", gettext_lazy("否")),
)
COMBINE_CHOICES = (("and", gettext_lazy("全部满足")), ("or", gettext_lazy("任一满足")))
GROUPS = 3
#: Problems found by the caller's check: (path in the rule, message).
Check = Callable[[Any], list[tuple[str, str]]]


class EditorFact(Protocol):
    """What the editor needs to know of a fact (``kejin.rules.describe.FactLabel`` fits)."""

    @property
    def label(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def kind(self) -> str: ...  # number | money | flag | choice | set (of codes)

    @property
    def choices(self) -> Mapping[str, str]: ...


@dataclass
class Row:
    """One condition as posted (strings) with its errors."""

    fact: str = ""
    divisor: str = ""
    op: str = ">="
    value: str = ""
    group: str = "0"
    errors: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.fact


@dataclass
class EditorInput:
    """What the page posted: the combination, the rows, the JSON and whether it wins."""

    combine: str = "and"
    rows: list[Row] = field(default_factory=list)
    json_text: str = ""
    use_json: bool = False
    expressible: bool = True
    errors: list[str] = field(default_factory=list)


# --- rule <-> rows ---------------------------------------------------------------------------


def _var(expr: Any) -> str | None:
    if isinstance(expr, dict) and len(expr) == 1 and "var" in expr:
        name = expr["var"]
        name = name[0] if isinstance(name, list) and len(name) == 1 else name
        return name if isinstance(name, str) else None
    return None


def _number_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _shown(value: Any, fact: EditorFact | None, ratio: bool) -> str | None:
    """A stored literal as typed in the editor (万元, %, a code's name), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
        if ratio:
            return _number_text(number * 100)
        if fact is not None and fact.kind == "money":
            return _number_text(number / WAN)
        return _number_text(number)
    if isinstance(value, str) and fact is not None and fact.kind == "choice":
        return str(fact.choices.get(value, value))
    return None


def _leaf(expr: Any, facts: Mapping[str, EditorFact]) -> Row | None:
    """The row for one condition, or None if a row cannot say it."""
    name = _var(expr)
    if name is not None:
        fact = facts.get(name)
        return Row(fact=name, op="yes") if fact is not None and fact.kind == "flag" else None
    if not isinstance(expr, dict) or len(expr) != 1:
        return None
    ((op, args),) = expr.items()
    if op == "!":
        inner = args[0] if isinstance(args, list) and len(args) == 1 else args
        row = _leaf(inner, facts)
        return Row(fact=row.fact, op="no") if row is not None and row.op == "yes" else None
    if op == "in" and isinstance(args, list) and len(args) == 2 and _var(args[1]) is not None:
        name = _var(args[1]) or ""
        fact = facts.get(name)
        if fact is None or fact.kind != "set" or not isinstance(args[0], str):
            return None
        return Row(fact=name, op="contains", value=str(fact.choices.get(args[0], args[0])))
    if op == "in" and isinstance(args, list) and len(args) == 2 and isinstance(args[1], list):
        name = _var(args[0])
        fact = facts.get(name or "")
        if fact is None or fact.kind != "choice" or not args[1]:
            return None
        names = [_shown(v, fact, False) for v in args[1]]
        if any(n is None for n in names):
            return None
        return Row(fact=name or "", op="in", value="、".join(n for n in names if n))
    if op not in COMPARISONS or not isinstance(args, list) or len(args) != 2:
        return None
    left, value = args
    divisor = ""
    name = _var(left)
    if name is None and isinstance(left, dict) and list(left) == ["/"]:
        parts = left["/"]
        if isinstance(parts, list) and len(parts) == 2:
            name, divisor = _var(parts[0]), _var(parts[1]) or ""
            if not divisor:
                return None
    fact = facts.get(name or "")
    if fact is None or (divisor and divisor not in facts):
        return None
    if fact.kind == "flag" and isinstance(value, bool) and op in ("==", "!="):
        return Row(fact=name or "", op="yes" if value == (op == "==") else "no")
    shown = _shown(value, fact, bool(divisor))
    if shown is None:
        return None
    return Row(fact=name or "", divisor=divisor, op=op, value=shown)


def rule_to_input(rule: Any, facts: Mapping[str, EditorFact], *, empty_value: Any) -> EditorInput:
    """A stored rule as editor rows; ``expressible`` False when only the JSON can say it."""
    text = "" if rule is None else json.dumps(rule, ensure_ascii=False, indent=2)
    if rule is None or rule == empty_value:
        return EditorInput(json_text=text)
    combine, items = "and", [rule]
    if isinstance(rule, dict) and len(rule) == 1 and next(iter(rule)) in ("and", "or"):
        combine, items = next(iter(rule.items()))
        items = items if isinstance(items, list) else [items]
    inner = "or" if combine == "and" else "and"
    rows: list[Row] = []
    group = 0
    for item in items:
        row = _leaf(item, facts)
        if row is not None:
            rows.append(row)
            continue
        if isinstance(item, dict) and list(item) == [inner] and isinstance(item[inner], list):
            group += 1
            members = [_leaf(member, facts) for member in item[inner]]
            if group <= GROUPS and members and all(m is not None for m in members):
                for member in members:
                    if member is not None:
                        member.group = str(group)
                        rows.append(member)
                continue
        return EditorInput(combine="and", json_text=text, use_json=True, expressible=False)
    return EditorInput(combine=combine, rows=rows, json_text=text)


def _parse_number(text: str) -> Decimal:
    cleaned = text.strip().replace(",", "")
    if not NUMBER.fullmatch(cleaned):
        raise ValueError(
            _("“%(value)s”不是数字：请填写阿拉伯数字，例如 3 或 2.5。") % {"value": text.strip()}
        )
    return Decimal(cleaned)


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _row_condition(row: Row, facts: Mapping[str, EditorFact]) -> Any:
    """The JSON condition of one row; ValueError with the message to show beside it."""
    fact = facts.get(row.fact)
    if fact is None:
        raise ValueError(_("请从列表中选择数据项。"))
    var = {"var": row.fact}
    if fact.kind == "flag":
        if row.divisor:
            raise ValueError(_("“是/否”类数据项不能计算比例。"))
        if row.op not in ("yes", "no"):
            raise ValueError(
                _("“%(fact)s”是“是/否”类数据项，运算请选“是”或“否”。") % {"fact": fact.label}
            )
        return var if row.op == "yes" else {"!": [var]}
    if row.op in ("yes", "no"):
        raise ValueError(_("“是/否”只适用于“是/否”类数据项，请选择比较运算。"))
    if fact.kind == "set" or row.op == "contains":
        if fact.kind != "set" or row.op != "contains" or row.divisor:
            raise ValueError(
                _("“包含”只适用于取值为多个代码的数据项（如名单标签），且只能选“包含”。")
            )
        by_name = {str(label): code for code, label in fact.choices.items()}
        value = row.value.strip()
        code = by_name.get(value, value if value in fact.choices else None)
        if code is None:
            raise ValueError(
                _("“%(value)s”不是可选的取值。可选：%(choices)s。")
                % {"value": value, "choices": "、".join(str(c) for c in fact.choices.values())}
            )
        return {"in": [code, var]}
    if fact.kind == "choice":
        if row.divisor:
            raise ValueError(_("“%(fact)s”不是数值，不能计算比例。") % {"fact": fact.label})
        if row.op not in ("==", "!=", "in"):
            raise ValueError(_("“%(fact)s”只能选“=”“≠”或“属于其中之一”。") % {"fact": fact.label})
        by_name = {str(label): code for code, label in fact.choices.items()}
        codes = []
        for part in re.split(r"[、,，\s]+", row.value.strip()):
            if not part:
                continue
            code = by_name.get(part, part if part in fact.choices else None)
            if code is None:
                raise ValueError(
                    _("“%(value)s”不是可选的取值。可选：%(choices)s。")
                    % {"value": part, "choices": "、".join(str(c) for c in fact.choices.values())}
                )
            codes.append(code)
        if not codes:
            raise ValueError(_("请填写取值。"))
        if row.op == "in":
            return {"in": [var, codes]}
        if len(codes) != 1:
            raise ValueError(_("“=”“≠”只能填写一个取值；多个取值请选“属于其中之一”。"))
        return {row.op: [var, codes[0]]}
    if row.op not in COMPARISONS:
        raise ValueError(_("数值类数据项请选择比较运算（≥ > ≤ < = ≠）。"))
    if not row.value.strip():
        raise ValueError(_("请填写数值。"))
    number = _parse_number(row.value)
    left: Any = var
    if row.divisor:
        divisor = facts.get(row.divisor)
        if divisor is None or divisor.kind not in ("number", "money"):
            raise ValueError(_("比例的分母应是数值类数据项。"))
        left, number = {"/": [var, {"var": row.divisor}]}, number / 100
    elif fact.kind == "money":
        number = number * WAN
    return {row.op: [left, _json_number(number)]}


def input_to_rule(
    data: EditorInput, facts: Mapping[str, EditorFact], *, empty_value: Any
) -> tuple[Any, dict[str, int]]:
    """The rule the rows say and where each row went in it (path -> row index); rows with
    errors get them in ``row.errors`` and the rule is then None."""
    combine = data.combine if data.combine in ("and", "or") else "and"
    inner = "or" if combine == "and" else "and"
    # Top-level items in row order; a group is one item at its first row's place.
    items: list[tuple[Any, list[int]]] = []
    groups: dict[str, int] = {}
    conditions: dict[int, Any] = {}
    for index, row in enumerate(data.rows):
        if row.blank:
            continue
        try:
            conditions[index] = _row_condition(row, facts)
        except ValueError as error:
            row.errors.append(str(error))
            continue
        if row.group in ("", "0"):
            items.append((None, [index]))
        elif row.group in groups:
            items[groups[row.group]][1].append(index)
        else:
            groups[row.group] = len(items)
            items.append((row.group, [index]))
    if any(row.errors for row in data.rows):
        return None, {}
    rule_items: list[Any] = []
    paths: list[dict[int, str]] = []
    for group, indexes in items:
        members = [conditions[i] for i in indexes]
        if group is None or len(members) == 1:
            rule_items.append(members[0])
            paths.append({indexes[0]: ""})
        else:
            rule_items.append({inner: members})
            paths.append({i: f".{inner}[{j}]" for j, i in enumerate(indexes)})
    if not rule_items:
        return empty_value, {}
    where: dict[str, int] = {}
    if len(rule_items) == 1:
        for index, suffix in paths[0].items():
            where[f"${suffix}"] = index
        return rule_items[0], where
    for position, mapping in enumerate(paths):
        for index, suffix in mapping.items():
            where[f"$.{combine}[{position}]{suffix}"] = index
    return {combine: rule_items}, where


def _row_of(path: str, where: dict[str, int]) -> int | None:
    """The row whose part of the rule ``path`` is in (longest matching prefix)."""
    best = None
    for prefix, index in where.items():
        if (path == prefix or path.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, index)
    return best[1] if best else None


# --- the widget and the field ------------------------------------------------------------------


class RuleEditorWidget(forms.Widget):
    """Condition rows, the combination, and the JSON in an "advanced" section."""

    template_name = "core/ui/rule_editor.html"

    def __init__(self, attrs=None, *, spare_rows: int = 3):
        super().__init__(attrs)
        self.facts: Mapping[str, EditorFact] = {}
        self.empty_value: Any = None
        self.spare_rows = spare_rows
        self._posted: tuple[Any, EditorInput] | None = None

    def value_from_datadict(self, data, files, name):
        # Parsed once per submitted data, so the errors the field puts on the rows while
        # cleaning are there when the same rows are rendered.
        if self._posted is not None and self._posted[0] is data:
            return self._posted[1]
        if f"{name}-combine" not in data and f"{name}-json" not in data:
            if name in data:  # the rule posted as JSON under the field's own name (scripts)
                return EditorInput(json_text=str(data[name]), use_json=True)
            return None
        try:
            total = min(int(data.get(f"{name}-TOTAL", "0")), 100)
        except ValueError:
            total = 0
        rows = [
            Row(
                fact=str(data.get(f"{name}-{i}-fact", "")).strip(),
                divisor=str(data.get(f"{name}-{i}-divisor", "")).strip(),
                op=str(data.get(f"{name}-{i}-op", "")).strip(),
                value=str(data.get(f"{name}-{i}-value", "")),
                group=str(data.get(f"{name}-{i}-group", "0")).strip() or "0",
            )
            for i in range(max(total, 0))
        ]
        posted = EditorInput(
            combine=str(data.get(f"{name}-combine", "and")),
            rows=rows,
            json_text=str(data.get(f"{name}-json", "")),
            use_json=data.get(f"{name}-use_json") in ("on", "1", "true"),
        )
        self._posted = (data, posted)
        return posted

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}-combine" not in data and f"{name}-json" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        editor = (
            value
            if isinstance(value, EditorInput)
            else rule_to_input(value, self.facts, empty_value=self.empty_value)
        )
        filled = [row for row in editor.rows if not row.blank or row.errors]
        rows = [*filled, *(Row() for _ in range(self.spare_rows))]
        fact_choices = [
            (code, f"{fact.label}（{_unit(fact)}）" if _unit(fact) else fact.label, _unit(fact))
            for code, fact in self.facts.items()
        ]
        context["editor"] = {
            "input": editor,
            "rows": [(i, row, self._row_unit(row)) for i, row in enumerate(rows)],
            "total": len(rows),
            "facts": fact_choices,
            "numeric_facts": [
                (code, label, unit)
                for code, label, unit in fact_choices
                if self.facts[code].kind in ("number", "money")
            ],
            "operators": OPERATOR_CHOICES,
            "combines": COMBINE_CHOICES,
            "groups": [str(g) for g in range(1, GROUPS + 1)],
            "inner": _("任一满足") if editor.combine == "and" else _("全部满足"),
        }
        return context

    def _row_unit(self, row: Row) -> str:
        if row.divisor:
            return "%"
        fact = self.facts.get(row.fact)
        return _unit(fact) if fact is not None else ""


def _unit(fact: EditorFact) -> str:
    if fact.kind == "money":
        return "万元"
    if fact.kind in ("flag", "choice", "set"):
        return ""
    return fact.unit


class RuleEditorField(forms.Field):
    """A JSON rule edited as conditions (see the module docstring).

    ``facts``: name -> what the fact is; ``check``: the engine's validation of the whole rule
    as (path, message) pairs; ``empty_value``: the rule when there is no condition (``True``
    for "every enterprise", ``None`` for "no rule")."""

    widget = RuleEditorWidget

    def __init__(
        self,
        *,
        facts: Mapping[str, EditorFact],
        check: Check | None = None,
        empty_value: Any = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.facts = facts
        self.check = check
        self.empty_value = empty_value
        self.widget.facts = facts
        self.widget.empty_value = empty_value

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.facts = self.facts
        result.widget.empty_value = self.empty_value
        return result

    def to_python(self, value):
        if not isinstance(value, EditorInput):
            return value
        if value.use_json:
            text = value.json_text.strip()
            if not text:
                return self.empty_value
            try:
                return json.loads(text)
            except ValueError as error:
                raise forms.ValidationError(
                    _("JSON 格式有误：%(error)s") % {"error": str(error)}, code="invalid_json"
                ) from error
        rule, where = input_to_rule(value, self.facts, empty_value=self.empty_value)
        if any(row.errors for row in value.rows):
            raise forms.ValidationError(_("请按提示修改标出的条件。"), code="condition")
        if self.check is not None and rule is not None and rule is not True:
            unplaced = []
            for path, message in self.check(rule):
                index = _row_of(path, where)
                if index is None:
                    unplaced.append(message)
                else:
                    value.rows[index].errors.append(message)
            if unplaced:
                raise forms.ValidationError(unplaced, code="rule")
            if any(row.errors for row in value.rows):
                raise forms.ValidationError(_("请按提示修改标出的条件。"), code="condition")
        return rule

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def bound_data(self, data, initial):
        return initial if data is None else data

    def has_changed(self, initial, data):
        # Cleaning annotates the rows; the services compare before and after themselves.
        return True
