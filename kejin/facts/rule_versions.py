"""Stored rule versions: officer-edited rules as dated data, activated only when their
worked cases pass (OpenFisca-style: every threshold and version cites its source clause).

:class:`RuleVersion` is an abstract model. A module whose officers edit rules over the facts
catalogue (the list's stages and labels; next: product and policy eligibility, scorecards,
institution evaluation) declares a concrete subclass in its own app with a foreign key to
the thing the rule belongs to, names those keys in ``RULE_FIELDS`` and says how its
document becomes an engine rule set (``rule_set_version``). The engine stays pure
(``kejin.rules`` has no models); this layer stores versions and runs the engine's gate:

* ``rule_version_activate`` runs the version's worked cases through both the explanation
  and the batch path (``kejin.rules.versions.version_activate``), refuses a version whose
  validity would overlap another active version of the same rule
  (``kejin.rules.versions.versions_check``), closes (``valid_to``) or retires the version it
  supersedes, and audits every change — in one transaction, the rule's versions locked;
* ``rule_version_valid_on`` picks the active version in force on a day.

Permissions are the calling module's: its service checks them before calling these.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.fields import TextLineField
from kejin.facts.choices import RuleVersionStatus
from kejin.rules.expressions import RuleError
from kejin.rules.messages import rule_error_message
from kejin.rules.ruleset import RuleSet, RuleSetVersion
from kejin.rules.scenarios import Scenario
from kejin.rules.versions import version_activate, versions_check

#: What an activation changes on the versions it touches (audited before/after).
AUDITED_FIELDS = ["status", "valid_from", "valid_to", "activated_by", "activated_at"]


class RuleVersion(models.Model):
    """One dated version of an officer-edited rule over the facts catalogue.

    ``document`` is the rule (its shape is the concrete model's: a rule set as in the
    recognition YAMLs, or one JSON rule); ``parameters`` are named thresholds, each
    ``{"value", "reference", "label"}``, written ``{"param": "<name>"}`` in the document;
    ``worked_cases`` are ``[{"name", "facts": {...}, "expect": {...}}]``, the shape of a
    ``.scenarios.yaml`` case. Only an ``active`` version is ever evaluated, on the days from
    ``valid_from`` to ``valid_to`` (open-ended when empty). ``pre_existing`` marks a version
    that was in force before rules were versioned (migrated without worked cases).
    """

    #: The foreign keys naming the rule a version belongs to (its siblings share them).
    RULE_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Whether at most one sibling is active at a time (a scorecard: one platform-wide). A
    #: superseded version is then retired (and closed the day before), never left active.
    ONE_ACTIVE: ClassVar[bool] = False

    version = TextLineField(gettext_lazy("版本"), max_length=32)
    valid_from = models.DateField(gettext_lazy("生效日期"))
    valid_to = models.DateField(gettext_lazy("失效日期"), null=True, blank=True)
    reference = TextLineField(
        gettext_lazy("依据条款"),
        max_length=255,
        blank=True,
        help_text=gettext_lazy("规则所依据的文件及条款，如《某某办法》第六条。"),
    )
    parameters = models.JSONField(gettext_lazy("参数"), default=dict, blank=True)
    document = models.JSONField(gettext_lazy("规则"), null=True, blank=True)
    worked_cases = models.JSONField(gettext_lazy("算例"), default=list, blank=True)
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=RuleVersionStatus.choices,
        default=RuleVersionStatus.DRAFT,
    )
    pre_existing = models.BooleanField(gettext_lazy("版本化之前已生效"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("起草人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("起草时间"), auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("启用人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    activated_at = models.DateTimeField(gettext_lazy("启用时间"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.version}"

    # -- what the concrete model says -------------------------------------------------------

    @property
    def rule_id(self) -> str:
        """The engine's id of the rule (one id for all its versions)."""
        return ":".join(str(getattr(self, f"{name}_id", "")) for name in self.RULE_FIELDS)

    def rule_set_version(self) -> RuleSetVersion:
        """The engine's rule set for this version. By default ``document`` is a rule set as in
        the recognition YAMLs (``indicators``, ``conditions``…) without its dating."""
        return RuleSet.from_dict(
            {
                **(self.document or {}),
                "id": self.rule_id,
                "version": self.version,
                "valid_from": self.valid_from,
                "valid_to": self.valid_to,
                "reference": self.reference,
                "parameters": self.parameters or {},
            }
        )

    def scenarios(self) -> list[Scenario]:
        """The worked cases as the engine's scenarios."""
        return [
            Scenario(str(case.get("name", "")), dict(case.get("facts") or {}), case["expect"])
            for case in self.worked_cases or []
        ]

    def siblings(self) -> models.QuerySet:
        """Every version of the same rule, this one included."""
        return type(self)._default_manager.filter(
            **{f"{name}_id": getattr(self, f"{name}_id") for name in self.RULE_FIELDS}
        )

    @property
    def needs_worked_cases(self) -> bool:
        """Whether activation runs the worked cases (a concrete model may say a document
        that computes nothing, such as "no rule", has none to pass)."""
        return True

    @property
    def is_draft(self) -> bool:
        return self.status == RuleVersionStatus.DRAFT

    def activation_day(self) -> datetime.date:
        """The first day of this version once activated (by default its ``valid_from``; a
        concrete model may say a version takes effect no earlier than its activation)."""
        return self.valid_from

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def next_version_label(versions: models.QuerySet) -> str:
    """The label of a rule's next version: one more than the highest numeric label of
    ``versions`` (its siblings) and than their count, so it never repeats a label already
    given (labels may have been set by hand or by import)."""
    labels = list(versions.values_list("version", flat=True))
    numbers = [int(label) for label in labels if str(label).isdigit()]
    return str(max([len(labels), *numbers]) + 1)


