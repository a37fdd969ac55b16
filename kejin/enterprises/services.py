"""Writes to the enterprise directory (企业名录): atomic, permission-checked and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.services import instance_save_audited
from kejin.enterprises.models import Enterprise
from kejin.enterprises.permissions import enterprise_can_place_in_county
from kejin.enterprises.registered import enterprises_registered_on_commit
from kejin.enterprises.selectors import enterprise_editable_fields


def _check_fields(*, user, enterprise: Enterprise | None, data: dict) -> None:
    allowed = enterprise_editable_fields(user=user, enterprise=enterprise)
    if not allowed:
        raise ApplicationError.permission_denied()
    refused = sorted(set(data) - allowed)
    if refused:
        raise ApplicationError.permission_denied(
            _("您无权修改以下字段：%(fields)s。") % {"fields": "、".join(refused)}
        )
    county = data.get("county")
    if county is not None and not enterprise_can_place_in_county(user=user, obj=county):
        raise ApplicationError.permission_denied(_("县级工作人员只能登记本县(市、区)的企业。"))


def enterprise_refuse_fields(*, user, enterprise: Enterprise | None, submitted) -> None:
    """``permission_denied`` naming (by label) each field of the record in ``submitted`` (a
    page's POST) that ``user`` may not change on ``enterprise``.

    The record form shows only the editable fields, so a browser never sends the others: one
    that arrives is refused rather than silently dropped while the page says "saved".
    """
    allowed = enterprise_editable_fields(user=user, enterprise=enterprise)
    fields = {f.name: f for f in Enterprise._meta.concrete_fields}
    refused = [
        name
        for name in fields
        if name in submitted and name not in allowed and name not in _NOT_SUBMITTABLE
    ]
    if refused:
        labels = "、".join(str(fields[name].verbose_name) for name in refused)
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            _("您无权修改以下字段：%(fields)s。") % {"fields": labels},
            fields={name: [_("您无权修改该字段。")] for name in refused},
        )


_NOT_SUBMITTABLE = frozenset({"id", "created_at", "updated_at"})


@transaction.atomic
def enterprise_create(*, actor, data: dict, ip_address: str | None = None) -> Enterprise:
    """Register a new enterprise (officers and platform admins). Audited."""
    _check_fields(user=actor, enterprise=None, data=data)
    enterprise = instance_save_audited(
        actor=actor, instance=Enterprise(), data=data, ip_address=ip_address
    )
    enterprises_registered_on_commit([enterprise.pk])
    return enterprise


@transaction.atomic
def enterprise_update(
    *, actor, enterprise: Enterprise, data: dict, ip_address: str | None = None
) -> Enterprise:
    """Change an enterprise's record. Officers change any field; an enterprise administrator
    only its own contact and profile fields. Audited with the changed fields before and after."""
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _check_fields(user=actor, enterprise=locked, data=data)
    return instance_save_audited(actor=actor, instance=locked, data=data, ip_address=ip_address)
