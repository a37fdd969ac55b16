"""Shared page helpers every app's views and forms use: lists (pages of rows, sort headers,
HTMX partial refresh, xlsx export), forms (one Bootstrap mixin, one service-error mapper)
and the audit presenter. Imports only Django and ``kejin.core``, so that any app may use it.
"""
