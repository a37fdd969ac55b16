"""The one FilterSet for institution lists, shared by pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.filters import IdFilter
from kejin.core.models import Region
from kejin.core.uscc import uscc_normalise
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.models import Institution


class InstitutionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或信用代码"), method="filter_q")
    uscc = django_filters.CharFilter(label=_("统一社会信用代码"), method="filter_uscc")
    kind = django_filters.ChoiceFilter(label=_("机构类型"), choices=InstitutionKind.choices)
    county = django_filters.ModelChoiceFilter(
        label=_("所在地"),
        queryset=Region.objects.filter(level__in=["city", "county"]),
        to_field_name="code",
    )
    parent = IdFilter(label=_("上级机构ID"), field_name="parent_id")

    class Meta:
        model = Institution
        fields = ["q", "uscc", "kind", "county", "parent"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(uscc=uscc_normalise(value)))

    def filter_uscc(self, queryset, name, value):
        return queryset.filter(uscc=uscc_normalise(value))
