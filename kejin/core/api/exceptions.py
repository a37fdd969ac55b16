"""DRF exceptions of our own, mapped to stable codes by :mod:`kejin.core.api.errors`.

Kept apart from ``errors`` (which imports DRF's views) so that authentication classes,
loaded while DRF initialises, can raise them.
"""

from rest_framework import exceptions

from kejin.core.errors import ErrorCode


class TokenExpired(exceptions.AuthenticationFailed):
    """The API token is older than ``KEJIN_API_TOKEN_LIFETIME``: ask for a new one."""

    default_code = ErrorCode.TOKEN_EXPIRED


class CsrfFailed(exceptions.PermissionDenied):
    """A session-authenticated unsafe request without a valid CSRF token."""

    default_code = ErrorCode.CSRF_FAILED
