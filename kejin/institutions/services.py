"""Writes to the institution directory: atomic, permission-checked and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.services import instance_save_audited
from kejin.institutions.models import Institution
from kejin.institutions.selectors import institution_editable_fields


def _check_fields(*, user, institution: Institution | None, data: dict) -> None:
    allowed = institution_editable_fields(user=user, institution=institution)
    if not allowed:
        raise ApplicationError.permission_denied()
    refused = sorted(set(data) - allowed)
    if refused:
        raise ApplicationError.permission_denied(
            _("您无权修改以下字段：%(fields)s。") % {"fields": "、".join(refused)}
        )
    parent = data.get("parent")
    if institution is not None and parent is not None and parent.pk == institution.pk:
        raise ApplicationError.invalid({"parent": [_("上级机构不能是机构本身。")]})


@transaction.atomic
def institution_create(*, actor, data: dict, ip_address: str | None = None) -> Institution:
    """Add an institution to the directory (city officers and platform admins). Audited."""
    _check_fields(user=actor, institution=None, data=data)
    return instance_save_audited(
        actor=actor, instance=Institution(), data=data, ip_address=ip_address
    )


@transaction.atomic
def institution_update(
    *, actor, institution: Institution, data: dict, ip_address: str | None = None
) -> Institution:
    """Change an institution's record. Audited with the changed fields before and after."""
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    _check_fields(user=actor, institution=locked, data=data)
    return instance_save_audited(actor=actor, instance=locked, data=data, ip_address=ip_address)
