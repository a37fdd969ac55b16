"""How API callers authenticate: tokens that expire, and sessions whose CSRF failures say so.

A token older than ``settings.KEJIN_API_TOKEN_LIFETIME`` is refused with
``401 token_expired``; ``POST /api/v1/auth/token/`` then issues a new one. A session caller's
unsafe request without a valid CSRF token is ``403 csrf_failed`` (DRF's own answer is a
generic 403).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular import authentication as spectacular_authentication
from rest_framework import authentication, exceptions

from kejin.core.api.exceptions import CsrfFailed, TokenExpired


def token_is_expired(token) -> bool:
    """Whether the API ``token`` has outlived ``KEJIN_API_TOKEN_LIFETIME``."""
    return token.created <= timezone.now() - settings.KEJIN_API_TOKEN_LIFETIME


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token is too old."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            raise TokenExpired()
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser session, with a CSRF failure answered as ``csrf_failed``."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed() from exc


class SessionScheme(spectacular_authentication.SessionScheme):
    """The OpenAPI description of :class:`SessionAuthentication` (drf-spectacular's own)."""

    target_class = "kejin.core.api.authentication.SessionAuthentication"
