"""The list (名单库) has no Django admin pages on purpose: overrides, rules and runs are
officers' decisions, made through the list's pages and API (``views``, ``api``) so that every
change goes through the audited services and the ``registry_can_*`` predicates."""
