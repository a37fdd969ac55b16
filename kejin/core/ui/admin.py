"""Django admin helpers every app's admin shares: the data an admin form sets, and an
audited delete (the admin leaves the same trail as the pages)."""

from __future__ import annotations

from django.db import transaction

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction


def admin_form_data(form, change: bool) -> dict:
    """The model fields an admin form sets: every field on add, the changed ones on change."""
    names = form.changed_data if change else list(form.fields)
    model_fields = {f.name for f in form._meta.model._meta.concrete_fields}
    return {name: form.cleaned_data[name] for name in names if name in model_fields}


@transaction.atomic
def audited_delete(*, actor, instance, ip_address: str | None) -> None:
    """Delete ``instance`` and record what it was, in one transaction."""
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=instance,
        before=model_snapshot(instance),
        ip_address=ip_address,
    )
    instance.delete()
