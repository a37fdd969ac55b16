"""The enterprise's moves: submit, resubmit, withdraw."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kejin.core.attachments import CheckedAttachment, attachments_check
from kejin.core.audit import model_snapshot
from kejin.core.permissions import require
from kejin.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
)
from kejin.policies.models import (
    Application,
    ApplicationAttachment,
    Policy,
)
from kejin.policies.permissions import application_can_submit
from kejin.policies.services_applications.assessment import (
    Assessment,
    application_assess,
    duplicate_error,
    live_duplicate,
    policy_open_check,
    refuse_ineligible,
)
from kejin.policies.services_applications.common import (
    AUDITED,
    comment_clean,
    move_check,
    notify,
    period_key,
    record,
    simple_move,
    step_start,
)


def _attach(application: Application, checked: Sequence[CheckedAttachment], user) -> None:
    for item in checked:
        attachment = ApplicationAttachment(
            application=application,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=user,
        )
        attachment.file.save(item.name, item.file, save=False)  # type: ignore[arg-type]
        attachment.save()


def _submitted(
    application: Application,
    policy: Policy,
    assessment: Assessment,
    checked: Sequence[CheckedAttachment],
    *,
    user,
    now: datetime.datetime,
) -> None:
    """Store ``assessment`` on ``application`` as submitted now under the policy's live
    version, with its step and due date, and save it with the attachments."""
    assert policy.live_version is not None  # application_assess checked it
    application.version = policy.live_version
    application.status = ApplicationStatus.SUBMITTED
    application.inputs = assessment.inputs
    application.precheck = assessment.precheck
    application.amount_computed = assessment.benefit.amount
    application.insurance_policy = assessment.insurance_policy
    application.loan = assessment.loan
    application.submitted_at = now
    application.submitted_by = user
    step_start(application, now)
    application.save()
    _attach(application, checked, user)


# --- the enterprise --------------------------------------------------------------------------


def application_submit(
    *,
    user,
    policy: Policy,
    data: Mapping[str, Any],
    attachments: Sequence | None = None,
    ip_address: str | None = None,
) -> Application:
    """Apply to ``policy`` for the user's enterprise (see the module docstring). Nothing is
    stored on a refusal."""
    require(application_can_submit, user=user)
    policy = Policy.objects.select_related("live_version").get(pk=policy.pk)
    policy_open_check(policy)
    now = timezone.now()
    key = period_key(policy.live_version, now)
    existing = live_duplicate(policy.pk, user.enterprise_id, key)
    if existing is not None:
        raise duplicate_error(existing)
    assessment = application_assess(user=user, policy=policy, data=data, at=now)
    refuse_ineligible(assessment)
    checked = attachments_check(attachments)
    try:
        with transaction.atomic():
            application = Application(
                policy=policy,
                enterprise_id=user.enterprise_id,
                period_key=assessment.period_key,
            )
            _submitted(application, policy, assessment, checked, user=user, now=now)
            record(
                application,
                actor=user,
                action=ApplicationAction.SUBMIT,
                from_status="",
                before=None,
                at=now,
                amount=application.amount_computed,
                ip_address=ip_address,
            )
            notify(application, action=ApplicationAction.SUBMIT, to_officers=True, at=now)
    except IntegrityError as error:
        existing = live_duplicate(policy.pk, user.enterprise_id, assessment.period_key)
        if existing is None:
            raise
        raise duplicate_error(existing) from error
    return application


@transaction.atomic
def application_resubmit(
    *,
    user,
    application: Application,
    data: Mapping[str, Any],
    attachments: Sequence | None = None,
    ip_address: str | None = None,
) -> Application:
    """Send a returned application again with changes (its enterprise's users): the fields,
    the pre-check and the amount are taken anew under the policy's live version."""
    application = move_check(user=user, application=application, action=ApplicationAction.RESUBMIT)
    now = timezone.now()
    policy = Policy.objects.select_related("live_version").get(pk=application.policy_id)
    assessment = application_assess(user=user, policy=policy, data=data, at=now)
    refuse_ineligible(assessment)
    checked = attachments_check(attachments)
    before = model_snapshot(application, AUDITED)
    from_status = application.status
    _submitted(application, policy, assessment, checked, user=user, now=now)
    record(
        application,
        actor=user,
        action=ApplicationAction.RESUBMIT,
        from_status=from_status,
        before=before,
        at=now,
        comment=comment_clean(data.get("comment")),
        amount=application.amount_computed,
        ip_address=ip_address,
    )
    notify(application, action=ApplicationAction.RESUBMIT, to_officers=True, at=now)
    return application


@transaction.atomic
def application_withdraw(
    *, user, application: Application, comment: str = "", ip_address: str | None = None
) -> Application:
    """Withdraw an application not yet accepted (its enterprise's users); the period is free
    again."""
    application = move_check(user=user, application=application, action=ApplicationAction.WITHDRAW)
    comment = comment_clean(comment)
    return simple_move(
        application,
        user=user,
        action=ApplicationAction.WITHDRAW,
        to_status=ApplicationStatus.WITHDRAWN,
        comment=comment,
        ip_address=ip_address,
        to_officers=True,
    )
