"""Pages of the tech-enterprise list (名单库): the list with its counts, filters and xlsx
export; an enterprise's list panel (membership, stage, labels, history); overrides; the
re-evaluation runs. The stages' and labels' rule pages are ``kejin.registry.rule_pages``.

Reads go through ``kejin.registry.selectors`` (scoped to the acting user), writes
through ``kejin.registry.services``. An ApplicationError raised here becomes a
page with its message (``not_found`` a 404) in ``kejin.core.middleware``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import (
    list_page_response,
    page_context,
    xlsx_formatted,
    xlsx_response,
    xlsx_text,
)
from kejin.enterprises.recognition import rulesets
from kejin.registry import permissions, selectors, services
from kejin.registry.choices import OverrideKind, RegistryEventKind
from kejin.registry.forms import (
    LiftForm,
    OverrideForm,
    RunStartForm,
    registry_filter_form,
)

PAGE_SIZE = 25
EVENTS_PAGE_SIZE = 50
RESULTS_ID = "registry-results"
FILTER_FORM_ID = "registry-filter"

# Sortable columns: EnterpriseFilterSet's ordering key → column label.
SORTABLE_COLUMNS = {
    "name": gettext_lazy("企业名称"),
    "stage": gettext_lazy("成长阶段"),
    "since": gettext_lazy("入库日期"),
}
# Run summaries count recognition results too; they are not list events.
SUMMARY_LABELS = {
    **dict(RegistryEventKind.choices),
    "recognition_changed": gettext_lazy("认定结果变化"),
}


def _recognition_columns() -> list[dict]:
    """One column per recognition rule set, in a fixed order."""
    return [
        {"id": ruleset.id, "title": ruleset.title, "scored": bool(ruleset.components)}
        for ruleset in rulesets()
    ]


def _row(enterprise, columns: list[dict]) -> dict:
    """An enterprise with its entry, labels and its result for each recognition column."""
    entry = selectors.registry_entry_of(enterprise)
    results = {result.ruleset: result for result in enterprise.recognitions.all()}
    return {
        "enterprise": enterprise,
        "entry": entry,
        "labels": list(entry.labels.all()) if entry else [],
        "recognitions": [results.get(column["id"]) for column in columns],
    }


# --- the list -----------------------------------------------------------------------------


@login_required
@require_GET
def registry_list_view(request):
    """The list: the enterprises on it in the user's scope with stage, labels and since date;
    counts by stage and label; search, filters, sort, pages and export."""
    user = request.user
    enterprises = selectors.registry_entry_list(user=user, filters=request.GET)
    if enterprises.query.order_by:
        # A stable order, so that a page never repeats or skips a row of ties.
        enterprises = enterprises.order_by(*enterprises.query.order_by, "pk")
    columns = _recognition_columns()
    list_url = reverse("registry:list")

    def full_page_context() -> dict:
        return {
            "filter_form": registry_filter_form(
                user=user,
                data=selectors.registry_filter_data(request.GET),
                queryset=enterprises,
                refresh_url=list_url,
            ),
            "counts": selectors.registry_counts(user=user),
            "can_run": permissions.registry_can_run(user=user),
        }

    return list_page_response(
        request,
        queryset=enterprises,
        page_size=PAGE_SIZE,
        ordering=request.GET.get("ordering", ""),
        sort_columns=SORTABLE_COLUMNS,
        list_url=list_url,
        results_id=RESULTS_ID,
        results_template="registry/_entry_results.html",
        page_template="registry/registry_list.html",
        context={"filter_form_id": FILTER_FORM_ID, "columns": columns},
        page_rows=lambda objects: [_row(enterprise, columns) for enterprise in objects],
        full_page_context=full_page_context,
    )


@login_required
@require_GET
def registry_export_view(request):
    """The filtered list as an xlsx workbook, with stage, labels and recognition columns."""
    enterprises = selectors.registry_entry_list(user=request.user, filters=request.GET)
    columns = _recognition_columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("名单库"))
    header = [
        _("统一社会信用代码"),
        _("企业名称"),
        _("所在县(市、区)"),
        _("行业代码"),
        _("行业名称"),
        _("在库"),
        _("成长阶段"),
        _("名单标签"),
        _("入库日期"),
    ]
    for column in columns:
        header.append(_("%(title)s结果") % {"title": column["title"]})
        if column["scored"]:
            header.append(_("%(title)s得分") % {"title": column["title"]})
    sheet.append(header)
    for enterprise in enterprises.iterator(chunk_size=2000):
        row = _row(enterprise, columns)
        entry = row["entry"]
        cells = [
            xlsx_text(sheet, enterprise.uscc),
            xlsx_text(sheet, enterprise.name),
            xlsx_text(sheet, enterprise.county.name),
            xlsx_text(sheet, enterprise.industry.code),
            xlsx_text(sheet, enterprise.industry.name),
            xlsx_text(sheet, _("是") if entry and entry.on_list else _("否")),
            xlsx_text(sheet, entry.stage.name if entry and entry.stage else ""),
            xlsx_text(sheet, "、".join(label.name for label in row["labels"])),
            xlsx_formatted(sheet, entry.since if entry else None, "yyyy-mm-dd"),
        ]
        for column, result in zip(columns, row["recognitions"], strict=True):
            cells.append(xlsx_text(sheet, result.get_status_display() if result else ""))
            if column["scored"]:
                cells.append(result.score if result else None)
        sheet.append(cells)
    filename = _("名单库-%(date)s.xlsx") % {"date": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(workbook, filename)


# --- one enterprise's panel ---------------------------------------------------------------


@login_required
@require_GET
def registry_panel_view(request, pk: int):
    """The enterprise's place on the list and its history: the panel of the enterprise page
    (loaded by HTMX), or a page of its own without JavaScript. 404 outside the user's scope."""
    context = {"panel": selectors.registry_panel_get(user=request.user, enterprise_id=pk)}
    if getattr(request, "htmx", False) and not request.htmx.history_restore_request:
        template = "registry/_panel.html"
    else:
        template = "registry/panel_page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- overrides ----------------------------------------------------------------------------


