"""Writes of the demand workflow (融资需求): posting, routing, claims and every move.

Every move goes through ``kejin.financing.workflow.transition_check`` and writes one
``DemandEvent`` with its actor, institution and time; ``acting_user=None`` is the platform
(SYSTEM: routing after submission, the deadline scan's pool / expire / escalate).
"""

from kejin.financing.services_demands.claims import demand_claim, demand_release
from kejin.financing.services_demands.moves import (
    demand_approve,
    demand_close,
    demand_contact,
    demand_disburse,
    demand_escalate,
    demand_expire,
    demand_guarantee_grant,
    demand_guarantee_refuse,
    demand_guarantee_request,
    demand_refer,
    demand_reject,
    demand_review_start,
    demand_withdraw,
)
from kejin.financing.services_demands.posting import (
    demand_create,
    demand_data_clean,
    demand_pool,
    demand_route,
)

__all__ = [
    "demand_approve",
    "demand_claim",
    "demand_close",
    "demand_contact",
    "demand_create",
    "demand_data_clean",
    "demand_disburse",
    "demand_escalate",
    "demand_expire",
    "demand_guarantee_grant",
    "demand_guarantee_refuse",
    "demand_guarantee_request",
    "demand_pool",
    "demand_refer",
    "demand_reject",
    "demand_release",
    "demand_review_start",
    "demand_route",
    "demand_withdraw",
]
