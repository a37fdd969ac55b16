"""Forms of the profile pages: one year's facts, a certificate, the year pickers.

Forms parse and show; the services (``annual_facts_save``, ``certificate_*``) check the same
rules again and write.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.ui.forms import BootstrapFormMixin, bootstrap_style
from kejin.enterprises.facts import CATALOGUE
from kejin.enterprises.models import AnnualFacts, Certificate
from kejin.enterprises.profile.display import FACT_GROUPS, provenance_display
from kejin.enterprises.profile.selectors import FACT_NAMES
from kejin.enterprises.validation import FACT_BOUNDS, MONEY, FactError, fact_parse


class _FlagSelect(forms.NullBooleanSelect):
    """是 / 否 / 未填报 (empty: not known, which is not the same as 否)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", _("未填报")), ("true", _("是")), ("false", _("否")))


class FactValueField(forms.Field):
    """A count, score or amount of the annual facts, parsed and bounded by the one validator
    (``kejin.enterprises.validation.fact_parse``), so the page says exactly what the
    API and the import say."""

    def __init__(self, *, fact: str, **kwargs):
        bounds = FACT_BOUNDS[fact]
        attrs = {"min": "0", "step": "0.01" if bounds.kind == MONEY else "1"}
        attrs["max"] = format(bounds.maximum, "f") if bounds.kind == MONEY else str(bounds.maximum)
        kwargs.setdefault("widget", forms.NumberInput(attrs=attrs))
        super().__init__(**kwargs)
        self.fact = fact

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return fact_parse(self.fact, value.strip() if isinstance(value, str) else value)
        except FactError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


def _fact_field(name: str) -> forms.Field:
    # Every fact is a concrete column of AnnualFacts, never a relation.
    label = cast(models.Field, AnnualFacts._meta.get_field(name)).verbose_name
    kind = CATALOGUE[name].dtype.__name__
    if kind == "Boolean":
        return forms.NullBooleanField(widget=_FlagSelect(), label=label, required=False)
    return FactValueField(fact=name, label=label, required=False)


class AnnualFactsForm(BootstrapFormMixin, forms.Form):
    """One year's facts. ``locked`` (fact → reason, from ``annual_facts_locked``) are shown
    disabled with their reason; the rest are the writer's to set or clear."""

    as_of = forms.DateField(
        label=_("数据时点"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("这些数值所对应的日期，例如年报或汇算清缴的日期；默认今天。"),
        required=False,
    )

    def __init__(self, *args, facts: AnnualFacts | None, locked: dict[str, str], **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        if facts is not None:
            initial = {**{name: getattr(facts, name) for name in FACT_NAMES}, **initial}
        initial.setdefault("as_of", timezone.localdate())
        super().__init__(*args, initial=initial, **kwargs)
        provenance = (facts.provenance or {}) if facts is not None else {}
        self.groups: list[dict[str, Any]] = []
        for heading, names in FACT_GROUPS:
            group = []
            for name in names:
                field = _fact_field(name)
                meaning = CATALOGUE[name].meaning
                if name in locked:
                    field.disabled = True
                    field.help_text = f"{meaning}。{locked[name]}"
                else:
                    field.help_text = meaning
                self.fields[name] = field
                group.append(name)
            self.groups.append({"heading": heading, "names": group})
        self.provenance = {name: provenance_display(provenance.get(name)) for name in FACT_NAMES}
        bootstrap_style(self)

    def grouped_fields(self) -> list[dict]:
        """The fields under their headings, each bound field with its current provenance."""
        return [
            {
                "heading": group["heading"],
                "fields": [
                    {"field": self[name], "provenance": self.provenance.get(name)}
                    for name in group["names"]
                ],
            }
            for group in self.groups
        ]

    def values(self) -> dict:
        """The facts the writer may set, as the service takes them (disabled fields left out)."""
        return {
            name: self.cleaned_data.get(name)
            for name, field in self.fields.items()
            if name != "as_of" and not field.disabled
        }


class CertificateForm(BootstrapFormMixin, forms.ModelForm):
    """A certificate or recognition of an enterprise."""

    class Meta:
        model = Certificate
        fields = ["kind", "number", "issuer", "valid_from", "valid_to"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "valid_to": _("长期有效的可不填；高新技术企业证书有效期为三年。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self)

    def _post_clean(self):
        # The service validates the certificate (and words the messages); the form only parses.
        pass


class YearForm(forms.Form):
    """Picks a fiscal year from ``years`` (newest first)."""

    year = forms.TypedChoiceField(label=_("年度"), coerce=int)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            (y, _("%(year)s年") % {"year": y}) for y in years
        ]
        bootstrap_style(self)
