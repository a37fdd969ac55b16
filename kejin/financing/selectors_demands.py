"""Reads of the demand workflow, always for an acting user (``Demand.objects.visible_to``):
one demand (404 when not visible), the lists of each role, the timeline, the actions a user
may take now (for buttons, from the workflow table)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kejin.core.errors import ApplicationError
from kejin.core.permissions import signed_in
from kejin.financing.choices import DemandStatus
from kejin.financing.models import Demand, DemandAttachment, DemandEvent, DemandRoute
from kejin.financing.permissions import demand_actor_kinds
from kejin.financing.workflow import actions_available

#: The lists a user may ask for (``demand_list``'s ``view``).
VIEWS = ("all", "routed", "pool", "claimed")


def _base(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("enterprise", "county", "institution")


def demand_get(*, user, pk) -> Demand:
    """The demand ``pk`` if ``user`` may see it, else ``not_found`` (never say which)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ApplicationError.not_found() from None
    demand = _base(Demand.objects.visible_to(user)).filter(pk=pk).first()
    if demand is None:
        raise ApplicationError.not_found()
    return demand


def demand_get_for_claim(*, user, pk) -> Demand:
    """The demand an institution tries to claim: one it sees, or one posted to the open pool
    that another institution claimed meanwhile — every institution saw it in the pool, so
    the late claimant is told it was claimed (409) rather than that it does not exist."""
    try:
        return demand_get(user=user, pk=pk)
    except ApplicationError:
        if not (signed_in(user) and user.is_institution_user and user.institution_id):
            raise
    demand = _base(Demand.objects.filter(pk=pk, open_pool=True)).first()
    if demand is None:
        raise ApplicationError.not_found()
    return demand


def demand_list(
    *, user, view: str = "all", status: str = "", county: str = "", q: str = ""
) -> QuerySet:
    """Demands ``user`` sees, newest first. ``view``: ``all``; for an institution ``routed``
    (routed to it and waiting for a claim), ``pool`` (the open pool), ``claimed`` (held by
    it). ``status`` and ``county`` (a region code) narrow it; ``q`` searches number and
    enterprise name."""
    rows = Demand.objects.visible_to(user)
    institution = getattr(user, "institution_id", None) or 0
    if view == "routed":
        rows = rows.filter(
            status=DemandStatus.ROUTED,
            pk__in=DemandRoute.objects.filter(institution_id=institution).values("demand_id"),
        )
    elif view == "pool":
        rows = rows.filter(status=DemandStatus.ROUTED, open_pool=True)
    elif view == "claimed":
        rows = rows.filter(Q(institution_id=institution) | Q(guarantor_id=institution))
    if status:
        rows = rows.filter(status=status)
    if county:
        rows = rows.filter(county__code=county)
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(enterprise__name__icontains=q))
    return _base(rows).order_by("-submitted_at", "-id")


def demand_timeline(*, user, demand: Demand) -> QuerySet:
    """The demand's events in order, with actor and institution (``demand`` already fetched
    for ``user``)."""
    return (
        DemandEvent.objects.visible_to(user)
        .filter(demand=demand)
        .select_related("actor", "institution")
        .order_by("at", "id")
    )


def demand_actions(*, user, demand: Demand) -> list[str]:
    """The workflow actions ``user`` may take on ``demand`` now (the buttons to show)."""
    routed = frozenset(
        DemandRoute.objects.filter(demand_id=demand.pk).values_list("institution_id", flat=True)
    )
    kinds = demand_actor_kinds(user=user, demand=demand, routed_institution_ids=routed)
    return actions_available(
        status=demand.status, actor_kinds=kinds, guarantee_status=demand.guarantee_status
    )


def demand_routes(*, user, demand: Demand) -> QuerySet:
    """Where ``demand`` was routed (officers, the enterprise and institutions that see it)."""
    return DemandRoute.objects.filter(demand=demand).select_related("institution", "product")


def demand_attachment_get(*, user, demand_id, pk) -> DemandAttachment:
    """An attachment of a demand ``user`` may see; ``not_found`` otherwise."""
    demand = demand_get(user=user, pk=demand_id)
    attachment = DemandAttachment.objects.filter(demand=demand, pk=pk).first()
    if attachment is None:
        raise ApplicationError.not_found()
    return attachment


def demand_detail_get(*, user, pk) -> Demand:
    """``demand_get`` with the collateral and attachments read along (the detail's shape)."""
    demand = demand_get(user=user, pk=pk)
    return (
        _base(Demand.objects.visible_to(user))
        .prefetch_related("collaterals", "attachments")
        .get(pk=demand.pk)
    )


def guarantors_list(*, user) -> QuerySet:
    """The financing guarantee companies ``user`` may bring in as guarantor, by name."""
    from kejin.institutions.choices import InstitutionKind
    from kejin.institutions.selectors import institution_list

    return institution_list(user=user).filter(kind=InstitutionKind.GUARANTEE).order_by("name")
