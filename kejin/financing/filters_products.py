"""The FilterSets of products and leads, shared by the pages and the API.

Products: ``type`` (a ``ProductType``), ``institution`` (its id), ``county`` (a county's
code: products serving it — their terms name it or name no county, i.e. the whole city; the
terms are the live version's, or for a product never published its draft's),
``status`` and ``q`` (name). Leads: ``status`` and ``product``.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from kejin.core.filters import IdFilter
from kejin.core.models import Region
from kejin.financing.choices import LeadStatus, ProductStatus, ProductType
from kejin.financing.models import Lead, Product, ProductVersion


class ProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("产品名称"), field_name="name", lookup_expr="icontains")
    type = django_filters.ChoiceFilter(
        label=_("产品类型"), field_name="product_type", choices=ProductType.choices
    )
    institution = IdFilter(label=_("发布机构"), field_name="institution_id")
    county = django_filters.ModelChoiceFilter(
        label=_("服务县(市、区)"),
        queryset=Region.objects.filter(level="county"),
        to_field_name="code",
        method="filter_county",
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProductStatus.choices)

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_county(self, queryset, name, value):
        if value is None:
            return queryset
        through = ProductVersion.counties.through
        names_county = through.objects.filter(productversion_id=OuterRef("pk"), region_id=value.pk)
        names_any = through.objects.filter(productversion_id=OuterRef("pk"))
        serving = ProductVersion.objects.filter(Exists(names_county) | ~Exists(names_any))
        live = Exists(serving.filter(pk=OuterRef("live_version_id")))
        # A product never published has only its first version (revisions come after).
        drafted = Exists(serving.filter(product_id=OuterRef("pk")))
        return queryset.filter(
            (Q(live_version__isnull=False) & live) | (Q(live_version__isnull=True) & drafted)
        )


class LeadFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("跟进状态"), choices=LeadStatus.choices)
    product = IdFilter(label=_("产品"), field_name="product_id")

    class Meta:
        model = Lead
        fields: list[str] = []
