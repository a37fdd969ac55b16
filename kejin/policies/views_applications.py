"""Pages of applications (政策兑现): the apply form with its pre-check and computed amount,
the list (the enterprise's own; the officers' queue with filters), an application with its
timeline and, for who may act, the action forms.

Reads go through ``kejin.policies.selectors_applications`` (a row the user may not see is a
404), writes through ``kejin.policies.services_applications``.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import page_context
from kejin.policies.application_workflow import actions_available, actor_kinds
from kejin.policies.choices import ApplicationAction, ApplicationStatus
from kejin.policies.forms_applications import (
    ApplicationForm,
    ApproveForm,
    CommentForm,
    PayForm,
    RejectForm,
    ReturnForm,
)
from kejin.policies.permissions import (
    application_can_browse,
    application_can_decide,
    application_can_submit,
)
from kejin.policies.selectors_applications import (
    APPLICATION_LIST_STATUSES,
    application_attachment_get,
    application_eligibility,
    application_get,
    application_list,
    application_status_counts,
    county_choices,
    insurance_options,
    loan_options,
    policy_for_application,
)
from kejin.policies.services_applications import (
    application_accept,
    application_approve,
    application_assess,
    application_pay,
    application_reject,
    application_resubmit,
    application_return,
    application_submit,
    application_withdraw,
    period_label,
    policy_open_check,
)

PAGE_SIZE = 25


def _apply_form(request, policy, *, resubmit: bool = False, data=None, files=None, initial=None):
    return ApplicationForm(
        data,
        files,
        initial=initial,
        version=policy.live_version,
        scheme=policy.scheme,
        insurance=insurance_options(user=request.user),
        loans=loan_options(user=request.user, scheme=policy.scheme),
        resubmit=resubmit,
    )


def _apply_page(
    request, policy, form, *, assessment=None, application=None, refusal=None, status=200
):
    return render(
        request,
        "policies/applications/apply.html",
        {
            "policy": policy,
            "version": policy.live_version,
            "form": form,
            "eligibility": application_eligibility(user=request.user, policy=policy),
            "assessment": assessment,
            "application": application,
            "refusal": refusal,
        },
        status=status,
    )


def _form_error(form, error: ApplicationError) -> None:
    """A state conflict or a refusal above the form; input errors beside their fields."""
    if error.status in (403, 409) or "eligibility" in error.fields:
        # A refusal, or the pre-check's: its message names the conditions not met.
        form.add_error(None, error.message)
    else:
        form_add_service_error(form, error)


@login_required
@require_http_methods(["GET", "POST"])
def application_new_view(request, pk: int):
    """Apply to policy ``pk``: the fields of its live version, the pre-check of the rule and,
    on 试算 (``preview``), the amount with its steps; submitting saves it."""
    user = request.user
    policy = policy_for_application(user=user, pk=pk)
    require(application_can_submit, user=user)
    if policy.live_version_id is None:
        raise Http404
    if request.method == "GET":
        refusal = None
        try:
            policy_open_check(policy)
        except ApplicationError as error:
            refusal = error.message
        return _apply_page(request, policy, _apply_form(request, policy), refusal=refusal)
    form = _apply_form(request, policy, data=request.POST, files=request.FILES)
    assessment = None
    if form.is_valid():
        try:
            if "preview" in request.POST:
                assessment = application_assess(user=user, policy=policy, data=form.service_data())
            else:
                application = application_submit(
                    user=user,
                    policy=policy,
                    data=form.service_data(),
                    attachments=form.cleaned_data.get("attachments"),
                    ip_address=client_ip_address(request),
                )
                messages.success(request, _("申报已提交，请等待主管部门受理。"))
                return redirect("policies:application_detail", pk=application.pk)
        except ApplicationError as error:
            _form_error(form, error)
    status = 200 if form.is_valid() else 400
    return _apply_page(request, policy, form, assessment=assessment, status=status)


@login_required
@require_GET
def application_list_view(request):
    """The applications the user sees: the enterprise's own, the officers' queue (by status,
    overdue steps and county)."""
    user = request.user
    status = request.GET.get("status") or "all"
    if status not in APPLICATION_LIST_STATUSES:
        status = "all"
    overdue = request.GET.get("overdue") == "1"
    require(application_can_browse, user=user)
    try:
        county_id = int(request.GET.get("county") or 0) or None
    except ValueError:
        county_id = None
    search = (request.GET.get("q") or "").strip()[:64]
    rows = application_list(
        user=user, status=status, overdue=overdue, county_id=county_id, search=search
    )
    context = page_context(request, rows, PAGE_SIZE)
    counts = application_status_counts(user=user)
    context.update(
        status=status,
        overdue=overdue,
        county_id=county_id,
        search=search,
        is_officer=application_can_decide(user=user),
        counties=county_choices() if user.sees_whole_city else [],
        statuses=[("all", _("全部"), sum(counts.values()))]
        + [(value, label, counts[value]) for value, label in ApplicationStatus.choices],
        list_url=reverse("policies:application_list"),
        today=timezone.localdate(),
    )
    return render(request, "policies/applications/list.html", context)


def _detail(request, application, *, forms=None, status=200):
    user = request.user
    kinds = actor_kinds(user=user, application=application)
    available = actions_available(status=application.status, actor_kinds=kinds)
    all_forms = {
        ApplicationAction.ACCEPT: CommentForm(prefix="accept"),
        ApplicationAction.RETURN: ReturnForm(prefix="return"),
        ApplicationAction.REJECT: RejectForm(prefix="reject"),
        ApplicationAction.APPROVE: ApproveForm(
            prefix="approve", initial={"amount": application.amount_computed}
        ),
        ApplicationAction.PAY: PayForm(
            prefix="pay",
            initial={
                "amount": (application.amount_approved or 0) - application.amount_paid
                if application.amount_approved
                else None
            },
        ),
        ApplicationAction.WITHDRAW: CommentForm(prefix="withdraw"),
    }
    all_forms.update(forms or {})
    labels = {
        spec.get("name"): spec.get("label") or spec.get("name")
        for spec in application.version.inputs or ()
    }
    context = {
        "application": application,
        "inputs": [(labels.get(name, name), value) for name, value in application.inputs.items()],
        "period": period_label(application.period_key),
        "events": list(application.events.all()),
        "payouts": list(application.payouts.all()),
        "attachments": list(application.attachments.all()),
        "benefit": (application.precheck or {}).get("benefit") or {},
        "actions": {action: all_forms[action] for action in available if action in all_forms},
        "can_resubmit": ApplicationAction.RESUBMIT in available,
    }
    return render(request, "policies/applications/detail.html", context, status=status)


@login_required
@require_GET
def application_detail_view(request, pk: int):
    return _detail(request, application_get(user=request.user, pk=pk))


def _run(action: str, request, application, data: dict) -> str:
    """Take ``action`` through its service with the form's data; the success message."""
    moves: dict[str, tuple[Callable[..., object], str]] = {
        ApplicationAction.ACCEPT: (application_accept, _("已受理。")),
        ApplicationAction.RETURN: (application_return, _("已退回企业补充材料。")),
        ApplicationAction.REJECT: (application_reject, _("已作出不予通过决定。")),
        ApplicationAction.APPROVE: (application_approve, _("已核定金额。")),
        ApplicationAction.PAY: (application_pay, _("兑付已记录。")),
    }
    service, done = moves.get(action, (application_withdraw, _("申报已撤回。")))
    service(
        user=request.user, application=application, ip_address=client_ip_address(request), **data
    )
    return done


