"""The enterprises app's models: the enterprise, its annual facts and certificates, imports."""

from kejin.enterprises.models.enterprise import Enterprise, EnterpriseQuerySet
from kejin.enterprises.models.imports import ImportBatch
from kejin.enterprises.models.profile import AnnualFacts, Certificate

__all__ = [
    "AnnualFacts",
    "Certificate",
    "Enterprise",
    "EnterpriseQuerySet",
    "ImportBatch",
]
