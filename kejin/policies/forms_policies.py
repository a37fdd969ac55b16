"""Forms of the policy pages: the policy's text and a version's terms (amounts typed in
万元, the eligibility rule in the rule editor, parameters, formula, inputs and worked cases
as JSON); attachments; subscriptions; the list's filters.

The forms parse input; ``kejin.policies.services_policies`` checks everything again (codes,
amounts, the rule and the formula by the engine) and its field messages are shown beside
these fields.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.models import Region
from kejin.core.ui.forms import (
    BootstrapFormMixin,
    MultipleFileField,
    form_choices_set,
    form_fields_lock,
)
from kejin.policies.choices import ApplicationPeriod, ApplicationStep, PolicyScheme, PolicyStatus
from kejin.policies.models import PolicyCategory
from kejin.policies.policy_rules import label_choices, policy_rule_field, tier_choices
from kejin.policies.policy_terms import MONEY_FIELDS, POLICY_FIELDS

WAN = Decimal(10_000)


class JSONTextField(forms.JSONField):
    """A JSON value shown indented (parameters, formula, inputs, worked cases)."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if value in (None, "", [], {}):
            return ""
        return json.dumps(value, ensure_ascii=False, indent=2)


def _json(label, help_text, rows=4):
    return JSONTextField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(
            attrs={"rows": rows, "class": "font-monospace", "spellcheck": "false"}
        ),
    )


def _wan(label, help_text=""):
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=6,
        help_text=help_text,
    )


def _counties():
    return Region.objects.filter(level="county").order_by("code")


