"""Pages of policy publishing.

- Everyone, visitors included: the list of policies (published and expired; officers also
  drafts) with search and filters, and a policy's detail: its text, the conditions in
  words, the benefit standard with its caps and clause references, validity, attachments,
  categories.
- Officers who manage the policy (``policy_can_manage``): the form to draft and edit, a new
  version, publish, expire, attachments.
- Enterprise users: the categories they subscribe to.

Reads go through ``kejin.policies.selectors_policies`` (a policy outside the user's scope is
a 404), writes through ``kejin.policies.services_policies``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
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
from kejin.core.ui.moves import form_service_submit, service_move
from kejin.policies import selectors_policies as selectors
from kejin.policies import services_policies as services
from kejin.policies.benefits import CAPS
from kejin.policies.choices import (
    NO_APPLICATION_SCHEMES,
    ApplicationStep,
    PolicyAction,
    PolicyStatus,
)
from kejin.policies.forms_policies import (
    AttachmentForm,
    CommentForm,
    PolicyFilterForm,
    PolicyForm,
    SubscriptionForm,
    policy_form_initial,
)
from kejin.policies.permissions import (
    policy_can_find_enterprises,
    policy_can_manage,
    policy_can_subscribe,
)
from kejin.policies.policy_rules import (
    formula_lines,
    label_choices,
    policy_rule_describe,
    policy_rule_facts,
    tier_choices,
)
from kejin.policies.policy_workflow import (
    PolicyState,
    policy_state,
    policy_transition_allowed,
)

PAGE_SIZE = 20


def _state(view: selectors.PolicyView) -> str:
    return policy_state(status=view.policy.status, has_draft=view.draft is not None)


@require_GET
def policy_list_view(request):
    """Policies in the user's scope (visitors: published and expired), searched and filtered."""
    user = request.user
    try:
        queryset = selectors.policy_list(user=user, filters=request.GET)
    except ApplicationError as error:
        messages.error(request, " ".join(m for ms in error.fields.values() for m in ms))
        queryset = selectors.policy_list(user=user)
    context = page_context(request, queryset, PAGE_SIZE)
    context.update(
        filter_form=PolicyFilterForm(request.GET or None),
        can_manage=policy_can_manage(user=user),
        can_subscribe=policy_can_subscribe(user=user),
        query=request.GET.urlencode(),
    )
    return render(request, "policies/publishing/list.html", context)


def version_rows(view: selectors.PolicyView) -> list[dict]:
    """What the detail page shows of each version: the conditions in words, the benefit
    standard, caps, targeting and limits."""
    facts = policy_rule_facts()
    tiers, list_labels = tier_choices(), label_choices()
    steps = dict(ApplicationStep.choices)
    rows = []
    for version in view.versions:
        caps = [
            {"label": label, "amount": format_yuan(getattr(version, field))}
            for field, _key, label in CAPS
            if getattr(version, field) is not None
        ]
        rows.append(
            {
                "version": version,
                "is_live": version.pk == view.policy.live_version_id,
                "clause": policy_rule_describe(version.document, version.parameters, facts),
                "formula": formula_lines(
                    version.benefit_formula, version.parameters, version.inputs
                ),
                "caps": caps,
                "budget": format_yuan(version.budget) if version.budget is not None else "",
                "counties": [region.name for region in version.counties.all()],
                "tiers": [tiers.get(code, code) for code in version.tiers],
                "labels": [list_labels.get(code, code) for code in version.labels],
                "parameters": [
                    {"name": name, **spec} for name, spec in (version.parameters or {}).items()
                ],
                "deadlines": [
                    {"label": steps.get(step, step), "days": days}
                    for step, days in (version.deadline_days or {}).items()
                ],
            }
        )
    return rows


@require_GET
def policy_detail_view(request, pk: int):
    """One policy: its text, the live version's conditions and benefit (officers also the
    draft and every version), attachments, history and the officers' buttons."""
    user = request.user
    view = selectors.policy_view(selectors.policy_get(user=user, pk=pk))
    policy = view.policy
    state = _state(view)
    can_manage = policy_can_manage(user=user, obj=policy)
    rows = version_rows(view)
    insider = can_manage or (user.is_authenticated and (user.is_officer or user.is_platform_admin))
    if not insider:
        rows = [row for row in rows if row["is_live"]]
    context = {
        "policy": policy,
        "view": view,
        "state": state,
        "state_label": PolicyState(state).label,
        "rows": rows,
        "insider": insider,
        "events": list(policy.events.all()) if insider else [],
        "attachments": list(policy.attachments.all()),
        "categories": list(policy.categories.all()),
        "can_edit": can_manage and policy_transition_allowed(PolicyAction.EDIT, state),
        "can_revise": can_manage and policy_transition_allowed(PolicyAction.REVISE, state),
        "can_publish": can_manage and policy_transition_allowed(PolicyAction.PUBLISH, state),
        "can_expire": can_manage and policy_transition_allowed(PolicyAction.EXPIRE, state),
        "can_attach": can_manage and state != PolicyState.EXPIRED,
        "can_apply": (
            policy_can_subscribe(user=user)
            and view.live is not None
            and policy.status == PolicyStatus.PUBLISHED
            and policy.scheme not in NO_APPLICATION_SCHEMES
        ),
        "can_check": policy_can_subscribe(user=user) and view.live is not None,
        "can_find": policy_can_find_enterprises(user=user, obj=policy) and view.live is not None,
        "can_simulate": can_manage,
        "comment_form": CommentForm(),
        "attachment_form": AttachmentForm(),
    }
    return render(request, "policies/publishing/detail.html", context)


