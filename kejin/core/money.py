"""Money: amounts are Decimal yuan in storage; people read them in 元, 万元 or 亿元."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
_UNITS = {"元": Decimal(1), "万元": WAN, "亿元": YI}


def to_decimal(value) -> Decimal:
    """A Decimal from a Decimal, int or str (never through float, which is not exact)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("amounts must not be floats; pass a Decimal, int or str")
    return Decimal(value)


def auto_unit(amount: Decimal) -> str:
    """The unit a reader expects: 亿元 from 1 亿, 万元 from 1 万, else 元."""
    size = abs(amount)
    if size >= YI:
        return "亿元"
    if size >= WAN:
        return "万元"
    return "元"


def yuan_in(amount, unit: str, places: int = 2) -> Decimal:
    """The amount expressed in ``unit`` (元/万元/亿元), rounded half-up to ``places``."""
    value = to_decimal(amount) / _UNITS[unit]
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_yuan(amount, unit: str | None = None, places: int = 2) -> str:
    """Format yuan for display, e.g. ``format_yuan(Decimal("123456789"))`` → ``"1.23 亿元"``.

    Thousands are grouped; trailing zeros of the fraction are kept so columns line up.
    """
    if amount is None or amount == "":
        return "—"
    amount = to_decimal(amount)
    if unit is None:
        unit = auto_unit(amount)
        # 99,999,999 元 rounds to 10,000.00 万元: say 1.00 亿元 instead.
        bigger = {"元": "万元", "万元": "亿元"}.get(unit)
        if bigger and abs(yuan_in(amount, unit, places)) >= WAN:
            unit = bigger
    return f"{yuan_in(amount, unit, places):,} {unit}"


def parse_yuan(text: str) -> Decimal:
    """Parse "12.5万元", "3 亿元", "1,200元" or a bare number (元) into Decimal yuan."""
    cleaned = str(text).replace(",", "").replace("，", "").replace(" ", "").strip()
    number, factor = cleaned, Decimal(1)
    for unit in ("亿元", "万元", "元", "亿", "万"):
        if cleaned.endswith(unit):
            number = cleaned[: -len(unit)]
            factor = _UNITS[unit if unit.endswith("元") else unit + "元"]
            break
    try:
        return Decimal(number) * factor
    except InvalidOperation as exc:
        raise ValueError(
            f"“{text}”不是金额：请填写数字，可带单位元、万元或亿元，例如 12.5万元"
        ) from exc
