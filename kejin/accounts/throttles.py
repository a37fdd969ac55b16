"""Rate limits on signing in, per client address and per username.

django-axes locks a username out at one address after repeated *failures*. These limits
count every *attempt*, on the sign-in page and the token endpoint together: one address may
not try many usernames (password spraying), and one username may not be tried from many
addresses (a distributed guess). Rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
``sign_in_ip`` and ``sign_in_username`` (``KEJIN_SIGN_IN_RATE_IP`` /
``KEJIN_SIGN_IN_RATE_USERNAME``); the counts live in Django's cache (set ``CACHE_URL`` to a
shared cache, e.g. Redis, when several app servers run).
"""

from __future__ import annotations

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from kejin.core.http import client_ip_address


def _posted_username(request) -> str:
    """The username a sign-in request carries: the API's parsed body or the page's form."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    try:
        username = data.get("username", "")
    except AttributeError:  # a JSON body that is not an object
        return ""
    return username.strip() if isinstance(username, str) else ""


class _SignInThrottle(SimpleRateThrottle):
    def get_rate(self):
        # Read at use, not at import, so that settings (and tests) can change the rates.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class SignInAddressThrottle(_SignInThrottle):
    """Sign-in attempts from one client address."""

    scope = "sign_in_ip"

    def get_cache_key(self, request, view):
        address = client_ip_address(request)
        if address is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": address}


class SignInUsernameThrottle(_SignInThrottle):
    """Sign-in attempts for one username, from any address."""

    scope = "sign_in_username"

    def get_cache_key(self, request, view):
        username = _posted_username(request)
        if not username:
            return None
        digest = hashlib.sha256(username.casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


SIGN_IN_THROTTLES = (SignInAddressThrottle, SignInUsernameThrottle)


def sign_in_wait(request, view=None) -> float | None:
    """Seconds until ``request`` may try to sign in again, or None if it may now.

    Every throttle records the attempt when it allows it, so an attempt refused by one
    limit still counts towards the others."""
    waits = []
    for throttle_class in SIGN_IN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            waits.append(throttle.wait() or 1.0)
    return max(waits) if waits else None
