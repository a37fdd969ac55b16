"""Pages of financial products and of the leads an institution follows up.

- Everyone signed in: the list of products (published ones; an institution's own in every
  state; officers all) with filters by type, institution, county and status, and a product's
  detail: its terms, the rule in words, the version history and the product's history.
- Institution users: the form to draft and edit, submit, withdraw; their leads inbox.
- City officers: the review queue, approve or return with comments.

Reads go through ``kejin.financing.selectors_products`` (a product outside the user's scope
is a 404), writes through ``kejin.financing.services_products``.
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
from kejin.core.permissions import require
from kejin.core.ui.lists import page_context
from kejin.core.ui.moves import form_service_submit, service_move
from kejin.financing import selectors_products as selectors
from kejin.financing import services_products as services
from kejin.financing.choices import PREMIUM_PRICED, CollateralKind, LeadStatus, ProductAction
from kejin.financing.forms_products import (
    LeadMarkForm,
    ProductFilterForm,
    ProductForm,
    ReviewForm,
    product_form_initial,
)
from kejin.financing.permissions import (
    lead_can_follow_up,
    product_can_create,
    product_can_edit,
    product_can_review,
)
from kejin.financing.product_rules import (
    label_choices,
    product_rule_describe,
    product_rule_facts,
    tier_choices,
)
from kejin.financing.product_workflow import (
    ProductState,
    product_state,
    product_transition_allowed,
)
from kejin.institutions.selectors import institution_list

PAGE_SIZE = 25


def _state(view: selectors.ProductView) -> str:
    return product_state(
        status=view.product.status, pending_review=view.pending.review if view.pending else None
    )


@login_required
@require_GET
def product_list_view(request):
    """Products in the user's scope, filtered."""
    user = request.user
    queryset = selectors.product_list(user=user, filters=request.GET)
    institutions = institution_list(user=user).order_by("name").values_list("pk", "name")
    context = page_context(request, queryset, PAGE_SIZE)
    context.update(
        filter_form=ProductFilterForm(request.GET or None, institutions=list(institutions)),
        can_create=product_can_create(user=user),
        can_review=product_can_review(user=user),
        premium_types=[str(t) for t in PREMIUM_PRICED],
        query=request.GET.urlencode(),
    )
    return render(request, "financing/products/list.html", context)


def _version_rows(view: selectors.ProductView, labels) -> list[dict]:
    tiers, list_labels = tier_choices(), label_choices()
    collateral = dict(CollateralKind.choices)
    return [
        {
            "version": version,
            "is_live": version.pk == view.product.live_version_id,
            "clause": product_rule_describe(version.document, labels),
            "counties": [region.name for region in version.counties.all()],
            "tiers": [tiers.get(code, code) for code in version.tiers],
            "labels": [list_labels.get(code, code) for code in version.labels],
            "collateral": [collateral.get(code, code) for code in version.collateral_kinds],
        }
        for version in view.versions
    ]


@login_required
@require_GET
def product_detail_view(request, pk: int):
    """One product: its terms on the market and pending, the rule in words, its versions and
    its history."""
    user = request.user
    view = selectors.product_view(selectors.product_get(user=user, pk=pk))
    product = view.product
    state = _state(view)
    can_edit = product_can_edit(user=user, obj=product)
    can_review = product_can_review(user=user, obj=product)
    rows = _version_rows(view, product_rule_facts())
    # Who may edit sees every version; the others see what is on the market.
    if not (can_edit or user.is_officer or user.is_platform_admin):
        rows = [row for row in rows if row["is_live"]]
    context = {
        "product": product,
        "view": view,
        "state": state,
        "state_label": ProductState(state).label,
        "rows": rows,
        "events": list(product.events.all()),
        "premium": product.product_type in PREMIUM_PRICED,
        "can_edit": can_edit and product_transition_allowed(ProductAction.EDIT, state),
        "can_submit": can_edit and product_transition_allowed(ProductAction.SUBMIT, state),
        "can_withdraw": can_edit and product_transition_allowed(ProductAction.WITHDRAW, state),
        "can_review": can_review and product_transition_allowed(ProductAction.APPROVE, state),
        "review_form": ReviewForm(),
    }
    return render(request, "financing/products/detail.html", context)


def _form_page(request, form, *, product=None):
    return render(request, "financing/products/form.html", {"form": form, "product": product})