def _form_page(request, form, *, policy=None):
    return render(request, "policies/publishing/form.html", {"form": form, "policy": policy})


@login_required
@require_http_methods(["GET", "POST"])
def policy_create_view(request):
    """Draft a new policy (officers)."""
    user = request.user
    require(policy_can_manage, user=user)
    initial = {"region": user.county_id} if user.is_county_officer else None
    form = PolicyForm(request.POST or None, initial=initial)
    response = form_service_submit(
        request,
        form,
        lambda: services.policy_create(
            actor=user, data=form.service_data(), ip_address=client_ip_address(request)
        ),
        done=_("政策草稿已保存。确认无误后请发布。"),
        url=lambda policy: reverse("policies:policy_detail", args=[policy.pk]),
    )
    return response or _form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit_view(request, pk: int):
    """Edit the draft (a first draft, or a new version of a published policy)."""
    user = request.user
    view = selectors.policy_view(selectors.policy_get(user=user, pk=pk))
    policy = view.policy
    require(policy_can_manage, user=user, obj=policy)
    published = policy.published_at is not None
    form = PolicyForm(
        request.POST or None,
        initial=policy_form_initial(policy, view.current),
        published=published,
    )
    response = form_service_submit(
        request,
        form,
        lambda: services.policy_update(
            actor=user,
            policy=policy,
            data=form.service_data(),
            ip_address=client_ip_address(request),
        ),
        done=_("修改已保存为草稿。确认无误后请发布。"),
        url=lambda _result: reverse("policies:policy_detail", args=[policy.pk]),
    )
    return response or _form_page(request, form, policy=policy)


def _move(request, pk: int, service, done: str):
    """A one-button move of a policy (publish, expire) with the officer's comment."""
    user = request.user
    policy = selectors.policy_get(user=user, pk=pk)
    return service_move(
        request,
        lambda: service(
            actor=user,
            policy=policy,
            comment=request.POST.get("comment", ""),
            ip_address=client_ip_address(request),
        ),
        done=done,
        url=reverse("policies:policy_detail", args=[pk]),
    )


@login_required
@require_POST
def policy_revise_view(request, pk: int):
    """Draft a new version of a published policy, then edit it."""
    user = request.user
    policy = selectors.policy_get(user=user, pk=pk)
    try:
        services.policy_revise(actor=user, policy=policy, ip_address=client_ip_address(request))
    except ApplicationError as error:
        if error.status != 409:
            raise
        messages.error(request, error.message)
        return redirect("policies:policy_detail", pk=pk)
    messages.success(request, _("已起草新版本，在用版本保持不变，新版本发布后替换。"))
    return redirect("policies:policy_edit", pk=pk)


@login_required
@require_POST
def policy_publish_view(request, pk: int):
    return _move(
        request, pk, services.policy_publish, _("政策已发布，订阅和符合条件的企业将收到通知。")
    )


@login_required
@require_POST
def policy_expire_view(request, pk: int):
    return _move(request, pk, services.policy_expire, _("政策已失效。"))


@login_required
@require_POST
def policy_attachments_view(request, pk: int):
    """Upload attachments to a policy (officers who manage it)."""
    user = request.user
    policy = selectors.policy_get(user=user, pk=pk)
    require(policy_can_manage, user=user, obj=policy)
    form = AttachmentForm(request.POST, request.FILES)
    files = form.cleaned_data["attachments"] if form.is_valid() else []
    try:
        rows = services.policy_attachments_add(
            actor=user, policy=policy, files=files, ip_address=client_ip_address(request)
        )
    except ApplicationError as error:
        if error.status not in (400, 409):
            raise
        messages.error(
            request, " ".join([m for ms in error.fields.values() for m in ms] or [error.message])
        )
    else:
        messages.success(request, _("已上传 %(count)s 个附件。") % {"count": len(rows)})
    return redirect("policies:policy_detail", pk=pk)


@require_GET
def policy_attachment_view(request, pk: int, attachment_id: int):
    """An attachment: to everyone for a published or expired policy, officers for drafts."""
    attachment = selectors.policy_attachment_get(user=request.user, policy_id=pk, pk=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_subscriptions_view(request):
    """The categories the user's enterprise subscribes to (enterprise users)."""
    user = request.user
    require(policy_can_subscribe, user=user)
    current = selectors.policy_subscription_codes(user=user)
    form = SubscriptionForm(request.POST or None, initial={"categories": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_subscriptions_set(
                actor=user,
                categories=form.cleaned_data["categories"],
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("订阅已保存。"))
            return redirect("policies:subscriptions")
    return render(
        request,
        "policies/publishing/subscriptions.html",
        {
            "form": form,
            "current": [c.name for c in selectors.policy_categories() if c.code in set(current)],
        },
    )
