"""The tech-enterprise list (名单库) for officers: the list itself with its filters and export,
each enterprise's membership history, officers' overrides, re-evaluation runs, and the
growth stages' and labels' rules. Pages in ``views``, API in ``api``; reads in ``selectors``,
writes in ``services``. The models and the re-evaluation live in
``kejin.enterprises.models.registry_list`` and ``kejin.enterprises.registry``.
"""
