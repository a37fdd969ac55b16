"""Forms of the institution directory pages: the record form and the list's filter form."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kejin.core.ui.forms import BootstrapFormMixin, bootstrap_style
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.filters import InstitutionFilterSet
from kejin.institutions.models import Institution
from kejin.institutions.selectors import institution_list

INSTITUTION_FORM_FIELDS = [
    "uscc",
    "name",
    "kind",
    "parent",
    "county",
    "registered_capital",
    "address",
    "contact_phone",
]


class InstitutionForm(BootstrapFormMixin, forms.ModelForm):
    """Add or edit an institution, showing only the fields the acting user may set.

    ``editable_fields`` comes from ``institution_editable_fields``; the save goes through
    ``institution_create``/``institution_update`` in the view. The parent is picked from the
    institutions the user may see, never the institution itself or one of its own branches.
    """

    class Meta:
        model = Institution
        fields = INSTITUTION_FORM_FIELDS
        help_texts = {
            "uscc": _("18位，字母大小写和空格会自动规范。"),
            "registered_capital": _("单位：元，例如 100000000 表示 1 亿元；分支机构可不填。"),
            "parent": _("分支机构选择其上级机构；总部或独立法人留空。"),
        }

    def __init__(self, *args, user, editable_fields: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in editable_fields:
                del self.fields[name]
        if "parent" in self.fields:
            parents = institution_list(user=user).order_by("name", "pk")
            if self.instance.pk:
                parents = parents.exclude(pk=self.instance.pk)
            parent = cast(forms.ModelChoiceField, self.fields["parent"])
            parent.queryset = parents
            parent.empty_label = _("无（总部或独立法人）")
        if "county" in self.fields:
            county = cast(forms.ModelChoiceField, self.fields["county"])
            county.queryset = cast(QuerySet, county.queryset).order_by("code")
            county.empty_label = _("请选择所在地")
        if "kind" in self.fields:
            kind = cast(forms.ChoiceField, self.fields["kind"])
            kind.choices = [("", _("请选择机构类型")), *InstitutionKind.choices]
        bootstrap_style(self)

    def clean_registered_capital(self):
        # Kept to the fen, as stored, so that the audit trail records no change for "1" → "1.00".
        capital = self.cleaned_data.get("registered_capital")
        return capital.quantize(Decimal("0.01")) if capital is not None else capital

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None or not self.instance.pk:
            return parent
        # Walk up from the chosen parent: meeting this institution would make a loop.
        seen = set()
        ancestor = parent
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == self.instance.pk:
                raise forms.ValidationError(
                    _("“%(parent)s”是本机构的下级机构，不能作为上级机构。"),
                    params={"parent": parent.name},
                    code="parent_cycle",
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        return parent


def institution_filter_form(*, data, queryset, refresh_url: str) -> forms.Form:
    """The list page's filter form: ``InstitutionFilterSet``'s form, laid out for the page.

    Only the form is used here (``queryset`` is the selector's, never evaluated); the filtering
    itself happens in ``institution_list``. With HTMX, typing or picking fetches
    ``refresh_url`` with the whole form; without JavaScript it is a plain GET form.
    """
    form = InstitutionFilterSet(data, queryset=queryset).form
    county = form.fields["county"]
    county.queryset = county.queryset.order_by("code")
    county.empty_label = _("全部地区")
    kind = form.fields["kind"]
    kind.empty_label = _("全部类型")
    kind.choices = InstitutionKind.choices  # re-bound, so that the widget sees the new label
    bootstrap_style(form)
    form.fields["q"].widget.input_type = "search"
    form.fields["q"].widget.attrs.update(
        {
            "placeholder": _("机构名称或统一社会信用代码"),
            "autocomplete": "off",
            "hx-get": refresh_url,
            "hx-trigger": "input changed delay:300ms, search",
            "hx-include": "closest form",
        }
    )
    for name in ("kind", "county"):
        form.fields[name].widget.attrs.update(
            {"hx-get": refresh_url, "hx-trigger": "change", "hx-include": "closest form"}
        )
    return form
