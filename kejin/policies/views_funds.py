"""Pages of the risk compensation fund (科技支行信贷风险补偿资金).

- Officers and lenders: the list of funds; a fund's page (officers: its ledger with the
  balance after each entry, the enrolled institutions with their non-performing ratio, and
  for city officers the contribution form).
- Lenders: the claim form (one of their own defaulted loans, not yet claimed) and their
  claims with the actions the workflow allows (resubmit, withdraw, record a recovery).
- Officers: the claim queue (overdue reviews flagged) and a claim's page with approve (and
  pay out), return and reject; the fund's report by institution, county and year, with an
  audited CSV export.

Reads go through ``kejin.policies.selectors_funds`` (outside the scope: 404), writes through
``kejin.policies.services_funds``; a refusal (400/409) is shown on the page it came from.
"""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.models import Region
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import page_context
from kejin.institutions.selectors import institution_list
from kejin.policies import selectors_funds as selectors
from kejin.policies import services_funds as services
from kejin.policies.choices import ClaimAction, ClaimStatus
from kejin.policies.forms_funds import (
    ApproveForm,
    ClaimForm,
    ContributionForm,
    RecoverForm,
    RejectForm,
    ResubmitForm,
    ReturnForm,
)
from kejin.policies.permissions import (
    LENDER_KINDS,
    claim_can_browse,
    claim_can_decide,
    claim_can_submit,
    fund_can_browse,
    fund_can_contribute,
    fund_can_see_ledger,
)
from kejin.policies.reports_funds import fund_report

PAGE_SIZE = 25
LEDGER_PAGE_SIZE = 50


def _error_text(error: ApplicationError) -> str:
    return " ".join([error.message, *(m for ms in error.fields.values() for m in ms)])


def _contribution_form(user, data=None) -> ContributionForm:
    return ContributionForm(
        data,
        regions=Region.objects.filter(level="county").order_by("code").values_list("pk", "name"),
        institutions=institution_list(user=user)
        .filter(kind__in=LENDER_KINDS)
        .order_by("name")
        .values_list("pk", "name"),
    )


@login_required
@require_GET
def fund_list_view(request):
    """The funds the user may see, with their balance."""
    user = request.user
    require(fund_can_browse, user=user)
    funds = list(selectors.fund_list(user=user))
    return render(
        request,
        "policies/funds/fund_list.html",
        {"funds": funds, "can_claim": claim_can_submit(user=user)},
    )


def _fund_page(request, fund, *, form=None, status=200):
    user = request.user
    ledger = fund_can_see_ledger(user=user, obj=fund)
    context = {}
    if ledger:
        # Newest first, a page at a time (the ledger only grows).
        entries = selectors.fund_entry_list(user=user, fund=fund).order_by("-at", "-pk")
        context = page_context(request, entries, LEDGER_PAGE_SIZE)
    context |= {
        "fund": fund,
        "version": fund.policy.live_version,
        "can_see_ledger": ledger,
        "can_contribute": fund_can_contribute(user=user, obj=fund),
        "enrolments": list(selectors.fund_enrolment_list(user=user, fund=fund)) if ledger else [],
        "form": form or _contribution_form(request.user),
        "open_claims": selectors.claim_list(
            user=user, fund=fund, status=ClaimStatus.SUBMITTED
        ).count(),
    }
    return render(request, "policies/funds/fund_detail.html", context, status=status)


@login_required
@require_GET
def fund_detail_view(request, pk: int):
    """A fund: its balance, rules, and (officers) its ledger and enrolments."""
    return _fund_page(request, selectors.fund_get(user=request.user, pk=pk))


