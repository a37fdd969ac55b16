"""Pages of the list's rules: the growth stages and labels with their rules in words, their
forms (a changed rule becomes a draft version), and the rule versions — history with dates
and references, a draft's worked cases and its activation.

Reads go through ``kejin.registry.selectors``, writes through ``kejin.registry.services``.
"""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.http import client_ip_address
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.registry import permissions, selectors, services
from kejin.registry.forms import (
    GrowthStageForm,
    LabelForm,
    RuleVersionForm,
    worked_case_facts,
    worked_case_rows,
    worked_cases_parse,
)
from kejin.registry.rule_labels import registry_rule_describe as rule_describe

# --- stages and labels --------------------------------------------------------------------


def _pretty(criteria) -> str:
    return json.dumps(criteria, ensure_ascii=False, indent=2)


def _fact_catalogue() -> list[tuple[str, str]]:
    return sorted(services.rule_fact_names().items())


@login_required
@require_GET
def stage_list_view(request):
    """The growth stages in the order they are tried, each with its rule and reference."""
    stages = selectors.growth_stage_list(user=request.user)
    context = {
        "rows": [
            {"stage": s, "criteria": _pretty(s.criteria), "clause": rule_describe(s.criteria)}
            for s in stages
        ],
        "can_edit": permissions.registry_can_edit_rules(user=request.user),
    }
    return render(request, "registry/stage_list.html", context)


@login_required
@require_GET
def label_list_view(request):
    """The labels, each with its rule (or "given by officers") and reference."""
    labels = selectors.label_list(user=request.user)
    context = {
        "rows": [
            {
                "label": label,
                "criteria": _pretty(label.criteria) if label.is_computed else "",
                "clause": rule_describe(label.criteria) if label.is_computed else None,
            }
            for label in labels
        ],
        "can_edit": permissions.registry_can_edit_rules(user=request.user),
    }
    return render(request, "registry/label_list.html", context)


