"""Forms of the risk compensation fund's pages. They only collect input; the services check
it (amounts, sources, the loan) and their messages are shown beside the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.policies.choices import FundSource, RejectReason


class ContributionForm(forms.Form):
    source = forms.ChoiceField(label=_("资金来源"), choices=FundSource.choices)
    amount = forms.CharField(label=_("金额(元)"), max_length=32)
    on = forms.DateField(
        label=_("入账日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空为今天。"),
    )
    region = forms.ChoiceField(label=_("出资县(市、区)"), required=False)
    institution = forms.ChoiceField(label=_("合作机构"), required=False)
    memo = forms.CharField(label=_("摘要"), required=False, max_length=255)

    def __init__(self, *args, regions=(), institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—"), *regions]
        self.fields["institution"].choices = [("", "—"), *institutions]


class ClaimForm(forms.Form):
    fund = forms.ChoiceField(label=_("资金池"))
    loan = forms.ChoiceField(label=_("违约贷款"))
    principal_loss = forms.CharField(
        label=_("本金损失(元)"),
        required=False,
        max_length=32,
        help_text=_("留空按贷款余额计算；可填写小于余额的实际损失。"),
    )

    def __init__(self, *args, funds=(), loans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = list(funds)
        self.fields["loan"].choices = list(loans)


class ApproveForm(forms.Form):
    amount = forms.CharField(
        label=_("核准金额(元)"),
        required=False,
        max_length=32,
        help_text=_("留空按测算补偿金额全额核准。"),
    )
    comment = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("不予通过原因"), choices=RejectReason.choices)
    text = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))


class ResubmitForm(forms.Form):
    principal_loss = forms.CharField(
        label=_("本金损失(元)"), required=False, max_length=32, help_text=_("留空不变。")
    )


class RecoverForm(forms.Form):
    amount = forms.CharField(label=_("本次追偿回收(元)"), max_length=32)
    on = forms.DateField(
        label=_("回收日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    memo = forms.CharField(label=_("摘要"), required=False, max_length=255)
