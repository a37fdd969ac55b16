"""Page forms of tech insurance: a policy an insurer records or corrects, a group scheme an
officer defines. They parse input only; the services decide
(``kejin.policies.services_insurance``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.ui.forms import BootstrapFormMixin
from kejin.policies.choices import InsuranceLine

_DATE = forms.DateInput(attrs={"type": "date"})


def _money(label, *, required=True):
    return forms.DecimalField(
        label=label, required=required, min_value=0, max_digits=16, decimal_places=2
    )


class InsurancePolicyForm(BootstrapFormMixin, forms.Form):
    uscc = forms.CharField(
        label=_("投保企业统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("填写统一社会信用代码，或在下一栏填写企业全称。"),
    )
    enterprise_name = forms.CharField(label=_("投保企业全称"), max_length=128, required=False)
    line = forms.ChoiceField(label=_("险种"), choices=InsuranceLine.choices)
    number = forms.CharField(label=_("保单号"), max_length=64)
    premium = _money(_("保费(元)"))
    sum_insured = _money(_("保险金额(元)"), required=False)
    starts_on = forms.DateField(label=_("保险起期"), widget=_DATE)
    ends_on = forms.DateField(label=_("保险止期"), widget=_DATE)

    @classmethod
    def initial_of(cls, policy) -> dict:
        """The form's values for correcting ``policy``."""
        return {
            "uscc": policy.enterprise.uscc,
            "line": policy.line,
            "number": policy.number,
            "premium": policy.premium,
            "sum_insured": policy.sum_insured,
            "starts_on": policy.starts_on,
            "ends_on": policy.ends_on,
        }


class GroupSchemeForm(BootstrapFormMixin, forms.Form):
    policy: forms.ModelChoiceField = forms.ModelChoiceField(label=_("所依据政策"), queryset=None)
    name = forms.CharField(label=_("统保方案名称"), max_length=128)
    insurer: forms.ModelChoiceField = forms.ModelChoiceField(label=_("承保机构"), queryset=None)
    line = forms.ChoiceField(label=_("险种"), choices=InsuranceLine.choices)
    premium_per_head = _money(_("每户保费(元)"))
    sum_insured_per_head = _money(_("每户保险金额(元)"), required=False)
    starts_on = forms.DateField(label=_("保险起期"), widget=_DATE)
    ends_on = forms.DateField(label=_("保险止期"), widget=_DATE)

    def __init__(self, *args, policies, insurers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = policies
        self.fields["insurer"].queryset = insurers

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["policy"] = data["policy"].pk
        data["insurer"] = data["insurer"].pk
        return data