class PolicyForm(BootstrapFormMixin, forms.Form):
    """A policy's text and one version's terms."""

    title = forms.CharField(label=_("政策名称"), max_length=200)
    doc_number = forms.CharField(label=_("文号"), max_length=64, required=False)
    issuers = forms.CharField(
        label=_("发文部门"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个，如“嘉兴市科学技术局”。"),
    )
    region = forms.ModelChoiceField(
        label=_("发布地区"),
        queryset=_counties(),
        required=False,
        empty_label=_("全市"),
        help_text=_("县(市、区)的政策选择所在县；全市政策选“全市”。"),
    )
    scheme = forms.ChoiceField(label=_("兑现方式"), choices=PolicyScheme.choices)
    categories = forms.ModelMultipleChoiceField(
        label=_("政策类别"),
        queryset=PolicyCategory.objects.order_by("order", "code"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("订阅了这些类别的企业会在发布时收到通知。"),
    )
    valid_from = forms.DateField(
        label=_("有效期起"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("有效期止"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填表示长期有效。"),
    )
    summary = forms.CharField(
        label=_("政策摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    full_text = forms.CharField(
        label=_("政策全文"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    effective_from = forms.DateField(
        label=_("本版本生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填：首个版本自有效期起生效，新版本自起草当日生效。"),
    )
    counties = forms.ModelMultipleChoiceField(
        label=_("适用县(市、区)"),
        queryset=_counties(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限。"),
    )
    tiers = forms.MultipleChoiceField(
        label=_("适用成长阶段"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限。"),
    )
    labels = forms.MultipleChoiceField(
        label=_("适用名单标签"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限；选择多个时企业具有其中之一即可。"),
    )
    parameters = _json(
        _("参数"),
        _(
            '条件和公式中写 {"param": "名称"} 引用。格式：{"rate": {"value": 0.5, "reference": '
            '"第五条", "label": "补助比例"}}'
        ),
    )
    inputs = _json(
        _("申报字段"),
        _(
            '企业申报时填写的字段，公式中写 {"var": "input.名称"} 引用。格式：[{"name": "premium", '
            '"label": "实缴保费", "kind": "money", "required": true, "typical": 50000}]，'
            "kind 为 money、number、text 或 date；typical 为影响测算采用的典型值。"
        ),
    )
    benefit_formula = _json(
        _("支持金额公式"),
        _(
            '按元计算，如 {"*": [{"var": "input.premium"}, {"param": "rate"}]}；不填表示由审核部门核定金额。'
        ),
    )
    benefit_reference = forms.CharField(label=_("支持标准依据条款"), max_length=255, required=False)
    cap_per_enterprise_year = _wan(_("每家企业每年上限（万元）"))
    cap_per_loan = _wan(_("单笔贷款上限（万元）"))
    cap_per_institution_year = _wan(_("每家机构每年上限（万元）"))
    budget = _wan(_("年度资金预算（万元）"))
    period = forms.ChoiceField(label=_("申报周期"), choices=ApplicationPeriod.choices)
    deadline_accept = forms.IntegerField(
        label=_("受理时限（工作日）"), required=False, min_value=1, max_value=60
    )
    deadline_decide = forms.IntegerField(
        label=_("审核核定时限（工作日）"), required=False, min_value=1, max_value=60
    )
    deadline_pay = forms.IntegerField(
        label=_("资金兑付时限（工作日）"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("不填采用平台默认时限。"),
    )
    reference = forms.CharField(
        label=_("申报条件依据条款"),
        max_length=255,
        required=False,
        help_text=_("如《嘉兴市科技企业研发投入补助办法》第三条。"),
    )
    worked_cases = _json(
        _("算例"),
        _(
            '设置了申报条件时必填，发布前须全部通过。格式：[{"name": "员工20人", "facts": '
            '{"employees": 20}, "expect": {"condition.rule": true}}]'
        ),
        rows=6,
    )
    notes = forms.CharField(
        label=_("版本说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, published: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        form_choices_set(self, tiers=tier_choices(), labels=label_choices())
        self.fields["document"] = policy_rule_field(
            help_text=str(_("企业须满足的条件；不设条件表示适用范围内的企业均可申报。"))
        )
        if published:
            form_fields_lock(self, POLICY_FIELDS, _("已发布的政策不能修改政策文本和基本信息。"))

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as the services take it (amounts in yuan, codes and ids)."""
        data = dict(self.cleaned_data)
        for name in MONEY_FIELDS:
            if data.get(name) is not None:
                data[name] = (data[name] * WAN).quantize(Decimal("0.01"))
        data["issuers"] = data["issuers"].splitlines()
        data["region"] = data["region"].pk if data.get("region") else None
        data["categories"] = [c.code for c in data["categories"]]
        data["counties"] = [r.pk for r in data["counties"]]
        data["deadline_days"] = {
            step: data.pop(f"deadline_{step}")
            for step in ApplicationStep.values
            if data.get(f"deadline_{step}") is not None
        }
        for step in ApplicationStep.values:
            data.pop(f"deadline_{step}", None)
        for name in ("parameters", "inputs", "worked_cases"):
            if data.get(name) is None:
                data[name] = {} if name == "parameters" else []
        for name in POLICY_FIELDS:
            if self.fields[name].disabled:
                data.pop(name, None)
        return data


def policy_form_initial(policy, version) -> dict[str, Any]:
    """A form's initial values from ``policy`` and the ``version`` being edited."""
    initial: dict[str, Any] = {
        "title": policy.title,
        "doc_number": policy.doc_number,
        "issuers": "\n".join(policy.issuers or []),
        "region": policy.region_id,
        "scheme": policy.scheme,
        "categories": list(policy.categories.all()),
        "valid_from": policy.valid_from,
        "valid_to": policy.valid_to,
        "summary": policy.summary,
        "full_text": policy.full_text,
        "effective_from": version.valid_from,
        "counties": list(version.counties.all()),
        "tiers": version.tiers,
        "labels": version.labels,
        "parameters": version.parameters,
        "inputs": version.inputs,
        "benefit_formula": version.benefit_formula,
        "benefit_reference": version.benefit_reference,
        "period": version.period,
        "reference": version.reference,
        "worked_cases": version.worked_cases,
        "notes": version.notes,
        "document": version.document,
    }
    for name in MONEY_FIELDS:
        value = getattr(version, name)
        initial[name] = None if value is None else (value / WAN).normalize()
    for step in ApplicationStep.values:
        initial[f"deadline_{step}"] = (version.deadline_days or {}).get(step)
    return initial


class CommentForm(BootstrapFormMixin, forms.Form):
    """The officer's note on publishing or expiring."""

    comment = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(BootstrapFormMixin, forms.Form):
    attachments = MultipleFileField(
        label=_("上传附件"), help_text=_("最多5个PDF、JPG或PNG文件，每个不超过10 MB。")
    )


class SubscriptionForm(BootstrapFormMixin, forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("订阅的政策类别"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("这些类别有新政策发布时，本企业的用户会收到通知。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(
            PolicyCategory.objects.order_by("order", "code").values_list("code", "name")
        )


class PolicyFilterForm(forms.Form):
    """The list's search and filters (the selector filters; this only renders them)."""

    q = forms.CharField(label=_("搜索"), required=False)
    category = forms.ChoiceField(label=_("政策类别"), required=False)
    scheme = forms.ChoiceField(
        label=_("兑现方式"), required=False, choices=[("", _("全部方式")), *PolicyScheme.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *PolicyStatus.choices]
    )
    region = forms.ChoiceField(label=_("发布地区"), required=False)
    issuer = forms.CharField(label=_("发文部门"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        region = self.fields["region"]
        assert isinstance(category, forms.ChoiceField)
        assert isinstance(region, forms.ChoiceField)
        category.choices = [
            ("", _("全部类别")),
            *PolicyCategory.objects.order_by("order", "code").values_list("code", "name"),
        ]
        region.choices = [
            ("", _("全部地区")),
            ("city", _("全市")),
            *_counties().values_list("code", "name"),
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
