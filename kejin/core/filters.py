"""FilterSets of the core app's lists (reference data and the audit trail), shared by pages and API."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.choices import AuditAction, DepartmentKind, RegionLevel
from kejin.core.models import AuditEvent, Department, Industry, Region

# The largest id a 64-bit integer column holds (SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A filter on an integer id: a whole number from 1 to :data:`MAX_ID`, else invalid.

    (django-filter's NumberFilter takes any decimal, and a 20-digit one crashes SQLite.)"""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class RegionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("层级"), choices=RegionLevel.choices)
    parent = django_filters.CharFilter(label=_("上级区划代码"), field_name="parent__code")
    q = django_filters.CharFilter(label=_("名称包含"), field_name="name", lookup_expr="contains")

    class Meta:
        model = Region
        fields = ["level", "parent", "q"]


class IndustryFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        label=_("层级"), choices=Industry._meta.get_field("level").choices
    )
    parent = django_filters.CharFilter(label=_("上级行业代码"), field_name="parent__code")
    q = django_filters.CharFilter(label=_("名称包含"), field_name="name", lookup_expr="contains")

    class Meta:
        model = Industry
        fields = ["level", "parent", "q"]


class DepartmentFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=DepartmentKind.choices)
    region = django_filters.CharFilter(label=_("所属区划代码"), field_name="region__code")

    class Meta:
        model = Department
        fields = ["kind", "region"]


class AuditEventFilterForm(forms.Form):
    """Checks that the date range is not upside down."""

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data


def _start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the platform's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEventFilterSet(django_filters.FilterSet):
    """Filters of the audit trail. Dates are whole days in Asia/Shanghai, both ends included."""

    actor = django_filters.CharFilter(label=_("操作人账号"), field_name="actor_username")
    action = django_filters.ChoiceFilter(
        label=_("操作"), choices=AuditAction.choices, empty_label=_("全部操作")
    )
    object_type = django_filters.CharFilter(
        label=_("对象类型"), help_text=_("如 enterprises.enterprise")
    )
    object_id = django_filters.CharFilter(label=_("对象ID"))
    date_from = django_filters.DateFilter(label=_("起始日期"), method="filter_date_from")
    date_to = django_filters.DateFilter(label=_("截止日期"), method="filter_date_to")
    q = django_filters.CharFilter(label=_("对象名称包含"), method="filter_q")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "date_from", "date_to", "q"]
        form = AuditEventFilterForm

    def filter_date_from(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(created_at__gte=_start_of_day(value))

    def filter_date_to(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(created_at__lt=_start_of_day(value + datetime.timedelta(days=1)))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__contains=value) | Q(object_id=value))
