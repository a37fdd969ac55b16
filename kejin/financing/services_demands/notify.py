"""Messages of the demand workflow (in-app inbox, on commit, once per event and user):
routing → the routed institutions' users; claim, decision and the other steps the enterprise
follows → the enterprise's users; a guarantee request → the guarantor's users; an escalation
→ the county's officers and the claimant."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kejin.accounts.models import User
from kejin.core.money import format_yuan
from kejin.financing.choices import DemandAction
from kejin.financing.models import Demand, DemandEvent
from kejin.notifications.services import notification_send

#: Moves the enterprise is told about.
ENTERPRISE_TOLD = frozenset(
    {
        DemandAction.CLAIM,
        DemandAction.CONTACT,
        DemandAction.START_REVIEW,
        DemandAction.APPROVE,
        DemandAction.REJECT,
        DemandAction.DISBURSE,
        DemandAction.CLOSE,
        DemandAction.EXPIRE,
        DemandAction.GRANT_GUARANTEE,
        DemandAction.REFUSE_GUARANTEE,
    }
)


def _url(demand: Demand) -> str:
    return reverse("financing:demand_detail", args=[demand.pk])


def _active(users) -> Iterable[User]:
    return users.filter(is_active=True).order_by("pk")


def notify_routed(*, demand: Demand, event: DemandEvent, institution_ids: Iterable[int]) -> None:
    """The users of the institutions ``demand`` was just routed (or referred) to."""
    notification_send(
        recipients=_active(User.objects.filter(institution_id__in=list(institution_ids))),
        kind="demand_routed",
        key=f"demand:{demand.pk}:event:{event.pk}",
        title=_("新的融资需求待认领：%(number)s") % {"number": demand.number},
        body=_("%(enterprise)s 申请融资 %(amount)s，期限 %(term)s 个月。")
        % {
            "enterprise": demand.enterprise.name,
            "amount": format_yuan(demand.amount),
            "term": demand.term_months,
        },
        url=_url(demand),
    )


def notify_enterprise(*, demand: Demand, event: DemandEvent) -> None:
    """The enterprise's users, about a move of its demand they follow."""
    if event.action not in ENTERPRISE_TOLD:
        return
    title = _("您的融资需求 %(number)s：%(action)s") % {
        "number": demand.number,
        "action": DemandAction(event.action).label,
    }
    notification_send(
        recipients=_active(User.objects.filter(enterprise_id=demand.enterprise_id)),
        kind=f"demand_{event.action}",
        key=f"demand:{demand.pk}:event:{event.pk}",
        title=title,
        body=event.text,
        url=_url(demand),
    )


def notify_guarantor(*, demand: Demand, event: DemandEvent) -> None:
    """The guarantor's users: a guarantee is requested of them."""
    notification_send(
        recipients=_active(User.objects.filter(institution_id=demand.guarantor_id)),
        kind="demand_guarantee_requested",
        key=f"demand:{demand.pk}:event:{event.pk}",
        title=_("担保申请：融资需求 %(number)s") % {"number": demand.number},
        url=_url(demand),
    )


def notify_escalated(*, demand: Demand, event: DemandEvent) -> None:
    """The county's and the city's officers, and the claimant's users: a step is overdue."""
    from kejin.accounts.choices import Role

    officers = Q(role=Role.CITY_OFFICER) | Q(role=Role.COUNTY_OFFICER, county_id=demand.county_id)
    claimant = Q(institution_id=demand.institution_id) if demand.institution_id else Q(pk=None)
    notification_send(
        recipients=_active(User.objects.filter(officers | claimant)),
        kind="demand_overdue",
        key=f"demand:{demand.pk}:event:{event.pk}",
        title=_("融资需求 %(number)s 逾期：%(step)s")
        % {"number": demand.number, "step": event.text},
        url=_url(demand),
    )