@login_required
@require_http_methods(["GET", "POST"])
def product_create_view(request):
    """Draft a new product (institution users)."""
    user = request.user
    require(product_can_create, user=user)
    form = ProductForm(request.POST or None)
    response = form_service_submit(
        request,
        form,
        lambda: services.product_create(
            actor=user, data=form.service_data(), ip_address=client_ip_address(request)
        ),
        done=_("产品草稿已保存。确认无误后请提交审核。"),
        url=lambda product: reverse("financing:product_detail", args=[product.pk]),
    )
    return response or _form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit_view(request, pk: int):
    """Edit the draft, or draft a new version of a published product (its institution)."""
    user = request.user
    view = selectors.product_view(selectors.product_get(user=user, pk=pk))
    product = view.product
    require(product_can_edit, user=user, obj=product)
    published = product.published_at is not None
    initial = product_form_initial(product, view.current)
    form = ProductForm(request.POST or None, initial=initial, published=published)
    response = form_service_submit(
        request,
        form,
        lambda: services.product_update(
            actor=user,
            product=product,
            data=form.service_data(),
            ip_address=client_ip_address(request),
        ),
        done=_("修改已保存为草稿。确认无误后请提交审核。"),
        url=lambda _result: reverse("financing:product_detail", args=[product.pk]),
    )
    return response or _form_page(request, form, product=product)


def _move(request, pk: int, move, done: str):
    user = request.user
    product = selectors.product_get(user=user, pk=pk)
    return service_move(
        request,
        lambda: move(product),
        done=done,
        url=reverse("financing:product_detail", args=[pk]),
    )


@login_required
@require_POST
def product_submit_view(request, pk: int):
    return _move(
        request,
        pk,
        lambda product: services.product_submit(
            actor=request.user, product=product, ip_address=client_ip_address(request)
        ),
        _("已提交审核。"),
    )


@login_required
@require_POST
def product_withdraw_view(request, pk: int):
    return _move(
        request,
        pk,
        lambda product: services.product_withdraw(
            actor=request.user,
            product=product,
            comment=request.POST.get("comment", ""),
            ip_address=client_ip_address(request),
        ),
        _("产品已下架。"),
    )


@login_required
@require_POST
def product_approve_view(request, pk: int):
    return _move(
        request,
        pk,
        lambda product: services.product_approve(
            actor=request.user,
            product=product,
            comment=request.POST.get("comment", ""),
            ip_address=client_ip_address(request),
        ),
        _("已审核通过，产品已发布。"),
    )


@login_required
@require_POST
def product_return_view(request, pk: int):
    return _move(
        request,
        pk,
        lambda product: services.product_return(
            actor=request.user,
            product=product,
            comment=request.POST.get("comment", ""),
            ip_address=client_ip_address(request),
        ),
        _("已退回修改。"),
    )


@login_required
@require_GET
def product_review_queue_view(request):
    """Versions waiting for review, oldest first (city officers)."""
    queryset = selectors.product_review_queue(user=request.user)
    context = page_context(request, queryset, PAGE_SIZE)
    return render(request, "financing/products/review_queue.html", context)


# --- leads --------------------------------------------------------------------------------


@login_required
@require_GET
def lead_list_view(request):
    """The leads pushed to the user's institution (officers: those in their scope)."""
    user = request.user
    queryset = selectors.lead_list(user=user, filters=request.GET)
    context = page_context(request, queryset, PAGE_SIZE)
    context.update(
        statuses=[("", _("全部")), *LeadStatus.choices],
        status=request.GET.get("status", ""),
        can_follow_up=lead_can_follow_up(user=user),
        list_url=reverse("financing:lead_list"),
    )
    return render(request, "financing/leads/list.html", context)


@login_required
@require_POST
def lead_mark_view(request, pk: int):
    """Mark a lead contacted or declined."""
    user = request.user
    lead = selectors.lead_get(user=user, pk=pk)
    form = LeadMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("只能标记为“已联系”或“不跟进”。"))
        return redirect("financing:lead_list")
    try:
        services.lead_mark(
            actor=user,
            lead=lead,
            status=form.cleaned_data["status"],
            ip_address=client_ip_address(request),
        )
    except ApplicationError as error:
        if error.status != 409:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("线索状态已更新。"))
    return redirect("financing:lead_list")
