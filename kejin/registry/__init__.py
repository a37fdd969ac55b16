"""The tech-enterprise list (名单库) as its own app: the list with its filters and export, each
enterprise's membership history, officers' overrides, re-evaluation runs and stored recognition
results, and the growth stages' and labels' rules. The decision is ``evaluation``; pages in
``views``, API in ``api``; reads in ``selectors``, writes in ``services``, who may do what in
``permissions``. It sits above the enterprises app, which never imports it.
"""
