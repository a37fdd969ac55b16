"""Forms of the enterprise directory pages: the record form and the list's filter form."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.models import Industry, Region
from kejin.core.ui.forms import BootstrapFormMixin, bootstrap_style
from kejin.enterprises.choices import EnterpriseSize
from kejin.enterprises.filters import EnterpriseFilterSet
from kejin.enterprises.models import Enterprise

# The order the record form shows its fields in; each form keeps only the editable ones.
ENTERPRISE_FORM_FIELDS = [
    "uscc",
    "name",
    "county",
    "zone",
    "industry",
    "founded_on",
    "size",
    "registered_capital",
    "legal_representative",
    "address",
    "contact_phone",
    "business_scope",
]


class EnterpriseForm(BootstrapFormMixin, forms.ModelForm):
    """Register or edit an enterprise, showing only the fields the acting user may set.

    ``editable_fields`` comes from ``enterprise_editable_fields``; the save itself goes through
    ``enterprise_create``/``enterprise_update`` in the view, which check the same rules again.
    A county officer can only pick their own county and its functional zones.
    """

    class Meta:
        model = Enterprise
        fields = ENTERPRISE_FORM_FIELDS
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "business_scope": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "uscc": _("18位，字母大小写和空格会自动规范。"),
            "registered_capital": _("单位：元，例如 5000000 表示 500 万元。"),
        }

    def __init__(self, *args, user, editable_fields: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in editable_fields:
                del self.fields[name]
        # county, zone and industry are the model's foreign keys: model choice fields.
        if "county" in self.fields:
            county = cast(forms.ModelChoiceField, self.fields["county"])
            counties = Region.objects.filter(level="county").order_by("code")
            if user.is_county_officer:
                counties = counties.filter(pk=user.county_id)
                county.empty_label = None
            else:
                county.empty_label = _("请选择县(市、区)")
            county.queryset = counties
        if "zone" in self.fields:
            zone = cast(forms.ModelChoiceField, self.fields["zone"])
            zones = Region.objects.filter(level="zone").order_by("code")
            if user.is_county_officer:
                zones = zones.filter(reports_to_id=user.county_id)
            elif "county" not in self.fields and self.instance.county_id:
                zones = zones.filter(reports_to_id=self.instance.county_id)
            zone.queryset = zones
            zone.empty_label = _("无")
        if "industry" in self.fields:
            industry = cast(forms.ModelChoiceField, self.fields["industry"])
            industry.queryset = Industry.objects.order_by("code")
            industry.empty_label = _("请选择行业")
        bootstrap_style(self)

    def clean_registered_capital(self):
        # Kept to the fen, as stored: "8000000" and "8000000.00" are the same amount, and the
        # audit trail must not record a change between them.
        capital = self.cleaned_data.get("registered_capital")
        return capital.quantize(Decimal("0.01")) if capital is not None else capital

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("zone")
        if "county" in self.fields:
            county = cleaned.get("county")
        else:
            county = self.instance.county if self.instance.county_id else None
        if zone is not None and county is not None and zone.reports_to_id != county.pk:
            self.add_error(
                "zone",
                _("功能区“%(zone)s”不属于%(county)s，请选择该县(市、区)的功能区或留空。")
                % {"zone": zone.name, "county": county.name},
            )
        return cleaned


def industry_filter_choices() -> list:
    """Industry sections with their divisions under them, for the list's industry filter.

    Picking a section lists the enterprises of every division in it.
    """
    rows = Industry.objects.filter(level__in=("section", "division")).values_list(
        "code", "name", "level", "parent__code"
    )
    sections: dict[str, str] = {}
    divisions: dict[str, list[tuple[str, str]]] = {}
    for code, name, level, parent_code in rows:
        if level == "section":
            sections[code] = name
        else:
            divisions.setdefault(parent_code or "", []).append((code, f"{code} {name}"))
    choices: list = [("", _("全部行业"))]
    for code in sorted(sections):
        group = [(code, _("%(code)s %(name)s（全部）") % {"code": code, "name": sections[code]})]
        group += sorted(divisions.get(code, []))
        choices.append((f"{code} {sections[code]}", group))
    orphans = sorted(divisions.get("", []))
    if orphans:
        choices.append((_("其他"), orphans))
    return choices


def enterprise_filter_form(*, user, data, queryset, refresh_url: str) -> forms.Form:
    """The list page's filter form: ``EnterpriseFilterSet``'s form, laid out for the page.

    Only the form is used here (``queryset`` is the selector's, never evaluated); the filtering
    itself happens in ``enterprise_list``. A county officer is offered only their own county.
    With HTMX, typing in the search box or picking a filter fetches ``refresh_url`` with the
    whole form; without JavaScript the form is a plain GET form.
    """
    form = EnterpriseFilterSet(data, queryset=queryset).form
    county = form.fields["county"]
    county.queryset = county.queryset.order_by("code")
    if user.is_county_officer:
        county.queryset = county.queryset.filter(pk=user.county_id)
    county.empty_label = _("全部县(市、区)")
    form.fields["industry"] = forms.ChoiceField(
        label=_("所属行业"), required=False, choices=industry_filter_choices()
    )
    size = form.fields["size"]
    size.empty_label = _("全部规模")
    size.choices = EnterpriseSize.choices  # re-bound, so that the widget sees the new label
    bootstrap_style(form)
    form.fields["q"].widget.input_type = "search"
    form.fields["q"].widget.attrs.update(
        {
            "placeholder": _("企业名称或统一社会信用代码"),
            "autocomplete": "off",
            "hx-get": refresh_url,
            "hx-trigger": "input changed delay:300ms, search",
            "hx-include": "closest form",
        }
    )
    for name in ("county", "industry", "size"):
        form.fields[name].widget.attrs.update(
            {"hx-get": refresh_url, "hx-trigger": "change", "hx-include": "closest form"}
        )
    return form
