"""Text that may be stored: no control, bidi-override or zero-width characters.

Such characters are invisible on screen, break xlsx exports (openpyxl refuses C0 control
characters), and can disguise a name (a right-to-left override makes "exe.txt" look like
"txt.exe"). Every entry point — forms, API serializers, imports, the admin — refuses them
with the same message, through :func:`text_problem` (or the validators built on it), so
that nothing stored can later make a page or an export fail. Line breaks and tabs are
allowed only in multi-line text (e.g. a business scope).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: C0 controls (incl. NUL), DEL, C1 controls, zero-width characters and the byte-order mark,
#: bidi embeddings/overrides/isolates and the line/paragraph separators.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
_LINE_BREAKS = re.compile("[\t\n\r]")


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} {name}" if name else code


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text (a message naming the first bad character and
    its position), or None. ``multiline`` allows tabs and line breaks."""
    if not isinstance(value, str) or not value:
        return None
    match = _FORBIDDEN.search(value)
    if match is None and not multiline:
        match = _LINE_BREAKS.search(value)
    if match is None:
        return None
    return _(
        "第%(position)s个字符是不可见的控制字符（%(char)s），请删除后重新填写"
        "（从其他软件复制的文字常带有这类字符）。"
    ) % {"position": match.start() + 1, "char": _describe(match.group())}


def validate_single_line_text(value) -> None:
    """Validator: a one-line text (a name, a phone number) without invisible characters."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="control_character")


def validate_multiline_text(value) -> None:
    """Validator: a text that may have line breaks and tabs, but no other invisible characters."""
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValidationError(problem, code="control_character")