@dataclass(frozen=True)
class _Dated:
    """What ``versions_check`` reads of a version: its rule id, label and validity."""

    id: str
    version: str
    valid_from: datetime.date
    valid_to: datetime.date | None

    @classmethod
    def of(cls, version: RuleVersion) -> _Dated:
        return cls(version.rule_id, str(version.version), version.valid_from, version.valid_to)


#: Which differing key a failing case's line names first (JSON storage may reorder a case's
#: ``expect``: PostgreSQL's jsonb sorts keys), then the rest by name.
_KEY_RANK = ("score", "grade", "status")


def worked_case_failure_lines(error: RuleError) -> list[str]:
    """One line per failing worked case (``worked_cases_fail``), in words: the case, what was
    expected and what the rule gave (each case once: its first differing key, the score
    before the grade before the rest, whichever path failed first)."""
    firsts: dict[str, dict] = {}
    for failure in error.params.get("failures", ()):
        if not failure["key"]:
            continue
        current = firsts.get(failure["case"])
        if current is None or _key_rank(failure["key"]) < _key_rank(current["key"]):
            firsts[failure["case"]] = failure
    return [
        _("算例“%(case)s”：应为%(expected)s，实际为%(actual)s。")
        % {
            "case": failure["case"],
            "expected": outcome_text(failure["expected"]),
            "actual": outcome_text(failure["actual"]),
        }
        for failure in firsts.values()
    ]


def _key_rank(key: str) -> tuple[int, str]:
    return (_KEY_RANK.index(key) if key in _KEY_RANK else len(_KEY_RANK), key)


def outcome_text(value: Any) -> str:
    """A worked case's expected or actual value in words."""
    if value is True:
        return _("成立")
    if value is False:
        return _("不成立")
    if value is None:
        return _("无法判定（数据不足）")
    if isinstance(value, dict) and "approx" in value:
        return _("%(value)s（允许误差 %(tolerance)s）") % {
            "value": value["approx"],
            "tolerance": value.get("tolerance", 0),
        }
    return str(value)