@login_required
@require_POST
def fund_contribute_view(request, pk: int):
    """Record a contribution (city officers)."""
    user = request.user
    fund = selectors.fund_get(user=user, pk=pk)
    require(fund_can_contribute, user=user, obj=fund)
    form = _contribution_form(request.user, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.fund_contribute(
                user=user,
                fund=fund,
                source=data["source"],
                amount=data["amount"],
                on=data["on"],
                region=_by_pk(Region, data["region"]),
                institution=_lender(user, data["institution"]),
                memo=data["memo"],
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("注资已入账。"))
            return redirect("policies:fund_detail", pk=pk)
    return _fund_page(request, fund, form=form, status=400)


def _by_pk(model, pk):
    """Reference data named by a form's choice (None when empty or unknown)."""
    return model.objects.filter(pk=pk).first() if pk else None


def _lender(user, pk):
    """The institution a form names, from the directory as ``user`` sees it (None: none)."""
    return institution_list(user=user).filter(pk=pk).first() if pk else None


@login_required
@require_POST
def fund_enrolment_check_view(request, pk: int):
    """Re-check one institution's enrolment (officers)."""
    user = request.user
    fund = selectors.fund_get(user=user, pk=pk)
    institution = _lender(user, request.POST.get("institution"))
    if institution is None:
        raise Http404
    enrolment = services.fund_enrolment_recheck(
        user=user, fund=fund, institution=institution, ip_address=client_ip_address(request)
    )
    messages.success(
        request,
        _("已核查：%(institution)s %(status)s。")
        % {"institution": institution.name, "status": enrolment.get_status_display()},
    )
    return redirect("policies:fund_detail", pk=pk)


@login_required
@require_GET
def fund_report_view(request, pk: int):
    """The fund's report by institution, county and year (officers)."""
    fund = selectors.fund_get(user=request.user, pk=pk)
    report = fund_report(user=request.user, fund=fund)
    return render(request, "policies/funds/report.html", {"fund": fund, "report": report})


@login_required
@require_GET
def fund_report_csv_view(request, pk: int):
    """The report as CSV (officers; audited)."""
    user = request.user
    fund = selectors.fund_get(user=user, pk=pk)
    report = fund_report(user=user, fund=fund)
    services.fund_report_exported(user=user, fund=fund, ip_address=client_ip_address(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fund-{fund.pk}-report.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(response)
    for row in report.csv_rows():
        writer.writerow(row)
    return response


# --- claims --------------------------------------------------------------------------------------


@login_required
@require_GET
def fund_claim_list_view(request):
    """Claims in the user's scope, newest first (overdue reviews flagged; ``?overdue=1``
    only those): the officers' queue, a lender's own."""
    user = request.user
    status = request.GET.get("status", "")
    if status not in ("", *ClaimStatus.values):
        status = ""
    overdue = request.GET.get("overdue") == "1"
    require(claim_can_browse, user=user)
    rows = selectors.claim_list(user=user, status=status, overdue=overdue)
    context = page_context(request, rows, PAGE_SIZE)
    context.update(
        statuses=[("", _("全部")), *ClaimStatus.choices],
        status=status,
        overdue=overdue,
        can_claim=claim_can_submit(user=user),
        can_decide=claim_can_decide(user=user),
        today_overdue={c.pk for c in context["page"].object_list if selectors.claim_is_overdue(c)},
    )
    return render(request, "policies/funds/claim_list.html", context)


def _claim_form(user, data=None, initial=None) -> ClaimForm:
    funds = [(f.pk, f.name) for f in selectors.fund_list(user=user)]
    loans = [
        (
            loan.pk,
            f"{loan.contract_number} · {loan.enterprise.name} · "
            f"{loan.get_product_type_display()} · {_('余额')} {loan.outstanding}",
        )
        for loan in selectors.claim_candidate_loans(
            user=user, unclaimed=data is None
        ).select_related("enterprise")
    ]
    return ClaimForm(data, initial=initial, funds=funds, loans=loans)


@login_required
@require_http_methods(["GET", "POST"])
def fund_claim_create_view(request):
    """A lender claims compensation for one of its defaulted loans."""
    user = request.user
    require(claim_can_submit, user=user)
    form = _claim_form(user, request.POST or None, initial={"loan": request.GET.get("loan")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                fund = selectors.fund_get(user=user, pk=data["fund"])
                loan = selectors.claim_candidate_get(user=user, pk=data["loan"])
                claim = services.claim_submit(
                    user=user,
                    fund=fund,
                    loan=loan,
                    principal_loss=data["principal_loss"],
                    ip_address=client_ip_address(request),
                )
            except ApplicationError as error:
                if error.status == 409:
                    form.add_error(None, error.message)
                    status = 409
                else:
                    form_add_service_error(form, error)
            else:
                messages.success(request, _("风险补偿申请已提交。"))
                return redirect("policies:fund_claim_detail", pk=claim.pk)
    return render(request, "policies/funds/claim_form.html", {"form": form}, status=status)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    ClaimAction.APPROVE: ApproveForm,
    ClaimAction.RETURN: ReturnForm,
    ClaimAction.REJECT: RejectForm,
    ClaimAction.RESUBMIT: ResubmitForm,
    ClaimAction.RECOVER: RecoverForm,
}
DONE: dict[str, Any] = {
    ClaimAction.APPROVE: gettext_lazy("已核准，补偿资金已从资金池拨付。"),
    ClaimAction.RETURN: gettext_lazy("已退回补充。"),
    ClaimAction.REJECT: gettext_lazy("已不予通过。"),
    ClaimAction.RESUBMIT: gettext_lazy("已重新提交。"),
    ClaimAction.WITHDRAW: gettext_lazy("已撤回。"),
    ClaimAction.RECOVER: gettext_lazy("追偿回收已登记，资金池按比例收回。"),
}


@login_required
@require_GET
def fund_claim_detail_view(request, pk: int):
    """A claim: the loan, the computation, the decision, its ledger entries and the
    actions the user may take."""
    user = request.user
    claim = selectors.claim_get(user=user, pk=pk)
    actions = selectors.claim_actions(user=user, claim=claim)
    context = {
        "claim": claim,
        "actions": actions,
        "overdue": selectors.claim_is_overdue(claim),
        "forms": {a: ACTION_FORMS[a]() for a in actions if a in ACTION_FORMS},
        "labels": dict(ClaimAction.choices),
    }
    return render(request, "policies/funds/claim_detail.html", context)


def _run(action: str, *, user, claim, data: dict, ip_address):
    if action == ClaimAction.APPROVE:
        return services.claim_approve(
            user=user,
            claim=claim,
            amount=data.get("amount"),
            comment=data.get("comment", ""),
            ip_address=ip_address,
        )
    if action == ClaimAction.RETURN:
        return services.claim_return(
            user=user, claim=claim, comment=data.get("comment", ""), ip_address=ip_address
        )
    if action == ClaimAction.REJECT:
        return services.claim_reject(
            user=user,
            claim=claim,
            reason=data.get("reason", ""),
            text=data.get("text", ""),
            ip_address=ip_address,
        )
    if action == ClaimAction.RESUBMIT:
        return services.claim_resubmit(
            user=user, claim=claim, principal_loss=data.get("principal_loss"), ip_address=ip_address
        )
    if action == ClaimAction.WITHDRAW:
        return services.claim_withdraw(user=user, claim=claim, ip_address=ip_address)
    return services.claim_recover(
        user=user,
        claim=claim,
        amount=data.get("amount"),
        on=data.get("on"),
        memo=data.get("memo", ""),
        ip_address=ip_address,
    )


@login_required
@require_POST
def fund_claim_action_view(request, pk: int, action: str):
    """One move of a claim; a refusal is shown on the claim's page."""
    user = request.user
    claim = selectors.claim_get(user=user, pk=pk)
    if action not in DONE:
        raise Http404
    form_class = ACTION_FORMS.get(action)
    data: dict = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                " ".join(str(m) for ms in form.errors.values() for m in ms),
            )
            return redirect("policies:fund_claim_detail", pk=pk)
        data = form.cleaned_data
    try:
        _run(action, user=user, claim=claim, data=data, ip_address=client_ip_address(request))
    except ApplicationError as error:
        if error.status not in (400, 409):
            raise
        messages.error(request, _error_text(error))
    else:
        messages.success(request, DONE[action])
    return redirect("policies:fund_claim_detail", pk=pk)
