"""Forms of the product pages: the product's terms (amounts typed in 万元), the eligibility
rule in the rule editor, worked cases as JSON; the officer's review comment; the filters.

The forms parse input; ``kejin.financing.services_products`` checks everything again (min ≤
max, ranges, codes, the rule) and its field messages are shown beside these fields.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.models import Region
from kejin.core.ui.forms import BootstrapFormMixin, form_choices_set, form_fields_lock
from kejin.financing.choices import CollateralKind, LeadStatus, ProductStatus, ProductType
from kejin.financing.product_rules import label_choices, product_rule_field, tier_choices
from kejin.financing.services_products import PRODUCT_FIELDS

WAN = Decimal(10_000)


class WorkedCasesField(forms.JSONField):
    """Worked cases as JSON, shown indented."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if not value:
            return ""
        return json.dumps(value, ensure_ascii=False, indent=2)


class ProductForm(BootstrapFormMixin, forms.Form):
    """A product's name, type and terms (one version's)."""

    name = forms.CharField(label=_("产品名称"), max_length=128)
    product_type = forms.ChoiceField(label=_("产品类型"), choices=ProductType.choices)
    amount_min = forms.DecimalField(
        label=_("最低金额（万元）"), min_value=0, max_digits=14, decimal_places=6
    )
    amount_max = forms.DecimalField(
        label=_("最高金额（万元）"), min_value=0, max_digits=14, decimal_places=6
    )
    term_min_months = forms.IntegerField(label=_("最短期限（月）"), min_value=1)
    term_max_months = forms.IntegerField(label=_("最长期限（月）"), min_value=1)
    rate_min = forms.DecimalField(
        label=_("最低年利率/费率（%）"), max_digits=6, decimal_places=3, min_value=0
    )
    rate_max = forms.DecimalField(
        label=_("最高年利率/费率（%）"),
        max_digits=6,
        decimal_places=3,
        min_value=0,
        help_text=_("贷款类产品填年利率；保证保险、科技保险填保费费率。"),
    )
    collateral_kinds = forms.MultipleChoiceField(
        label=_("接受的抵质押物"),
        choices=CollateralKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("企业须提供其中至少一种；不选表示无需抵质押。"),
    )
    guarantee_required = forms.BooleanField(label=_("需要担保"), required=False)
    counties = forms.ModelMultipleChoiceField(
        label=_("服务县(市、区)"),
        queryset=Region.objects.filter(level="county").order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全市。"),
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
        help_text=_("不选表示不限。"),
    )
    materials = forms.CharField(
        label=_("所需材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一项，如“营业执照”。"),
    )
    description = forms.CharField(
        label=_("产品介绍"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reference = forms.CharField(
        label=_("依据"),
        required=False,
        max_length=255,
        help_text=_("准入规则所依据的文件或条款，如本行《科技型企业信用贷款管理办法》第五条。"),
    )
    worked_cases = WorkedCasesField(
        label=_("算例"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_(
            '设置了准入规则时必填，提交审核前须全部通过。格式：[{"name": "员工20人", "facts": '
            '{"employees": 20}, "expect": {"condition.rule": true}}]'
        ),
    )

    def __init__(self, *args, published: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        form_choices_set(self, tiers=tier_choices(), labels=label_choices())
        self.fields["document"] = product_rule_field(
            help_text=str(_("企业须满足的条件；不设条件表示不另设门槛。"))
        )
        if published:
            form_fields_lock(self, PRODUCT_FIELDS, _("已发布过的产品不能修改名称和类型。"))

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as the services take it (amounts in yuan)."""
        data = dict(self.cleaned_data)
        for name in ("amount_min", "amount_max"):
            data[name] = (data[name] * WAN).quantize(Decimal("0.01"))
        data["counties"] = [region.pk for region in data["counties"]]
        data["materials"] = data["materials"].splitlines()
        if data.get("worked_cases") is None:
            data["worked_cases"] = []
        for name in PRODUCT_FIELDS:
            if self.fields[name].disabled:
                data.pop(name, None)
        return data


def product_form_initial(product, version) -> dict[str, Any]:
    """A form's initial values from ``product`` and the ``version`` being edited."""
    return {
        "name": product.name,
        "product_type": product.product_type,
        "amount_min": (version.amount_min / WAN).normalize(),
        "amount_max": (version.amount_max / WAN).normalize(),
        "term_min_months": version.term_min_months,
        "term_max_months": version.term_max_months,
        "rate_min": version.rate_min,
        "rate_max": version.rate_max,
        "collateral_kinds": version.collateral_kinds,
        "guarantee_required": version.guarantee_required,
        "counties": list(version.counties.all()),
        "tiers": version.tiers,
        "labels": version.labels,
        "materials": "\n".join(version.materials or []),
        "description": version.description,
        "reference": version.reference,
        "worked_cases": version.worked_cases,
        "document": version.document,
    }


class ReviewForm(BootstrapFormMixin, forms.Form):
    """An officer's review comment (required to return)."""

    comment = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回时必填，说明需要修改的地方；机构用户会收到通知。"),
    )


class ProductFilterForm(forms.Form):
    """The list's filters (the FilterSet filters; this only renders them)."""

    q = forms.CharField(label=_("产品名称"), required=False)
    type = forms.ChoiceField(
        label=_("产品类型"), required=False, choices=[("", _("全部类型")), *ProductType.choices]
    )
    county = forms.ChoiceField(label=_("服务县(市、区)"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *ProductStatus.choices]
    )
    institution = forms.ChoiceField(label=_("发布机构"), required=False)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        county = self.fields["county"]
        institution = self.fields["institution"]
        assert isinstance(county, forms.ChoiceField)
        assert isinstance(institution, forms.ChoiceField)
        county.choices = [
            ("", _("全部县(市、区)")),
            *Region.objects.filter(level="county").order_by("code").values_list("code", "name"),
        ]
        institution.choices = [("", _("全部机构")), *institutions]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )


class LeadMarkForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (LeadStatus.CONTACTED, LeadStatus.CONTACTED.label),
            (LeadStatus.DISMISSED, LeadStatus.DISMISSED.label),
        ]
    )
