"""Pages of matching: a demand's matches, "products for me", the enterprises that fit a
product (paged, exported as CSV, pushed as leads by officers) and the leads.

Reads through ``kejin.financing.selectors_matching`` (a demand or product the user may not
see is a 404), writes through ``kejin.financing.services_leads``. The ``_matches.html``
partial is what the demand detail page includes (context: ``result``).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.financing import selectors_matching as selectors
from kejin.financing.permissions import lead_can_push
from kejin.financing.services_leads import lead_push

FIT_PAGE_SIZE = 50


@login_required
@require_GET
def demand_matches_view(request, pk: int):
    """A demand's ranked products with why each matches, and the near misses."""
    demand = selectors.demand_get(user=request.user, pk=pk)
    result = selectors.demand_matches(user=request.user, demand=demand)
    template = (
        "financing/_matches.html"
        if request.headers.get("HX-Request")
        else "financing/demand_matches.html"
    )
    return render(request, template, {"demand": demand, "result": result})


@login_required
@require_GET
def products_for_me_view(request):
    """ "Products for me": what the enterprise is eligible for without posting a demand."""
    result = selectors.products_for_me(user=request.user)
    return render(request, "financing/products_for_me.html", {"result": result})


@login_required
@require_GET
def product_fit_view(request, pk: int):
    """The enterprises that fit a product, paged, with the push form for officers."""
    fit = selectors.product_fit_enterprises(user=request.user, pk=pk)
    paginator = Paginator(fit.ids, FIT_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "product": fit.product,
        "fit": fit,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "ellipsis": Paginator.ELLIPSIS,
        "enterprises": list(fit.enterprises(list(page.object_list))),
        "list_url": reverse("financing:product_fit", args=[pk]),
        "can_push": lead_can_push(user=request.user, obj=fit.product),
    }
    return render(request, "financing/product_fit.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def product_fit_csv_view(request, pk: int):
    """The enterprises that fit a product as CSV (UTF-8 with BOM, for Excel)."""
    fit = selectors.product_fit_enterprises(user=request.user, pk=pk)
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"
        yield writer.writerow(
            [_("统一社会信用代码"), _("企业名称"), _("所在县(市、区)"), _("所属行业")]
        )
        for start in range(0, fit.count, 1000):
            for enterprise in fit.enterprises(fit.ids[start : start + 1000]):
                yield writer.writerow(
                    [
                        enterprise.uscc,
                        enterprise.name,
                        enterprise.county.name,
                        enterprise.industry.name if enterprise.industry_id else "",
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="product-{pk}-enterprises.csv"'
    return response


@login_required
@require_POST
def lead_push_view(request, pk: int):
    """Officers push the selected enterprises to the product's institution."""
    ids = []
    for raw in request.POST.getlist("enterprise_ids"):
        if raw.isdigit():
            ids.append(int(raw))
    try:
        result = lead_push(
            product_id=pk,
            enterprise_ids=ids,
            acting_user=request.user,
            note=request.POST.get("note", "")[:500],
            ip_address=client_ip_address(request),
        )
    except ApplicationError as error:
        if error.status != 400:
            raise
        for field_messages in error.fields.values():
            for message in field_messages:
                messages.error(request, message)
        return redirect("financing:product_fit", pk=pk)
    messages.success(
        request,
        _("已推送%(created)s家企业；%(already)s家此前已推送。")
        % {"created": len(result.created), "already": result.already},
    )
    return redirect("financing:product_fit", pk=pk)
