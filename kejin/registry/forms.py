"""Forms of the list's pages: the filter form, overrides, runs, stages and labels.

The forms parse input; the services check permissions and rules again and write.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import CleanTextFormField
from kejin.core.text import text_problem
from kejin.core.ui.forms import bootstrap_style
from kejin.enterprises.filters import recognition_filter_choices
from kejin.enterprises.forms import enterprise_filter_form
from kejin.enterprises.recognition import rulesets
from kejin.registry.choices import OverrideKind
from kejin.registry.models import GrowthStage, Label
from kejin.registry.rule_labels import registry_rule_field, rule_fact_labels
from kejin.registry.services import (
    FIRST_EVALUATION_YEAR,
    REASON_MAX_LENGTH,
    registry_run_default_year,
)
from kejin.rules.describe import FactLabel
from kejin.rules.expressions import variables

REFRESH_FIELDS = ("stage", "on_list", "recognition")


def registry_filter_form(*, user, data, queryset, refresh_url: str) -> forms.Form:
    """The registry list's filter form: the enterprise list's form (search box, county,
    industry, size) plus stage, labels (all of the ticked ones), on-list status and a
    recognition result. Only the form is used here; ``registry_entry_list`` filters."""
    form = enterprise_filter_form(user=user, data=data, queryset=queryset, refresh_url=refresh_url)
    hx = {"hx-get": refresh_url, "hx-trigger": "change", "hx-include": "closest form"}

    stage = form.fields["stage"]
    label = form.fields["label"]
    # EnterpriseFilterSet declares these as model choice filters; narrowed for their attributes.
    assert isinstance(stage, forms.ModelChoiceField)
    assert isinstance(label, forms.ModelMultipleChoiceField)
    stage.queryset = GrowthStage.objects.order_by("order")
    stage.empty_label = _("全部阶段")

    label.queryset = Label.objects.order_by("order", "code")
    label.widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input", **hx})
    label.widget.choices = label.choices

    form.fields["on_list"] = forms.ChoiceField(
        label=_("在库状态"),
        required=False,
        choices=[("true", _("在库")), ("false", _("不在库")), ("", _("全部"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # The filter's own values (``EnterpriseFilterSet.recognition``), grouped by rule set.
    values = recognition_filter_choices()
    recognition: list = [("", _("全部认定结果"))]
    for ruleset in rulesets():
        group = [(value, text) for value, text in values if value.startswith(f"{ruleset.id}:")]
        recognition.append((ruleset.title, group))
    form.fields["recognition"] = forms.ChoiceField(
        label=_("认定结果"),
        required=False,
        choices=recognition,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    for name in REFRESH_FIELDS:
        form.fields[name].widget.attrs.update(hx)
    return form


class OverrideForm(forms.Form):
    """An officer's override on one enterprise: what it is about, the value, and why."""

    kind = forms.ChoiceField(
        label=_("调整事项"), choices=OverrideKind.choices, widget=forms.RadioSelect
    )
    value = forms.TypedChoiceField(
        label=_("调整为"),
        choices=[("1", _("纳入名单 / 具有该标签")), ("0", _("移出名单 / 不具有该标签"))],
        coerce=lambda v: v == "1",
        initial="1",
        required=False,
        help_text=_("调整名单或标签时适用；指定成长阶段时不需要。"),
    )
    stage = forms.ModelChoiceField(
        label=_("成长阶段"),
        queryset=GrowthStage.objects.order_by("order"),
        to_field_name="code",
        required=False,
        empty_label=_("请选择"),
        help_text=_("调整事项为成长阶段时必选。"),
    )
    label = forms.ModelChoiceField(
        label=_("标签"),
        queryset=Label.objects.order_by("order", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("请选择"),
        help_text=_("调整事项为标签时必选。"),
    )
    reason = CleanTextFormField(
        multiline=True,
        label=_("原因"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将记入名单变动记录，例如依据的文件、会议纪要或核实情况。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        if kind == OverrideKind.STAGE and not cleaned.get("stage"):
            self.add_error("stage", _("请选择要指定的成长阶段。"))
        if kind == OverrideKind.LABEL and not cleaned.get("label"):
            self.add_error("label", _("请选择要调整的标签。"))
        return cleaned


class LiftForm(forms.Form):
    """Why an override ends."""

    reason = CleanTextFormField(
        multiline=True,
        label=_("解除原因"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("解除后按规则重新判定该事项，并记入名单变动记录。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self)


class RunStartForm(forms.Form):
    """Preview, then start, a re-evaluation of the whole list for a data year (offered: the
    latest year with data for most enterprises)."""

    year = forms.IntegerField(label=_("数据年度"), min_value=FIRST_EVALUATION_YEAR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        year = self.fields["year"]
        year.validators.append(
            MaxValueValidator(this_year, message=_("数据年度不能晚于%(limit_value)s年。"))
        )
        year.widget.attrs["max"] = this_year
        year.initial = registry_run_default_year()
        bootstrap_style(self)


class RuleField(forms.JSONField):
    """A rule as JSON, shown indented for reading."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if value is None:
            return ""
        return json.dumps(value, ensure_ascii=False, indent=2)


def _valid_from_field() -> forms.DateField:
    field = forms.DateField(
        label=_("新规则生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        help_text=_(
            "规则有改动时，存为自该日起生效的草稿版本（留空为今天）；添加算例并全部通过后才能启用。"
        ),
    )
    return field


class GrowthStageForm(forms.ModelForm):
    """A stage's name, rule and reference; its code and order stay."""

    criteria = RuleField(
        label=_("判定规则"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_("JSON 规则（JsonLogic 子集），只能使用下方数据目录中的数据项。"),
    )

    class Meta:
        model = GrowthStage
        fields = ["name", "criteria", "description", "reference"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self)
        self.fields["criteria"] = registry_rule_field(
            required=True, empty_value=True, help_text=_("不设条件表示所有企业（最后一个阶段）。")
        )
        self.fields["valid_from"] = _valid_from_field()


class LabelForm(forms.ModelForm):
    """A label: code (new labels only), name, order, rule (empty: given by officers) and
    reference."""

    criteria = RuleField(
        label=_("判定规则"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_("留空表示人工认定的标签（由工作人员通过人工调整授予）。"),
    )

    class Meta:
        model = Label
        fields = ["code", "name", "order", "criteria", "description", "reference"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"code": _("创建后不能修改；小写字母、数字和下划线，如 specialised_sme。")}

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["code"]
        bootstrap_style(self)
        self.fields["criteria"] = registry_rule_field(
            required=False, empty_value=None, help_text=self.fields["criteria"].help_text
        )
        self.fields["valid_from"] = _valid_from_field()

    def validate_unique(self):
        """Left to the service, which reports a taken code in its own words."""


# --- rule versions: validity and worked cases ---------------------------------------------

#: Blank rows offered under a draft's worked cases.
CASE_SPARE_ROWS = 3
_WAN = Decimal(10_000)
_EXPECT = {"true": True, "false": False}


class RuleVersionForm(forms.Form):
    """A draft version's validity and source clause (its rule is edited on the stage's or
    label's page; its worked cases in the table below the form)."""

    valid_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("失效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("留空表示长期有效，直至启用新版本。"),
    )
    reference = CleanTextFormField(
        label=_("依据条款"),
        max_length=255,
        required=False,
        help_text=_("规则所依据的文件及条款，如《某某办法》第六条。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self)


@dataclass
class CaseRow:
    """One worked case as shown or posted: name, a value per fact (as typed), the expected
    outcome (``true``/``false``) and its problems."""

    index: int
    name: str = ""
    values: list[tuple[str, str]] = field(default_factory=list)
    expect: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return (
            not self.name.strip()
            and not any(v.strip() for _f, v in self.values)
            and not self.expect
        )


def _shown(value: Any, fact: FactLabel) -> str:
    if value is None:
        return ""
    if fact.kind == "flag":
        return str(_("是")) if value else str(_("否"))
    if fact.kind == "money" and isinstance(value, (int, float)):
        return format((Decimal(str(value)) / _WAN).normalize(), "f")
    if fact.kind == "set" and isinstance(value, list):
        return "、".join(str(fact.choices.get(v, v)) for v in value)
    if fact.kind == "choice":
        return str(fact.choices.get(value, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parsed(text: str, fact: FactLabel) -> Any:
    """A typed value as the fact's stored value; ValueError with the message to show."""
    text = text.strip()
    problem = text_problem(text)
    if problem:
        raise ValueError(_("“%(fact)s”：%(problem)s") % {"fact": fact.label, "problem": problem})
    if fact.kind == "flag":
        if text in ("是", "true", "1"):
            return True
        if text in ("否", "false", "0"):
            return False
        raise ValueError(_("“%(fact)s”请选择“是”或“否”。") % {"fact": fact.label})
    if fact.kind == "choice":
        by_name = {str(name): code for code, name in fact.choices.items()}
        return by_name.get(text, text)
    if fact.kind == "set":
        by_name = {str(name): code for code, name in fact.choices.items()}
        return [by_name.get(part, part) for part in re.split(r"[、,，\s]+", text) if part]
    cleaned = text.replace(",", "")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cleaned):
        raise ValueError(
            _("“%(fact)s”的值“%(value)s”不是数字。") % {"fact": fact.label, "value": text}
        )
    number = Decimal(cleaned) * (_WAN if fact.kind == "money" else 1)
    return int(number) if number == number.to_integral_value() else float(number)


def worked_case_facts(version) -> list[tuple[str, FactLabel]]:
    """The facts a version's rule reads, each with how it reads (the table's columns)."""
    labels = rule_fact_labels()
    rule = version.rule()
    names = sorted(variables(rule)) if isinstance(rule, dict) else []
    return [(name, labels.get(name) or FactLabel(name)) for name in names]


def worked_case_rows(version, facts: list[tuple[str, FactLabel]]) -> list[CaseRow]:
    """A version's worked cases as table rows, plus blank ones for a draft."""
    rows = [
        CaseRow(
            index=i,
            name=case.get("name", ""),
            values=[(name, _shown(case.get("facts", {}).get(name), fact)) for name, fact in facts],
            expect={True: "true", False: "false"}.get(
                case.get("expect", {}).get("condition.rule"), ""
            ),
        )
        for i, case in enumerate(version.worked_cases or [])
    ]
    if version.is_draft:
        rows += [
            CaseRow(index=len(rows) + i, values=[(name, "") for name, _fact in facts])
            for i in range(CASE_SPARE_ROWS)
        ]
    return rows


def worked_cases_parse(
    data, facts: list[tuple[str, FactLabel]]
) -> tuple[list[dict], list[CaseRow]]:
    """The worked cases posted (``case-TOTAL``, ``case-<i>-name``, ``case-<i>-<fact>``,
    ``case-<i>-expect``) and the rows as posted, with their problems; blank rows are left out."""
    try:
        total = min(int(data.get("case-TOTAL", "0")), 200)
    except ValueError:
        total = 0
    cases, rows = [], []
    for i in range(max(total, 0)):
        row = CaseRow(
            index=i,
            name=str(data.get(f"case-{i}-name", "")).strip(),
            values=[(name, str(data.get(f"case-{i}-{name}", ""))) for name, _fact in facts],
            expect=str(data.get(f"case-{i}-expect", "")),
        )
        rows.append(row)
        if row.blank:
            continue
        values: dict[str, Any] = {}
        for (name, fact), (_name, text) in zip(facts, row.values, strict=True):
            if not text.strip():
                continue  # not given: the fact is unknown in this case
            try:
                values[name] = _parsed(text, fact)
            except ValueError as error:
                row.errors.append(str(error))
        name_problem = text_problem(row.name)
        if not row.name:
            row.errors.append(str(_("请填写算例名称。")))
        elif name_problem:
            row.errors.append(str(_("算例名称：%(problem)s") % {"problem": name_problem}))
        if row.expect not in _EXPECT:
            row.errors.append(str(_("请选择预期结果（成立或不成立）。")))
        if not row.errors:
            cases.append(
                {
                    "name": row.name,
                    "facts": values,
                    "expect": {"condition.rule": _EXPECT[row.expect]},
                }
            )
    return cases, rows
