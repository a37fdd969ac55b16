"""Forms of the list's pages: the filter form, overrides, runs, stages and labels.

The forms parse input; the services check permissions and rules again and write.
"""

from __future__ import annotations

import json

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.ui.forms import bootstrap_style
from kejin.enterprises.forms import enterprise_filter_form
from kejin.enterprises.recognition import rulesets
from kejin.registry.choices import OverrideKind
from kejin.registry.models import GrowthStage, Label
from kejin.registry.rule_labels import registry_rule_field
from kejin.registry.services import (
    FIRST_EVALUATION_YEAR,
    REASON_MAX_LENGTH,
    registry_run_default_year,
)

REFRESH_FIELDS = ("stage", "on_list", "recognition")


def registry_filter_form(*, user, data, queryset, refresh_url: str) -> forms.Form:
    """The registry list's filter form: the enterprise list's form (search box, county,
    industry, size) plus stage, labels (all of the ticked ones), on-list status and a
    recognition result. Only the form is used here; ``registry_entry_list`` filters."""
    form = enterprise_filter_form(user=user, data=data, queryset=queryset, refresh_url=refresh_url)
    hx = {"hx-get": refresh_url, "hx-trigger": "change", "hx-include": "closest form"}

    stage = form.fields["stage"]
    stage.queryset = GrowthStage.objects.order_by("order")
    stage.empty_label = _("全部阶段")

    label = form.fields["label"]
    label.queryset = Label.objects.order_by("order", "code")
    label.widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input", **hx})
    label.widget.choices = label.choices

    form.fields["on_list"] = forms.ChoiceField(
        label=_("在库状态"),
        required=False,
        choices=[("true", _("在库")), ("false", _("不在库")), ("", _("全部"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    recognition: list = [("", _("全部认定结果"))]
    for ruleset in rulesets():
        group = [
            (value, text)
            for value, text in form.fields["recognition"].choices
            if value.startswith(f"{ruleset.id}:")
        ]
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
    reason = forms.CharField(
        label=_("原因"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将记入名单变动记录，例如依据的文件、会议纪要或核实情况。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == OverrideKind.STAGE and not cleaned.get("stage"):
            self.add_error("stage", _("请选择要指定的成长阶段。"))
        if kind == OverrideKind.LABEL and not cleaned.get("label"):
            self.add_error("label", _("请选择要调整的标签。"))
        return cleaned


class LiftForm(forms.Form):
    """Why an override ends."""

    reason = forms.CharField(
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

    def validate_unique(self):
        """Left to the service, which reports a taken code in its own words."""
