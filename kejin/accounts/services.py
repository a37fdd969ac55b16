"""Writes about accounts: API tokens."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from rest_framework.authtoken.models import Token

from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction


@transaction.atomic
def api_token_issue(*, user, request, ip_address: str | None = None) -> Token:
    """The user's API token (created on first use). A token sign-in is a sign-in: it updates
    ``last_login``, resets django-axes' failure count and is audited."""
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    token, created = Token.objects.get_or_create(user=user)
    audit_record(
        actor=user,
        action=AuditAction.LOGIN,
        instance=user,
        after={"channel": "api_token", "token_created": created},
        ip_address=ip_address,
    )
    return token
