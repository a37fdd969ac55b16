"""Serializer fields and validators shared by the API's serializers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from kejin.core.uscc import uscc_error, uscc_normalise


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
