"""The one FilterSet for enterprise lists, shared by the registry pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.models import Industry, Region
from kejin.core.uscc import uscc_normalise
from kejin.enterprises.choices import EnterpriseSize
from kejin.enterprises.models import Enterprise


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或信用代码"), method="filter_q")
    uscc = django_filters.CharFilter(label=_("统一社会信用代码"), method="filter_uscc")
    county = django_filters.ModelChoiceFilter(
        label=_("县(市、区)"), queryset=Region.objects.filter(level="county"), to_field_name="code"
    )
    industry = django_filters.CharFilter(label=_("行业代码"), method="filter_industry")
    size = django_filters.ChoiceFilter(label=_("企业规模"), choices=EnterpriseSize.choices)
    founded_after = django_filters.DateFilter(
        label=_("成立日期不早于"), field_name="founded_on", lookup_expr="gte"
    )
    founded_before = django_filters.DateFilter(
        label=_("成立日期不晚于"), field_name="founded_on", lookup_expr="lte"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("founded_on", "founded_on"),
            ("registered_capital", "registered_capital"),
        ),
        label=_("排序"),
    )

    class Meta:
        model = Enterprise
        fields = ["q", "uscc", "county", "industry", "size"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(uscc=uscc_normalise(value)))

    def filter_uscc(self, queryset, name, value):
        return queryset.filter(uscc=uscc_normalise(value))

    def filter_industry(self, queryset, name, value):
        """A section letter (C) or a division code (39): the enterprise's industry or below it."""
        codes = Industry.objects.filter(Q(code=value) | Q(parent__code=value)).values("pk")
        return queryset.filter(industry__in=codes)
