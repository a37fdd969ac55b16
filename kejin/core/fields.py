"""Model and form fields shared by the apps, and the one parser of amounts and counts.

Amounts are Decimal yuan to the fen, at most :data:`MONEY_MAX` — 15 significant digits,
which every database (and SQLite's REAL storage of large decimals) reads back exactly; a
larger value would be stored and then make every page that reads it fail. Typed amounts and
counts are ASCII digits only: Python's ``Decimal`` and ``int`` also take full-width digits
("１２３") and underscores ("1_000"), which no one means as a number in a form.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kejin.core.text import text_problem, validate_multiline_text, validate_single_line_text
from kejin.core.uscc import uscc_error, uscc_normalise

#: The largest amount in yuan any field takes (just under 10^13 yuan, 10万亿元).
MONEY_MAX = Decimal("9999999999999.99")
#: The largest count (people, items) any field takes.
COUNT_MAX = 10_000_000
_FEN = Decimal("0.01")
_AMOUNT_TEXT = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$", re.ASCII)
_COUNT_TEXT = re.compile(r"^[+-]?[0-9]+$", re.ASCII)


def _bare(label) -> str:
    """A field label without its unit: "注册资本(元)" → "注册资本" (the unit is in the message)."""
    return re.sub(r"\s*[(（][^()（）]*[)）]$", "", str(label))


def _quoted(value) -> str:
    """A value as a message quotes it: at most 40 characters."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:40]}…"


def amount_parse(value, *, label: str) -> Decimal:
    """``value`` (a str, int, float or Decimal) as a Decimal, or ``ValueError(message)``.

    Text must be ASCII digits with an optional sign and decimal point (surrounding spaces
    are ignored); booleans, NaN and infinities are not amounts. Bounds are not checked here
    (see :func:`money_problem`).
    """
    problem = gettext(
        "%(label)s“%(value)s”不是有效的数字：请只用半角数字0-9和小数点填写，"
        "不要包含单位、空格、逗号、下划线或全角数字。"
    )
    label = _bare(label)
    if isinstance(value, bool):
        raise ValueError(problem % {"label": label, "value": _quoted(value)})
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value)) if value == value else Decimal("NaN")
    elif isinstance(value, str) and _AMOUNT_TEXT.match(value.strip()):
        amount = Decimal(value.strip())
    else:
        raise ValueError(problem % {"label": label, "value": _quoted(value)})
    if not amount.is_finite():
        raise ValueError(problem % {"label": label, "value": _quoted(value)})
    return amount


