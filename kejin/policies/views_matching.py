"""Pages of matching and impact simulation: "policies I qualify for", one policy's check,
the enterprises that qualify (paged, exported as CSV) and a version's simulation.

Reads through ``kejin.policies.selectors_matching`` (a policy or version the user may not
see is a 404); the export's audit row through ``kejin.policies.services_matching``.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.policies import selectors_matching as selectors
from kejin.policies.matching import status_label
from kejin.policies.services_matching import policy_qualifying_export

QUALIFYING_PAGE_SIZE = 50


@login_required
@require_GET
def policies_for_me_view(request):
    """ "Policies I qualify for": eligible ones with reasons, near misses with gaps."""
    result = selectors.policies_for_me(user=request.user)
    return render(request, "policies/matching/for_me.html", {"result": result})


@login_required
@require_GET
def policy_check_view(request, pk: int):
    """Which of a policy's conditions the signed-in enterprise meets and which it misses
    (a fragment for HTMX requests, a page otherwise)."""
    policy, match = selectors.policy_check(user=request.user, pk=pk)
    template = (
        "policies/matching/_check.html"
        if request.headers.get("HX-Request")
        else "policies/matching/check.html"
    )
    context = {"policy": policy, "match": match, "status_label": status_label(match.status)}
    return render(request, template, context)


@login_required
@require_GET
def policy_qualifying_view(request, pk: int):
    """The enterprises that qualify for a policy, paged, with county and growth stage."""
    result = selectors.policy_qualifying(user=request.user, pk=pk)
    paginator = Paginator(result.ids, QUALIFYING_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "policy": result.policy,
        "result": result,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "ellipsis": Paginator.ELLIPSIS,
        "rows": result.rows(list(page.object_list)),
        "list_url": reverse("policies:policy_qualifying", args=[pk]),
    }
    return render(request, "policies/matching/qualifying.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def policy_qualifying_csv_view(request, pk: int):
    """The enterprises that qualify as CSV (UTF-8 with BOM, for Excel); audited."""
    result = policy_qualifying_export(
        user=request.user, pk=pk, ip_address=client_ip_address(request)
    )
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"
        yield writer.writerow(
            [_("统一社会信用代码"), _("企业名称"), _("所在县(市、区)"), _("成长阶段")]
        )
        for start in range(0, result.count, 1000):
            for row in result.rows(result.ids[start : start + 1000]):
                yield writer.writerow([row.uscc, row.name, row.county, row.tier])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="policy-{pk}-qualifying.csv"'
    return response


@login_required
@require_GET
def version_simulate_view(request, pk: int):
    """A version's impact beside the live version; the form changes one parameter."""
    parameter = request.GET.get("parameter") or None
    value = request.GET.get("value")
    errors: dict[str, list[str]] = {}
    try:
        version, result = selectors.version_simulation(
            user=request.user, pk=pk, parameter=parameter, value=value
        )
    except ApplicationError as error:
        if error.status != 400:
            raise
        errors = error.fields
        version, result = selectors.version_simulation(user=request.user, pk=pk)
    changed = None
    if parameter and not errors:
        spec = (version.parameters or {}).get(parameter)
        spec = spec if isinstance(spec, dict) else {"value": spec}
        changed = {"label": spec.get("label") or parameter, "old": spec.get("value"), "new": value}
    context = {
        "version": version,
        "policy": version.policy,
        "changed": changed,
        "result": result,
        "parameters": sorted((version.parameters or {}).items()),
        "parameter": parameter or "",
        "value": value or "",
        "errors": errors,
    }
    return render(request, "policies/matching/simulate.html", context)
