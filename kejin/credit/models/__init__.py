"""Models of the credit module; each file holds one part (catalogue, records, …)."""

from kejin.credit.models.catalogue import CategoryField, RecordCategory
from kejin.credit.models.records import CreditBatch, CreditRecord
from kejin.credit.models.reports import ReportRead, ReportRequest

__all__ = [
    "CategoryField",
    "CreditBatch",
    "CreditRecord",
    "RecordCategory",
    "ReportRead",
    "ReportRequest",
]
