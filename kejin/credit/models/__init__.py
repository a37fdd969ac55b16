"""Models of the credit module; each file holds one part (catalogue, records, …)."""

from kejin.credit.models.catalogue import CategoryField, RecordCategory
from kejin.credit.models.disputes import Dispute, DisputeAttachment
from kejin.credit.models.records import CreditBatch, CreditRecord
from kejin.credit.models.reports import ReportRead, ReportRequest
from kejin.credit.models.scoring import CreditScore, CreditScoreHistory, ScorecardVersion

__all__ = [
    "CategoryField",
    "CreditBatch",
    "CreditRecord",
    "CreditScore",
    "CreditScoreHistory",
    "Dispute",
    "DisputeAttachment",
    "RecordCategory",
    "ReportRead",
    "ReportRequest",
    "ScorecardVersion",
]
