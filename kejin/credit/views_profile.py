"""The credit profile page (信用档案): an enterprise's records by category, indicators, score,
grade with reasons in words, and score history. For the enterprise itself and officers;
others get a 404 (institutions read consented reports instead)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kejin.credit.scoring import selectors


@login_required
@require_GET
def credit_profile_view(request, enterprise_id: int):
    profile = selectors.credit_profile(user=request.user, enterprise_id=enterprise_id)
    history = profile.history
    chart = {
        "kind": "line",
        "series": "信用评分",
        "categories": [h.computed_at.strftime("%Y-%m-%d") for h in history],
        "values": [None if h.score is None else float(h.score) for h in history],
    }
    context = {"profile": profile, "chart": chart, "history": list(reversed(history))}
    return render(request, "credit/profile.html", context)
