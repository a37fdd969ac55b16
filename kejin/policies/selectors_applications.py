"""Reads of applications for an acting user (``application_scope``: the enterprise its own,
county officers their county's, city officers all); a row the user may not see is a 404.
Also what the apply form offers: the enterprise's own insurance policies and loans."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from kejin.core.choices import RegionLevel
from kejin.core.errors import ApplicationError
from kejin.core.models import Region
from kejin.enterprises.querysets import scoped
from kejin.financing.selectors import loan_list_for
from kejin.policies.choices import ApplicationStatus, PolicyScheme
from kejin.policies.models import (
    Application,
    ApplicationAttachment,
    ApplicationEvent,
    InsurancePolicy,
    Payout,
    Policy,
)
from kejin.policies.permissions import application_scope

APPLICATION_LIST_STATUSES = ("all", *ApplicationStatus.values)


def applications_visible(*, user) -> QuerySet[Application]:
    """Every application ``user`` may see."""
    return scoped(Application.objects.all(), application_scope(user=user))


def overdue_q(today=None) -> Q:
    """Applications whose current step is past its due date."""
    today = today or timezone.localdate()
    return Q(due_on__lt=today) & ~Q(step="")


def application_list(
    *,
    user,
    status: str = "all",
    overdue: bool = False,
    county_id: int | None = None,
    policy_id: int | None = None,
    search: str = "",
) -> QuerySet[Application]:
    """The applications ``user`` sees, newest submission first, filtered by status (one of
    :data:`APPLICATION_LIST_STATUSES`), overdue steps, the enterprise's county, the policy
    and part of the enterprise's or the policy's name."""
    rows = applications_visible(user=user).select_related(
        "policy", "version", "enterprise", "enterprise__county"
    )
    if status != "all":
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(overdue_q())
    if county_id:
        rows = rows.filter(enterprise__county_id=county_id)
    if policy_id:
        rows = rows.filter(policy_id=policy_id)
    if search:
        rows = rows.filter(
            Q(enterprise__name__icontains=search) | Q(policy__title__icontains=search)
        )
    return rows


def application_status_counts(*, user) -> dict[str, int]:
    """How many applications ``user`` sees in each status (one query)."""
    counts = dict(
        applications_visible(user=user).order_by().values_list("status").annotate(n=Count("id"))
    )
    return {value: counts.get(value, 0) for value in ApplicationStatus.values}


def application_get(*, user, pk: int) -> Application:
    """Application ``pk`` with its history, payouts and files, if ``user`` may see it."""
    application = (
        applications_visible(user=user)
        .select_related(
            "policy",
            "version",
            "enterprise",
            "enterprise__county",
            "insurance_policy",
            "insurance_policy__insurer",
            "loan",
            "loan__institution",
            "loan__guarantor",
            "submitted_by",
            "decided_by",
        )
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ApplicationEvent.objects.select_related("actor").order_by("at", "id"),
            ),
            Prefetch("payouts", queryset=Payout.objects.select_related("recorded_by")),
            "attachments",
        )
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise ApplicationError.not_found()
    return application


def policy_for_application(*, user, pk: int) -> Policy:
    """Policy ``pk`` as the apply form reads it (visible to ``user``, else 404)."""
    policy = (
        Policy.objects.visible_to(user)
        .select_related("live_version", "region")
        .filter(pk=pk)
        .first()
    )
    if policy is None:
        raise ApplicationError.not_found()
    return policy


def insurance_options(*, user) -> QuerySet[InsurancePolicy]:
    """The enterprise user's own tech-insurance policies (for a premium subsidy)."""
    if not getattr(user, "enterprise_id", None):
        return InsurancePolicy.objects.none()
    return InsurancePolicy.objects.filter(enterprise_id=user.enterprise_id).select_related(
        "insurer"
    )


def loan_options(*, user, scheme: str):
    """The enterprise user's own loans (for an interest or guarantee-fee subsidy; the latter
    only guaranteed ones)."""
    if not getattr(user, "enterprise_id", None):
        return loan_list_for(user=user).none()
    rows = loan_list_for(user=user).filter(enterprise_id=user.enterprise_id)
    if scheme == PolicyScheme.GUARANTEE_FEE:
        rows = rows.filter(guarantor__isnull=False)
    return rows


def county_choices() -> list[tuple[int, str]]:
    """The counties an officer's queue filters by."""
    return list(
        Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").values_list("pk", "name")
    )


def application_eligibility(*, user, policy: Policy):
    """The user's enterprise against ``policy``'s live rule, clause by clause (the apply
    form's pre-check before anything is typed); None without an enterprise or a version."""
    from kejin.policies.evaluation import enterprise_check

    if not getattr(user, "enterprise_id", None) or policy.live_version_id is None:
        return None
    return enterprise_check(policy.live_version, user.enterprise_id)


def application_attachment_get(*, user, application_id: int, pk: int) -> ApplicationAttachment:
    """A file of an application ``user`` may see; ``not_found`` otherwise."""
    visible = applications_visible(user=user).filter(pk=application_id)
    attachment = ApplicationAttachment.objects.filter(
        application__in=visible, application_id=application_id, pk=pk
    ).first()
    if attachment is None:
        raise ApplicationError.not_found()
    return attachment
