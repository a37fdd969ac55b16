"""Pages of loans: the list in the user's scope, a loan with its repayments and history (and,
for its lender, the repayment and status forms), and the import of repayments and statuses
from a file with its batches.

Reads go through ``kejin.financing.selectors_loans`` (a loan the user may not see is a 404),
writes through ``kejin.financing.services_loans``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import page_context
from kejin.financing.choices import LoanChannel, LoanStatus
from kejin.financing.forms_loans import LoanImportForm, LoanRepaymentForm, LoanStatusForm
from kejin.financing.permissions import loan_can_browse, loan_can_update
from kejin.financing.selectors_loans import (
    LOAN_LIST_STATUSES,
    loan_get,
    loan_import_batch_get,
    loan_import_batch_list,
    loan_list,
    loan_status_counts,
)
from kejin.financing.services_loans import (
    IMPORT_COLUMNS,
    loan_import_batch_create,
    loan_repayment_record,
    loan_status_change,
)

PAGE_SIZE = 25


@login_required
@require_GET
def loan_list_view(request):
    """The loans the user sees, by status, newest disbursement first."""
    user = request.user
    require(loan_can_browse, user=user)
    status = request.GET.get("status") or "all"
    if status not in LOAN_LIST_STATUSES:
        status = "all"
    search = (request.GET.get("q") or "").strip()[:64]
    context = page_context(request, loan_list(user=user, status=status, search=search), PAGE_SIZE)
    counts = loan_status_counts(user=user)
    context.update(
        status=status,
        search=search,
        statuses=[("all", _("全部"), sum(counts.values()))]
        + [(value, label, counts[value]) for value, label in LoanStatus.choices],
        list_url=reverse("financing:loan_list"),
        can_update=loan_can_update(user=user),
    )
    return render(request, "financing/loan_list.html", context)


def _detail(request, loan, *, repayment_form=None, status_form=None):
    can_update = loan_can_update(user=request.user, obj=loan)
    context = {
        "loan": loan,
        "repayments": list(loan.repayments.all()),
        "history": list(loan.status_events.all()),
        "can_update": can_update,
        "repayment_form": repayment_form or LoanRepaymentForm(prefix="repayment"),
        "status_form": status_form or LoanStatusForm(prefix="status"),
    }
    return render(request, "financing/loan_detail.html", context)


@login_required
@require_GET
def loan_detail_view(request, pk: int):
    return _detail(request, loan_get(user=request.user, pk=pk))


def _form_error(form, error: ApplicationError) -> None:
    """A state conflict above the form; input errors beside their fields."""
    if error.status == 409:
        form.add_error(None, error.message)
    else:
        form_add_service_error(form, error)


@login_required
@require_POST
def loan_repayment_view(request, pk: int):
    """The lender records a repayment (the form on the loan's page)."""
    loan = loan_get(user=request.user, pk=pk)
    require(loan_can_update, user=request.user, obj=loan)
    form = LoanRepaymentForm(request.POST, prefix="repayment")
    if form.is_valid():
        try:
            loan_repayment_record(
                loan=loan, actor=request.user, channel=LoanChannel.FORM, **form.cleaned_data
            )
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("还款已登记。"))
            return redirect("financing:loan_detail", pk=pk)
    return _detail(request, loan_get(user=request.user, pk=pk), repayment_form=form)


@login_required
@require_POST
def loan_status_view(request, pk: int):
    """The lender changes the loan's status (the form on the loan's page)."""
    loan = loan_get(user=request.user, pk=pk)
    require(loan_can_update, user=request.user, obj=loan)
    form = LoanStatusForm(request.POST, prefix="status")
    if form.is_valid():
        try:
            loan_status_change(
                loan=loan, actor=request.user, channel=LoanChannel.FORM, **form.cleaned_data
            )
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("贷款状态已更新。"))
            return redirect("financing:loan_detail", pk=pk)
    return _detail(request, loan_get(user=request.user, pk=pk), status_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def loan_import_view(request):
    """A lender uploads repayments and statuses; its institution's batches below."""
    require(loan_can_update, user=request.user)
    form = LoanImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = loan_import_batch_create(
                actor=request.user, uploaded_file=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            return redirect("financing:loan_import_detail", pk=batch.pk)
    context = page_context(request, loan_import_batch_list(user=request.user), PAGE_SIZE)
    context.update(form=form, columns=IMPORT_COLUMNS, list_url=reverse("financing:loan_import"))
    return render(request, "financing/loan_import.html", context)


@login_required
@require_GET
def loan_import_detail_view(request, pk: int):
    batch = loan_import_batch_get(user=request.user, pk=pk)
    return render(request, "financing/loan_import_detail.html", {"batch": batch})
