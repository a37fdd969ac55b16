"""Template helpers shared by every app's pages: money, dates, deadlines and form widgets.

``{{ amount|yuan }}`` picks 元/万元/亿元 by size; ``{{ amount|wanyuan }}`` and
``{{ amount|yiyuan }}`` force a unit (an optional argument sets the decimal places:
``{{ amount|wanyuan:0 }}``). ``{% deadline result %}`` shows a working-day deadline and, when
some year in it had no holiday schedule yet, a visible warning that it is Monday–Friday only.
``{{ field|bootstrap_widget }}`` renders a bound field's widget with Bootstrap's classes.
"""

from __future__ import annotations

import datetime
from decimal import InvalidOperation

from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kejin.core.money import format_yuan
from kejin.core.workdays import WorkdayResult

register = template.Library()


def _money(value, unit: str | None, places) -> str:
    """format_yuan for templates: floats go through their text, anything unreadable is shown as is."""
    if isinstance(value, float):
        value = str(value)
    try:
        return format_yuan(value, unit, int(places))
    except (InvalidOperation, TypeError, ValueError):
        return "" if value is None else str(value)


@register.filter
def yuan(value, places=2) -> str:
    """An amount in yuan, shown in 元, 万元 or 亿元 by its size: ``1.23 亿元``."""
    return _money(value, None, places)


@register.filter
def wanyuan(value, places=2) -> str:
    """An amount in yuan, shown in 万元: ``12,345.68 万元``."""
    return _money(value, "万元", places)


@register.filter
def yiyuan(value, places=2) -> str:
    """An amount in yuan, shown in 亿元: ``1.23 亿元``."""
    return _money(value, "亿元", places)


@register.filter
def local_date(value) -> str:
    """A date as readers expect it: ``2027年2月10日`` in Chinese, ``2027-02-10`` otherwise.

    Aware datetimes are first taken to the current time zone (Asia/Shanghai).
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if not isinstance(value, datetime.date):
        return str(value)
    if (get_language() or "").lower().startswith("zh"):
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def fallback_warning(fallback_years: tuple[int, ...]) -> str:
    """The explanation shown beside a deadline counted Monday–Friday for lack of a schedule."""
    return _("%(years)s年节假日安排尚未录入，按周一至周五计算") % {
        "years": "、".join(str(year) for year in fallback_years)
    }


@register.inclusion_tag("core/includes/deadline.html")
def deadline(result) -> dict:
    """A deadline from ``workdays_add`` (a WorkdayResult, or a plain date/datetime).

    When the result is approximate the date carries a warning badge whose tooltip (and
    screen-reader text) says which years are counted Monday–Friday.
    """
    if isinstance(result, WorkdayResult):
        value, years = result.value, result.fallback_years
    else:
        value, years = result, ()
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return {
        "date": value if isinstance(value, datetime.date) else None,
        "text": local_date(value),
        "approximate": bool(years),
        "warning": fallback_warning(years) if years else "",
    }


@register.filter
def bootstrap_widget(bound_field):
    """Render a bound field's widget with Bootstrap's classes, marked invalid when it has errors."""
    from kejin.core.ui.forms import bootstrap_class

    widget = bound_field.field.widget
    base = widget.attrs.get("class", "") or bootstrap_class(widget)
    css = f"{base} is-invalid" if bound_field.errors and "is-invalid" not in base else base
    return bound_field.as_widget(attrs={"class": css})


@register.filter
def minutes(delta) -> int | str:
    """A timedelta as whole minutes (for messages such as "try again in 30 minutes")."""
    if isinstance(delta, datetime.timedelta):
        return int(delta.total_seconds() // 60)
    return ""
