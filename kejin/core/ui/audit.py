"""The one presenter of the audit trail, for every page that shows it (the audit log, its
detail page, an enterprise's recent changes, the platform admin's home page, the admin).

An :class:`~kejin.core.models.AuditEvent` stores what a service wrote: the object as
``app.model`` + primary key, and the changed fields by name with foreign keys as ids,
choices as their stored values and times as ISO text. People read it here instead: the
kind of object by its model's name, the object by its current name (an enterprise's own
records by the enterprise's name), each field by its label, foreign keys by name, choices
by label, yes/no, amounts in 元/万元/亿元 and times in Asia/Shanghai. No raw ids.

:func:`audit_rows` presents a page of events in a bounded number of queries: one per kind
of object on the page and one per kind of referenced record, whatever the page's size.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.fields import MoneyField
from kejin.core.models import AuditEvent

EMPTY = "—"


def audit_model(object_type: str) -> type[models.Model] | None:
    """The model an event's ``object_type`` (``app_label.model_name``) names, if it still exists."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def audit_object_kind(object_type: str) -> str:
    """The kind of object, as people call it ("企业", "节假日安排"); the stored text if unknown."""
    model = audit_model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def audit_field_label(model, name: str) -> str:
    """A changed field by its label ("企业名称"), a related list by its plural ("节假日安排日期")."""
    field = _field(model, name)
    if field is None:
        return name
    if field.auto_created and not field.concrete:  # a reverse relation, e.g. a schedule's days
        return str(field.related_model._meta.verbose_name_plural)
    label = str(getattr(field, "verbose_name", name))
    if isinstance(field, MoneyField) and label.endswith(("(元)", "（元）")):
        label = label[: -len("(元)")]  # the value carries its unit (元, 万元 or 亿元)
    return label


def local_time(value: datetime.datetime | None) -> str:
    """An aware time as people in the city read it: ``2026-11-02 08:30:00`` in Asia/Shanghai."""
    if value is None:
        return EMPTY
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _enterprise_fk(model) -> models.ForeignKey | None:
    """The foreign key by which records of ``model`` belong to an enterprise, if any: a
    required ``enterprise`` (a user's optional one only says where the user works)."""
    if model is None:
        return None
    field = _field(model, "enterprise")
    if isinstance(field, (models.ForeignKey, models.OneToOneField)) and not field.null:
        return field
    return None


class _Names:
    """Current names of the objects and the referenced records of a page of events."""

    def __init__(self, events: list[AuditEvent]):
        self.objects: dict[tuple[str, str], models.Model] = {}
        self.related: dict[type[models.Model], dict] = {}
        object_ids: dict[str, set[str]] = {}
        related_ids: dict[type[models.Model], set] = {}
        for event in events:
            object_ids.setdefault(event.object_type, set()).add(event.object_id)
            model = audit_model(event.object_type)
            for side in (event.before, event.after):
                if not isinstance(side, dict):
                    continue
                for name, value in side.items():
                    field = _field(model, name)
                    if value is not None and isinstance(field, models.ForeignKey):
                        related_ids.setdefault(field.related_model, set()).add(value)
        for object_type, ids in object_ids.items():
            model = audit_model(object_type)
            if model is None:
                continue
            queryset = model._base_manager.all()
            if _enterprise_fk(model) is not None:
                queryset = queryset.select_related("enterprise")
            pk_field = model._meta.pk
            keys = []
            for raw in ids:
                try:
                    keys.append(pk_field.to_python(raw))
                except (ValidationError, ValueError, TypeError):  # an id of another shape
                    continue
            for obj in queryset.filter(pk__in=keys):
                self.objects[(object_type, str(obj.pk))] = obj
        for model, ids in related_ids.items():
            self.related[model] = model._base_manager.in_bulk(ids)

    def object_name(self, event: AuditEvent) -> str:
        """The object by its current name; an enterprise's record by the enterprise's name."""
        # Any: a model with an ``enterprise`` foreign key, when _enterprise_fk says so.
        obj: Any = self.objects.get((event.object_type, event.object_id))
        if obj is None:
            return event.object_repr or audit_object_kind(event.object_type)
        text = str(obj)
        if _enterprise_fk(type(obj)) is None or obj.enterprise is None:
            return text
        enterprise_name = str(obj.enterprise.name)
        if enterprise_name in text:
            return text
        if text.startswith(f"{obj.enterprise_id} "):  # a __str__ made of ids says nothing
            return enterprise_name
        return f"{enterprise_name} · {text}"

    def related_name(self, model, value) -> str:
        obj = self.related.get(model, {}).get(value)
        if obj is None:
            return _("已删除的%(kind)s") % {"kind": model._meta.verbose_name}
        return str(obj)


