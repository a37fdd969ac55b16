"""Financing matchmaking's records: products and their versions, demands and their workflow
events, leads, loans and repayments."""

from kejin.financing.models.demands import (
    Demand,
    DemandAttachment,
    DemandCollateral,
    DemandEvent,
    DemandRoute,
    StepDeadline,
)
from kejin.financing.models.loans import Loan, LoanImportBatch, LoanRepayment, LoanStatusEvent
from kejin.financing.models.products import Lead, Product, ProductEvent, ProductVersion

__all__ = [
    "Demand",
    "DemandAttachment",
    "DemandCollateral",
    "DemandEvent",
    "DemandRoute",
    "Lead",
    "Loan",
    "LoanImportBatch",
    "LoanRepayment",
    "LoanStatusEvent",
    "Product",
    "ProductEvent",
    "ProductVersion",
    "StepDeadline",
]