def rule_version_check_cases(version: RuleVersion) -> None:
    """Refuse ``version`` unless every worked case passes (``worked_cases_fail``, 400, each
    failing case listed under ``worked_cases``)."""
    try:
        version_activate(version=version.rule_set_version(), scenarios=version.scenarios())
    except RuleError as error:
        if error.code != "worked_cases_fail":
            raise ApplicationError.invalid({"document": [rule_error_message(error)]}) from error
        raise ApplicationError(
            ErrorCode.WORKED_CASES_FAIL,
            rule_error_message(error),
            fields={"worked_cases": worked_case_failure_lines(error)},
            status=400,
        ) from error


RuleVersionT = TypeVar("RuleVersionT", bound=RuleVersion)


def rule_version_activate(
    *, version: RuleVersionT, actor, ip_address: str | None = None
) -> RuleVersionT:
    """Activate a draft: its worked cases must pass (``worked_cases_fail``); it starts on
    its ``activation_day()``; the active version in force that day is closed the day before
    (or retired when it would start the same day) — with ``ONE_ACTIVE``, every active
    sibling is closed and retired; no other active version may be valid on any of its days
    (``versions_overlap``, 409). Atomic, the rule's versions locked; audited. The caller
    checks permissions first."""
    with transaction.atomic():
        siblings = list(version.siblings().select_for_update().order_by("valid_from", "pk"))
        locked: RuleVersionT = next(v for v in siblings if v.pk == version.pk)
        if not locked.is_draft:
            raise ApplicationError(
                ErrorCode.VERSION_NOT_DRAFT,
                _("版本 %(version)s 已是“%(status)s”状态，只有草稿可以启用。")
                % {"version": locked.version, "status": locked.get_status_display()},
            )
        if locked.needs_worked_cases:
            rule_version_check_cases(locked)
        locked_before = model_snapshot(locked, AUDITED_FIELDS)
        day = locked.valid_from = locked.activation_day()
        superseded = [
            v
            for v in siblings
            if v.status == RuleVersionStatus.ACTIVE
            and v.pk != locked.pk
            and (locked.ONE_ACTIVE or v.is_valid_on(day))
        ]
        changes: list[tuple[RuleVersion, dict]] = []
        for previous in superseded:
            before = model_snapshot(previous, AUDITED_FIELDS)
            # Closed the day before (a version retired by one that starts the day it did:
            # on that day only, when at most one is ever active, else never in force).
            eve = day - datetime.timedelta(days=1)
            last = max(eve, previous.valid_from) if locked.ONE_ACTIVE else eve
            if (previous.valid_from < day or locked.ONE_ACTIVE) and (
                previous.valid_to is None or previous.valid_to > last
            ):
                previous.valid_to = last
            if previous.valid_from >= day or locked.ONE_ACTIVE:
                previous.status = RuleVersionStatus.RETIRED
            changes.append((previous, before))
        remaining = [
            v for v in siblings if v.status == RuleVersionStatus.ACTIVE and v.pk != locked.pk
        ]
        try:
            versions_check([_Dated.of(v) for v in remaining] + [_Dated.of(locked)])
        except RuleError as error:
            raise ApplicationError(
                ErrorCode.VERSIONS_OVERLAP, rule_error_message(error), status=409
            ) from error
        changes.append((locked, locked_before))
        locked.status = RuleVersionStatus.ACTIVE
        locked.activated_by = actor if getattr(actor, "pk", None) else None
        locked.activated_at = timezone.now()
        for changed, before in changes:
            changed.save(update_fields=AUDITED_FIELDS)
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=changed,
                before=before,
                after=model_snapshot(changed, AUDITED_FIELDS),
                ip_address=ip_address,
            )
    return locked


def rule_version_valid_on(
    versions: Iterable[RuleVersion], day: datetime.date
) -> RuleVersion | None:
    """Of ``versions`` (one rule's), the active one in force on ``day``, or None."""
    for version in versions:
        if version.status == RuleVersionStatus.ACTIVE and version.is_valid_on(day):
            return version
    return None


def active_on(day: datetime.date) -> Q:
    """The filter of active versions in force on ``day`` (for querysets)."""
    return Q(status=RuleVersionStatus.ACTIVE, valid_from__lte=day) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
