"""Reads of the risk compensation fund, always for an acting user.

Funds are seen by officers and lenders (``fund_scope``); the ledger and enrolments by
officers (``fund_can_see_ledger``). Claims are scoped by ``claim_scope`` (a lender its own,
a county officer its county's borrowers', city officers all); a row outside the scope is a
404. ``claim_actions`` says which moves of the workflow table the user may make now, for
pages and the API alike.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.enterprises.querysets import scoped
from kejin.financing.models import Loan
from kejin.financing.selectors import loan_defaulted_list, loan_list_for
from kejin.policies.choices import ClaimAction, ClaimStatus
from kejin.policies.claim_workflow import (
    LENDER_ACTIONS,
    OFFICER_ACTIONS,
    claim_transition_allowed,
)
from kejin.policies.models import CompensationClaim, CompensationFund, FundEnrolment, FundEntry
from kejin.policies.permissions import (
    claim_can_decide,
    claim_can_submit,
    claim_scope,
    fund_can_see_ledger,
    fund_scope,
)

#: Claims waiting for an officer.
OPEN_STATUSES = (ClaimStatus.SUBMITTED,)


def _scoped(queryset, scope):
    return queryset.filter(scope) if isinstance(scope, Q) else scoped(queryset, scope)


def fund_list(*, user) -> QuerySet[CompensationFund]:
    """The funds ``user`` may see, with their policy and region."""
    return _scoped(CompensationFund.objects.all(), fund_scope(user=user)).select_related(
        "policy__live_version", "region"
    )


def fund_get(*, user, pk) -> CompensationFund:
    """Fund ``pk`` if ``user`` may see it (404 otherwise)."""
    fund = fund_list(user=user).filter(pk=pk).first()
    if fund is None:
        raise ApplicationError.not_found()
    return fund


def fund_entry_list(*, user, fund: CompensationFund) -> QuerySet[FundEntry]:
    """``fund``'s ledger, oldest first (officers)."""
    require(fund_can_see_ledger, user=user, obj=fund)
    return fund.entries.select_related("region", "institution", "claim", "recorded_by").order_by(
        "at", "pk"
    )


def fund_enrolment_list(*, user, fund: CompensationFund) -> QuerySet[FundEnrolment]:
    """``fund``'s enrolled institutions with their last check (officers)."""
    require(fund_can_see_ledger, user=user, obj=fund)
    return fund.enrolments.select_related("institution").order_by("institution__name")


def claim_list(
    *, user, fund: CompensationFund | None = None, status: str = "", overdue: bool = False
) -> QuerySet[CompensationClaim]:
    """The claims ``user`` may see, newest first (``overdue``: open past their due date)."""
    rows = _scoped(CompensationClaim.objects.all(), claim_scope(user=user)).select_related(
        "fund", "loan", "institution", "enterprise__county"
    )
    if fund is not None:
        rows = rows.filter(fund=fund)
    if status:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(status__in=OPEN_STATUSES, due_on__lt=timezone.localdate())
    return rows.order_by("-submitted_at", "-pk")


def claim_get(*, user, pk) -> CompensationClaim:
    """Claim ``pk`` if ``user`` may see it (404 otherwise), with its ledger entries."""
    claim = (
        claim_list(user=user)
        .select_related("version__policy", "submitted_by", "decided_by")
        .prefetch_related("entries")
        .filter(pk=pk)
        .first()
    )
    if claim is None:
        raise ApplicationError.not_found()
    return claim


def claim_is_overdue(claim: CompensationClaim) -> bool:
    """Whether an open claim is past its review due date."""
    return (
        claim.status in OPEN_STATUSES
        and claim.due_on is not None
        and claim.due_on < timezone.localdate()
    )


def claim_actions(*, user, claim: CompensationClaim) -> list[str]:
    """The moves ``user`` may make on ``claim`` now (workflow table and permissions)."""
    actions = []
    for action in ClaimAction.values:
        if action == ClaimAction.SUBMIT or not claim_transition_allowed(action, claim.status):
            continue
        officer = action in OFFICER_ACTIONS and claim_can_decide(user=user, obj=claim)
        lender = action in LENDER_ACTIONS and claim_can_submit(user=user, obj=claim)
        if officer or lender:
            actions.append(action)
    return actions


def claim_candidate_loans(*, user, unclaimed: bool = True) -> QuerySet[Loan]:
    """The lender's own defaulted loans (``unclaimed``: only those without a live claim,
    what the form offers; otherwise all, so that a loan claimed meanwhile by a colleague
    reaches the service and its clear refusal)."""
    require(claim_can_submit, user=user)
    rows = loan_defaulted_list(user=user).filter(institution_id=user.institution_id)
    if unclaimed:
        claimed = CompensationClaim.objects.exclude(status=ClaimStatus.WITHDRAWN)
        rows = rows.exclude(pk__in=claimed.values("loan_id"))
    return rows.order_by("-status_since", "-pk")


def claim_candidate_get(*, user, pk) -> Loan:
    """Loan ``pk`` if ``user`` may see it (404 otherwise); whether it may be claimed for is
    the service's to say (403 not the lender, 400 not defaulted, 409 already claimed)."""
    loan = (
        loan_list_for(user=user)
        .select_related("enterprise__registry_entry__stage")
        .filter(pk=pk)
        .first()
    )
    if loan is None:
        raise ApplicationError.not_found()
    return loan
