"""Shared write helpers for the domain services: validate, save and audit in one step."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from kejin.core.audit import audit_record, model_snapshot, snapshot_diff
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError

_NOT_AUDITED = {"created_at", "updated_at"}


def _audited_fields(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.concrete_fields if f.name not in _NOT_AUDITED]


@transaction.atomic
def instance_save_audited(
    *, actor, instance: models.Model, data: dict, ip_address: str | None = None
) -> models.Model:
    """Apply ``data`` (field name → value, related objects as instances) to ``instance``,
    validate it fully (field validators, constraints, uniqueness), save it and write an
    AuditEvent with the changed fields before and after. Invalid data raises
    ``ApplicationError`` (code ``invalid``) naming each field, and nothing is written.
    """
    creating = instance._state.adding
    fields = _audited_fields(instance)
    before = None if creating else model_snapshot(instance, fields)
    for name, value in data.items():
        setattr(instance, name, value)
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ApplicationError.invalid(exc.message_dict) from exc
    instance.save()
    after = model_snapshot(instance, fields)
    if creating:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=instance,
            after=after,
            ip_address=ip_address,
        )
    else:
        changed_before, changed_after = snapshot_diff(before, after)
        if changed_after:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=instance,
                before=changed_before,
                after=changed_after,
                ip_address=ip_address,
            )
    return instance
