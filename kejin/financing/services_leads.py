"""Writes of matching: an officer pushes enterprises that fit a product to its institution.

``lead_push`` is atomic and audited (one ``create`` event per new lead); pushing an
enterprise already pushed for the product creates nothing (the unique (product, enterprise)
and ``ignore_conflicts`` decide, so two officers pushing at once cannot duplicate), and the
institution's users are notified on commit only of new leads, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kejin.accounts.models import User
from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.financing.models import Lead
from kejin.financing.permissions import lead_can_push
from kejin.financing.selectors_matching import product_fit_enterprises, product_get
from kejin.notifications.services import notification_send

#: At most this many enterprises in one push.
PUSH_MAX = 500


@dataclass(frozen=True)
class PushResult:
    """What a push did: the leads it created and how many were pushed before."""

    created: list[Lead]
    already: int


def lead_push(
    *,
    product_id: int,
    enterprise_ids: Iterable[int],
    acting_user,
    note: str = "",
    ip_address: str | None = None,
) -> PushResult:
    """Push enterprises that fit product ``product_id`` to its institution as leads.

    404 if the user may not see the product; 403 unless an officer (``lead_can_push``);
    400 if no enterprise is given, too many, or one does not fit the product (in the user's
    scope). Idempotent per (product, enterprise)."""
    product = product_get(user=acting_user, pk=product_id)
    require(lead_can_push, user=acting_user, obj=product)
    ids = sorted(set(enterprise_ids))
    if not ids:
        raise ApplicationError.invalid({"enterprise_ids": [_("请至少选择一家企业。")]})
    if len(ids) > PUSH_MAX:
        raise ApplicationError.invalid(
            {"enterprise_ids": [_("一次最多推送%(max)s家企业。") % {"max": PUSH_MAX}]}
        )
    fit = set(product_fit_enterprises(user=acting_user, pk=product.pk).ids)
    strangers = [pk for pk in ids if pk not in fit]
    if strangers:
        raise ApplicationError.invalid(
            {
                "enterprise_ids": [
                    _("以下企业不符合该产品的条件或不在您的管辖范围内：%(ids)s")
                    % {"ids": "、".join(map(str, strangers[:20]))}
                ]
            }
        )
    with transaction.atomic():
        existing = set(
            Lead.objects.filter(product=product, enterprise_id__in=ids).values_list(
                "enterprise_id", flat=True
            )
        )
        new = [pk for pk in ids if pk not in existing]
        Lead.objects.bulk_create(
            [
                Lead(
                    product=product,
                    enterprise_id=pk,
                    institution_id=product.institution_id,
                    pushed_by=acting_user,
                    note=note,
                )
                for pk in new
            ],
            ignore_conflicts=True,
        )
        # Read back what this push created (a concurrent push may have taken some).
        created = list(
            Lead.objects.filter(product=product, enterprise_id__in=new, pushed_by=acting_user)
            .select_related("enterprise")
            .order_by("enterprise_id")
        )
        for lead in created:
            audit_record(
                actor=acting_user,
                action=AuditAction.CREATE,
                instance=lead,
                after=model_snapshot(lead, ["product", "enterprise", "institution", "note"]),
                ip_address=ip_address,
            )
        if created:
            recipients = User.objects.filter(institution_id=product.institution_id, is_active=True)
            first = min(lead.pk for lead in created)
            notification_send(
                recipients=list(recipients),
                kind="lead_pushed",
                key=f"lead:{product.pk}:{first}",
                title=_("收到%(count)s条企业线索：%(product)s")
                % {"count": len(created), "product": product.name},
                body="、".join(lead.enterprise.name for lead in created[:10]),
                url=reverse("financing:lead_list"),
            )
    return PushResult(created=created, already=len(ids) - len(created))
