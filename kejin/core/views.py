"""Pages of the core app: holiday schedules (list and entry) and the audit log.

Holiday schedules extend the working-day calendar past chinese-calendar's data; officers see
which coming years are counted from the library, from an entered schedule, or Monday–Friday
only, and city officers and platform admins enter a year from the State Council's notice.
The audit log is read through ``kejin.core.selectors`` (platform admins and city officers).
An ApplicationError raised here becomes a page with its message (``kejin.core.middleware``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kejin.core.choices import ScheduleDayKind
from kejin.core.errors import ApplicationError
from kejin.core.filters import AuditEventFilterSet
from kejin.core.forms import HolidayScheduleForm, schedule_lines
from kejin.core.http import client_ip_address
from kejin.core.models import HolidaySchedule
from kejin.core.permissions import holiday_schedule_can_change, holiday_schedule_can_view, require
from kejin.core.selectors import audit_event_list
from kejin.core.services import HOLIDAY_SCHEDULE_LAST_YEAR, holiday_schedule_save
from kejin.core.ui.audit import audit_object_kind, audit_rows
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import page_context
from kejin.core.workdays import FALLBACK, LIBRARY, SCHEDULE, WorkdayCalendar, library_years

AUDIT_PAGE_SIZE = 50
# How many years ahead the schedule list checks (deadlines set today reach this far).
YEARS_AHEAD = 2


def _require_schedule_reader(user) -> None:
    """Holiday schedules are shown to city and county officers and platform admins."""
    require(holiday_schedule_can_view, user=user)


def _require_schedule_editor(user) -> None:
    require(holiday_schedule_can_change, user=user)


@login_required
@require_GET
def holiday_schedule_list(request):
    """Where the working days of this year and the next two come from, and the entered schedules."""
    _require_schedule_reader(request.user)
    schedules = list(
        HolidaySchedule.objects.select_related("entered_by").annotate(
            holiday_count=Count("days", filter=Q(days__kind=ScheduleDayKind.HOLIDAY)),
            workday_count=Count("days", filter=Q(days__kind=ScheduleDayKind.WORKDAY)),
        )
    )
    by_year = {schedule.year: schedule for schedule in schedules}
    calendar = WorkdayCalendar()
    this_year = timezone.localdate().year
    coming = []
    for year in range(this_year, this_year + YEARS_AHEAD + 1):
        coming.append(
            {
                "year": year,
                "source": calendar.source(year),
                "schedule": by_year.get(year),
                "editable": year not in library_years() and year <= HOLIDAY_SCHEDULE_LAST_YEAR,
            }
        )
    known = library_years()
    context = {
        "coming": coming,
        "schedules": schedules,
        "can_edit": holiday_schedule_can_change(user=request.user),
        "library_first": known[0],
        "library_last": known[-1],
        "next_year": _first_year_to_enter(by_year, after=max(known[-1], this_year - 1)),
        "LIBRARY": LIBRARY,
        "SCHEDULE": SCHEDULE,
        "FALLBACK": FALLBACK,
    }
    return render(request, "core/holiday_schedule_list.html", context)


def _first_year_to_enter(by_year: dict, *, after: int) -> int:
    """The first year after ``after`` that has no schedule yet (what "enter" should open)."""
    year = after + 1
    while year in by_year:
        year += 1
    return year


@login_required
@require_http_methods(["GET", "POST"])
def holiday_schedule_edit(request, year: int):
    """Enter or replace the schedule of ``year``: one line per holiday or adjusted working day."""
    _require_schedule_editor(request.user)
    schedule = HolidaySchedule.objects.filter(year=year).first()
    if request.method == "POST":
        form = HolidayScheduleForm(request.POST, year=year)
        if form.is_valid():
            try:
                saved = holiday_schedule_save(
                    actor=request.user,
                    year=year,
                    notice=form.cleaned_data["notice"],
                    days=form.schedule_days,
                    ip_address=client_ip_address(request),
                )
            except ApplicationError as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("已保存%(year)s年节假日安排，共%(count)s天。")
                    % {"year": saved.year, "count": len(form.schedule_days)},
                )
                return redirect("core:holiday_schedule_list")
    else:
        if schedule is not None:
            initial = {"notice": schedule.notice, "days": schedule_lines(schedule.days.all())}
        else:
            initial = {
                "notice": _("国务院办公厅关于%(year)s年部分节假日安排的通知") % {"year": year}
            }
        form = HolidayScheduleForm(initial=initial, year=year)
    context = {
        "form": form,
        "year": year,
        "schedule": schedule,
        "in_library": year in library_years(),
    }
    return render(request, "core/holiday_schedule_form.html", context)


@login_required
@require_GET
def audit_list(request):
    """The audit log: filter by actor, action, object and dates; newest first, paginated."""
    events = audit_event_list(user=request.user, filters=request.GET)
    filterset = AuditEventFilterSet(request.GET or None, queryset=events.none())
    for name in ("date_from", "date_to"):
        filterset.form.fields[name].widget.input_type = "date"
    context = {
        **page_context(request, events, AUDIT_PAGE_SIZE),
        "filter_form": filterset.form,
        "filter_errors": filterset.form.errors if request.GET else {},
        "list_url": reverse("core:audit_list"),
    }
    context["rows"] = audit_rows(context["page"].object_list)
    object_type = request.GET.get("object_type", "")
    if object_type:
        # Filtering by one object (the enterprise page's "view all"): name it, not its id.
        named = audit_rows(events[:1]) if request.GET.get("object_id") else []
        context["object_filter"] = {
            "kind": audit_object_kind(object_type),
            "name": named[0]["name"] if named else "",
        }
    return render(request, "core/audit_list.html", context)


@login_required
@require_GET
def audit_detail(request, pk: int):
    """One audit event with every changed field before and after."""
    event = audit_event_list(user=request.user).filter(pk=pk).first()
    if event is None:
        raise ApplicationError.not_found()
    return render(
        request, "core/audit_detail.html", {"event": event, "row": audit_rows([event])[0]}
    )
