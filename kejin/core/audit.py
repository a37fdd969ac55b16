"""Writing the audit trail. Services call :func:`audit_record` inside their own transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import cast

from django.db import models
from django.utils import timezone

from kejin.core.choices import AuditAction
from kejin.core.models import AuditEvent


def _jsonable(value):
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat()  # Asia/Shanghai, as people read it
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def model_snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The concrete field values of ``instance`` as JSON-safe data (FKs as ids)."""
    names = fields or [f.name for f in instance._meta.concrete_fields]
    snapshot = {}
    for name in names:
        field = cast(models.Field, instance._meta.get_field(name))
        value = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and value is not None:
            # Compare as stored: "5000000" and "5000000.00" are the same amount.
            value = decimal.Decimal(value).quantize(
                decimal.Decimal(1).scaleb(-field.decimal_places)
            )
        snapshot[name] = _jsonable(value)
    return snapshot


def snapshot_diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_record(
    *,
    actor,
    action: str,
    instance: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record one audited action on ``instance`` by ``actor`` (a user, or None for the system)."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        before=before,
        after=after,
        ip_address=ip_address,
    )


def audit_write(
    *,
    actor,
    instance: models.Model,
    before: dict | None,
    after: dict,
    ip_address: str | None = None,
    skip_unchanged: bool = True,
    note: dict | None = None,
) -> AuditEvent | None:
    """The audit row of a service's write to ``instance``, from its snapshots: a create when
    ``before`` is None (the whole ``after``), else an update with only the keys that changed
    — none written when nothing did, unless ``skip_unchanged`` is False. ``note`` (e.g. the
    workflow action) is added to the row's ``after``."""
    action = AuditAction.CREATE
    if before is not None:
        action = AuditAction.UPDATE
        before, after = snapshot_diff(before, after)
        if not after and skip_unchanged:
            return None
    return audit_record(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after={**after, **note} if note else after,
        ip_address=ip_address,
    )