def _rule_edit_page(request, form, *, save, saved: str, title: str, back: str):
    """The one flow of the stage and label forms (city officers): on a valid post, ``save``
    (a service taking the form's data, returning a ``RuleEdit``); a changed rule was drafted
    as a new version, whose page comes next (worked cases, activation). A refusal shows
    beside its field."""
    require(permissions.registry_can_edit_rules, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            edit = save(dict(form.cleaned_data))
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            if edit.draft is None:
                messages.success(request, saved % {"name": edit.owner.name})
                return redirect(back)
            messages.success(
                request,
                _(
                    "已保存“%(name)s”；规则的改动存为草稿版本 %(version)s。"
                    "请添加算例，全部通过后启用，新规则自%(day)s起生效。"
                )
                % {
                    "name": edit.owner.name,
                    "version": edit.draft.version,
                    "day": edit.draft.valid_from.isoformat(),
                },
            )
            return redirect("registry:rule_version", pk=edit.draft.pk)
    context = {"form": form, "title": title, "back_url": reverse(back), "facts": _fact_catalogue()}
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/rule_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit_view(request, code: str):
    """Change a stage's name and reference; a changed rule becomes a draft version."""
    stage = selectors.growth_stage_get(user=request.user, code=code)
    require(permissions.registry_can_edit_rules, user=request.user)
    return _rule_edit_page(
        request,
        GrowthStageForm(request.POST or None, instance=copy.copy(stage)),
        save=lambda data: services.growth_stage_update(
            actor=request.user, stage=stage, data=data, ip_address=client_ip_address(request)
        ),
        saved=_("已保存成长阶段“%(name)s”。"),
        title=_("修改成长阶段：%(name)s") % {"name": stage.name},
        back="registry:stage_list",
    )


@login_required
@require_http_methods(["GET", "POST"])
def label_create_view(request):
    """A new label (city officers): manual, or with a rule drafted as its version 1."""
    require(permissions.registry_can_edit_rules, user=request.user)
    return _rule_edit_page(
        request,
        LabelForm(request.POST or None, creating=True, initial={"order": 100}),
        save=lambda data: services.label_create(
            actor=request.user, data=data, ip_address=client_ip_address(request)
        ),
        saved=_("已新建标签“%(name)s”。"),
        title=_("新建标签"),
        back="registry:label_list",
    )


@login_required
@require_http_methods(["GET", "POST"])
def label_edit_view(request, code: str):
    """Change a label's name, order and reference; a changed rule becomes a draft version."""
    label = selectors.label_get(user=request.user, code=code)
    require(permissions.registry_can_edit_rules, user=request.user)
    return _rule_edit_page(
        request,
        LabelForm(request.POST or None, creating=False, instance=copy.copy(label)),
        save=lambda data: services.label_update(
            actor=request.user, label=label, data=data, ip_address=client_ip_address(request)
        ),
        saved=_("已保存标签“%(name)s”。"),
        title=_("修改标签：%(name)s") % {"name": label.name},
        back="registry:label_list",
    )


# --- rule versions --------------------------------------------------------------------------


def _owner_get(request, kind: str, code: str):
    if kind == "stages":
        return selectors.growth_stage_get(user=request.user, code=code)
    return selectors.label_get(user=request.user, code=code)


@login_required
@require_GET
def rule_version_list_view(request, kind: str, code: str):
    """A stage's or label's rule versions: dates, reference, status, who drafted and
    activated each (the list's readers)."""
    owner = _owner_get(request, kind, code)
    context = {
        "owner": owner,
        "kind": kind,
        "versions": selectors.registry_rule_version_list(user=request.user, owner=owner),
        "back_url": reverse("registry:stage_list" if kind == "stages" else "registry:label_list"),
    }
    return render(request, "registry/rule_versions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_version_view(request, pk: int):
    """One rule version: its rule in words, validity, reference and worked cases. On a draft
    city officers change the dates and the cases (a table: facts in, the outcome expected)
    and activate it — refused, with each failing case, until every case passes."""
    version = selectors.registry_rule_version_get(user=request.user, pk=pk)
    facts = worked_case_facts(version)
    can_edit = version.is_draft and permissions.registry_can_edit_rules(user=request.user)
    form = RuleVersionForm(
        request.POST if request.method == "POST" else None,
        initial={
            "valid_from": version.valid_from,
            "valid_to": version.valid_to,
            "reference": version.reference,
        },
    )
    rows = worked_case_rows(version, facts)
    failures: list[str] = []
    status = 200
    if request.method == "POST":
        require(permissions.registry_can_edit_rules, user=request.user)
        cases, rows = worked_cases_parse(request.POST, facts)
        status = 400
        if form.is_valid() and not any(row.errors for row in rows):
            try:
                version = services.registry_rule_version_update(
                    actor=request.user,
                    version=version,
                    data={**form.cleaned_data, "worked_cases": cases},
                    ip_address=client_ip_address(request),
                )
                if "activate" in request.POST:
                    services.registry_rule_version_activate(
                        actor=request.user, version=version, ip_address=client_ip_address(request)
                    )
            except ApplicationError as error:
                failures = error.fields.pop("worked_cases", [])
                if error.code == ErrorCode.INVALID:
                    form_add_service_error(form, error)
                else:
                    # The cases were saved; the activation alone was refused.
                    form.add_error(None, error.message)
                    rows = worked_case_rows(version, facts)
            else:
                text = (
                    _("已启用版本 %(version)s，自%(day)s起生效。")
                    if "activate" in request.POST
                    else _("已保存草稿版本 %(version)s。")
                )
                messages.success(
                    request, text % {"version": version.version, "day": version.valid_from}
                )
                return redirect("registry:rule_version", pk=version.pk)
    owner = version.owner
    context = {
        "version": version,
        "owner": owner,
        "kind": "stages" if version.stage_id else "labels",
        "clause": rule_describe(version.rule()) if version.document is not None else None,
        "criteria": _pretty(version.document),
        "form": form,
        "facts": facts,
        "rows": rows,
        "failures": failures,
        "can_edit": can_edit,
        "parameters": sorted((version.parameters or {}).items()),
    }
    return render(request, "registry/rule_version.html", context, status=status)
