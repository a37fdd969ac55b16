"""Pages of the enterprise directory (企业名录): list (with search, filters and an xlsx export), detail,
the enterprise user's own record, and the create and edit forms.

Every read goes through ``kejin.enterprises.selectors`` (scoped to the acting user) and every
write through ``kejin.enterprises.services``. An ApplicationError raised here becomes a page
with its message (``not_found`` a 404) in ``kejin.core.middleware``.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.permissions import audit_event_can_browse, require
from kejin.core.selectors import audit_event_list
from kejin.core.ui.audit import audit_rows
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import list_page_response, xlsx_formatted, xlsx_response, xlsx_text
from kejin.enterprises.forms import EnterpriseForm, enterprise_filter_form
from kejin.enterprises.models import Enterprise
from kejin.enterprises.permissions import enterprise_can_browse
from kejin.enterprises.selectors import (
    enterprise_editable_fields,
    enterprise_get,
    enterprise_list,
)
from kejin.enterprises.services import (
    enterprise_create,
    enterprise_refuse_fields,
    enterprise_update,
)

PAGE_SIZE = 25
# The directory counts its rows up to here and then says "more than 10,000" (a full count of a
# broad search visits every matching row of a million-row list on every page view).
COUNT_LIMIT = 10_000
RESULTS_ID = "enterprise-results"

# Sortable columns: EnterpriseFilterSet's ordering key → column label.
SORTABLE_COLUMNS = {
    "name": gettext_lazy("企业名称"),
    "founded_on": gettext_lazy("成立日期"),
    "registered_capital": gettext_lazy("注册资本"),
}


def _require_directory_reader(user) -> None:
    """The directory (企业名录) and its export are for city and county officers and platform admins."""
    require(enterprise_can_browse, user=user)


@login_required
@require_GET
def enterprise_list_view(request):
    """The directory: search, filter, sort and page through the enterprises the user may see."""
    _require_directory_reader(request.user)
    enterprises = enterprise_list(user=request.user, filters=request.GET)
    if enterprises.query.order_by:
        # A stable order, so that a page never repeats or skips a row of ties.
        enterprises = enterprises.order_by(*enterprises.query.order_by, "pk")
    list_url = reverse("enterprises:list")

    def full_page_context() -> dict:
        return {
            "filter_form": enterprise_filter_form(
                user=request.user, data=request.GET, queryset=enterprises, refresh_url=list_url
            ),
            "can_create": bool(enterprise_editable_fields(user=request.user, enterprise=None)),
        }

    return list_page_response(
        request,
        queryset=enterprises,
        page_size=PAGE_SIZE,
        ordering=request.GET.get("ordering", ""),
        sort_columns=SORTABLE_COLUMNS,
        list_url=list_url,
        results_id=RESULTS_ID,
        results_template="enterprises/_enterprise_results.html",
        page_template="enterprises/enterprise_list.html",
        full_page_context=full_page_context,
        context={"count_limit": f"{COUNT_LIMIT:,}"},  # grouped by thousands, as amounts are
        count_limit=COUNT_LIMIT,
        count_source=enterprise_list(user=request.user, filters=request.GET, for_count=True),
    )


EXPORT_COLUMNS = [
    gettext_lazy("统一社会信用代码"),
    gettext_lazy("企业名称"),
    gettext_lazy("所在县(市、区)"),
    gettext_lazy("所在功能区"),
    gettext_lazy("行业代码"),
    gettext_lazy("行业名称"),
    gettext_lazy("成立日期"),
    gettext_lazy("企业规模"),
    gettext_lazy("注册资本(元)"),
    gettext_lazy("法定代表人"),
    gettext_lazy("住所"),
    gettext_lazy("联系电话"),
]


def _export_row(sheet, enterprise: Enterprise) -> list:
    return [
        xlsx_text(sheet, enterprise.uscc),
        xlsx_text(sheet, enterprise.name),
        xlsx_text(sheet, enterprise.county.name),
        xlsx_text(sheet, enterprise.zone.name if enterprise.zone is not None else ""),
        xlsx_text(sheet, enterprise.industry.code),
        xlsx_text(sheet, enterprise.industry.name),
        xlsx_formatted(sheet, enterprise.founded_on, "yyyy-mm-dd"),
        xlsx_text(sheet, enterprise.get_size_display()),
        xlsx_formatted(sheet, enterprise.registered_capital, "#,##0.00"),
        xlsx_text(sheet, enterprise.legal_representative),
        xlsx_text(sheet, enterprise.address),
        xlsx_text(sheet, enterprise.contact_phone),
    ]


@login_required
@require_GET
def enterprise_export_view(request):
    """The filtered list as an xlsx workbook (capital in 元, as numbers), same scoping as the list."""
    _require_directory_reader(request.user)
    enterprises = enterprise_list(user=request.user, filters=request.GET)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("企业名录"))
    sheet.append([str(label) for label in EXPORT_COLUMNS])
    for enterprise in enterprises.iterator(chunk_size=2000):
        sheet.append(_export_row(sheet, enterprise))
    filename = _("企业名录-%(date)s.xlsx") % {"date": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(workbook, filename)


AUDIT_EVENTS_SHOWN = 10


@login_required
@require_GET
def enterprise_detail_view(request, pk: int):
    """One enterprise's profile (404 if the user may not see it)."""
    enterprise = enterprise_get(user=request.user, pk=pk)
    context = {
        "enterprise": enterprise,
        "can_edit": bool(enterprise_editable_fields(user=request.user, enterprise=enterprise)),
        "audit_filters": None,
    }
    if audit_event_can_browse(user=request.user):
        # The trail is shown to those who may browse the whole trail (audit_event_list).
        filters = {"object_type": Enterprise._meta.label_lower, "object_id": str(enterprise.pk)}
        events = audit_event_list(user=request.user, filters=filters)[:AUDIT_EVENTS_SHOWN]
        context["audit_events"] = audit_rows(events)
        context["audit_filters"] = filters
    return render(request, "enterprises/enterprise_detail.html", context)


