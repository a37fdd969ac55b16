"""Django admin for platform admins: reference data, holiday schedules and the audit trail.

Every write here goes through the same code as the pages: reference data is saved with
:func:`~kejin.core.services.instance_save_audited` (so the admin leaves an AuditEvent too),
holiday schedules through :func:`~kejin.core.services.holiday_schedule_save` after the forms
ran the service's own checks. The audit trail is read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kejin.core.choices import RegionLevel
from kejin.core.http import client_ip_address
from kejin.core.models import (
    AuditEvent,
    Department,
    HolidaySchedule,
    HolidayScheduleDay,
    Industry,
    Region,
)
from kejin.core.permissions import holiday_schedule_can_change
from kejin.core.services import (
    holiday_schedule_problems,
    holiday_schedule_save,
    instance_save_audited,
)
from kejin.core.ui.admin import audited_delete
from kejin.core.ui.audit import audit_object_kind, audit_rows, local_time


class AuditedModelAdmin(admin.ModelAdmin):
    """Saves and deletes through the audited helpers, so admin edits appear in the audit log."""

    def save_model(self, request, obj, form, change):
        if change:
            current = type(obj).objects.get(pk=obj.pk)
            data = {name: getattr(obj, name) for name in form.changed_data}
            saved = instance_save_audited(
                actor=request.user,
                instance=current,
                data=data,
                ip_address=client_ip_address(request),
            )
            obj.refresh_from_db()
            return saved
        return instance_save_audited(
            actor=request.user, instance=obj, data={}, ip_address=client_ip_address(request)
        )

    def delete_model(self, request, obj):
        audited_delete(actor=request.user, instance=obj, ip_address=client_ip_address(request))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent", "reports_to"]
    list_filter = ["level", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "reports_to"]
    ordering = ["code"]

    def get_search_results(self, request, queryset, search_term):
        # The "reports to" picker offers counties only.
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "reports_to":
            queryset = queryset.filter(level=RegionLevel.COUNTY)
        return queryset, distinct


@admin.register(Industry)
class IndustryAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["name", "short_name", "code", "kind", "region"]
    list_filter = ["kind", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name", "code", "former_names", "provides_data"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]


class HolidayScheduleForm(forms.ModelForm):
    """The schedule's year and notice, checked by the service's own rules."""

    class Meta:
        model = HolidaySchedule
        fields = ["year", "notice"]

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year", self.instance.year)
        notice = cleaned.get("notice", "")
        problems = holiday_schedule_problems(year=year, notice=notice or "-", days=[])
        for message in problems.get("year", []):
            self.add_error("year" if "year" in self.fields else None, message)
        if "notice" in cleaned:
            for message in problems.get("notice", []):
                self.add_error("notice", message)
        return cleaned


class HolidayScheduleDayFormSet(forms.BaseInlineFormSet):
    """The days, checked together by the service's rules; each problem lands on its row."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        rows, days = [], []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append(form)
            days.append((data.get("date"), data.get("kind"), data.get("name", "")))
        year = self.instance.year if isinstance(self.instance.year, int) else None
        problems = holiday_schedule_problems(
            year=year,
            notice="-",
            days=days,
            day_labels=[_("第%(row)s行") % {"row": number} for number in range(1, len(rows) + 1)],
        )
        for key, messages in problems.items():
            if isinstance(key, int):
                for message in messages:
                    rows[key].add_error(None, message)
            elif key == "days":
                raise ValidationError(messages)
        if any(form.errors for form in rows):
            raise ValidationError(_("请按各行的提示修改。"))

    def days(self) -> list[tuple]:
        """The validated days, for ``holiday_schedule_save``."""
        return [
            (form.cleaned_data["date"], form.cleaned_data["kind"], form.cleaned_data["name"])
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]


class HolidayScheduleDayInline(admin.TabularInline):
    model = HolidayScheduleDay
    formset = HolidayScheduleDayFormSet
    fields = ["date", "kind", "name"]
    extra = 3


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(admin.ModelAdmin):
    """Enter or replace a year's schedule; saved as a whole by ``holiday_schedule_save``."""

    form = HolidayScheduleForm
    inlines = [HolidayScheduleDayInline]
    list_display = ["year", "notice", "entered_by", "created_at"]
    search_fields = ["notice"]
    readonly_fields = ["entered_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The year is what a schedule is; to correct it, enter the other year instead.
        if obj is not None:
            return [*self.readonly_fields, "year"]
        return self.readonly_fields

    def has_add_permission(self, request):
        return super().has_add_permission(request) and holiday_schedule_can_change(
            user=request.user
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and holiday_schedule_can_change(
            user=request.user
        )

    def has_delete_permission(self, request, obj=None):
        # Removing a year would silently put its deadlines back on Monday–Friday; replace it instead.
        return False

    def save_model(self, request, obj, form, change):
        """Nothing yet: the schedule and its days are saved together in ``save_related``."""

    def save_related(self, request, form, formsets, change):
        (day_formset,) = (f for f in formsets if isinstance(f, HolidayScheduleDayFormSet))
        schedule = holiday_schedule_save(
            actor=request.user,
            year=form.instance.year,
            notice=form.instance.notice,
            days=day_formset.days(),
            ip_address=client_ip_address(request),
        )
        # The admin's change message reads what the formsets saved; the service saved it all.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        # The admin redirects and logs with the form's instance: give it the saved row.
        form.instance.pk = schedule.pk
        form.instance._state.adding = False
        form.instance.entered_by = schedule.entered_by
        form.instance.created_at = schedule.created_at


class _PresentedChangeList(ChangeList):
    """The audit trail's change list: the page's events presented together (object names in
    a few queries for the whole page, not one per row)."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        for event, row in zip(self.result_list, audit_rows(self.result_list), strict=True):
            event.presented = row


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only: nobody adds, changes or deletes an event. Shown through the
    same presenter as the audit log page (:mod:`kejin.core.ui.audit`): the kind of object by
    name, times in Asia/Shanghai, changed fields by label."""

    list_display = [
        "shown_time",
        "actor_username",
        "action",
        "shown_kind",
        "shown_object",
        "ip_address",
    ]
    list_filter = ["action", "object_type", "created_at"]
    search_fields = ["actor_username", "object_id", "object_repr"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "shown_time",
        "actor_username",
        "action",
        "shown_kind",
        "shown_object",
        "ip_address",
        "shown_changes",
    ]

    @admin.display(description=_("时间"), ordering="created_at")
    def shown_time(self, event: AuditEvent) -> str:
        return local_time(event.created_at)

    @admin.display(description=_("对象类型"), ordering="object_type")
    def shown_kind(self, event: AuditEvent) -> str:
        return audit_object_kind(event.object_type)

    @admin.display(description=_("对象"))
    def shown_object(self, event: AuditEvent) -> str:
        presented = getattr(event, "presented", None) or audit_rows([event])[0]
        return presented["name"]

    def get_changelist(self, request, **kwargs):
        return _PresentedChangeList

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("变更内容"))
    def shown_changes(self, event: AuditEvent) -> str:
        (row,) = audit_rows([event])
        # The template escapes every value; the table itself is ours.
        return mark_safe(render_to_string("core/_audit_changes.html", {"row": row}))  # noqa: S308

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
