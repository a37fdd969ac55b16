"""Reads of tech insurance for an acting user: policies in ``insurance_scope`` (the insurer
its own, the enterprise its own, county officers their county's, city officers all), group
schemes in ``group_scheme_scope`` (officers all, an insurer its own) with their members and
budget. A row the user may not see is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from kejin.core.errors import ApplicationError
from kejin.enterprises.querysets import scoped
from kejin.policies.choices import GroupMemberStatus
from kejin.policies.models import GroupMember, GroupScheme, InsurancePolicy
from kejin.policies.permissions import group_scheme_scope, insurance_scope


def insurance_policy_list(*, user, line: str = "", search: str = "") -> QuerySet[InsurancePolicy]:
    """The tech-insurance policies ``user`` sees, latest period first; ``line`` a line code,
    ``search`` part of a policy number or an enterprise's name."""
    rows = scoped(InsurancePolicy.objects.all(), insurance_scope(user=user)).select_related(
        "enterprise", "insurer"
    )
    if line:
        rows = rows.filter(line=line)
    if search:
        rows = rows.filter(Q(number__icontains=search) | Q(enterprise__name__icontains=search))
    return rows


def insurance_policy_get(*, user, pk: int) -> InsurancePolicy:
    """Policy ``pk`` if ``user`` may see it."""
    policy = insurance_policy_list(user=user).select_related("recorded_by").filter(pk=pk).first()
    if policy is None:
        raise ApplicationError.not_found()
    return policy


def group_scheme_list(*, user) -> QuerySet[GroupScheme]:
    """The group schemes ``user`` sees, with member counts by status."""
    return (
        scoped(GroupScheme.objects.all(), group_scheme_scope(user=user))
        .select_related("policy", "insurer")
        .annotate(
            member_count=Count("members"),
            covered_count=Count("members", filter=Q(members__status=GroupMemberStatus.COVERED)),
        )
    )


def group_scheme_get(*, user, pk: int) -> GroupScheme:
    """Scheme ``pk`` if ``user`` may see it (with its policy's live version)."""
    scheme = (
        group_scheme_list(user=user)
        .select_related("policy__live_version", "created_by")
        .filter(pk=pk)
        .first()
    )
    if scheme is None:
        raise ApplicationError.not_found()
    return scheme


def group_member_list(*, scheme: GroupScheme) -> QuerySet[GroupMember]:
    """The members of a scheme the caller already may see (``group_scheme_get``)."""
    return scheme.members.select_related("enterprise__county", "insurance_policy").order_by(
        "status", "enterprise__name", "pk"
    )


@dataclass(frozen=True)
class SchemeBudget:
    """A scheme's list against its budget: members by status, the total premium of the
    listed and covered (declined ones cost nothing) and the version's budget."""

    listed: int
    covered: int
    declined: int
    total: Decimal
    budget: Decimal | None

    @property
    def members(self) -> int:
        return self.listed + self.covered + self.declined

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.total > self.budget

    @property
    def room(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.total


def group_scheme_budget(scheme: GroupScheme) -> SchemeBudget:
    """The budget view of a scheme (one query for the members)."""
    counts = dict(scheme.members.order_by().values_list("status").annotate(n=Count("id")))
    listed = counts.get(GroupMemberStatus.LISTED, 0)
    covered = counts.get(GroupMemberStatus.COVERED, 0)
    version = scheme.policy.live_version
    return SchemeBudget(
        listed=listed,
        covered=covered,
        declined=counts.get(GroupMemberStatus.DECLINED, 0),
        total=Decimal(scheme.premium_per_head) * (listed + covered),
        budget=Decimal(version.budget) if version and version.budget is not None else None,
    )
