"""The deadline scan of applications (快申快享): officers reminded of overdue steps, once.

Each waiting state has a step with a working-day limit (acceptance after submission, the
decision after acceptance, the payment after approval; ``Application.step``/``due_on`` set by
the services from ``kejin.policies.deadlines.step_due``). :func:`applications_overdue_scan`
runs daily (Celery beat ``policies.applications_overdue_scan``, or the command
``policies_deadlines_scan``): for "today" in Asia/Shanghai it finds the applications whose
step is past its due date and not yet reminded for that step (no ``REMIND`` event since the
step started) and, one transaction each under the row lock, writes the ``REMIND`` event, an
audit row and tells the deciders (notification key by application, step and due date). A
second or concurrent run reminds nobody twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.notifications.services import notification_send
from kejin.policies.application_workflow import SYSTEM, transition_check
from kejin.policies.choices import ApplicationAction, ApplicationStep
from kejin.policies.models import Application, ApplicationEvent
from kejin.policies.selectors_applications import overdue_q
from kejin.policies.services_applications import application_url, deciders


@dataclass
class ScanResult:
    """What one scan did (nothing on a second run the same day)."""

    reminded: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.reminded.values())


def _not_reminded():
    return ~Exists(
        ApplicationEvent.objects.filter(
            application=OuterRef("pk"),
            action=ApplicationAction.REMIND,
            at__gte=OuterRef("step_started_at"),
        )
    )


def _remind(pk: int, *, today: datetime.date, now: datetime.datetime) -> str | None:
    """Remind the deciders of application ``pk``'s overdue step if still due; the step."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .filter(overdue_q(today), _not_reminded(), pk=pk)
            .select_related("policy", "enterprise")
            .first()
        )
        if application is None:
            return None
        transition_check(
            action=ApplicationAction.REMIND,
            status=application.status,
            actor_kinds=frozenset({SYSTEM}),
        )
        step, due_on = application.step, application.due_on
        assert due_on is not None
        values = {
            "step": ApplicationStep(step).label,
            "due": due_on.isoformat(),
            "enterprise": application.enterprise.name,
            "policy": application.policy.title,
        }
        ApplicationEvent.objects.create(
            application=application,
            action=ApplicationAction.REMIND,
            from_status=application.status,
            to_status=application.status,
            actor=None,
            comment=_("“%(step)s”环节已超过办理时限（%(due)s）。") % values,
            at=now,
        )
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            instance=application,
            after={"action": ApplicationAction.REMIND, "step": step, "due_on": due_on.isoformat()},
        )
        notification_send(
            recipients=deciders(application),
            kind="application_overdue",
            key=f"application:{application.pk}:overdue:{step}:{due_on.isoformat()}",
            title=_("%(enterprise)s申报的“%(policy)s”“%(step)s”已逾期") % values,
            body=_("办理时限为 %(due)s，请尽快办理。") % values,
            url=application_url(application.pk),
        )
        return step


def applications_overdue_scan(*, now: datetime.datetime | None = None) -> ScanResult:
    """Remind the deciders of every overdue step once (see the module docstring)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    result = ScanResult()
    candidates = (
        Application.objects.filter(overdue_q(today), _not_reminded())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in list(candidates):
        step = _remind(pk, today=today, now=now)
        if step:
            result.reminded[step] = result.reminded.get(step, 0) + 1
    return result
