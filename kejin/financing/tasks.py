"""Celery tasks of financing. Idempotent: a task delivered twice changes nothing twice."""

from __future__ import annotations

from celery import shared_task

# The loan import task, registered here so that a worker autodiscovering this module knows it.
from kejin.financing.tasks_loans import loan_import_batch_run_task  # noqa: F401


@shared_task(name="financing.demand_route")
def demand_route_task(*, demand_id: int) -> str:
    """Route a submitted demand (``demand_route``); a demand no longer ``submitted`` (routed
    already, withdrawn…) or gone is left as it is. Returns its status afterwards."""
    from kejin.core.errors import ApplicationError
    from kejin.financing.choices import DemandStatus
    from kejin.financing.models import Demand
    from kejin.financing.services_demands import demand_route

    demand = Demand.objects.filter(pk=demand_id).first()
    if demand is None:
        return "missing"
    if demand.status != DemandStatus.SUBMITTED:
        return demand.status
    try:
        return demand_route(demand=demand, acting_user=None).status
    except ApplicationError:  # another delivery routed it meanwhile
        return Demand.objects.get(pk=demand_id).status
