"""Small helpers about the HTTP request, shared by pages, admin and API."""


def client_ip_address(request) -> str | None:
    """The caller's address for the audit trail.

    ``REMOTE_ADDR`` only: behind a reverse proxy, the proxy must set it (never trust a
    client-supplied X-Forwarded-For here).
    """
    return request.META.get("REMOTE_ADDR") or None
