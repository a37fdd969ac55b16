"""Pages of the institution directory: list (search, filters), detail with parent and branches,
and the create and edit forms.

Reads go through ``kejin.institutions.selectors``, writes through
``kejin.institutions.services``; an ApplicationError becomes a page with its message
(``not_found`` a 404) in ``kejin.core.middleware``.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.db.models.expressions import OrderBy
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import list_page_response
from kejin.institutions.forms import InstitutionForm, institution_filter_form
from kejin.institutions.selectors import (
    institution_editable_fields,
    institution_get,
    institution_list,
)
from kejin.institutions.services import institution_create, institution_update

PAGE_SIZE = 25
RESULTS_ID = "institution-results"

# Sortable columns: ordering key → (column label, order_by fields).
SORTABLE_COLUMNS = {
    "name": (gettext_lazy("机构名称"), ("name",)),
    "kind": (gettext_lazy("机构类型"), ("kind", "name")),
    "registered_capital": (gettext_lazy("注册资本"), ("registered_capital", "name")),
}


def _ordering(value: str) -> tuple[str, list[OrderBy]]:
    """The requested sort order if it names a sortable column (else the default), and its
    ``order_by`` terms, ending with the primary key so that pages never overlap. Blank
    capitals sort last either way, on SQLite and PostgreSQL alike."""
    key = value.removeprefix("-")
    if key not in SORTABLE_COLUMNS:
        return "", [F("name").asc(), F("pk").asc()]
    descending = value.startswith("-")
    terms = [
        F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
        for field in (*SORTABLE_COLUMNS[key][1], "pk")
    ]
    return value, terms


@login_required
@require_GET
def institution_list_view(request):
    """The directory of financial institutions, for every signed-in user."""
    ordering, order_by = _ordering(request.GET.get("ordering", ""))
    institutions = institution_list(user=request.user, filters=request.GET).order_by(*order_by)
    list_url = reverse("institutions:list")

    def full_page_context() -> dict:
        return {
            "filter_form": institution_filter_form(
                data=request.GET, queryset=institutions, refresh_url=list_url
            ),
            "can_create": bool(institution_editable_fields(user=request.user, institution=None)),
        }

    return list_page_response(
        request,
        queryset=institutions,
        page_size=PAGE_SIZE,
        ordering=ordering,
        sort_columns={key: label for key, (label, _fields) in SORTABLE_COLUMNS.items()},
        list_url=list_url,
        results_id=RESULTS_ID,
        results_template="institutions/_institution_results.html",
        page_template="institutions/institution_list.html",
        full_page_context=full_page_context,
    )


@login_required
@require_GET
def institution_detail_view(request, pk: int):
    """One institution with its parent and its branches."""
    institution = institution_get(user=request.user, pk=pk)
    branches = institution_list(user=request.user, filters={"parent": str(institution.pk)})
    context = {
        "institution": institution,
        "branches": branches.order_by("name", "pk"),
        "can_edit": bool(institution_editable_fields(user=request.user, institution=institution)),
    }
    return render(request, "institutions/institution_detail.html", context)


def _form_data(form: InstitutionForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields}


@login_required
@require_http_methods(["GET", "POST"])
def institution_create_view(request):
    """Add an institution to the directory (city officers and platform admins)."""
    editable = institution_editable_fields(user=request.user, institution=None)
    if not editable:
        raise ApplicationError.permission_denied(_("您无权登记金融机构。"))
    form = InstitutionForm(request.POST or None, user=request.user, editable_fields=editable)
    if request.method == "POST" and form.is_valid():
        try:
            institution = institution_create(
                actor=request.user,
                data=_form_data(form),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("金融机构“%(name)s”已登记。") % {"name": institution.name})
            return redirect("institutions:detail", pk=institution.pk)
    return render(
        request, "institutions/institution_form.html", {"form": form, "institution": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def institution_edit_view(request, pk: int):
    """Edit an institution's record: only the fields the user may change are shown."""
    institution = institution_get(user=request.user, pk=pk)
    editable = institution_editable_fields(user=request.user, institution=institution)
    if not editable:
        raise ApplicationError.permission_denied(_("您无权修改该金融机构的信息。"))
    # The form works on its own copy, so a rejected value never shows up as the page's title.
    form = InstitutionForm(
        request.POST or None,
        user=request.user,
        editable_fields=editable,
        instance=copy.copy(institution),
    )
    if request.method == "POST" and form.is_valid():
        try:
            institution_update(
                actor=request.user,
                institution=institution,
                data=_form_data(form),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("金融机构信息已保存。"))
            return redirect("institutions:detail", pk=institution.pk)
    return render(
        request, "institutions/institution_form.html", {"form": form, "institution": institution}
    )