def _shown(value, field, names: _Names) -> str:
    """A stored value as people read it."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, list):
        return "\n".join(_shown(item, None, names) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(field, models.ForeignKey):
        return names.related_name(field.related_model, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, MoneyField):
        from kejin.core.money import format_yuan

        try:
            return format_yuan(str(value))
        except (ArithmeticError, ValueError, TypeError):
            return str(value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            return local_time(datetime.datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _bookkeeping(field) -> bool:
    """The row's own id and its automatic timestamps: the event says when and what already."""
    if field is None:
        return False
    if getattr(field, "primary_key", False):
        return True
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _field_order(model, names: list[str]) -> list[str]:
    """``names`` once each, in the model's field order (then unknown names alphabetically):
    the stored JSON's key order is not the same on SQLite and PostgreSQL (jsonb sorts keys)."""
    order: dict[str, int] = {}
    if model is not None:
        for index, field in enumerate(model._meta.get_fields()):
            order.setdefault(field.name, index)
            order.setdefault(getattr(field, "attname", field.name), index)
    return sorted(dict.fromkeys(names), key=lambda name: (order.get(name, len(order)), name))


def _changes(event: AuditEvent, names: _Names) -> list[dict]:
    """The changed fields as ``{field, label, before, after, removed, added}`` in a stable order.

    Lists (such as a holiday schedule's days) also get the items removed and added, so that a
    long list shows what changed rather than all of it twice.
    """
    model = audit_model(event.object_type)
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    changes = []
    for name in _field_order(model, [*after, *before]):
        field = _field(model, name)
        if _bookkeeping(field):
            continue
        old, new = before.get(name), after.get(name)
        change = {
            "field": name,
            "label": audit_field_label(model, name),
            "before": _shown(old, field, names) if name in before else "",
            "after": _shown(new, field, names) if name in after else "",
            "removed": [],
            "added": [],
        }
        if isinstance(old, list) and isinstance(new, list):
            change["removed"] = [_shown(item, None, names) for item in old if item not in new]
            change["added"] = [_shown(item, None, names) for item in new if item not in old]
        changes.append(change)
    return changes


def _actor(event: AuditEvent) -> tuple[str, str]:
    """Who acted: the account ("系统" for the platform itself) and the person's name, if known."""
    if not event.actor_username or event.actor_username == "system":
        return _("系统"), ""
    full_name = getattr(event.actor, "full_name", "") if event.actor_id else ""
    return event.actor_username, full_name if full_name != event.actor_username else ""


def audit_rows(events: Iterable[AuditEvent]) -> list[dict]:
    """Events as people read them: ``{event, when, actor, actor_name, action, kind, name,
    changes}`` (``actor`` the account, ``actor_name`` the person's name or "").

    Select the events with ``select_related("actor")`` (as ``audit_event_list`` does) to
    keep the actor's name from costing a query per row.
    """
    events = list(events)
    names = _Names(events)
    rows = []
    for event in events:
        actor, actor_name = _actor(event)
        rows.append(
            {
                "event": event,
                "when": local_time(event.created_at),
                "actor": actor,
                "actor_name": actor_name,
                "action": event.get_action_display(),
                "kind": audit_object_kind(event.object_type),
                "name": names.object_name(event),
                "changes": _changes(event, names),
            }
        )
    return rows