def count_parse(value, *, label: str) -> int:
    """``value`` (a str or int) as an int, or ``ValueError(message)``: ASCII digits only, no
    decimal part (``"3.0"`` is refused: a count is typed as a whole number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _COUNT_TEXT.match(value.strip()):
        # Through Decimal: int() refuses strings of more than 4300 digits with its own message.
        return int(Decimal(value.strip()))
    raise ValueError(
        gettext(
            "%(label)s“%(value)s”不是整数：请只用半角数字0-9填写，不要包含小数、单位或全角数字。"
        )
        % {"label": _bare(label), "value": _quoted(value)}
    )


def money_problem(
    amount: Decimal, *, label: str, minimum: Decimal | None = Decimal(0)
) -> str | None:
    """Why ``amount`` (yuan) cannot be stored (a message naming ``label``), or None."""
    label = _bare(label)
    if minimum is not None and amount < minimum:
        return gettext("%(label)s不能为负数，请填写0或正数（单位：元）。") % {"label": label}
    if abs(amount) > MONEY_MAX:
        return gettext("%(label)s不能超过%(max)s元（约10万亿元），请核对单位是否为元。") % {
            "label": label,
            "max": format(MONEY_MAX, "f"),
        }
    if amount != amount.quantize(_FEN):
        return gettext("%(label)s最多保留两位小数（精确到分），请改为 %(rounded)s 或核对数值。") % {
            "label": label,
            "rounded": format(amount.quantize(_FEN), "f"),
        }
    return None


def count_problem(
    number: int, *, label: str, minimum: int = 0, maximum: int = COUNT_MAX
) -> str | None:
    """Why ``number`` cannot be stored as a count (a message naming ``label``), or None."""
    label = _bare(label)
    if number < minimum or number > maximum:
        return gettext("%(label)s应为%(min)s至%(max)s之间的整数，请核对。") % {
            "label": label,
            "min": minimum,
            "max": maximum,
        }
    return None


def validate_money_range(value) -> None:
    """Model validator of every MoneyField: within ±MONEY_MAX, to the fen."""
    if value is None:
        return
    problem = money_problem(Decimal(value), label=gettext("金额"), minimum=None)
    if problem:
        raise ValidationError(problem, code="money_range")


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


class MoneyFormField(forms.DecimalField):
    """A form field for an amount in yuan: ASCII digits only, non-negative, at most
    MONEY_MAX, to the fen — with the same messages as the API and the import."""

    def __init__(self, *, minimum: Decimal | None = Decimal(0), **kwargs):
        for name in ("max_digits", "decimal_places", "max_value", "min_value"):
            kwargs.pop(name, None)
        super().__init__(max_digits=None, decimal_places=None, **kwargs)
        self.minimum = minimum
        self.validators = [v for v in self.validators if not hasattr(v, "decimal_places")]
        self.widget.attrs["step"] = "0.01"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return amount_parse(value, label=str(self.label or ""))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        problem = money_problem(value, label=str(self.label or ""), minimum=self.minimum)
        if problem:
            raise ValidationError(problem, code="money_range")

    def clean(self, value):
        amount = super().clean(value)
        return amount.quantize(_FEN) if amount is not None else amount


class CountFormField(forms.IntegerField):
    """A form field for a count: ASCII digits only, ``minimum``..``maximum``, with the same
    messages as the API and the import."""

    def __init__(self, *, minimum: int = 0, maximum: int = COUNT_MAX, **kwargs):
        for name in ("max_value", "min_value"):
            kwargs.pop(name, None)
        super().__init__(min_value=minimum, max_value=maximum, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.validators = []

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return count_parse(value, label=str(self.label or ""))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        problem = count_problem(
            value, label=str(self.label or ""), minimum=self.minimum, maximum=self.maximum
        )
        if problem:
            raise ValidationError(problem, code="count_range")


class MoneyField(models.DecimalField):
    """An amount in yuan: Decimal with 2 places, at most :data:`MONEY_MAX` in absolute value
    (checked by ``full_clean``; forms get a :class:`MoneyFormField`)."""

    default_validators = [validate_money_range]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", MoneyFormField)
        return super().formfield(**kwargs)


class CleanTextFormField(forms.CharField):
    """A form field for text without control, bidi-override or zero-width characters
    (``multiline`` allows line breaks and tabs), with the API's and the import's message —
    also for NUL, which Django's own validator would word differently."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.multiline = multiline

    def to_python(self, value):
        value = super().to_python(value)
        problem = text_problem(value, multiline=self.multiline)
        if problem:
            raise ValidationError(problem, code="control_character")
        return value


class TextLineField(models.CharField):
    """A one-line text (a name, an address, a phone number): no control, bidi-override or
    zero-width characters, no line breaks (see ``kejin.core.text``)."""

    default_validators = [validate_single_line_text]

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", CleanTextFormField)
        return super().formfield(**kwargs)


class TextBlockField(models.TextField):
    """A multi-line text (a business scope): line breaks and tabs allowed, no other control,
    bidi-override or zero-width characters (see ``kejin.core.text``)."""

    default_validators = [validate_multiline_text]

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", CleanTextFormField)
        kwargs.setdefault("multiline", True)
        return super().formfield(**kwargs)
