"""The public credit pages (信用信息公示): no sign-in needed. Search enterprises by name or
credit code, and see an enterprise's public records within their disclosure period.

Everything comes from ``kejin.credit.disclosure``; restricted categories never appear here.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kejin.credit.disclosure import (
    PUBLIC_SEARCH_LIMIT,
    public_credit_records,
    public_enterprise_get,
    public_enterprise_search,
)
from kejin.credit.forms_reports import PublicSearchForm


@require_GET
def public_search_view(request):
    """Search by enterprise name or unified social credit code."""
    form = PublicSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    results = list(public_enterprise_search(text=text)) if text else []
    context = {"form": form, "text": text, "results": results, "limit": PUBLIC_SEARCH_LIMIT}
    return render(request, "credit/public_search.html", context)


@require_GET
def public_enterprise_view(request, uscc: str):
    """One enterprise's public credit page."""
    enterprise = public_enterprise_get(uscc=uscc)
    if enterprise is None:
        raise Http404
    context = {"enterprise": enterprise, "sections": public_credit_records(enterprise=enterprise)}
    return render(request, "credit/public_enterprise.html", context)