FORMS: dict[str, type[forms.Form]] = {
    ApplicationAction.ACCEPT: CommentForm,
    ApplicationAction.RETURN: ReturnForm,
    ApplicationAction.REJECT: RejectForm,
    ApplicationAction.APPROVE: ApproveForm,
    ApplicationAction.PAY: PayForm,
    ApplicationAction.WITHDRAW: CommentForm,
}


def _action_view(action: str):
    @login_required
    @require_POST
    def view(request, pk: int):
        application = application_get(user=request.user, pk=pk)
        form = FORMS[action](request.POST, prefix=action)
        if form.is_valid():
            try:
                message = _run(action, request, application, form.cleaned_data)
            except ApplicationError as error:
                if error.status == 403:
                    raise
                _form_error(form, error)
            else:
                messages.success(request, message)
                return redirect("policies:application_detail", pk=pk)
        application = application_get(user=request.user, pk=pk)
        return _detail(request, application, forms={action: form}, status=400)

    view.__name__ = f"application_{action}_view"
    view.__doc__ = f"POST: the {action} action on an application (its form on the detail page)."
    return view


application_accept_view = _action_view(ApplicationAction.ACCEPT)
application_return_view = _action_view(ApplicationAction.RETURN)
application_reject_view = _action_view(ApplicationAction.REJECT)
application_approve_view = _action_view(ApplicationAction.APPROVE)
application_pay_view = _action_view(ApplicationAction.PAY)
application_withdraw_view = _action_view(ApplicationAction.WITHDRAW)


@login_required
@require_http_methods(["GET", "POST"])
def application_resubmit_view(request, pk: int):
    """The enterprise changes a returned application and sends it again."""
    application = application_get(user=request.user, pk=pk)
    require(application_can_submit, user=request.user, obj=application)
    policy = policy_for_application(user=request.user, pk=application.policy_id)
    if policy.live_version_id is None:
        raise Http404
    if request.method == "GET":
        initial = {f"inputs.{k}": v for k, v in (application.inputs or {}).items()}
        initial.update(
            insurance_policy=application.insurance_policy_id or "", loan=application.loan_id or ""
        )
        form = _apply_form(request, policy, resubmit=True, initial=initial)
        return _apply_page(request, policy, form, application=application)
    form = _apply_form(request, policy, resubmit=True, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            application_resubmit(
                user=request.user,
                application=application,
                data=form.service_data(),
                attachments=form.cleaned_data.get("attachments"),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            if error.status == 403:
                raise
            _form_error(form, error)
        else:
            messages.success(request, _("申报已重新提交。"))
            return redirect("policies:application_detail", pk=pk)
    return _apply_page(request, policy, form, application=application, status=400)


@login_required
@require_GET
def application_attachment_view(request, pk: int, attachment_id: int):
    """A file of an application, to whoever sees the application (a download, never public)."""
    attachment = application_attachment_get(user=request.user, application_id=pk, pk=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
