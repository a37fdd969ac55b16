"""The enterprises app's models: the enterprise record, its annual facts and certificates, import batches."""

from kejin.enterprises.models.enterprise import Enterprise, EnterpriseQuerySet
from kejin.enterprises.models.facts import AnnualFacts, Certificate
from kejin.enterprises.models.imports import ImportBatch

__all__ = [
    "AnnualFacts",
    "Certificate",
    "Enterprise",
    "EnterpriseQuerySet",
    "ImportBatch",
]
