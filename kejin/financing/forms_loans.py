"""Page forms of loans: a repayment, a status change, an import file. They parse input only;
the services decide (``kejin.financing.services_loans``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.ui.forms import BootstrapFormMixin
from kejin.financing.choices import LoanStatus


class LoanRepaymentForm(BootstrapFormMixin, forms.Form):
    paid_on = forms.DateField(label=_("还款日期"), widget=forms.DateInput(attrs={"type": "date"}))
    principal = forms.DecimalField(
        label=_("归还本金(元)"), min_value=0, max_digits=16, decimal_places=2, initial=0
    )
    interest = forms.DecimalField(
        label=_("支付利息(元)"), min_value=0, max_digits=16, decimal_places=2, initial=0
    )


class LoanStatusForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=LoanStatus.choices)
    effective_on = forms.DateField(
        label=_("生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填为今天"),
    )
    note = forms.CharField(label=_("说明"), max_length=255, required=False)


class LoanImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("导入文件"),
        help_text=_(
            "xlsx 或 csv，表头：合同编号、日期、归还本金(元)、支付利息(元)、贷款状态、说明"
        ),
    )
