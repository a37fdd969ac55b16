"""Pages of an enterprise's profile: the sections the enterprise detail page loads (annual
facts with provenance and charts, certificates, recognition explanation) and the pages that
edit facts and certificates.

The sections are HTMX fragments (``hx-get`` on load from the detail page); asked for without
HTMX they come as a page of their own, so they also work without JavaScript. Reads go through
``kejin.enterprises.profile.selectors``, writes through its services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError
from kejin.core.ui.forms import form_add_service_error
from kejin.enterprises.choices import FactSource
from kejin.enterprises.permissions import certificate_can_change
from kejin.enterprises.profile.display import chart_data, explanation_card, facts_table
from kejin.enterprises.profile.forms import AnnualFactsForm, CertificateForm, YearForm
from kejin.enterprises.profile.selectors import (
    annual_facts_locked,
    annual_facts_of,
    annual_facts_source_for,
    certificate_get,
    certificates_of,
    facts_year_problem,
    facts_year_range,
    recognition_for,
)
from kejin.enterprises.profile.services import (
    annual_facts_refuse_locked,
    annual_facts_require_writer,
    annual_facts_save,
    certificate_create,
    certificate_delete,
    certificate_require_editor,
    certificate_update,
)
from kejin.enterprises.selectors import enterprise_get
from kejin.enterprises.validation import year_parse

FACTS_ID = "profile-facts"
CERTIFICATES_ID = "profile-certificates"
RECOGNITION_ID = "profile-recognition"


def _section(request, *, template: str, context: dict, title: str):
    """The fragment for HTMX, or the same fragment in a page of its own."""
    if getattr(request, "htmx", False) and not request.htmx.history_restore_request:
        response = render(request, template, context)
    else:
        response = render(
            request,
            "enterprises/profile/section_page.html",
            {**context, "section_template": template, "section_title": title},
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail_url(enterprise, anchor: str) -> str:
    return reverse("enterprises:detail", args=[enterprise.pk]) + f"#{anchor}"


# --- annual facts -----------------------------------------------------------------------------


def _years_to_add(existing: list[int]) -> list[int]:
    first, last = facts_year_range()
    return [y for y in range(last, first - 1, -1) if y not in existing]


@login_required
@require_GET
def facts_section_view(request, pk: int):
    """Facts by year with each value's source and as-of date, and the charts over the years."""
    enterprise = enterprise_get(user=request.user, pk=pk)
    rows = list(annual_facts_of(enterprise=enterprise))
    source = annual_facts_source_for(user=request.user, enterprise=enterprise)
    years = [row.year for row in rows]
    context = {
        "enterprise": enterprise,
        "table": facts_table(rows),
        "chart": chart_data(rows),
        "can_edit": source is not None,
        "self_reporting": source == FactSource.SELF_REPORTED,
        "add_form": YearForm(years=_years_to_add(years)) if source else None,
        # Facts are usually reported for the year just ended.
        "add_year_default": facts_year_range()[1] - 1,
        "section_id": FACTS_ID,
    }
    return _section(
        request,
        template="enterprises/profile/_facts_section.html",
        context=context,
        title=_("年度数据"),
    )


@login_required
@require_GET
def facts_add_view(request, pk: int):
    """Start reporting a new year: the year picker's target, redirecting to that year's form."""
    enterprise = enterprise_get(user=request.user, pk=pk)
    form = YearForm(request.GET, years=_years_to_add([]))
    if not form.is_valid():
        first, last = facts_year_range()
        raise ApplicationError.invalid(
            {"year": [_("请选择%(first)s至%(last)s之间的年度。") % {"first": first, "last": last}]}
        )
    return redirect("profile:facts_edit", pk=enterprise.pk, year=form.cleaned_data["year"])


