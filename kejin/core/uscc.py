"""Unified social credit code (统一社会信用代码, GB 32100-2015): normalise and validate.

python-stdnum's ``cn.uscc`` checks length, alphabet and the final check character; it does
not check the check character of the embedded 9-character organisation code (GB 11714),
which we add here. Every entry point (forms, API, import, admin) calls :func:`uscc_clean`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_FORBIDDEN = set("IOZSV")


def uscc_normalise(value: str) -> str:
    """Upper case, without spaces or hyphens (what people paste from licences)."""
    return stdnum_uscc.compact(value or "")


def organisation_code_check_char(body: str) -> str:
    """The GB 11714 check character for the 8-character body of an organisation code."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_error(value: str) -> str | None:
    """Why ``value`` (already normalised) is not a valid USCC, in Chinese, or None if it is."""
    if not value:
        return _("请填写统一社会信用代码。")
    if len(value) != 18:
        return _("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(value)}
    bad = sorted({ch for ch in value if ch in _FORBIDDEN or ch not in _ALPHABET})
    if bad:
        return _("统一社会信用代码含有不允许的字符：%(chars)s（不使用I、O、Z、S、V及符号）。") % {
            "chars": "、".join(bad)
        }
    try:
        stdnum_uscc.validate(value)
    except InvalidChecksum:
        return _("统一社会信用代码第18位校验码错误，请核对营业执照。")
    except (InvalidFormat, InvalidLength, StdnumError):
        return _("统一社会信用代码格式不正确，请核对营业执照。")
    org_code = value[8:17]
    if organisation_code_check_char(org_code[:8]) != org_code[8]:
        return _("统一社会信用代码中的组织机构代码（第9-17位）校验位错误，请核对营业执照。")
    return None


def uscc_clean(value: str) -> str:
    """Normalise and validate; raises Django's ValidationError with a message naming the problem."""
    normalised = uscc_normalise(value)
    error = uscc_error(normalised)
    if error:
        raise ValidationError(error, code="invalid_uscc")
    return normalised


def uscc_build(
    *, region_code: str, org_body: str, authority: str = "9", entity_type: str = "1"
) -> str:
    """Build a valid USCC from its parts (used by demo data and tests)."""
    org_code = org_body + organisation_code_check_char(org_body)
    partial = authority + entity_type + region_code + org_code
    return partial + stdnum_uscc.calc_check_digit(partial)
