"""Pages of tech insurance: the policies a user sees (an insurer records and corrects its
own), and group cover schemes (city officers define them and list the insured; the insurer
confirms or declines cover member by member).

Reads go through ``kejin.policies.selectors_insurance`` (a row the user may not see is a
404), writes through ``kejin.policies.services_insurance``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.money import format_yuan
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import page_context
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.selectors import institution_list
from kejin.policies.choices import GroupMemberStatus, GroupSchemeStatus, InsuranceLine
from kejin.policies.forms_insurance import GroupSchemeForm, InsurancePolicyForm
from kejin.policies.permissions import (
    group_scheme_can_browse,
    group_scheme_can_confirm,
    group_scheme_can_manage,
    insurance_can_browse,
    insurance_can_record,
)
from kejin.policies.selectors_insurance import (
    group_member_list,
    group_scheme_budget,
    group_scheme_get,
    group_scheme_list,
    insurance_policy_get,
    insurance_policy_list,
)
from kejin.policies.services_insurance import (
    group_cover_policies,
    group_scheme_confirm,
    group_scheme_create,
    group_scheme_decline,
    group_scheme_list_insured,
    group_scheme_open,
    insurance_policy_correct,
    insurance_policy_record,
)

PAGE_SIZE = 25


@login_required
@require_GET
def insurance_policy_list_view(request):
    """The tech-insurance policies the user sees, by line, searchable."""
    user = request.user
    require(insurance_can_browse, user=user)
    line = request.GET.get("line") or ""
    if line not in InsuranceLine.values:
        line = ""
    search = (request.GET.get("q") or "").strip()[:64]
    rows = insurance_policy_list(user=user, line=line, search=search)
    context = page_context(request, rows, PAGE_SIZE)
    context.update(
        line=line,
        lines=InsuranceLine.choices,
        search=search,
        can_record=insurance_can_record(user=user),
        can_schemes=group_scheme_can_browse(user=user),
    )
    return render(request, "policies/insurance/policy_list.html", context)


def _form_page(request, form, *, policy=None):
    return render(request, "policies/insurance/policy_form.html", {"form": form, "policy": policy})


@login_required
@require_http_methods(["GET", "POST"])
def insurance_policy_create_view(request):
    """An insurer records a policy."""
    require(insurance_can_record, user=request.user)
    form = InsurancePolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = insurance_policy_record(
                user=request.user, data=form.cleaned_data, ip_address=client_ip_address(request)
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("保单已录入。"))
            return redirect("policies:insurance_policy_detail", pk=policy.pk)
    return _form_page(request, form)


@login_required
@require_GET
def insurance_policy_detail_view(request, pk: int):
    policy = insurance_policy_get(user=request.user, pk=pk)
    return render(
        request,
        "policies/insurance/policy_detail.html",
        {"policy": policy, "can_correct": insurance_can_record(user=request.user, obj=policy)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def insurance_policy_edit_view(request, pk: int):
    """The insurer corrects its policy."""
    policy = insurance_policy_get(user=request.user, pk=pk)
    require(insurance_can_record, user=request.user, obj=policy)
    form = InsurancePolicyForm(request.POST or None, initial=InsurancePolicyForm.initial_of(policy))
    if request.method == "POST" and form.is_valid():
        try:
            insurance_policy_correct(
                user=request.user,
                policy=policy,
                data=form.cleaned_data,
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("保单已更正。"))
            return redirect("policies:insurance_policy_detail", pk=policy.pk)
    return _form_page(request, form, policy=policy)


# --- group schemes --------------------------------------------------------------------------------


@login_required
@require_GET
def insurance_scheme_list_view(request):
    """Group schemes: officers all, an insurer its own."""
    user = request.user
    require(group_scheme_can_browse, user=user)
    context = page_context(request, group_scheme_list(user=user), PAGE_SIZE)
    context.update(can_manage=group_scheme_can_manage(user=user))
    return render(request, "policies/insurance/scheme_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def insurance_scheme_create_view(request):
    """A city officer defines a group scheme."""
    require(group_scheme_can_manage, user=request.user)
    form = GroupSchemeForm(
        request.POST or None,
        policies=group_cover_policies(),
        insurers=institution_list(user=request.user)
        .filter(kind=InstitutionKind.INSURER)
        .order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            scheme = group_scheme_create(
                user=request.user, data=form.service_data(), ip_address=client_ip_address(request)
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("统保方案已创建，请列入参保企业。"))
            return redirect("policies:insurance_scheme_detail", pk=scheme.pk)
    return render(request, "policies/insurance/scheme_form.html", {"form": form})


@login_required
@require_GET
def insurance_scheme_detail_view(request, pk: int):
    """A scheme: its terms, the budget, the list with each member's cover, and the actions
    the user may take."""
    user = request.user
    scheme = group_scheme_get(user=user, pk=pk)
    context = page_context(request, group_member_list(scheme=scheme), 100)
    can_manage = group_scheme_can_manage(user=user, obj=scheme)
    can_confirm = group_scheme_can_confirm(user=user, obj=scheme)
    context.update(
        scheme=scheme,
        budget=group_scheme_budget(scheme),
        can_list=can_manage and scheme.status == GroupSchemeStatus.DRAFT,
        can_open=can_manage and scheme.status == GroupSchemeStatus.DRAFT,
        can_confirm=can_confirm and scheme.status != GroupSchemeStatus.DRAFT,
        listed=GroupMemberStatus.LISTED,
    )
    return render(request, "policies/insurance/scheme_detail.html", context)


def _back(pk: int):
    return redirect(reverse("policies:insurance_scheme_detail", args=[pk]))


def _refusal(request, error: ApplicationError) -> None:
    if error.code == "permission_denied" or error.code == "not_found":
        raise error
    messages.error(request, "；".join([error.message, *sum(error.fields.values(), [])]))


@login_required
@require_POST
def insurance_scheme_list_insured_view(request, pk: int):
    scheme = group_scheme_get(user=request.user, pk=pk)
    try:
        listing = group_scheme_list_insured(
            user=request.user, scheme=scheme, ip_address=client_ip_address(request)
        )
    except ApplicationError as error:
        _refusal(request, error)
        return _back(pk)
    message = _("新列入 %(added)s 户，名单共 %(members)s 户，保费合计 %(total)s。") % {
        "added": listing.added,
        "members": listing.members,
        "total": format_yuan(listing.total),
    }
    if listing.over_budget:
        messages.warning(
            request,
            message
            + _(
                "符合条件的企业超出年度预算 %(budget)s，按成立时间由近及远列入，另有 %(left)s 户未列入。"
            )
            % {"budget": format_yuan(listing.budget), "left": listing.left_out},
        )
    else:
        messages.success(request, message)
    return _back(pk)


@login_required
@require_POST
def insurance_scheme_open_view(request, pk: int):
    scheme = group_scheme_get(user=request.user, pk=pk)
    try:
        group_scheme_open(user=request.user, scheme=scheme, ip_address=client_ip_address(request))
    except ApplicationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("名单已确定，已通知承保机构确认承保。"))
    return _back(pk)


@login_required
@require_POST
def insurance_scheme_confirm_view(request, pk: int):
    """The insurer confirms (``action=confirm``) or declines (``action=decline``) the ticked
    members; confirming with none ticked confirms every listed member."""
    scheme = group_scheme_get(user=request.user, pk=pk)
    ids = [v for v in request.POST.getlist("members") if v.isdigit()]
    action = request.POST.get("action", "confirm")
    try:
        if action == "decline":
            if not ids:
                raise ApplicationError.invalid({"members": [_("请勾选不予承保的企业。")]})
            count = group_scheme_decline(
                user=request.user,
                scheme=scheme,
                member_ids=ids,
                ip_address=client_ip_address(request),
            )
            messages.success(request, _("已标记 %(n)s 户未承保。") % {"n": count})
        else:
            created = group_scheme_confirm(
                user=request.user,
                scheme=scheme,
                member_ids=ids or None,
                ip_address=client_ip_address(request),
            )
            messages.success(request, _("已确认承保 %(n)s 户并生成保单。") % {"n": len(created)})
    except ApplicationError as error:
        _refusal(request, error)
    return _back(pk)