@login_required
@require_http_methods(["GET", "POST"])
def facts_edit_view(request, pk: int, year: int):
    """Enter or correct one year's facts: enterprises self-report, officers record department
    data. Facts the writer may not change are shown disabled, with the reason."""
    enterprise = enterprise_get(user=request.user, pk=pk)
    source = annual_facts_require_writer(actor=request.user, enterprise=enterprise)
    problem = facts_year_problem(year, founded_on=enterprise.founded_on)
    if problem:
        raise ApplicationError.invalid({"year": [problem]})
    facts = annual_facts_of(enterprise=enterprise).filter(year=year).first()
    locked = annual_facts_locked(source=source, facts=facts)
    if request.method == "POST":
        annual_facts_refuse_locked(locked=locked, submitted=request.POST)
    form = AnnualFactsForm(request.POST or None, facts=facts, locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            annual_facts_save(
                actor=request.user,
                enterprise=enterprise,
                year=year,
                values=form.values(),
                source=source,
                as_of=form.cleaned_data.get("as_of"),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("%(year)s年度数据已保存。") % {"year": year})
            return redirect(_detail_url(enterprise, FACTS_ID))
    return render(
        request,
        "enterprises/profile/facts_form.html",
        {
            "enterprise": enterprise,
            "year": year,
            "form": form,
            "source_label": FactSource(source).label,
            "department": request.user.department if source == FactSource.DEPARTMENT else None,
            "creating": facts is None,
        },
    )


# --- certificates -----------------------------------------------------------------------------


@login_required
@require_GET
def certificates_section_view(request, pk: int):
    """The enterprise's certificates, with 即将到期 / 已过期 flags."""
    enterprise = enterprise_get(user=request.user, pk=pk)
    context = {
        "enterprise": enterprise,
        "certificates": certificates_of(enterprise=enterprise),
        "can_edit": certificate_can_change(user=request.user, obj=enterprise),
        "section_id": CERTIFICATES_ID,
    }
    return _section(
        request,
        template="enterprises/profile/_certificates_section.html",
        context=context,
        title=_("证书与资质"),
    )


def _certificate_data(form: CertificateForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields}


@login_required
@require_http_methods(["GET", "POST"])
def certificate_create_view(request, pk: int):
    """Record a certificate (officers)."""
    enterprise = enterprise_get(user=request.user, pk=pk)
    certificate_require_editor(actor=request.user, enterprise=enterprise)
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_create(
                actor=request.user,
                enterprise=enterprise,
                data=_certificate_data(form),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("证书已登记。"))
            return redirect(_detail_url(enterprise, CERTIFICATES_ID))
    return render(
        request,
        "enterprises/profile/certificate_form.html",
        {"enterprise": enterprise, "form": form, "certificate": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_edit_view(request, pk: int, certificate_id: int):
    """Correct a certificate (officers)."""
    certificate = certificate_get(
        user=request.user, enterprise_id=pk, certificate_id=certificate_id
    )
    enterprise = certificate.enterprise
    certificate_require_editor(actor=request.user, enterprise=enterprise)
    form = CertificateForm(request.POST or None, instance=certificate)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_update(
                actor=request.user,
                certificate=certificate,
                data=_certificate_data(form),
                ip_address=client_ip_address(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("证书信息已保存。"))
            return redirect(_detail_url(enterprise, CERTIFICATES_ID))
    return render(
        request,
        "enterprises/profile/certificate_form.html",
        {"enterprise": enterprise, "form": form, "certificate": certificate},
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_delete_view(request, pk: int, certificate_id: int):
    """Delete a certificate recorded in error (officers), after a confirmation page."""
    certificate = certificate_get(
        user=request.user, enterprise_id=pk, certificate_id=certificate_id
    )
    enterprise = certificate.enterprise
    certificate_require_editor(actor=request.user, enterprise=enterprise)
    if request.method == "POST":
        certificate_delete(
            actor=request.user, certificate=certificate, ip_address=client_ip_address(request)
        )
        messages.success(request, _("证书已删除。"))
        return redirect(_detail_url(enterprise, CERTIFICATES_ID))
    return render(
        request,
        "enterprises/profile/certificate_confirm_delete.html",
        {"enterprise": enterprise, "certificate": certificate},
    )


# --- recognition ------------------------------------------------------------------------------


@login_required
@require_GET
def recognition_section_view(request, pk: int):
    """Every recognition rule set in force, explained for this enterprise and a data year."""
    raw_year = request.GET.get("year", "")
    year = None
    if raw_year:
        year = year_parse(raw_year)
        if year is None:
            raise ApplicationError.invalid({"year": [facts_year_problem(raw_year) or ""]})
    report = recognition_for(user=request.user, enterprise_id=pk, year=year)
    years = sorted({*report.years, report.year}, reverse=True)
    source = annual_facts_source_for(user=request.user, enterprise=report.enterprise)
    context = {
        "enterprise": report.enterprise,
        "report": report,
        "cards": [explanation_card(e) for e in report.explanations],
        "year_form": YearForm(initial={"year": report.year}, years=years),
        "has_facts": report.year in report.years,
        "can_edit_facts": source is not None,
        "section_id": RECOGNITION_ID,
    }
    return _section(
        request,
        template="enterprises/profile/_recognition_section.html",
        context=context,
        title=_("认定评价"),
    )
