"""Financing's facts: what the loans institutions report say about an enterprise.

Registered in ``kejin.facts.sources.SOURCES`` so that product, policy and credit rules can
name them like any other fact (``{"==": [{"var": "financing.loans_default"}, 0]}``). The
values are the loans as they stand now (status and outstanding kept by the institutions),
whatever the frame's date; every enterprise of the range gets a row (0 where it has no loan).
"""

from __future__ import annotations

import datetime

import polars as pl
from django.db.models import Count, Q, Sum

from kejin.enterprises.models import Enterprise
from kejin.facts.catalogue import AS_OF_CURRENT, Fact, FactSource
from kejin.financing.choices import LoanStatus
from kejin.financing.models import Loan

_LOANS = "金融机构在融资对接平台登记的贷款及其还款、状态（现行）"

LOAN_FACTS: tuple[Fact, ...] = (
    Fact(
        "financing.loans_count",
        "平台贷款笔数",
        pl.Int64,
        "笔",
        _LOANS,
        "经平台对接发放（或机构登记）的贷款笔数，含已结清的",
        label_en="Loans through the platform",
        as_of=AS_OF_CURRENT,
    ),
    Fact(
        "financing.loans_outstanding",
        "平台贷款余额",
        pl.Float64,
        "元",
        _LOANS,
        "未结清贷款的本金余额合计；没有的为0",
        label_en="Outstanding loan principal",
        as_of=AS_OF_CURRENT,
    ),
    Fact(
        "financing.loans_overdue",
        "逾期贷款笔数",
        pl.Int64,
        "笔",
        _LOANS,
        "当前状态为“逾期”的贷款笔数",
        label_en="Loans overdue now",
        as_of=AS_OF_CURRENT,
    ),
    Fact(
        "financing.loans_default",
        "违约贷款笔数",
        pl.Int64,
        "笔",
        _LOANS,
        "当前状态为“违约”的贷款笔数",
        label_en="Loans in default now",
        as_of=AS_OF_CURRENT,
    ),
)

LOAN_SOURCE_SCHEMA = {"enterprise_id": pl.Int64, **{f.name: f.dtype for f in LOAN_FACTS}}


def fetch_loan_facts(
    *, first_id: int, last_id: int, as_of: datetime.date, year: int
) -> pl.DataFrame:
    """The loan facts of the enterprises with ids in [first_id, last_id] (two queries)."""
    ids = list(
        Enterprise.objects.filter(pk__range=(first_id, last_id))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = {
        row["enterprise_id"]: row
        for row in Loan.objects.filter(enterprise__pk__range=(first_id, last_id))
        .values("enterprise_id")
        .annotate(
            count=Count("id"),
            outstanding=Sum("outstanding", filter=~Q(status=LoanStatus.REPAID)),
            overdue=Count("id", filter=Q(status=LoanStatus.OVERDUE)),
            default=Count("id", filter=Q(status=LoanStatus.DEFAULT)),
        )
        .order_by()
    }
    empty = {"count": 0, "outstanding": None, "overdue": 0, "default": 0}
    found = [rows.get(pk, empty) for pk in ids]
    return pl.DataFrame(
        {
            "enterprise_id": ids,
            "financing.loans_count": [r["count"] for r in found],
            "financing.loans_outstanding": [float(r["outstanding"] or 0) for r in found],
            "financing.loans_overdue": [r["overdue"] for r in found],
            "financing.loans_default": [r["default"] for r in found],
        },
        schema=LOAN_SOURCE_SCHEMA,
    )


#: The loans' entry in the facts catalogue.
LOAN_SOURCE = FactSource(name="financing_loans", facts=LOAN_FACTS, fetch=fetch_loan_facts)
