"""The enterprise registry's models: the enterprise record, its annual facts and certificates."""

from kejin.enterprises.models.facts import AnnualFacts, Certificate
from kejin.enterprises.models.registry import Enterprise, EnterpriseQuerySet

__all__ = ["AnnualFacts", "Certificate", "Enterprise", "EnterpriseQuerySet"]
