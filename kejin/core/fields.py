"""Model and form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.core.uscc import uscc_error, uscc_normalise


def validate_uscc(value: str) -> None:
    """Validator for an already-normalised USCC."""
    error = uscc_error(uscc_normalise(value))
    if error:
        raise ValidationError(error, code="invalid_uscc")


class USCCFormField(forms.CharField):
    """A form field that normalises (upper case, no spaces) and validates a USCC."""

    default_validators = [validate_uscc]

    def to_python(self, value):
        return uscc_normalise(super().to_python(value))


class USCCField(models.CharField):
    """The unified social credit code, stored normalised, validated on every full_clean."""

    default_validators = [validate_uscc]
    description = _("统一社会信用代码")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("verbose_name", _("统一社会信用代码"))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        return uscc_normalise(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return uscc_normalise(value) if value else value

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", USCCFormField)
        return super().formfield(**kwargs)


class MoneyField(models.DecimalField):
    """An amount in yuan: Decimal with 2 places, up to 10^16 yuan."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)
