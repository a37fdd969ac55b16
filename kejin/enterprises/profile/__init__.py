"""An enterprise's profile: annual facts with their provenance, certificates, and the
recognition explanation (every rule set in force, indicator by indicator).

``selectors`` reads (scoped through ``enterprise_get``), ``services`` writes (audited),
``views``/``urls`` are the page sections (HTMX fragments loaded by the enterprise detail page)
and edit pages, ``api``/``api_urls`` the same under ``/api/v1/enterprises/<id>/``.
"""
