"""Helpers for API views that write: refuse before validating, and say where a change came from."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address  # noqa: F401  (re-exported for the API views)


def require_editable_fields(
    *, allowed: frozenset[str], data, serializer: serializers.Serializer
) -> None:
    """Refuse (403) a write the caller may not make, before its input is validated.

    ``allowed`` comes from the entity's ``*_editable_fields`` selector; empty means read
    only. Checking first means a caller who may not write learns nothing from validation
    messages (e.g. whether a credit code is registered). The entity's service checks again.
    Read-only keys in ``data`` (what a GET returned) are ignored, as the serializer ignores them.
    """
    if not allowed:
        raise ApplicationError.permission_denied()
    if not isinstance(data, Mapping):
        return  # the serializer rejects it with a 400
    writable = {name for name, field in serializer.fields.items() if not field.read_only}
    refused = sorted((set(data) & writable) - allowed)
    if refused:
        raise ApplicationError.permission_denied(
            _("您无权修改以下字段：%(fields)s。") % {"fields": "、".join(refused)}
        )
