"""Per-row audit of a batch: one AuditEvent per created or changed row, written with one
``bulk_create`` per chunk, inside the chunk's (the batch's) transaction."""

from __future__ import annotations

from django.db import models

from kejin.core.audit import model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.models import AuditEvent


class RowAuditLog:
    """Collects the row events of one chunk; :meth:`save` writes them in one query.

    Created rows get ``before=None`` and ``after`` = the written fields; changed rows get
    only the fields that changed on both sides. Unchanged rows get nothing.
    """

    def __init__(self, *, actor, action: str = AuditAction.IMPORT) -> None:
        self.actor = actor if getattr(actor, "pk", None) else None
        self.username = getattr(actor, "username", "") or "system"
        self.action = action
        self.events: list[AuditEvent] = []

    @staticmethod
    def snapshot(instance: models.Model, names) -> dict:
        """``instance``'s fields ``names`` (field names or attnames) as JSON-safe data,
        keyed by field name."""
        fields = [instance._meta.get_field(name).name for name in names]
        return model_snapshot(instance, fields) if fields else {}

    def created(self, instance: models.Model, names) -> None:
        """``instance`` (already saved, with its pk) was created with fields ``names``."""
        self._add(instance, None, self.snapshot(instance, names))

    def updated(self, instance: models.Model, before: dict) -> None:
        """``instance`` changed: ``before`` is :meth:`snapshot` of the changed fields taken
        before they were set; ``after`` is taken now."""
        self._add(instance, before, self.snapshot(instance, before))

    def _add(self, instance: models.Model, before: dict | None, after: dict) -> None:
        self.events.append(
            AuditEvent(
                actor=self.actor,
                actor_username=self.username,
                action=self.action,
                object_type=instance._meta.label_lower,
                object_id=str(instance.pk),
                object_repr=str(instance)[:255],
                before=before,
                after=after,
            )
        )

    def save(self) -> int:
        """Write the collected events (one query) and forget them; how many were written."""
        count = len(self.events)
        if count:
            AuditEvent.objects.bulk_create(self.events)
        self.events = []
        return count
