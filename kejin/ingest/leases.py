"""Leases for long-running work (import batches, evaluation runs): detect a dead worker.

A worker that runs a row marks it running and renews a heartbeat timestamp while it works
(each renewal is its own autocommitted UPDATE, so other connections see it). If the worker
dies (killed, out of memory, machine lost), the heartbeat stops; :meth:`Lease.expire_stale`
then marks every running row whose heartbeat is older than ``stale_after`` as failed, with a
reason, so that it no longer shows "running" nor blocks new runs. A worker that comes back
after its lease expired must not commit: :meth:`Lease.finish` is a conditional UPDATE that
only succeeds while the row is still running, and the worker rolls back when it fails.

The lease is generic over the model: it is given the field names. A row still running with no
heartbeat at all (started before heartbeats existed) counts from ``started_field``.

Heartbeats cannot be renewed from inside a long transaction (they would not be visible until
it commits), so ``stale_after`` must exceed the longest single transaction of the work
(the write phase of a 100,000-row import takes a few minutes; the default is 30 minutes).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_STALE_AFTER = datetime.timedelta(minutes=30)


class LeaseLost(Exception):
    """The row is no longer running under this worker (expired and failed meanwhile)."""


@dataclass(frozen=True)
class Lease:
    """How to claim, renew, finish and expire the running rows of ``model``."""

    model: type[models.Model]
    status_field: str = "status"
    pending: str | None = "pending"
    running: str = "running"
    failed: str = "failed"
    heartbeat_field: str = "heartbeat_at"
    started_field: str = "created_at"
    reason_field: str = "failure"
    finished_field: str | None = "finished_at"
    stale_after: datetime.timedelta = DEFAULT_STALE_AFTER

    def _manager(self):
        return self.model._default_manager

    def claim(self, pk) -> bool:
        """Pending → running with a fresh heartbeat, in one conditional UPDATE; False if
        another worker got there first or the row is not pending."""
        return bool(
            self._manager()
            .filter(pk=pk, **{self.status_field: self.pending})
            .update(**{self.status_field: self.running, self.heartbeat_field: timezone.now()})
        )

    def renew(self, pk, **fields) -> bool:
        """Renew the heartbeat (and set ``fields``, e.g. progress counters) while the row is
        running; False if it is not running any more (its lease expired)."""
        return bool(
            self._manager()
            .filter(pk=pk, **{self.status_field: self.running})
            .update(**{self.heartbeat_field: timezone.now()}, **fields)
        )

    def finish(self, pk, **fields) -> None:
        """Set the final ``fields`` (including the final status) if the row is still running;
        raise :class:`LeaseLost` otherwise. Call it inside the work's transaction, last."""
        updated = (
            self._manager().filter(pk=pk, **{self.status_field: self.running}).update(**fields)
        )
        if not updated:
            raise LeaseLost(pk)

    def stale(self, *, now: datetime.datetime | None = None):
        """The running rows whose worker is presumed dead."""
        cutoff = (now or timezone.now()) - self.stale_after
        return self._manager().filter(
            Q(**{f"{self.heartbeat_field}__lt": cutoff})
            | Q(
                **{
                    f"{self.heartbeat_field}__isnull": True,
                    f"{self.started_field}__lt": cutoff,
                }
            ),
            **{self.status_field: self.running},
        )

    def expire_stale(self, *, reason: str, now: datetime.datetime | None = None) -> list:
        """Mark every stale running row failed with ``reason``; the ids of those it failed.

        Safe to call from any request or task at any time: the UPDATE re-checks the status
        and heartbeat, so a row whose worker renews at the same moment is left running.
        """
        now = now or timezone.now()
        ids = list(self.stale(now=now).values_list("pk", flat=True))
        if not ids:
            return []
        fields: dict[str, object] = {self.status_field: self.failed, self.reason_field: str(reason)}
        if self.finished_field:
            fields[self.finished_field] = now
        expired = []
        for pk in ids:
            if self.stale(now=now).filter(pk=pk).update(**fields):
                expired.append(pk)
        return expired
