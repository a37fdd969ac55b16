"""Row scoping of every model that belongs to an enterprise, in one place.

``EnterpriseQuerySet.visible_to(user)`` scopes enterprises; every model owned by an
enterprise (facts, certificates, recognition results, list entries, events, overrides — and
the next modules' models) uses ``EnterpriseOwnedQuerySet`` with the path from it to its
enterprise, so that ``Model.objects.visible_to(user)`` shows exactly the rows of the
enterprises ``user`` may see (``kejin.enterprises.permissions.enterprise_scope``), without a
copied subquery::

    class Loan(models.Model):
        demand = models.ForeignKey(Demand, ...)
        objects = EnterpriseOwnedQuerySet.owned_through("demand__enterprise").as_manager()
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from kejin.enterprises.permissions import ALL, Scope, enterprise_scope, import_batch_scope

_QuerySet = TypeVar("_QuerySet", bound=models.QuerySet)


def scoped(queryset: _QuerySet, scope: Scope, path: str = "") -> _QuerySet:
    """``queryset`` limited to ``scope`` (``ALL``, ``NONE`` or field values) found at ``path``."""
    if not isinstance(scope, dict):
        return queryset if scope == ALL else queryset.none()
    prefix = f"{path}__" if path else ""
    return queryset.filter(**{f"{prefix}{name}": value for name, value in scope.items()})


class EnterpriseQuerySet(models.QuerySet):
    def visible_to(self, user) -> EnterpriseQuerySet:
        """The enterprises ``user`` may see: the one place enterprise rows are scoped."""
        return scoped(self, enterprise_scope(user=user))


class EnterpriseOwnedQuerySet(models.QuerySet):
    """Rows that belong to an enterprise, reached through ``enterprise_path``."""

    enterprise_path = "enterprise"

    @classmethod
    def owned_through(cls, path: str) -> type[EnterpriseOwnedQuerySet]:
        """A subclass whose rows reach their enterprise through ``path`` (``"a__enterprise"``)."""
        return type(f"EnterpriseOwnedQuerySet_{path}", (cls,), {"enterprise_path": path})

    def visible_to(self, user) -> EnterpriseOwnedQuerySet:
        """The rows of the enterprises ``user`` may see."""
        return scoped(self, enterprise_scope(user=user), self.enterprise_path)


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportBatchQuerySet:
        """Batches ``user`` may see: all for city officers and platform admins, the batches
        limited to their county for a county officer, none for anyone else."""
        return scoped(self, import_batch_scope(user=user))
