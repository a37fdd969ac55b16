"""Pages of consented credit reports: requests (both sides), the decision forms, the report
itself with its downloads, and the enterprise's read log.

Requests and the log are read through ``kejin.credit.selectors_reports``; the report only
through ``kejin.credit.reports.credit_report_for`` (downloads through
``kejin.credit.exports.report_download``, which calls it). Writes go through
``kejin.credit.services_reports``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import XLSX_CONTENT_TYPE, page_context
from kejin.credit import services_reports as services
from kejin.credit.choices import ReportFormat, ReportState
from kejin.credit.exports import report_download
from kejin.credit.forms_reports import ReasonForm, ReportGrantForm, ReportRequestForm
from kejin.credit.permissions import (
    report_can_read,
    report_grant_can_revoke,
    report_read_can_browse,
    report_request_can_create,
    report_request_can_decide,
)
from kejin.credit.reports import credit_report_for
from kejin.credit.selectors_reports import (
    report_category_names,
    report_enterprise_by_uscc,
    report_read_list,
    report_request_get,
    report_request_list,
    report_state_counts,
)

PAGE_SIZE = 25


@login_required
@require_GET
def report_request_list_view(request):
    """The requests the user may see: an institution its own, an enterprise's administrator
    those about the enterprise (to answer), city officers all; tabs by state."""
    state = request.GET.get("state", "")
    if state not in ReportState.values:
        state = ""
    requests = report_request_list(user=request.user, state=state or None)
    counts = report_state_counts(user=request.user)
    context = {
        **page_context(request, requests, PAGE_SIZE),
        "list_url": reverse("credit:report_requests"),
        "state": state,
        "tabs": [(s.value, s.label, counts[s.value]) for s in ReportState],
        "total": sum(counts.values()),
        "can_create": report_request_can_create(user=request.user),
        "can_decide": report_request_can_decide(user=request.user),
    }
    return render(request, "credit/report_request_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_request_create_view(request):
    """An institution asks an enterprise (named by its credit code) for a report."""
    require(report_request_can_create, user=request.user)
    form = ReportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enterprise = report_enterprise_by_uscc(uscc=form.cleaned_data["uscc"])
        if enterprise is None:
            form.add_error("uscc", _("平台上没有登记该统一社会信用代码的企业，请核对后重试。"))
        else:
            try:
                created = services.report_request_create(
                    actor=request.user,
                    enterprise=enterprise,
                    purpose=form.cleaned_data["purpose"],
                    categories=form.cleaned_data["categories"],
                    note=form.cleaned_data["note"],
                    ip_address=client_ip_address(request),
                )
            except ApplicationError as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("已向“%(name)s”提交查询申请，等待企业授权。") % {"name": enterprise.name},
                )
                return redirect("credit:report_request", pk=created.pk)
    return render(request, "credit/report_request_form.html", {"form": form})


def _detail(request, report_request, *, grant_form=None, reason_form=None, revoke_form=None):
    user = request.user
    state = report_request.state
    can_decide = state == ReportState.PENDING and report_request_can_decide(
        user=user, obj=report_request
    )
    context = {
        "req": report_request,
        "state": state,
        "can_decide": can_decide,
        "can_revoke": state == ReportState.GRANTED
        and report_grant_can_revoke(user=user, obj=report_request),
        "can_read": state == ReportState.GRANTED and report_can_read(user=user, obj=report_request),
        "grant_form": grant_form
        or (ReportGrantForm(request=report_request) if can_decide else None),
        "reason_form": reason_form or ReasonForm(),
        "revoke_form": revoke_form or ReasonForm(required=False),
    }
    return render(request, "credit/report_request_detail.html", context)


@login_required
@require_GET
def report_request_detail_view(request, pk: int):
    """One request: its state, what was asked and granted, and the actions the user may take."""
    return _detail(request, report_request_get(user=request.user, pk=pk))


@login_required
@require_POST
def report_request_grant_view(request, pk: int):
    report_request = report_request_get(user=request.user, pk=pk)
    require(report_request_can_decide, user=request.user, obj=report_request)
    form = ReportGrantForm(request.POST, request=report_request)
    if form.is_valid():
        try:
            services.report_request_grant(
                actor=request.user,
                request=report_request,
                categories=form.cleaned_data["categories"],
                valid_until=form.cleaned_data["valid_until"],
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("已授权查询。"))
            return redirect("credit:report_request", pk=pk)
    return _detail(request, report_request, grant_form=form)


@login_required
@require_POST
def report_request_refuse_view(request, pk: int):
    report_request = report_request_get(user=request.user, pk=pk)
    require(report_request_can_decide, user=request.user, obj=report_request)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.report_request_refuse(
                actor=request.user,
                request=report_request,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("已拒绝该查询申请。"))
            return redirect("credit:report_request", pk=pk)
    return _detail(request, report_request, reason_form=form)


@login_required
@require_POST
def report_grant_revoke_view(request, pk: int):
    report_request = report_request_get(user=request.user, pk=pk)
    require(report_grant_can_revoke, user=request.user, obj=report_request)
    form = ReasonForm(request.POST, required=False)
    if form.is_valid():
        try:
            services.report_grant_revoke(
                actor=request.user,
                request=report_request,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("授权已撤销，对方不能再查询。"))
            return redirect("credit:report_request", pk=pk)
    return _detail(request, report_request, revoke_form=form)


@login_required
@require_GET
def report_view(request, pk: int):
    """The report under grant ``pk`` (404 without a valid grant; every view is logged)."""
    report = credit_report_for(
        user=request.user, grant=pk, format=ReportFormat.PAGE, ip_address=client_ip_address(request)
    )
    return render(request, "credit/report.html", {"report": report})


def _download(request, pk: int, format: str) -> HttpResponse:
    content, filename = report_download(
        user=request.user, grant=pk, format=format, ip_address=client_ip_address(request)
    )
    content_type = "application/pdf" if format == ReportFormat.PDF else XLSX_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def report_pdf_view(request, pk: int):
    return _download(request, pk, ReportFormat.PDF)


@login_required
@require_GET
def report_xlsx_view(request, pk: int):
    return _download(request, pk, ReportFormat.XLSX)


@login_required
@require_GET
def report_read_list_view(request):
    """The read log: who read the enterprise's reports, when, why, how."""
    require(report_read_can_browse, user=request.user)
    reads = report_read_list(user=request.user)
    context = {
        **page_context(request, reads, PAGE_SIZE),
        "list_url": reverse("credit:report_reads"),
    }
    names = report_category_names()
    for read in context["page"].object_list:
        read.category_names = "、".join(names.get(code, code) for code in read.categories)
    return render(request, "credit/report_read_list.html", context)
