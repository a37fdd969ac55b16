"""The policies module's models, one module per part (see each module's docstring)."""

from kejin.policies.models.applications import (
    Application,
    ApplicationAttachment,
    ApplicationEvent,
    Payout,
)
from kejin.policies.models.funds import (
    CompensationClaim,
    CompensationFund,
    FundEnrolment,
    FundEntry,
)
from kejin.policies.models.insurance import GroupMember, GroupScheme, InsurancePolicy
from kejin.policies.models.policies import (
    Policy,
    PolicyAttachment,
    PolicyCategory,
    PolicyEvent,
    PolicyNotice,
    PolicySubscription,
    PolicyVersion,
)

__all__ = [
    "Application",
    "ApplicationAttachment",
    "ApplicationEvent",
    "CompensationClaim",
    "CompensationFund",
    "FundEnrolment",
    "FundEntry",
    "GroupMember",
    "GroupScheme",
    "InsurancePolicy",
    "Payout",
    "Policy",
    "PolicyAttachment",
    "PolicyCategory",
    "PolicyEvent",
    "PolicyNotice",
    "PolicySubscription",
    "PolicyVersion",
]
