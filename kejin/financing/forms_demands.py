"""Page forms of demands. They parse input; the services check and decide (their field
messages are shown beside the fields: ``collaterals.<i>.<field>`` → ``collateral_<i>_<field>``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import CleanTextFormField
from kejin.core.ui.forms import BootstrapFormMixin, MultipleFileField
from kejin.financing.choices import CollateralKind, ProductType, RejectionReason, Urgency

#: Collateral rows the posting page offers.
COLLATERAL_ROWS = 3


class DemandForm(BootstrapFormMixin, forms.Form):
    amount = forms.CharField(
        label=_("融资金额（元）"), required=False, help_text=_("例如 1000000 表示100万元。")
    )
    term_months = forms.CharField(label=_("期限（月）"), required=False)
    purpose = CleanTextFormField(
        label=_("资金用途"),
        multiline=True,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_types = forms.MultipleChoiceField(
        label=_("意向产品类型"),
        choices=ProductType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_rate = forms.CharField(
        label=_("可接受最高年利率（%）"), required=False, help_text=_("不限请留空。")
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    guarantor_ok = forms.BooleanField(label=_("接受担保机构介入"), required=False, initial=True)
    contact_name = CleanTextFormField(label=_("联系人"), required=False, max_length=64)
    contact_phone = CleanTextFormField(label=_("联系电话"), required=False, max_length=32)
    attachments = MultipleFileField(
        label=_("附件"), help_text=_("可选，最多5个PDF、JPG或PNG文件，每个不超过10 MB。")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(COLLATERAL_ROWS):
            self.fields[f"collateral_{i}_kind"] = forms.ChoiceField(
                label=_("抵质押物%(n)s 类别") % {"n": i + 1},
                choices=[("", "—"), *CollateralKind.choices],
                required=False,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"collateral_{i}_number"] = CleanTextFormField(
                label=_("编号（专利号等）"),
                required=False,
                max_length=64,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.fields[f"collateral_{i}_debtor"] = CleanTextFormField(
                label=_("债务人（应收账款）"),
                required=False,
                max_length=128,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.fields[f"collateral_{i}_amount"] = forms.CharField(
                label=_("金额/估值（元）"),
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def collateral_rows(self) -> list[list]:
        """The collateral fields of each row, for the template."""
        return [
            [self[f"collateral_{i}_{name}"] for name in ("kind", "number", "debtor", "amount")]
            for i in range(COLLATERAL_ROWS)
        ]

    def main_fields(self) -> list:
        return [f for f in self if not f.name.startswith("collateral_")]

    def demand_data(self) -> dict:
        """What the service takes (collateral rows left empty are skipped)."""
        data = {
            name: self.cleaned_data.get(name)
            for name in (
                "amount",
                "term_months",
                "purpose",
                "preferred_types",
                "max_rate",
                "urgency",
                "guarantor_ok",
                "contact_name",
                "contact_phone",
            )
        }
        data["collaterals"] = [
            {
                name: self.cleaned_data.get(f"collateral_{i}_{name}") or ""
                for name in ("kind", "number", "debtor", "amount")
            }
            for i in range(COLLATERAL_ROWS)
            if self.cleaned_data.get(f"collateral_{i}_kind")
        ]
        return data

    @staticmethod
    def field_name(service_field: str, rows: list[int]) -> str:
        """The form field of a service's field name (collateral rows renumbered)."""
        if service_field.startswith("collaterals."):
            parts = service_field.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                return f"collateral_{rows[int(parts[1])]}_{parts[2]}"
        return service_field


class ApproveForm(BootstrapFormMixin, forms.Form):
    amount = forms.CharField(label=_("批准金额（元）"), required=False)
    rate = forms.CharField(label=_("批准年利率（%）"), required=False)


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("拒绝原因"), choices=[("", "—"), *RejectionReason.choices], required=False
    )
    text = CleanTextFormField(
        label=_("拒绝说明（企业可见）"),
        multiline=True,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GuaranteeRequestForm(BootstrapFormMixin, forms.Form):
    guarantor = forms.ChoiceField(label=_("融资担保公司"), required=False)

    def __init__(self, *args, guarantors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guarantor"].choices = [("", "—"), *((g.pk, g.name) for g in guarantors)]
