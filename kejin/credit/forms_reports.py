"""Forms of the consent workflow's pages: they parse input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.ui.forms import BootstrapFormMixin
from kejin.credit.choices import ReportPurpose
from kejin.credit.selectors_reports import report_categories_requestable
from kejin.credit.services_reports import (
    REASON_MAX_LENGTH,
    grant_default_until,
    grant_latest_until,
)


class ReportRequestForm(BootstrapFormMixin, forms.Form):
    """An institution's request: which enterprise (by credit code), why, which categories."""

    uscc = forms.CharField(
        label=_("被查询企业的统一社会信用代码"),
        max_length=32,
        help_text=_("18位统一社会信用代码，请向企业索取"),
    )
    purpose = forms.ChoiceField(label=_("查询用途"), choices=ReportPurpose.choices)
    categories = forms.ModelMultipleChoiceField(
        label=_("申请查询的类别"),
        queryset=report_categories_requestable(),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("申请说明"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportGrantForm(BootstrapFormMixin, forms.Form):
    """The enterprise's grant: which of the requested categories, until which day."""

    categories: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("授权查询的类别"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    valid_until = forms.DateField(
        label=_("授权有效期至"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("含当日；默认90天，最长一年"),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        requested = request.categories.all()
        self.fields["categories"].queryset = requested
        self.fields["categories"].initial = [c.pk for c in requested]
        self.fields["valid_until"].initial = grant_default_until()
        self.fields["valid_until"].widget.attrs["max"] = grant_latest_until().isoformat()


class ReasonForm(BootstrapFormMixin, forms.Form):
    """A reason (refusing a request, revoking a grant)."""

    reason = forms.CharField(
        label=_("理由"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class PublicSearchForm(forms.Form):
    """The public credit page's search: a name or a credit code."""

    q = forms.CharField(label=_("企业名称或统一社会信用代码"), max_length=64, required=False)