@login_required
@require_GET
def enterprise_mine_view(request):
    """An enterprise user's own record."""
    if not request.user.enterprise_id:
        raise Http404(_("您的账号未关联企业。"))
    return redirect("enterprises:detail", pk=request.user.enterprise_id)


def _form_data(form: EnterpriseForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields}


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create_view(request):
    """Register a new enterprise (officers in their scope, platform admins)."""
    editable = enterprise_editable_fields(user=request.user, enterprise=None)
    if not editable:
        raise ApplicationError.permission_denied(_("您无权登记企业。"))
    initial = {"county": request.user.county_id} if request.user.is_county_officer else {}
    form = EnterpriseForm(
        request.POST or None, user=request.user, editable_fields=editable, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = enterprise_create(
                actor=request.user,
                data=_form_data(form),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("企业“%(name)s”已登记。") % {"name": enterprise.name})
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": None})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit_view(request, pk: int):
    """Edit an enterprise's record: only the fields the user may change are shown."""
    enterprise = enterprise_get(user=request.user, pk=pk)
    editable = enterprise_editable_fields(user=request.user, enterprise=enterprise)
    if not editable:
        raise ApplicationError.permission_denied(_("您无权修改该企业的信息。"))
    if request.method == "POST":
        enterprise_refuse_fields(user=request.user, enterprise=enterprise, submitted=request.POST)
    # The form works on its own copy, so a rejected value never shows up as the page's title.
    form = EnterpriseForm(
        request.POST or None,
        user=request.user,
        editable_fields=editable,
        instance=copy.copy(enterprise),
    )
    if request.method == "POST" and form.is_valid():
        try:
            enterprise_update(
                actor=request.user,
                enterprise=enterprise,
                data=_form_data(form),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("企业信息已保存。"))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise}
    )
