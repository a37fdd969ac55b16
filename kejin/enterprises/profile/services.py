"""Writes of an enterprise's profile: annual facts (with their provenance) and certificates.

Each service checks, in this order, that the actor may see the enterprise (``not_found``
otherwise), that they may write at all (``permission_denied``), then the input (``invalid``,
with a message per field), and only then writes — atomically, with an AuditEvent holding the
changed values before and after. A refused or invalid write changes nothing.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.core.services import instance_save_audited
from kejin.enterprises.choices import CertificateKind, FactSource
from kejin.enterprises.facts import CATALOGUE
from kejin.enterprises.models import AnnualFacts, Certificate, Enterprise
from kejin.enterprises.permissions import certificate_can_change, enterprise_can_view
from kejin.enterprises.profile.selectors import (
    FACT_NAMES,
    annual_facts_locked,
    annual_facts_source_for,
    facts_year_problem,
)
from kejin.enterprises.validation import FactError, fact_parse, facts_contradictions


def _require_visible(actor, enterprise: Enterprise) -> None:
    """Not found — not forbidden — for an enterprise the actor may not see."""
    if not enterprise_can_view(user=actor, obj=enterprise):
        raise ApplicationError.not_found()


# --- annual facts ---------------------------------------------------------------------------


def _facts_snapshot(facts: AnnualFacts, names) -> dict:
    return model_snapshot(facts, names) if names else {}


def annual_facts_require_writer(*, actor, enterprise: Enterprise) -> str:
    """The source ``actor`` records ``enterprise``'s facts under, or ``permission_denied``.

    Pages and the API call it before parsing input, so that a caller who may not write
    learns nothing from validation messages; ``annual_facts_save`` calls it again.
    """
    source = annual_facts_source_for(user=actor, enterprise=enterprise)
    if source is not None:
        return source
    if getattr(actor, "is_enterprise_user", False):
        raise ApplicationError.permission_denied(_("只有本企业的企业管理员可以填报年度数据。"))
    raise ApplicationError.permission_denied(_("您无权填报该企业的年度数据。"))


def annual_facts_refuse_locked(*, locked: dict[str, str], submitted) -> None:
    """``permission_denied`` naming each locked fact present in ``submitted`` (a page's POST).

    The page shows locked facts disabled, so a browser never sends them: one that arrives was
    typed in on purpose, and is refused rather than silently ignored while the rest is saved.
    """
    refused = {name: [locked[name]] for name in FACT_NAMES if name in locked and name in submitted}
    if refused:
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            _("以下数据企业不能自行修改：%(facts)s。")
            % {"facts": "、".join(CATALOGUE[name].label for name in refused)},
            fields=refused,
        )


@transaction.atomic
def annual_facts_save(
    *,
    actor,
    enterprise: Enterprise,
    year: int,
    values: dict,
    source: str,
    detail: str = "",
    as_of: datetime.date | None = None,
    ip_address: str | None = None,
) -> AnnualFacts:
    """Record facts of ``enterprise`` for fiscal ``year`` (creating the year if it is new).

    ``values`` maps fact names (``kejin.enterprises.facts.ANNUAL_FACTS``) to values — ints for
    counts, Decimal yuan for amounts, bools for flags, None to clear. Facts not in ``values``
    are left alone; each fact that changes gets ``provenance[fact] = {"source", "detail",
    "as_of"}`` (a cleared fact loses its entry). ``source`` must be the actor's: ``self`` for
    the enterprise's own administrator, ``department`` for city officers and the county's
    officers, whose ``detail`` is always their department's code. A self-reporting enterprise
    cannot change what a department or an import supplied (see ``annual_facts_locked``).
    ``as_of`` (default today) is the date the values were true. Audited with the changed facts
    before and after; nothing changed, nothing written.
    """
    _require_visible(actor, enterprise)
    allowed = annual_facts_require_writer(actor=actor, enterprise=enterprise)
    if source != allowed:
        raise ApplicationError.permission_denied(
            _("您填报的数据来源只能是“%(source)s”。") % {"source": FactSource(allowed).label}
        )
    if source == FactSource.DEPARTMENT:
        own = actor.department.code
        if detail and detail != own:
            raise ApplicationError.permission_denied(
                _("只能以本部门（%(code)s）的名义填报数据。") % {"code": own}
            )
        detail = own
    else:
        detail = ""

    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    year_problem = facts_year_problem(year, today=today, founded_on=enterprise.founded_on)
    if year_problem:
        errors["year"] = [year_problem]
    as_of = as_of or today
    if as_of > today:
        errors["as_of"] = [_("数据时点不能晚于今天。")]
    elif "year" not in errors and as_of < datetime.date(year, 1, 1):
        errors["as_of"] = [_("数据时点不能早于%(year)s年1月1日。") % {"year": year}]
    cleaned = {}
    for name, value in values.items():
        if name not in FACT_NAMES:
            errors[name] = [_("没有名为“%(name)s”的年度数据项。") % {"name": name}]
            continue
        try:
            cleaned[name] = fact_parse(name, value)
        except FactError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ApplicationError.invalid(errors)

    stored = (
        AnnualFacts.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
    )
    creating = stored is None
    facts = (
        stored
        if stored is not None
        else AnnualFacts(enterprise=enterprise, year=year, provenance={})
    )
    changed = {name for name, value in cleaned.items() if getattr(facts, name) != value}
    current = {name: getattr(facts, name) for name in FACT_NAMES}
    given = {name: cleaned[name] for name in changed}
    for name, message in facts_contradictions(given, current).items():
        errors[name] = [message]
    if errors:
        raise ApplicationError.invalid(errors)
    locked = annual_facts_locked(source=source, facts=stored)
    refused = {name: [locked[name]] for name in sorted(changed) if name in locked}
    if refused:
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            _("以下数据企业不能自行修改：%(facts)s。")
            % {"facts": "、".join(CATALOGUE[name].label for name in refused)},
            fields=refused,
        )
    if not changed:
        return facts

    names = [name for name in FACT_NAMES if name in changed]
    provenance = dict(facts.provenance or {})
    before = None
    if not creating:
        before = {
            **_facts_snapshot(facts, names),
            "provenance": {name: provenance.get(name) for name in names},
        }
    for name in names:
        setattr(facts, name, cleaned[name])
        if cleaned[name] is None:
            provenance.pop(name, None)
        else:
            provenance[name] = {"source": source, "detail": detail, "as_of": as_of.isoformat()}
    facts.provenance = provenance
    try:
        with transaction.atomic():
            facts.save()
    except IntegrityError as exc:
        # Another request created this year between our read and our insert.
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("%(year)s年度的数据刚刚已由他人保存，请刷新页面后重试。") % {"year": year},
        ) from exc
    after = {
        **_facts_snapshot(facts, names),
        "provenance": {name: provenance.get(name) for name in names},
    }
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        instance=facts,
        before=before,
        after=after,
        ip_address=ip_address,
    )
    return facts


# --- certificates ---------------------------------------------------------------------------

CERTIFICATE_FIELDS = ("kind", "number", "issuer", "valid_from", "valid_to")


def certificate_require_editor(*, actor, enterprise: Enterprise) -> None:
    """``permission_denied`` unless ``actor`` may record ``enterprise``'s certificates (pages
    and the API call it before parsing input; the services call it again)."""
    require(certificate_can_change, user=actor, obj=enterprise)


def _certificate_problems(certificate: Certificate, data: dict) -> dict[str, list[str]]:
    """What the model's own validation would word less helpfully, for ``data`` applied to
    ``certificate``."""
    problems: dict[str, list[str]] = {}
    for name in sorted(set(data) - set(CERTIFICATE_FIELDS)):
        problems[name] = [_("证书没有“%(name)s”这一项。") % {"name": name}]
    merged = {name: data.get(name, getattr(certificate, name)) for name in CERTIFICATE_FIELDS}
    if merged["kind"] not in CertificateKind.values:
        problems["kind"] = [_("请选择证书类别。")]
    if not merged["valid_from"]:
        problems["valid_from"] = [_("请填写有效期起始日期。")]
    elif merged["valid_to"] and merged["valid_to"] < merged["valid_from"]:
        problems["valid_to"] = [_("有效期止不能早于有效期起。")]
    return problems


def _certificate_save(*, actor, certificate: Certificate, data: dict, ip_address) -> Certificate:
    problems = _certificate_problems(certificate, data)
    if problems:
        raise ApplicationError.invalid(problems)
    cleaned = {
        name: (value or "").strip() if name in ("number", "issuer") else value
        for name, value in data.items()
    }
    return instance_save_audited(
        actor=actor, instance=certificate, data=cleaned, ip_address=ip_address
    )


@transaction.atomic
def certificate_create(
    *, actor, enterprise: Enterprise, data: dict, ip_address: str | None = None
) -> Certificate:
    """Record a certificate or recognition of ``enterprise`` (officers in scope). Audited."""
    _require_visible(actor, enterprise)
    certificate_require_editor(actor=actor, enterprise=enterprise)
    return _certificate_save(
        actor=actor,
        certificate=Certificate(enterprise=enterprise),
        data=data,
        ip_address=ip_address,
    )


@transaction.atomic
def certificate_update(
    *, actor, certificate: Certificate, data: dict, ip_address: str | None = None
) -> Certificate:
    """Change a certificate's fields given in ``data`` (officers in scope). Audited."""
    _require_visible(actor, certificate.enterprise)
    certificate_require_editor(actor=actor, enterprise=certificate.enterprise)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    return _certificate_save(actor=actor, certificate=certificate, data=data, ip_address=ip_address)


@transaction.atomic
def certificate_delete(*, actor, certificate: Certificate, ip_address: str | None = None) -> None:
    """Delete a certificate recorded in error (officers in scope). Audited with what it was."""
    _require_visible(actor, certificate.enterprise)
    certificate_require_editor(actor=actor, enterprise=certificate.enterprise)
    before = model_snapshot(certificate, ["enterprise", *CERTIFICATE_FIELDS])
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=certificate,
        before=before,
        ip_address=ip_address,
    )
    certificate.delete()
