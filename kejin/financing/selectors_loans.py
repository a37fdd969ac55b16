"""Reads of loans, their repayments and history, and loan import batches — always scoped to
the acting user (``Loan.objects.visible_to``: the borrower, the lender, the guarantor, the
county's officers, city officers). A loan the user may not see is a 404."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from kejin.core.errors import ApplicationError
from kejin.financing.choices import LoanStatus
from kejin.financing.models import Loan, LoanImportBatch, LoanRepayment, LoanStatusEvent
from kejin.ingest.runs import batches_expire_stale

LOAN_LIST_STATUSES = ("all", *LoanStatus.values)


def loan_list(*, user, status: str = "all", search: str = "") -> QuerySet[Loan]:
    """The loans ``user`` sees, newest disbursement first; ``status`` one of
    :data:`LOAN_LIST_STATUSES`, ``search`` part of a contract number or borrower's name."""
    rows = Loan.objects.visible_to(user).select_related(
        "enterprise", "institution", "county", "guarantor"
    )
    if status != "all":
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(
            Q(contract_number__icontains=search) | Q(enterprise__name__icontains=search)
        )
    return rows


def loan_status_counts(*, user) -> dict[str, int]:
    """How many loans ``user`` sees in each status (one query)."""
    counts = dict(
        Loan.objects.visible_to(user).order_by().values_list("status").annotate(n=Count("id"))
    )
    return {status: counts.get(status, 0) for status in LoanStatus.values}


def loan_get(*, user, pk: int) -> Loan:
    """Loan ``pk`` with its repayments and status history, if ``user`` may see it."""
    loan = (
        Loan.objects.visible_to(user)
        .select_related("enterprise", "institution", "county", "guarantor", "demand")
        .prefetch_related(
            Prefetch("repayments", queryset=LoanRepayment.objects.select_related("recorded_by")),
            Prefetch(
                "status_events",
                queryset=LoanStatusEvent.objects.select_related("actor").order_by("at", "id"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if loan is None:
        raise ApplicationError.not_found()
    return loan


def loan_import_batch_list(*, user) -> QuerySet[LoanImportBatch]:
    """The loan import batches of the user's institution, newest first (stale ones failed
    first, so a batch whose worker died does not show as running)."""
    batches_expire_stale(model=LoanImportBatch)
    return LoanImportBatch.objects.visible_to(user).select_related("uploaded_by")


def loan_import_batch_get(*, user, pk: int) -> LoanImportBatch:
    batch = loan_import_batch_list(user=user).filter(pk=pk).first()
    if batch is None:
        raise ApplicationError.not_found()
    return batch