@login_required
@require_GET
def override_list_view(request):
    """Overrides in the user's scope (active by default), with links to lift them."""
    user = request.user
    status = request.GET.get("status") or "active"
    if status not in selectors.OVERRIDE_STATUSES:
        status = "active"
    kind = request.GET.get("kind", "")
    if kind not in OverrideKind.values:
        kind = ""
    overrides = selectors.registry_override_list(
        user=user, filters={"status": status, "kind": kind}
    )
    context = {
        **page_context(request, overrides, PAGE_SIZE),
        "list_url": reverse("registry:override_list"),
    }
    context["rows"] = [
        {
            "override": override,
            "what": selectors.registry_override_describe(override),
            "can_lift": override.is_active
            and permissions.registry_can_override(user=user, obj=override.enterprise),
        }
        for override in context["page"].object_list
    ]
    context.update(
        status=status,
        statuses=[("active", _("生效中")), ("lifted", _("已解除")), ("all", _("全部"))],
        kind=kind,
        kinds=OverrideKind.choices,
    )
    return render(request, "registry/override_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def override_create_view(request, pk: int):
    """Set an override on one enterprise (officers in scope): target, value and reason."""
    enterprise = selectors.registry_entry_get(user=request.user, enterprise_id=pk)
    require(permissions.registry_can_override, user=request.user, obj=enterprise)
    initial = {key: request.GET[key] for key in ("kind", "label", "stage") if key in request.GET}
    form = OverrideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            override = services.registry_override_create(
                actor=request.user,
                enterprise=enterprise,
                kind=data["kind"],
                value=data["value"] if data["value"] is not None else True,
                stage=data["stage"],
                label=data["label"],
                reason=data["reason"],
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            if error.status == 409:
                form.add_error(None, error.message)
            else:
                form_add_service_error(form, error)
        else:
            messages.success(
                request,
                _("已人工调整：%(what)s。")
                % {"what": selectors.registry_override_describe(override)},
            )
            return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#registry-panel")
    entry = selectors.registry_entry_of(enterprise)
    context = {"form": form, "enterprise": enterprise, "entry": entry}
    return render(request, "registry/override_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def override_lift_view(request, pk: int):
    """Lift an override (officers in scope), with a reason; the target is re-judged at once."""
    override = selectors.registry_override_get(user=request.user, pk=pk)
    require(
        permissions.registry_can_override,
        user=request.user,
        obj=override.enterprise,
        message=_("只有市级部门工作人员和企业所在县(市、区)的工作人员可以解除人工调整。"),
    )
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.registry_override_lift(
                actor=request.user,
                override=override,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            if error.status == 409:
                form.add_error(None, error.message)
            else:
                form_add_service_error(form, error)
        else:
            messages.success(
                request,
                _("已解除人工调整：%(what)s。")
                % {"what": selectors.registry_override_describe(override)},
            )
            return redirect(
                reverse("enterprises:detail", args=[override.enterprise_id]) + "#registry-panel"
            )
    context = {
        "form": form,
        "override": override,
        "what": selectors.registry_override_describe(override),
    }
    return render(request, "registry/override_lift.html", context)


# --- re-evaluation runs -------------------------------------------------------------------


def _summary(counts: dict) -> list[tuple[str, StrOrPromise, int]]:
    """(key, label, count) in a fixed order: the event kinds, then recognition changes."""
    return [(key, label, counts[key]) for key, label in SUMMARY_LABELS.items() if counts.get(key)]


def _run_list_page(request, *, start_form=None, status: int = 200):
    services.evaluation_run_fail_stale_runs()  # a run whose worker died shows as failed
    runs = selectors.evaluation_run_list(user=request.user)
    context = {**page_context(request, runs, PAGE_SIZE), "list_url": reverse("registry:run_list")}
    context["rows"] = [
        {"run": run, "summary": _summary(run.summary or {})} for run in context["page"].object_list
    ]
    if permissions.registry_can_run(user=request.user):
        context["start_form"] = start_form or RunStartForm()
    return render(request, "registry/run_list.html", context, status=status)


@login_required
@require_GET
def run_list_view(request):
    """Re-evaluation runs, newest first; city officers and platform admins preview and start
    one here."""
    return _run_list_page(request)


PREVIEW_LIMIT = 200


def _preview_context(request, preview) -> dict:
    """What the preview's page shows: counts, entries and exits by name, the confirm form."""
    ids = [pk for pk, _reason in preview.entries + preview.exits]
    names = dict(
        selectors.registry_entry_list(user=request.user)
        .filter(pk__in=ids)
        .values_list("pk", "name")
    )
    return {
        "preview": preview,
        "year": preview.year,
        "counts": [
            (key, label, preview.counts.get(key, 0)) for key, label in RegistryEventKind.choices
        ],
        "entries": [
            {"id": pk, "name": names.get(pk, ""), "reason": reason}
            for pk, reason in preview.entries
        ],
        "exits": [
            {"id": pk, "name": names.get(pk, ""), "reason": reason} for pk, reason in preview.exits
        ],
        "limit": PREVIEW_LIMIT,
        "without_data": preview.enterprises - preview.with_data,
    }


@login_required
@require_GET
def run_preview_view(request):
    """What a run for the year asked would change — entries and exits with their reasons,
    counts of every change — and a button to confirm it. Nothing is written. A list too
    large to preview within the request offers to compute the preview in the background."""
    require(permissions.registry_can_run, user=request.user)
    form = RunStartForm(request.GET)
    if not form.is_valid():
        return _run_list_page(request, start_form=form, status=400)
    year = form.cleaned_data["year"]
    if selectors.registry_preview_in_background():
        return render(request, "registry/run_preview_request.html", {"year": year})
    try:
        preview = services.registry_run_preview(actor=request.user, year=year, limit=PREVIEW_LIMIT)
    except ApplicationError as error:
        form_add_service_error(form, error)
        return _run_list_page(request, start_form=form, status=400)
    return render(request, "registry/run_preview.html", _preview_context(request, preview))


PREVIEW_STATUS_ID = "preview-status"


@login_required
@require_POST
def run_preview_request_view(request):
    """Compute a large list's preview in the background, then show it (its page polls)."""
    require(permissions.registry_can_run, user=request.user)
    form = RunStartForm(request.POST)
    if form.is_valid():
        try:
            stored = services.registry_preview_request(
                actor=request.user, year=form.cleaned_data["year"], limit=PREVIEW_LIMIT
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            return redirect("registry:run_preview_detail", pk=stored.pk)
    return _run_list_page(request, start_form=form, status=400)


@login_required
@require_GET
def run_preview_detail_view(request, pk: int):
    """A background preview the officer asked for: while it is computed, a status block that
    polls itself every 2 seconds (HTMX); once done, the preview and its confirm button (the
    block returned then has no trigger, so the polling stops)."""
    services.evaluation_preview_fail_stale_previews()  # a dead worker's preview shows failed
    stored = selectors.registry_preview_get(user=request.user, pk=pk)
    context: dict = {
        "stored": stored,
        "year": stored.year,
        "polling": stored.is_active,
        "status_id": PREVIEW_STATUS_ID,
    }
    preview = selectors.registry_preview_result(stored)
    if preview is not None:
        context.update(_preview_context(request, preview))
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == PREVIEW_STATUS_ID:
        template = "registry/_preview_status.html"
    else:
        template = "registry/run_preview_background.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_POST
def run_start_view(request):
    """Start the re-evaluation confirmed on its preview (city officers and platform admins)."""
    require(permissions.registry_can_run, user=request.user)
    form = RunStartForm(request.POST)
    status = 400
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            run = services.registry_run_start(
                actor=request.user, year=year, ip_address=client_ip_address(request)
            )
        except ApplicationError as error:
            if error.status == 409:
                form.add_error(None, error.message)
                status = error.status
            else:
                form_add_service_error(form, error)
        else:
            messages.success(
                request,
                _("已发起%(year)s年度名单重新评价（批次 #%(id)s）；完成后结果显示在下方列表中。")
                % {"year": year, "id": run.pk},
            )
            return redirect("registry:run_list")
    return _run_list_page(request, start_form=form, status=status)


@login_required
@require_GET
def run_detail_view(request, pk: int):
    """One run: when, who, totals, and the changes it recorded in the user's scope."""
    run = selectors.evaluation_run_get(user=request.user, pk=pk)
    kind = request.GET.get("kind", "")
    if kind not in RegistryEventKind.values:
        kind = ""
    events = selectors.evaluation_run_event_list(user=request.user, run=run, kind=kind or None)
    context = {
        **page_context(request, events, EVENTS_PAGE_SIZE),
        "list_url": reverse("registry:run_detail", args=[run.pk]),
        "run": run,
        "summary": _summary(run.summary or {}),
        "kind": kind,
        "kind_counts": [
            (key, label, count)
            for key, label, count in _summary(
                selectors.evaluation_run_event_counts(user=request.user, run=run)
            )
        ],
        "scoped": not request.user.sees_whole_city,
    }
    context["timeline"] = selectors.registry_timeline(context["page"].object_list)
    return render(request, "registry/run_detail.html", context)
