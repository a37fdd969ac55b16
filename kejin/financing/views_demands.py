"""Pages of financing demands under /financing/demands/.

- Enterprise: post a demand, its demands, one demand with its timeline
  (``data-testid="demand-timeline"``) and what it may do (withdraw, refer on).
- Institution: the demands routed to it, the open pool, those it claimed; one demand with
  the buttons of the actions it may take now (from the workflow table).
- Officers: the demands of their county (city officers: all, by county).

Reads go through ``kejin.financing.selectors_demands``, writes through
``kejin.financing.services_demands``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.http import client_ip_address
from kejin.core.permissions import require
from kejin.core.regions import city_counties
from kejin.core.ui.lists import page_context
from kejin.financing import selectors_demands as selectors
from kejin.financing import services_demands as services
from kejin.financing.choices import DemandAction, DemandStatus
from kejin.financing.forms_demands import (
    ApproveForm,
    DemandForm,
    GuaranteeRequestForm,
    RejectForm,
)
from kejin.financing.permissions import demand_can_browse, demand_can_create

PAGE_SIZE = 25

#: URL slug → workflow action, for the action buttons' POSTs.
ACTION_SLUGS = {
    "claim": DemandAction.CLAIM,
    "release": DemandAction.RELEASE,
    "contact": DemandAction.CONTACT,
    "start-review": DemandAction.START_REVIEW,
    "approve": DemandAction.APPROVE,
    "reject": DemandAction.REJECT,
    "refer": DemandAction.REFER,
    "request-guarantee": DemandAction.REQUEST_GUARANTEE,
    "grant-guarantee": DemandAction.GRANT_GUARANTEE,
    "refuse-guarantee": DemandAction.REFUSE_GUARANTEE,
    "disburse": DemandAction.DISBURSE,
    "close": DemandAction.CLOSE,
    "withdraw": DemandAction.WITHDRAW,
    "route": DemandAction.ROUTE,
    "pool": DemandAction.POOL,
}
SLUG_OF: dict[str, str] = {str(action): slug for slug, action in ACTION_SLUGS.items()}
#: Actions that need a form (shown on the detail page beside their button).
WITH_FORM = frozenset({DemandAction.APPROVE, DemandAction.REJECT, DemandAction.REQUEST_GUARANTEE})


def _views_for(user) -> list[tuple[str, str]]:
    if user.is_institution_user:
        return [
            ("routed", _("推送给本机构")),
            ("pool", _("抢单池")),
            ("claimed", _("本机构办理")),
            ("all", _("全部")),
        ]
    return []


@login_required
@require_GET
def demand_list_view(request):
    """The demands the user sees: an enterprise's own, an institution's by tab, an officer's
    county (a city officer may choose the county)."""
    user = request.user
    require(demand_can_browse, user=user)
    tabs = _views_for(user)
    view = request.GET.get("view") or (tabs[0][0] if tabs else "all")
    if view not in selectors.VIEWS:
        view = "all"
    status = request.GET.get("status", "")
    if status not in DemandStatus.values:
        status = ""
    county = request.GET.get("county", "") if user.sees_whole_city else ""
    rows = selectors.demand_list(
        user=user, view=view, status=status, county=county, q=request.GET.get("q", "")[:100]
    )
    context = page_context(request, rows, PAGE_SIZE)
    context.update(
        tabs=tabs,
        view=view,
        status=status,
        statuses=DemandStatus.choices,
        county=county,
        counties=city_counties() if user.sees_whole_city else [],
        q=request.GET.get("q", ""),
        can_create=demand_can_create(user=user),
    )
    return render(request, "financing/demands/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def demand_create_view(request):
    """An enterprise's user posts a demand."""
    user = request.user
    require(demand_can_create, user=user)
    form = DemandForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.demand_data()
        rows = [
            i
            for i in range(len(form.collateral_rows()))
            if form.cleaned_data.get(f"collateral_{i}_kind")
        ]
        try:
            demand = services.demand_create(
                enterprise=user.enterprise,
                data=data,
                attachments=form.cleaned_data["attachments"],
                acting_user=user,
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            if error.code != ErrorCode.INVALID:
                raise
            for name, field_messages in error.fields.items():
                target = DemandForm.field_name(name, rows)
                for message in field_messages:
                    form.add_error(target if target in form.fields else None, message)
        else:
            messages.success(
                request,
                _("需求 %(number)s 已提交，平台将推送给匹配的金融机构。")
                % {"number": demand.number},
            )
            return redirect("financing:demand_detail", pk=demand.pk)
    return render(request, "financing/demands/form.html", {"form": form})


def _detail_context(request, demand, forms: dict | None = None) -> dict:
    user = request.user
    actions = selectors.demand_actions(user=user, demand=demand)
    forms = forms or {}
    if DemandAction.APPROVE in actions:
        forms.setdefault("approve", ApproveForm(initial={"amount": demand.amount}))
    if DemandAction.REJECT in actions:
        forms.setdefault("reject", RejectForm())
    if DemandAction.REQUEST_GUARANTEE in actions:
        forms.setdefault(
            "request_guarantee",
            GuaranteeRequestForm(guarantors=selectors.guarantors_list(user=user)),
        )
    return {
        "demand": demand,
        "events": selectors.demand_timeline(user=user, demand=demand),
        "routes": selectors.demand_routes(user=user, demand=demand),
        "collaterals": demand.collaterals.all(),
        "attachments": demand.attachments.all(),
        "buttons": [
            {"slug": SLUG_OF[a], "label": DemandAction(a).label, "action": a}
            for a in actions
            if a not in WITH_FORM and a in SLUG_OF
        ],
        "forms": forms,
    }


@login_required
@require_GET
def demand_detail_view(request, pk: int):
    """One demand: what it asks, where it stands and what is due, its timeline, and the
    buttons of what the user may do now."""
    demand = selectors.demand_get(user=request.user, pk=pk)
    return render(request, "financing/demands/detail.html", _detail_context(request, demand))


@login_required
@require_POST
def demand_action_view(request, pk: int, slug: str):
    """One workflow action from the detail page's buttons and forms."""
    user = request.user
    action = ACTION_SLUGS.get(slug)
    if action is None:
        raise ApplicationError.not_found()
    if action == DemandAction.CLAIM:
        demand = selectors.demand_get_for_claim(user=user, pk=pk)
    else:
        demand = selectors.demand_get(user=user, pk=pk)
    common = {"demand": demand, "acting_user": user, "ip_address": client_ip_address(request)}
    form: forms.Form | None = None
    try:
        if action == DemandAction.APPROVE:
            form = ApproveForm(request.POST)
            form.is_valid()
            services.demand_approve(
                amount=form.cleaned_data.get("amount"), rate=form.cleaned_data.get("rate"), **common
            )
        elif action == DemandAction.REJECT:
            form = RejectForm(request.POST)
            form.is_valid()
            services.demand_reject(
                reason=form.cleaned_data.get("reason"), text=form.cleaned_data.get("text"), **common
            )
        elif action == DemandAction.REQUEST_GUARANTEE:
            guarantors = selectors.guarantors_list(user=user)
            form = GuaranteeRequestForm(request.POST, guarantors=guarantors)
            form.is_valid()
            chosen = str(form.cleaned_data.get("guarantor") or "")
            services.demand_guarantee_request(
                guarantor=guarantors.filter(pk=int(chosen)).first() if chosen.isdigit() else None,
                **common,
            )
        else:
            service = {
                DemandAction.CLAIM: services.demand_claim,
                DemandAction.RELEASE: services.demand_release,
                DemandAction.CONTACT: services.demand_contact,
                DemandAction.START_REVIEW: services.demand_review_start,
                DemandAction.REFER: services.demand_refer,
                DemandAction.GRANT_GUARANTEE: services.demand_guarantee_grant,
                DemandAction.REFUSE_GUARANTEE: services.demand_guarantee_refuse,
                DemandAction.DISBURSE: services.demand_disburse,
                DemandAction.CLOSE: services.demand_close,
                DemandAction.WITHDRAW: services.demand_withdraw,
                DemandAction.ROUTE: services.demand_route,
                DemandAction.POOL: services.demand_pool,
            }[action]
            service(**common)
    except ApplicationError as error:
        if error.code == ErrorCode.INVALID and form is not None:
            for name, field_messages in error.fields.items():
                for message in field_messages:
                    form.add_error(name if name in form.fields else None, message)
            key = {"approve": "approve", "reject": "reject"}.get(slug, "request_guarantee")
            fresh = selectors.demand_get(user=user, pk=pk)
            return render(
                request,
                "financing/demands/detail.html",
                _detail_context(request, fresh, {key: form}),
                status=400,
            )
        if error.status == 404:
            raise
        messages.error(request, error.message)
        if error.code == ErrorCode.DEMAND_ALREADY_CLAIMED:
            return redirect("financing:demand_list")
        return redirect("financing:demand_detail", pk=pk)
    messages.success(request, _("已%(action)s。") % {"action": DemandAction(action).label})
    return redirect("financing:demand_detail", pk=pk)


@login_required
@require_GET
def demand_attachment_view(request, pk: int, attachment_id: int):
    """An attachment, to whoever sees its demand (a download, never public)."""
    attachment = selectors.demand_attachment_get(user=request.user, demand_id=pk, pk=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
