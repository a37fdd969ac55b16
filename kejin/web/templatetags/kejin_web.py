"""Template helpers of the web shell."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def bootstrap_widget(bound_field):
    """Render a bound field's widget with Bootstrap's classes, marked invalid when it has errors."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", None)
    base = widget.attrs.get("class", "")
    if not base:
        base = {"select": "form-select", "checkbox": "form-check-input"}.get(
            input_type, "form-control"
        )
    css = f"{base} is-invalid" if bound_field.errors else base
    return bound_field.as_widget(attrs={"class": css})


@register.filter
def minutes(delta) -> int | str:
    """A timedelta as whole minutes (for messages such as "try again in 30 minutes")."""
    if isinstance(delta, datetime.timedelta):
        return int(delta.total_seconds() // 60)
    return ""


@register.filter
def yuan(amount, unit: str = "") -> str:
    """An amount of yuan for reading: ``{{ capital|yuan }}`` → "500.00 万元" (unit optional)."""
    from kejin.core.money import format_yuan

    return format_yuan(amount, unit or None)
