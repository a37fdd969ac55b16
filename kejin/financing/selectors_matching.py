"""Reads of matching, always for an acting user.

- ``demand_matches``: a demand's ranked products and near misses, for whoever sees the
  demand (404 otherwise: never revealing that it exists).
- ``products_for_me``: the products an enterprise user's enterprise is eligible for.
- ``product_fit_enterprises``: the enterprises of the registry that fit a product (its live
  version's rule, counties, stages and labels), for officers (a county officer: the county's)
  and the product's own institution; the ids are computed over the facts frame in chunks,
  vectorised, and kept ``FIT_CACHE_SECONDS`` so that paging and exporting do not recompute.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.core.cache import cache
from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.enterprises.eligibility import eligibility_rule, eligible_ids, facts_data_year
from kejin.enterprises.models import Enterprise
from kejin.facts.frame import iter_frames
from kejin.financing.matching import (
    MatchResult,
    _canonical,
    demand_match,
    products_for_enterprise,
)
from kejin.financing.models import Demand, Product
from kejin.financing.permissions import (
    product_can_find_enterprises,
    products_for_me_can_view,
)

#: How long the ids of the enterprises that fit a product are kept for paging and export.
FIT_CACHE_SECONDS = 300


def demand_get(*, user, pk: int) -> Demand:
    """A demand ``user`` may see (404 otherwise)."""
    demand = Demand.objects.visible_to(user).filter(pk=pk).first()
    if demand is None:
        raise ApplicationError.not_found()
    return demand


def demand_matches(*, user, demand: Demand | int) -> MatchResult:
    """The demand's matches and near misses (``kejin.financing.matching.demand_match``)."""
    pk = demand if isinstance(demand, int) else demand.pk
    return demand_match(demand=demand_get(user=user, pk=pk))


def products_for_me(*, user) -> MatchResult:
    """ "Products for me": the enterprise user's enterprise's eligible products (403 for
    anyone else)."""
    require(products_for_me_can_view, user=user)
    enterprise = Enterprise.objects.get(pk=user.enterprise_id)
    return products_for_enterprise(enterprise=enterprise)


def product_get(*, user, pk: int) -> Product:
    """A product ``user`` may see (404 otherwise)."""
    product = (
        Product.objects.visible_to(user).select_related("institution", "live_version").filter(pk=pk)
    ).first()
    if product is None:
        raise ApplicationError.not_found()
    return product


@dataclass
class FitResult:
    """The enterprises that fit a product: their ids (ascending) and the year of facts."""

    product: Product
    ids: list[int]
    year: int

    @property
    def count(self) -> int:
        return len(self.ids)

    def enterprises(self, ids: list[int]) -> QuerySet[Enterprise]:
        """The enterprises with ``ids`` (a page of ``self.ids``), with county and industry."""
        return (
            Enterprise.objects.filter(pk__in=ids)
            .select_related("county", "industry")
            .order_by("pk")
        )


def _data_year() -> int:
    return facts_data_year()


def product_fit_enterprises(*, user, pk: int) -> FitResult:
    """The enterprises that fit product ``pk`` (404 if the user may not see it, 403 if they
    may not look for enterprises, 409 if it is not on the market)."""
    product = product_get(user=user, pk=pk)
    require(product_can_find_enterprises, user=user, obj=product)
    version = product.live_version
    if version is None:
        from django.utils.translation import gettext as _

        raise ApplicationError(
            "product_state_conflict",
            _("产品“%(name)s”没有在用版本，无法匹配企业。") % {"name": product.name},
            status=409,
        )
    county = user.county_id if user.is_county_officer and not user.sees_whole_city else None
    activated = version.activated_at.timestamp() if version.activated_at else 0
    key = f"financing:fit:{version.pk}:{activated}:{county}"
    cached = cache.get(key)
    if cached is not None:
        year, ids = cached
        return FitResult(product, ids, year)
    rule = version_rule(version)
    year = _data_year()
    found: list[pl.Series] = []
    for frame in iter_frames(year=year, county_id=county, facts=rule.facts):
        found.append(eligible_ids(rule, frame))
    ids = sorted(pl.concat(found).to_list()) if found else []
    cache.set(key, (year, ids), FIT_CACHE_SECONDS)
    return FitResult(product, ids, year)


def version_rule(version):
    """The eligibility rule set of a product version (``eligibility_rule``, compiled once)."""
    import json

    document = None if version.document is None else _canonical(json.dumps(version.document))
    parameters = _canonical(json.dumps(version.parameters)) if version.parameters else None
    counties = tuple(sorted(version.counties.values_list("pk", flat=True)))
    return eligibility_rule(
        document, parameters, counties, tuple(version.tiers or ()), tuple(version.labels or ())
    )
