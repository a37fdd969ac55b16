"""Serializer fields and validators shared by the API's serializers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from kejin.core import fields as model_fields
from kejin.core.fields import (
    COUNT_MAX,
    MONEY_MAX,
    amount_parse,
    count_parse,
    count_problem,
    money_problem,
)
from kejin.core.text import text_problem
from kejin.core.uscc import uscc_error, uscc_normalise


class MoneyField(serializers.DecimalField):
    """An amount in yuan: a JSON number or a decimal string of ASCII digits, non-negative
    (unless ``minimum`` says otherwise), at most MONEY_MAX, to the fen. Messages are the
    forms' and the import's (``kejin.core.fields.money_problem``); ``label`` names the
    amount in them."""

    def __init__(self, *, label: str = "", minimum: Decimal | None = Decimal(0), **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        if minimum is not None:
            kwargs.setdefault("min_value", minimum)
        kwargs.setdefault("max_value", MONEY_MAX)
        super().__init__(**kwargs)
        self.validators: list[Any] = []
        self.amount_label = label
        self.minimum = minimum

    def to_internal_value(self, data) -> Decimal:
        label = self.amount_label or self.field_name or ""
        try:
            amount = amount_parse(data, label=label)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from exc
        problem = money_problem(amount, label=label, minimum=self.minimum)
        if problem:
            raise serializers.ValidationError(problem, code="money_range")
        return amount.quantize(Decimal("0.01"))


class CountField(serializers.IntegerField):
    """A count: a JSON integer or a string of ASCII digits, ``minimum``..``maximum``, with the
    forms' and the import's messages (``kejin.core.fields.count_problem``)."""

    def __init__(self, *, label: str = "", minimum: int = 0, maximum: int = COUNT_MAX, **kwargs):
        kwargs.setdefault("min_value", minimum)
        kwargs.setdefault("max_value", maximum)
        super().__init__(**kwargs)
        self.validators: list[Any] = []
        self.count_label = label
        self.minimum, self.maximum = minimum, maximum

    def to_internal_value(self, data) -> int:
        label = self.count_label or self.field_name or ""
        try:
            number = count_parse(data, label=label)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from exc
        problem = count_problem(number, label=label, minimum=self.minimum, maximum=self.maximum)
        if problem:
            raise serializers.ValidationError(problem, code="count_range")
        return number


class CleanCharField(serializers.CharField):
    """Text without control, bidi-override or zero-width characters (``multiline`` allows
    line breaks and tabs), refused with the forms' and the import's message."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.multiline = multiline

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        problem = text_problem(value, multiline=self.multiline)
        if problem:
            raise serializers.ValidationError(problem, code="control_character")
        return value


class USCCField(serializers.CharField):
    """The unified social credit code: normalised (upper case, no spaces or hyphens), then
    validated (length, alphabet, final check character, embedded organisation-code check
    character) with the same Chinese messages as every other entry point."""

    default_error_messages = {
        "required": gettext_lazy("请填写统一社会信用代码。"),
        "blank": gettext_lazy("请填写统一社会信用代码。"),
        "null": gettext_lazy("请填写统一社会信用代码。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "统一社会信用代码 (18 characters, GB 32100-2015)")
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        value = uscc_normalise(super().to_internal_value(data))
        error = uscc_error(value)
        if error:
            raise serializers.ValidationError(error, code="invalid_uscc")
        return value


class USCCNotRegisteredValidator:
    """The code is not yet registered on another record of the serializer's model.

    Registry-wide on purpose (not scoped to the caller): a code is registered once in the
    whole city. It runs after :class:`USCCField` has normalised the value, so a lower-case
    or spaced copy of a registered code is reported as a duplicate, not as a database error.
    """

    requires_context = True

    def __call__(self, value: str, serializer_field) -> None:
        serializer = serializer_field.parent
        others = serializer.Meta.model._default_manager.filter(uscc=value)
        if serializer.instance is not None:
            others = others.exclude(pk=serializer.instance.pk)
        if others.exists():
            raise serializers.ValidationError(
                _("统一社会信用代码%(uscc)s已登记，不能重复登记；请核对代码或查找已登记的记录。")
                % {"uscc": value},
                code="unique",
            )


class CleanTextField(CleanCharField):
    """Multi-line text (line breaks and tabs allowed) without other invisible characters."""

    def __init__(self, **kwargs):
        super().__init__(multiline=True, **kwargs)


#: For a ModelSerializer's ``serializer_field_mapping``: the model's text fields refuse
#: invisible characters with the forms' and the import's message.
CLEAN_TEXT_FIELD_MAPPING = {
    model_fields.TextLineField: CleanCharField,
    model_fields.TextBlockField: CleanTextField,
}
