"""Writes about accounts: API tokens."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from rest_framework.authtoken.models import Token

from kejin.core.api.authentication import token_is_expired
from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction


@transaction.atomic
def api_token_issue(*, user, request, ip_address: str | None = None) -> Token:
    """The user's API token: the current one while it is valid, else a new one (an expired
    token is replaced). A token sign-in is a sign-in: it updates ``last_login``, resets
    django-axes' failure count and is audited."""
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    token = Token.objects.select_for_update().filter(user=user).first()
    replaced = token is not None and token_is_expired(token)
    if replaced:
        token.delete()
    if token is None or replaced:
        token = Token.objects.create(user=user)
        created = True
    else:
        created = False
    after = {"channel": "api_token", "token_created": created}
    if replaced:
        after["token_replaced_expired"] = True
    audit_record(
        actor=user,
        action=AuditAction.LOGIN,
        instance=user,
        after=after,
        ip_address=ip_address,
    )
    return token


def api_tokens_revoke(*, user) -> int:
    """Delete every API token of ``user`` (their password changed); the number deleted."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
