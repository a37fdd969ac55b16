"""What other modules read of financing (the public face: ``kejin.policies`` and, later,
statistics and capital markets): loans and their defaults, always for an acting user
(``Loan.objects.visible_to``), and institutions' pooled loan quality.

Within financing, pages and the API use ``selectors_loans``, ``selectors_demands`` and the
others directly; a module of the same layer may import only ``selectors``, ``services``,
``models``, ``choices`` and ``permissions`` (``scripts/check_layers.py``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from kejin.financing.choices import LoanStatus
from kejin.financing.models import Loan
from kejin.financing.selectors_loans import loan_get as _loan_get

__all__ = ["loan_defaulted_list", "loan_get", "loan_list_for", "institution_npl_ratio"]


def loan_get(*, user, pk: int) -> Loan:
    """Loan ``pk`` if ``user`` may see it (404 otherwise)."""
    return _loan_get(user=user, pk=pk)


def loan_list_for(*, user) -> QuerySet[Loan]:
    """Every loan ``user`` may see, with borrower, lender and county."""
    return Loan.objects.visible_to(user).select_related(
        "enterprise", "institution", "county", "guarantor"
    )


def loan_defaulted_list(*, user) -> QuerySet[Loan]:
    """The defaulted loans ``user`` may see (the risk compensation fund's candidates)."""
    return loan_list_for(user=user).filter(status=LoanStatus.DEFAULT)


def institution_npl_ratio(institution_id: int, *, loan_ids=None) -> Decimal | None:
    """The non-performing ratio (%) of an institution's loans: defaulted outstanding over
    all outstanding of loans not repaid (``loan_ids``: only these loans, e.g. the pooled
    ones). None when it has no outstanding loans. One query; not scoped (a system read
    for the fund's enrolment check)."""
    rows = Loan.objects.filter(institution_id=institution_id).exclude(status=LoanStatus.REPAID)
    if loan_ids is not None:
        rows = rows.filter(pk__in=loan_ids)
    totals = rows.aggregate(
        total=Sum("outstanding"), bad=Sum("outstanding", filter=Q(status=LoanStatus.DEFAULT))
    )
    total = totals["total"] or Decimal(0)
    if not total:
        return None
    return (Decimal(totals["bad"] or 0) * 100 / total).quantize(Decimal("0.001"))
