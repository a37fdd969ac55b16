"""Pages of the dispute (异议) workflow.

- Enterprise: its records with their dispute state and "提出异议", the form, its disputes
  (open / closed), a dispute with the resolution and the new version, answer and withdraw.
- Data provider: the disputes about its department's records with deadline and working days
  left, and the three resolutions (correct, remove, uphold).
- Officers: every dispute in scope, and the overdue ones with the working days overdue.

Reads go through the selectors of ``kejin.credit.disputes`` (scoped: a dispute or record the
user may not see is a 404), writes through its services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.money import format_yuan
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import page_context
from kejin.core.workdays import WorkdayCalendar, WorkdayResult
from kejin.credit import disputes
from kejin.credit.choices import DisputeStatus, FieldType
from kejin.credit.forms_disputes import (
    DisputeCorrectForm,
    DisputeOpenForm,
    DisputeRemoveForm,
    DisputeReplyForm,
    DisputeUpholdForm,
)
from kejin.credit.permissions import (
    credit_dispute_can_answer,
    credit_dispute_can_browse,
    credit_dispute_can_open,
    credit_dispute_can_resolve,
    credit_dispute_can_view_overdue,
)

PAGE_SIZE = 25


def record_fields(record) -> list[dict]:
    """A record's data as (field name, shown value) rows in the category's order; amounts in
    万元/亿元. Needs ``record.category.fields`` (prefetch it for lists)."""
    rows = []
    for field in record.category.fields.all():
        value = record.data.get(field.code)
        if value is None or value == "":
            shown = "—"
        elif field.type == FieldType.AMOUNT:
            shown = format_yuan(value)
        elif field.type == FieldType.BOOLEAN:
            shown = _("是") if value else _("否")
        else:
            shown = str(value) + (f" {field.unit}" if field.unit else "")
        rows.append({"code": field.code, "name": field.name, "value": shown})
    return rows


def _deadline(dispute, calendar: WorkdayCalendar) -> WorkdayResult:
    """The stored deadline, marked approximate when a year it spans has no schedule yet."""
    counted = calendar.add(dispute.filed_at, dispute.deadline_workdays)
    return WorkdayResult(dispute.deadline, counted.fallback_years)


def _timing_rows(dispute_page, *, today) -> list[dict]:
    calendar = WorkdayCalendar()
    return [
        {
            "dispute": dispute,
            "timing": disputes.dispute_timing(dispute, today=today, calendar=calendar),
            "deadline": _deadline(dispute, calendar),
        }
        for dispute in dispute_page
    ]


@login_required
@require_GET
def dispute_list_view(request):
    """The disputes the user sees: open ones by deadline, closed ones newest first."""
    user = request.user
    require(credit_dispute_can_browse, user=user)
    status = request.GET.get("status") or "open"
    if status not in disputes.DISPUTE_LIST_STATUSES:
        status = "open"
    queryset = disputes.dispute_list(user=user, status=status)
    context = page_context(request, queryset, PAGE_SIZE)
    context.update(
        rows=_timing_rows(context["page"].object_list, today=timezone.localdate()),
        status=status,
        statuses=[("open", _("处理中")), ("closed", _("已办结")), ("all", _("全部"))],
        counts=disputes.dispute_status_counts(user=user),
        list_url=reverse("credit:dispute_list"),
        can_open=credit_dispute_can_open(user=user),
        can_resolve=credit_dispute_can_resolve(user=user),
        can_view_overdue=credit_dispute_can_view_overdue(user=user),
    )
    return render(request, "credit/dispute_list.html", context)


@login_required
@require_GET
def dispute_overdue_view(request):
    """Officers: open disputes past their deadline in their scope, with working days overdue."""
    queryset = disputes.disputes_overdue(user=request.user)
    context = page_context(request, queryset, PAGE_SIZE)
    context.update(
        rows=_timing_rows(context["page"].object_list, today=timezone.localdate()),
        list_url=reverse("credit:dispute_overdue"),
    )
    return render(request, "credit/dispute_overdue.html", context)


@login_required
@require_GET
def dispute_records_view(request):
    """The enterprise's current records, each with its dispute state and "提出异议"."""
    user = request.user
    records = disputes.dispute_records_of_enterprise(user=user).prefetch_related("category__fields")
    context = page_context(request, records, PAGE_SIZE)
    page_records = list(context["page"].object_list)
    states = disputes.record_dispute_states(page_records)
    context.update(
        rows=[
            {"record": r, "fields": record_fields(r), "state": states.get(r.pk)}
            for r in page_records
        ],
        can_open=credit_dispute_can_open(user=user),
        list_url=reverse("credit:dispute_records"),
    )
    return render(request, "credit/dispute_records.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dispute_create_view(request, record_id: int):
    """File a dispute about one record (the enterprise's admin)."""
    user = request.user
    record = disputes.dispute_record_get(user=user, record_id=record_id)
    require(credit_dispute_can_open, user=user, obj=record)
    form = DisputeOpenForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = disputes.dispute_open(
                record=record,
                reason=form.cleaned_data["reason"],
                attachments=form.cleaned_data["attachments"],
                acting_user=user,
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("异议已提交，来源部门应在%(date)s前处理。")
                % {"date": dispute.deadline.isoformat()},
            )
            return redirect("credit:dispute_detail", pk=dispute.pk)
    state = disputes.record_dispute_states([record]).get(record.pk)
    context = {
        "form": form,
        "record": record,
        "fields": record_fields(record),
        "state": state,
        "workdays": disputes.dispute_deadline_workdays(record.category),
    }
    return render(request, "credit/dispute_form.html", context)


def _form_error(form, error: ApplicationError) -> None:
    """A state conflict above the form; input errors beside their fields."""
    if error.status == 409:
        form.add_error(None, error.message)
    else:
        form_add_service_error(form, error)


@login_required
@require_GET
def dispute_detail_view(request, pk: int):
    """One dispute: the record as disputed, the reason, the deadline, the resolution (and the
    new version), the annotation and the enterprise's answer, the attachments."""
    user = request.user
    dispute = disputes.dispute_get(user=user, pk=pk)
    calendar = WorkdayCalendar()
    attachments = list(dispute.attachments.all())
    context = {
        "dispute": dispute,
        "fields": record_fields(dispute.record),
        "new_fields": record_fields(dispute.corrected_record) if dispute.corrected_record else [],
        "timing": disputes.dispute_timing(dispute, calendar=calendar),
        "deadline": _deadline(dispute, calendar),
        "attachments": {
            stage: [a for a in attachments if a.stage == stage]
            for stage in ("filing", "resolution", "reply")
        },
        "can_resolve": dispute.is_open and credit_dispute_can_resolve(user=user, obj=dispute),
        "can_withdraw": dispute.is_open and credit_dispute_can_answer(user=user, obj=dispute),
        "can_reply": dispute.status == DisputeStatus.UPHELD
        and dispute.replied_at is None
        and credit_dispute_can_answer(user=user, obj=dispute),
    }
    return render(request, "credit/dispute_detail.html", context)


def _resolution_view(request, pk: int, *, outcome: str):
    user = request.user
    dispute = disputes.dispute_get(user=user, pk=pk)
    require(credit_dispute_can_resolve, user=user, obj=dispute)
    data, files = request.POST or None, request.FILES or None
    form: DisputeCorrectForm | DisputeRemoveForm | DisputeUpholdForm
    if outcome == "correct":
        form = DisputeCorrectForm(data, files, record=dispute.record)
    elif outcome == "remove":
        form = DisputeRemoveForm(data, files)
    else:
        form = DisputeUpholdForm(data, files)
    if request.method == "POST" and form.is_valid():
        common = {
            "dispute": dispute,
            "attachments": form.cleaned_data["attachments"],
            "acting_user": user,
            "ip_address": client_ip_address(request),
        }
        try:
            if isinstance(form, DisputeCorrectForm):
                disputes.dispute_resolve_correct(
                    data=form.record_data(), note=form.cleaned_data["note"], **common
                )
            elif isinstance(form, DisputeRemoveForm):
                disputes.dispute_resolve_remove(note=form.cleaned_data["note"], **common)
            else:
                disputes.dispute_uphold(annotation=form.cleaned_data["annotation"], **common)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("异议已办结。"))
            return redirect("credit:dispute_detail", pk=dispute.pk)
    titles = {
        "correct": _("更正记录"),
        "remove": _("删除记录"),
        "uphold": _("维持原记录"),
    }
    context = {
        "form": form,
        "dispute": dispute,
        "fields": record_fields(dispute.record),
        "outcome": outcome,
        "title": titles[outcome],
    }
    return render(request, "credit/dispute_resolve.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dispute_correct_view(request, pk: int):
    """The source department corrects the record (a new version)."""
    return _resolution_view(request, pk, outcome="correct")


@login_required
@require_http_methods(["GET", "POST"])
def dispute_remove_view(request, pk: int):
    """The source department removes the record."""
    return _resolution_view(request, pk, outcome="remove")


@login_required
@require_http_methods(["GET", "POST"])
def dispute_uphold_view(request, pk: int):
    """The source department keeps the record, with an annotation."""
    return _resolution_view(request, pk, outcome="uphold")


@login_required
@require_http_methods(["GET", "POST"])
def dispute_reply_view(request, pk: int):
    """The enterprise's admin answers an upheld dispute's annotation (once)."""
    user = request.user
    dispute = disputes.dispute_get(user=user, pk=pk)
    require(credit_dispute_can_answer, user=user, obj=dispute)
    form = DisputeReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            disputes.dispute_reply(
                dispute=dispute,
                reply=form.cleaned_data["reply"],
                attachments=form.cleaned_data["attachments"],
                acting_user=user,
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("企业说明已提交。"))
            return redirect("credit:dispute_detail", pk=dispute.pk)
    context = {
        "form": form,
        "dispute": dispute,
        "fields": record_fields(dispute.record),
        "outcome": "reply",
        "title": _("答复维持理由"),
    }
    return render(request, "credit/dispute_resolve.html", context)


@login_required
@require_POST
def dispute_withdraw_view(request, pk: int):
    """The enterprise's admin withdraws its open dispute."""
    user = request.user
    dispute = disputes.dispute_get(user=user, pk=pk)
    try:
        disputes.dispute_withdraw(
            dispute=dispute, acting_user=user, ip_address=client_ip_address(request)
        )
    except ApplicationError as error:
        if error.status != 409:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("异议已撤回。"))
    return redirect("credit:dispute_detail", pk=dispute.pk)


@login_required
@require_GET
def dispute_attachment_view(request, pk: int, attachment_id: int):
    """An attachment, to whoever sees its dispute (a download, never public)."""
    attachment = disputes.dispute_attachment_get(user=request.user, dispute_id=pk, pk=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
