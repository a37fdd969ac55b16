"""Reads of financial products and leads, always scoped to the acting user.

``product_list`` / ``product_get`` go through ``Product.objects.visible_to`` (``product_scope``:
published products for everyone signed in, an institution's own in any state, all for
officers); a product outside the scope is a 404. ``products_published`` is what matching
reads: the products on the market with their live (approved, active) version and its rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.financing.choices import ProductStatus, ProductVersionReview
from kejin.financing.filters_products import LeadFilterSet, ProductFilterSet
from kejin.financing.models import Lead, Product, ProductEvent, ProductVersion
from kejin.financing.permissions import lead_can_browse, product_can_browse, product_can_review


def _versions_prefetch() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=ProductVersion.objects.select_related("reviewed_by", "created_by")
        .prefetch_related("counties")
        .order_by("-pk"),
    )


def product_list(*, user, filters: Mapping | None = None) -> QuerySet[Product]:
    """Products ``user`` may see, filtered by ``ProductFilterSet`` (type, institution, county,
    status, name), newest change first; with their institution and live version."""
    require(product_can_browse, user=user)
    queryset = (
        Product.objects.visible_to(user)
        .select_related("institution", "live_version")
        .prefetch_related("live_version__counties")
        .order_by("-updated_at", "-pk")
    )
    data = filters if filters is not None else QueryDict()
    filterset = ProductFilterSet(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise ApplicationError.invalid(
            {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
        )
    return filterset.qs


def product_get(*, user, pk) -> Product:
    """One product ``user`` may see, with its versions (newest first, counties and reviewer
    loaded) and history; 404 otherwise."""
    product = (
        Product.objects.visible_to(user)
        .select_related("institution", "live_version", "created_by")
        .prefetch_related(
            _versions_prefetch(),
            Prefetch(
                "events",
                queryset=ProductEvent.objects.select_related("actor", "version").order_by(
                    "at", "pk"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise ApplicationError.not_found()
    return product


@dataclass(frozen=True)
class ProductView:
    """What a page or the API shows of one product: the version on the market, the pending
    one (a draft, returned or under review), and every version newest first."""

    product: Product
    live: ProductVersion | None
    pending: ProductVersion | None
    versions: list[ProductVersion]

    @property
    def current(self) -> ProductVersion:
        """The terms to show first: the pending version for those who edit, else the live."""
        return self.pending or self.live or self.versions[0]


def product_view(product: Product) -> ProductView:
    """``product`` (from ``product_get``) split into its live and pending versions."""
    versions = list(product.versions.all())
    live = next((v for v in versions if v.pk == product.live_version_id), None)
    pending = next((v for v in versions if v.review != ProductVersionReview.APPROVED), None)
    return ProductView(product, live, pending, versions)


def product_review_queue(*, user) -> QuerySet[ProductVersion]:
    """Versions waiting for an officer's review, oldest submission first (city officers)."""
    require(product_can_review, user=user)
    return (
        ProductVersion.objects.filter(
            review=ProductVersionReview.SUBMITTED,
            product__in=Product.objects.visible_to(user).exclude(status=ProductStatus.WITHDRAWN),
        )
        .select_related("product", "product__institution", "product__live_version")
        .order_by("submitted_at", "pk")
    )


def products_published(*, user=None, product_types=None) -> QuerySet[Product]:
    """Products on the market, each with ``live_version`` (its approved, active version)
    joined and that version's ``counties`` prefetched — what matching reads.

    ``user`` scopes as ``product_list`` does (every signed-in user sees every published
    product); None reads all published products, for the platform's own batch work (the
    matching of a demand, a deadline scan). ``product_types`` limits to those types.
    The eligibility rule is ``product.live_version.rule()`` (one JSON rule; ``True`` when
    none), evaluated by ``product.live_version.rule_set_version()`` (one condition
    ``rule``); terms are the version's ``amount_min``… fields."""
    queryset = Product.objects.published() if user is None else Product.objects.visible_to(user)
    queryset = (
        queryset.filter(status=ProductStatus.PUBLISHED, live_version__isnull=False)
        .select_related("institution", "live_version")
        .prefetch_related("live_version__counties")
        .order_by("pk")
    )
    if product_types:
        queryset = queryset.filter(product_type__in=list(product_types))
    return queryset


# --- leads --------------------------------------------------------------------------------


def lead_list(*, user, filters: Mapping | None = None) -> QuerySet[Lead]:
    """Leads ``user`` may see (``lead_scope``), newest first, filtered by ``LeadFilterSet``."""
    require(lead_can_browse, user=user)
    queryset = (
        Lead.objects.visible_to(user)
        .select_related("product", "enterprise", "enterprise__county", "institution", "pushed_by")
        .order_by("-created_at", "-pk")
    )
    filterset = LeadFilterSet(
        data=filters if filters is not None else QueryDict(), queryset=queryset
    )
    if not filterset.is_valid():
        raise ApplicationError.invalid(
            {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
        )
    return filterset.qs


def lead_get(*, user, pk) -> Lead:
    """One lead ``user`` may see; 404 otherwise."""
    lead = (
        Lead.objects.visible_to(user)
        .select_related("product", "enterprise", "enterprise__county", "institution", "pushed_by")
        .filter(pk=pk)
        .first()
    )
    if lead is None:
        raise ApplicationError.not_found()
    return lead
