"""The enterprise registry's models: the enterprise record, its annual facts and certificates."""

from kejin.enterprises.models.facts import AnnualFacts, Certificate
from kejin.enterprises.models.imports import ImportBatch
from kejin.enterprises.models.registry import Enterprise, EnterpriseQuerySet
from kejin.enterprises.models.registry_list import (
    EvaluationRun,
    GrowthStage,
    Label,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
)

__all__ = [
    "AnnualFacts",
    "Certificate",
    "Enterprise",
    "EnterpriseQuerySet",
    "EvaluationRun",
    "ImportBatch",
    "GrowthStage",
    "Label",
    "RecognitionResult",
    "RegistryEntry",
    "RegistryEvent",
    "RegistryOverride",
]
