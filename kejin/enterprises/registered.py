"""What other modules do once enterprises are registered: one explicit list of callables,
named by import string so that ``kejin.enterprises`` imports no upper app (layers import
downward; compare ``kejin.facts.sources.SOURCES``).

Each callable is called as ``callable(enterprise_ids=[...])`` after the registering
transaction commits (registration by an officer, ``enterprise_create``, or by an import,
``import_chunk_write``). Keep it short: only work that must follow a registration at once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.module_loading import import_string

#: Credit records delivered before their enterprise was registered are matched to it.
ON_REGISTERED: tuple[str, ...] = ("kejin.credit.ingest.services.credit_records_match",)


def enterprises_registered_on_commit(enterprise_ids) -> None:
    """Run every callable of :data:`ON_REGISTERED` for ``enterprise_ids`` on commit."""
    ids = [pk for pk in enterprise_ids if pk is not None]
    if not ids:
        return

    def run() -> None:
        for path in ON_REGISTERED:
            import_string(path)(enterprise_ids=ids)

    transaction.on_commit(run)
