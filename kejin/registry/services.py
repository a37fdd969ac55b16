"""Writes of the tech-enterprise list (名单库): officers' overrides, re-evaluation runs, and
the growth stages' and labels' rules. Atomic, permission-checked and audited.

An override takes effect at once for its enterprise: creating one sets its target (list
membership, stage or a label) to the officer's value; lifting one sets the target back to
what the rules compute from the facts of the latest run's year. Either way the entry is
updated and each change recorded as a RegistryEvent — the same changes, with the same
reasons, that the next full re-evaluation would otherwise record — so the next run finds
nothing more to change for it (tested).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.core.services import instance_save_audited
from kejin.core.text import text_problem
from kejin.enterprises.facts import build_facts_frame
from kejin.enterprises.models import Enterprise
from kejin.enterprises.recognition import rulesets
from kejin.facts.catalogue import catalogue
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import rule_version_activate
from kejin.registry.choices import OverrideKind, RunStatus
from kejin.registry.evaluation import (
    STAGE_NODE,
    Computed,
    ListRules,
    Placement,
    RegistryPreview,
    evaluation_preview_fail_stale,
    evaluation_run_create,
    evaluation_run_fail_stale,
    override_label,
    registry_compute,
    registry_decide,
    registry_event,
    registry_latest_data_year,
    registry_preview,
    rule_order,
    rule_reads,
    stage_of,
)
from kejin.registry.models import (
    RUN_ACTIVE_STATUSES,
    EvaluationPreview,
    EvaluationRun,
    GrowthStage,
    Label,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
    RegistryRuleVersion,
)
from kejin.registry.permissions import (
    registry_can_edit_rules,
    registry_can_override,
    registry_can_run,
)
from kejin.registry.selectors import registry_override_describe
from kejin.rules.expressions import RuleError, to_polars, validate, variables
from kejin.rules.messages import rule_error_message

REASON_MAX_LENGTH = 255

# --- overrides ----------------------------------------------------------------------------

_OVERRIDE_AUDITED = ["enterprise", "kind", "value", "stage", "label", "reason", "created_by"]
_LIFT_AUDITED = ["lifted_at", "lifted_by", "lift_reason"]


def _clean_reason(reason, field: str) -> str:
    """An officer's reason as stored: required, at most ``REASON_MAX_LENGTH``, and (line breaks
    apart) without invisible characters, which would hide in the list's history and exports."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError.invalid(
            {field: [_("请填写原因，例如依据的文件、会议纪要或核实情况。")]}
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError.invalid(
            {field: [_("原因不能超过%(max)s个字。") % {"max": REASON_MAX_LENGTH}]}
        )
    problem = text_problem(reason, multiline=True)
    if problem:
        raise ApplicationError.invalid({field: [problem]})
    return reason


@transaction.atomic
def registry_override_create(
    *,
    actor,
    enterprise: Enterprise,
    kind: str,
    value: bool = True,
    stage: GrowthStage | None = None,
    label: Label | None = None,
    reason: str,
    ip_address: str | None = None,
) -> RegistryOverride:
    """An officer's decision on an enterprise's list membership (``value``: on or off), stage
    (``stage``) or a label (``label``, ``value``: has it or not), winning over the rules until
    lifted. One active override per target (``override_active`` otherwise); a reason is required.
    Applied to the enterprise's entry at once. Audited."""
    require(registry_can_override, user=actor, obj=enterprise)
    problems: dict[str, list[str]] = {}
    if kind not in OverrideKind.values:
        problems["kind"] = [_("调整类型无效，应为 membership、stage 或 label。")]
    elif kind == OverrideKind.STAGE and stage is None:
        problems["stage"] = [_("请选择要指定的成长阶段。")]
    elif kind == OverrideKind.LABEL and label is None:
        problems["label"] = [_("请选择要调整的标签。")]
    try:
        reason = _clean_reason(reason, "reason")
    except ApplicationError as error:
        problems.update(error.fields)
    if problems:
        raise ApplicationError.invalid(problems)
    stage = stage if kind == OverrideKind.STAGE else None
    label = label if kind == OverrideKind.LABEL else None
    value = True if kind == OverrideKind.STAGE else bool(value)

    # One override per target at a time: serialise on the enterprise, and let the database's
    # unique constraint catch what a lock cannot (SQLite has no row locks).
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    existing = (
        RegistryOverride.objects.filter(
            enterprise=enterprise, kind=kind, label=label, lifted_at__isnull=True
        )
        .select_related("stage", "label", "created_by")
        .first()
    )
    if existing is not None:
        raise _conflict_with(existing)
    override = RegistryOverride(
        enterprise=enterprise,
        kind=kind,
        value=value,
        stage=stage,
        label=label,
        reason=reason,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            override.save()
    except IntegrityError as exc:
        raise ApplicationError(
            ErrorCode.OVERRIDE_ACTIVE, _("该企业的同一事项刚刚已由他人人工调整，请刷新后查看。")
        ) from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=override,
        after=model_snapshot(override, _OVERRIDE_AUDITED),
        ip_address=ip_address,
    )
    _entry_apply(enterprise=enterprise, override=override)
    return override


def _conflict_with(existing: RegistryOverride) -> ApplicationError:
    return ApplicationError(
        ErrorCode.OVERRIDE_ACTIVE,
        _(
            "该企业已有生效中的同类人工调整（%(what)s，%(who)s于%(when)s设定，原因：%(reason)s），"
            "请先解除该调整再重新设定。"
        )
        % {
            "what": registry_override_describe(existing),
            "who": existing.created_by,
            "when": timezone.localtime(existing.created_at).strftime("%Y-%m-%d"),
            "reason": existing.reason,
        },
    )


@transaction.atomic
def registry_override_lift(
    *, actor, override: RegistryOverride, reason: str, ip_address: str | None = None
) -> RegistryOverride:
    """End an override (with a reason): its target goes back to what the rules compute, at
    once. Lifting an override already lifted is ``override_lifted``. Audited."""
    locked = (
        RegistryOverride.objects.select_for_update(of=("self",))
        .select_related("enterprise", "stage", "label", "created_by", "lifted_by")
        .get(pk=override.pk)
    )
    require(registry_can_override, user=actor, obj=locked.enterprise)
    reason = _clean_reason(reason, "reason")
    if locked.lifted_at is not None:
        raise ApplicationError(
            ErrorCode.OVERRIDE_LIFTED,
            _("该人工调整已于%(when)s由%(who)s解除。")
            % {
                "when": timezone.localtime(locked.lifted_at).strftime("%Y-%m-%d %H:%M"),
                "who": locked.lifted_by,
            },
        )
    before = model_snapshot(locked, _LIFT_AUDITED)
    locked.lifted_at, locked.lifted_by, locked.lift_reason = timezone.now(), actor, reason
    locked.save(update_fields=[*_LIFT_AUDITED, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=model_snapshot(locked, _LIFT_AUDITED),
        ip_address=ip_address,
    )
    _entry_apply(enterprise=locked.enterprise, override=locked, lifted_by=actor)
    return locked


def _latest_basis() -> tuple[int, datetime.date]:
    """The data year and evaluation day of the latest completed run (else the latest year
    with data)."""
    run = (
        EvaluationRun.objects.filter(status=RunStatus.DONE)
        .order_by("-finished_at", "-id")
        .only("year", "as_of")
        .first()
    )
    if run is not None:
        return run.year, run.as_of
    year = registry_latest_data_year()
    return year, datetime.date(year, 12, 31)


def _computed(enterprise: Enterprise, rules: ListRules) -> tuple[str | None, set[str]]:
    """The stage and labels the rules give ``enterprise`` now (no overrides), from the facts
    of the latest completed run's data year (one small query per table)."""
    year, as_of = _latest_basis()
    row = build_facts_frame(year=year, as_of=as_of, enterprise_id=enterprise.pk)
    if not row.height:
        return None, set()
    computed = registry_compute(row, on=as_of, rules=rules).row(0, named=True)
    labels = {label.code for label in rules.labels if computed[f"label.{label.code}"]}
    return computed["stage"], labels


def _entry_apply(
    *, enterprise: Enterprise, override: RegistryOverride, lifted_by=None
) -> list[RegistryEvent]:
    """Bring the enterprise's entry in line with ``override`` just created (or just lifted,
    ``lifted_by``), through the list's one decision (``registry_decide``), recording each
    change. Only the override's target is judged anew (by the rules when lifted); the rest
    stays as the last run left it, so that the next run finds nothing more to change."""
    today = timezone.localdate()
    entry, _created = RegistryEntry.objects.select_for_update().get_or_create(enterprise=enterprise)
    rules = ListRules.load(on=_latest_basis()[1])
    stages = {stage.code: stage for stage in rules.stages}
    labels = {label.code: label for label in rules.labels}
    by_pk = {stage.pk: stage for stage in rules.stages}
    current = Placement(
        entry.on_list,
        by_pk[entry.stage_id].code if entry.stage_id in by_pk else None,
        frozenset(entry.labels.values_list("code", flat=True)),
    )
    stage, computed_labels = current.stage, set(current.labels)
    if lifted_by is not None and override.kind != OverrideKind.MEMBERSHIP:
        rules_stage, rules_labels = _computed(enterprise, rules)
        if override.kind == OverrideKind.STAGE:
            stage = rules_stage
        else:
            code = override_label(override).code
            (computed_labels.add if code in rules_labels else computed_labels.discard)(code)
    active = list(
        RegistryOverride.objects.filter(
            enterprise=enterprise, lifted_at__isnull=True
        ).select_related("stage", "label", "created_by")
    )
    decision = registry_decide(
        computed=Computed(stage, frozenset(computed_labels)),
        overrides=active,
        current=current,
        stages=stages,
        labels=labels,
        lifted=override if lifted_by is not None else None,
        lifted_by=lifted_by,
    )
    placement = decision.placement
    if placement.on_list != current.on_list or placement.stage != current.stage:
        entry.since = (entry.since if current.on_list else today) if placement.on_list else None
        entry.on_list, entry.stage = placement.on_list, stage_of(stages, placement.stage)
        entry.save(update_fields=["on_list", "stage", "since", "updated_at"])
    if placement.labels - current.labels:
        entry.labels.add(*[labels[c] for c in placement.labels - current.labels])
    if current.labels - placement.labels:
        entry.labels.remove(*[labels[c] for c in current.labels - placement.labels])
    return RegistryEvent.objects.bulk_create(
        registry_event(spec, enterprise_id=enterprise.pk, day=today, versions=rules.versions)
        for spec in decision.events
    )


# --- re-evaluation runs -------------------------------------------------------------------

FIRST_EVALUATION_YEAR = 2000


def _enqueue_reevaluation(*, run_id: int) -> None:
    from kejin.registry.tasks import registry_reevaluate_task

    registry_reevaluate_task.delay(run_id=run_id)


def _check_year(year) -> int:
    last = timezone.localdate().year
    if (
        not isinstance(year, int)
        or isinstance(year, bool)
        or not FIRST_EVALUATION_YEAR <= year <= last
    ):
        raise ApplicationError.invalid(
            {
                "year": [
                    _("数据年度应在%(first)s至%(last)s之间。")
                    % {"first": FIRST_EVALUATION_YEAR, "last": last}
                ]
            }
        )
    return year


def evaluation_run_fail_stale_runs() -> int:
    """Mark failed the runs whose worker died (no heartbeat for ``RUN_STALE_AFTER``), so
    that they show as failed and no longer block a new run. Returns how many."""
    return evaluation_run_fail_stale()


def registry_run_default_year() -> int:
    """The year a new run is offered for: the latest year with data for most enterprises."""
    return registry_latest_data_year()


def registry_run_preview(*, actor, year, limit: int = 200) -> RegistryPreview:
    """What a run for ``year`` would change — entries and exits with their reasons, counts
    of every change — without writing anything (city officers and platform admins)."""
    require(registry_can_run, user=actor)
    return registry_preview(year=_check_year(year), limit=limit)


#: How long a background preview is kept (it shows the list as it stood when computed).
PREVIEW_KEPT = datetime.timedelta(days=1)


def _enqueue_preview(*, preview_id: int, limit: int) -> None:
    from kejin.registry.tasks import registry_preview_task

    registry_preview_task.delay(preview_id=preview_id, limit=limit)


@transaction.atomic
def registry_preview_request(*, actor, year, limit: int = 200) -> EvaluationPreview:
    """Ask for a re-evaluation preview of ``year`` computed in the background, for a list too
    large to preview within a page request (city officers and platform admins). The
    officer's own preview of that year still being computed is returned as it is; otherwise
    a new one is queued and its task sent once this transaction commits (run in-process when
    no broker is configured). Previews older than ``PREVIEW_KEPT`` are deleted, stale ones
    failed. Nothing on the list changes, so nothing is audited."""
    require(registry_can_run, user=actor)
    year = _check_year(year)
    evaluation_preview_fail_stale()
    EvaluationPreview.objects.filter(created_at__lt=timezone.now() - PREVIEW_KEPT).delete()
    active = EvaluationPreview.objects.filter(
        requested_by=actor, year=year, status__in=RUN_ACTIVE_STATUSES
    ).first()
    if active is not None:
        return active
    preview = EvaluationPreview.objects.create(
        year=year, as_of=datetime.date(year, 12, 31), requested_by=actor
    )
    transaction.on_commit(
        partial(_enqueue_preview, preview_id=preview.pk, limit=limit), robust=True
    )
    return preview


def evaluation_preview_fail_stale_previews() -> int:
    """Mark failed the background previews whose worker died or never started (no heartbeat
    for ``PREVIEW_STALE_AFTER``), so that their page stops waiting. Returns how many."""
    return evaluation_preview_fail_stale()


_RUN_AUDITED = ["year", "as_of", "status", "triggered_by"]


@transaction.atomic
def registry_run_start(*, actor, year, ip_address: str | None = None) -> EvaluationRun:
    """Start a re-evaluation of the whole list for data year ``year`` (city officers and
    platform admins): creates the run (queued), audits the start, and sends the task with
    the run's id once this transaction commits (run in-process when no broker is
    configured). ``run_in_progress`` while another run is queued or running — the database
    holds one active run at most; a run whose worker died is failed first."""
    require(registry_can_run, user=actor)
    year = _check_year(year)
    run = evaluation_run_create(year=year, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=run,
        after=model_snapshot(run, _RUN_AUDITED),
        ip_address=ip_address,
    )
    # robust: in-process (eager) runs record their own failure; the request still succeeds.
    transaction.on_commit(partial(_enqueue_reevaluation, run_id=run.pk), robust=True)
    return run


# --- stages' and labels' rules ------------------------------------------------------------

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def rule_fact_names() -> dict[str, str]:
    """The names a stage's or label's rule may read, with what each is: every fact of the
    shared catalogue (``kejin.facts``: the enterprises' and the list's own) plus each
    recognition rule set's status (and score, where it has one)."""
    names = {
        name: f"{fact.label}（{fact.unit}）" if fact.unit else fact.label
        for name, fact in catalogue().items()
    }
    for ruleset in rulesets():
        names[f"{ruleset.id}.status"] = _("%(ruleset)s结果") % {"ruleset": ruleset.title}
        if ruleset.components:
            names[f"{ruleset.id}.score"] = _("%(ruleset)s得分") % {"ruleset": ruleset.title}
    return names


def _rule_schema() -> dict:
    schema = {name: fact.dtype for name, fact in catalogue().items()}
    for ruleset in rulesets():
        schema[f"{ruleset.id}.status"] = pl.Utf8
        if ruleset.components:
            schema[f"{ruleset.id}.score"] = pl.Int64
    return schema


def _node_name(node: str, labels: dict[str, Label]) -> str:
    if node == STAGE_NODE:
        return _("成长阶段")
    return _("标签“%(name)s”") % {"name": labels[node].name if node in labels else node}


def registry_rule_cycle(criteria, *, owner: GrowthStage | Label) -> str | None:
    """Why ``criteria`` as ``owner``'s rule would make the list's rules read themselves (a
    stage rule naming the stage, a label naming itself, or a cycle through other labels and
    the stage), in words; None when the rules can still be computed one after another."""
    rules = ListRules.load()
    labels = {label.code: label for label in rules.labels}
    codes = list(labels)
    reads = rules.reads()
    if isinstance(owner, GrowthStage):
        reads[STAGE_NODE] = rule_reads(criteria, codes)
        for stage in rules.stages:
            if stage.pk != owner.pk:
                reads[STAGE_NODE] |= rule_reads(rules.rule_of(stage), codes)
        node = STAGE_NODE
    else:
        node = owner.code
        reads[node] = rule_reads(criteria, codes)
        labels.setdefault(node, owner)
    if node in reads[node]:
        if node == STAGE_NODE:
            return _("成长阶段的规则不能引用成长阶段本身（registry_stage）。")
        return _(
            "%(owner)s的规则不能引用该标签本身（或引用全部名单标签、是否在库）。请改为引用其他标签。"
        ) % {"owner": _node_name(node, labels)}
    try:
        rule_order(reads)
    except ValueError as error:
        cycle = error.args[0]
        return _("规则之间不能循环引用：%(cycle)s。请删去其中一处引用。") % {
            "cycle": " → ".join(_node_name(n, labels) for n in cycle)
        }
    return None


def registry_rule_problem(criteria, *, owner: GrowthStage | Label | None = None) -> str | None:
    """What is wrong with a stage's or label's rule, in words an officer can act on, or None.

    The rule must be a JSON object (or ``true``/``false``) in the engine's JsonLogic subset,
    name only known facts (``rule_fact_names``), compute over the facts frame's types and,
    as ``owner``'s rule, not read itself through the list's facts (``registry_rule_cycle``).
    """
    if isinstance(criteria, bool):
        return None
    if not isinstance(criteria, dict):
        return _('规则应是一个JSON对象，例如 {"var": "high_tech_certificate_valid"}，或 true。')
    known = rule_fact_names()
    try:
        unknown = sorted(variables(criteria) - set(known))
        if unknown:
            return _("规则引用了未知的数据项：%(facts)s。请使用数据目录中的名称。") % {
                "facts": "、".join(unknown)
            }
        validate(criteria, known)
        expression = to_polars(criteria)
    except RuleError as error:
        return rule_error_message(error)
    try:
        pl.DataFrame(schema=_rule_schema()).lazy().select(expression.alias("rule")).collect()
    except pl.exceptions.PolarsError as error:
        return _("规则无法在企业数据上计算（例如把文字与数字比较）：%(error)s") % {
            "error": str(error).splitlines()[0]
        }
    if owner is not None:
        return registry_rule_cycle(criteria, owner=owner)
    return None


def _check_rule(criteria, *, allow_empty: bool, owner: GrowthStage | Label | None) -> None:
    if criteria is None and allow_empty:
        return
    if criteria is None:
        raise ApplicationError.invalid({"criteria": [_("请填写判定规则（成长阶段必须有规则）。")]})
    problem = registry_rule_problem(criteria, owner=owner)
    if problem:
        raise ApplicationError.invalid({"criteria": [problem]})


_STAGE_EDITABLE = frozenset({"name", "criteria", "description", "reference", "valid_from"})
_LABEL_EDITABLE = frozenset({"name", "criteria", "description", "reference", "order", "valid_from"})


def _only(data: dict, allowed: frozenset[str]) -> dict:
    refused = sorted(set(data) - allowed)
    if refused:
        raise ApplicationError.invalid({name: [_("该项不能修改。")] for name in refused})
    return data


@dataclass(frozen=True)
class RuleEdit:
    """What an edit of a stage or label wrote: the row, and the draft version its changed
    rule became (None when the rule stayed as it is)."""

    owner: Any
    draft: RegistryRuleVersion | None


def _edit(*, actor, owner, data: dict, allow_empty: bool, ip_address) -> RuleEdit:
    """Save ``owner``'s own fields; a changed rule becomes a draft version (the rule in
    force stays until an officer activates the draft)."""
    data = dict(data)
    valid_from = data.pop("valid_from", None)
    criteria = data.pop("criteria", owner.criteria)
    draft = None
    if criteria != owner.criteria:
        draft = _draft_create(
            actor=actor,
            owner=owner,
            document=criteria,
            allow_empty=allow_empty,
            valid_from=valid_from,
            reference=data.get("reference", owner.reference),
            ip_address=ip_address,
        )
    if data:
        owner = instance_save_audited(actor=actor, instance=owner, data=data, ip_address=ip_address)
    return RuleEdit(owner, draft)


@transaction.atomic
def growth_stage_update(
    *, actor, stage: GrowthStage, data: dict, ip_address: str | None = None
) -> RuleEdit:
    """Change a stage's name, description or reference (city officers); a changed rule
    (``criteria``, checked against the facts catalogue first) becomes a draft version from
    ``valid_from`` (today), activated once its worked cases pass. Audited."""
    require(registry_can_edit_rules, user=actor)
    data = _only(data, _STAGE_EDITABLE)
    locked = GrowthStage.objects.select_for_update().get(pk=stage.pk)
    return _edit(actor=actor, owner=locked, data=data, allow_empty=False, ip_address=ip_address)


@transaction.atomic
def label_create(*, actor, data: dict, ip_address: str | None = None) -> RuleEdit:
    """A new label (city officers), manual until a rule version is activated: with
    ``criteria`` its rule is drafted as version 1, to be given worked cases and activated.
    Audited."""
    require(registry_can_edit_rules, user=actor)
    data = _only(data, _LABEL_EDITABLE | {"code"})
    code = str(data.get("code") or "").strip()
    if not _CODE.match(code):
        raise ApplicationError.invalid(
            {
                "code": [
                    _("代码由2至32位小写字母、数字和下划线组成，以字母开头，如 specialised_sme。")
                ]
            }
        )
    criteria = data.pop("criteria", None)
    valid_from = data.pop("valid_from", None)
    _check_rule(criteria, allow_empty=True, owner=Label(code=code, name=data.get("name", code)))
    label = instance_save_audited(
        actor=actor, instance=Label(), data={**data, "code": code}, ip_address=ip_address
    )
    draft = None
    if criteria is not None:
        draft = _draft_create(
            actor=actor,
            owner=label,
            document=criteria,
            allow_empty=True,
            valid_from=valid_from,
            reference=label.reference,
            ip_address=ip_address,
        )
    return RuleEdit(label, draft)


@transaction.atomic
def label_update(*, actor, label: Label, data: dict, ip_address: str | None = None) -> RuleEdit:
    """Change a label's name, description, reference or order (city officers); its code
    never changes. A changed rule (None: manual) becomes a draft version. Audited."""
    require(registry_can_edit_rules, user=actor)
    data = _only(data, _LABEL_EDITABLE)
    locked = Label.objects.select_for_update().get(pk=label.pk)
    return _edit(actor=actor, owner=locked, data=data, allow_empty=True, ip_address=ip_address)


# --- rule versions --------------------------------------------------------------------------

_VERSION_AUDITED = [
    "stage",
    "label",
    "version",
    "valid_from",
    "valid_to",
    "reference",
    "parameters",
    "document",
    "worked_cases",
    "status",
]
_VERSION_EDITABLE = frozenset({"valid_from", "valid_to", "reference", "worked_cases"})


def _next_version(owner) -> str:
    numbers = [int(v) for v in owner.versions.values_list("version", flat=True) if str(v).isdigit()]
    return str(max(numbers, default=0) + 1)


def _draft_create(
    *, actor, owner, document, allow_empty: bool, valid_from, reference: str, ip_address
) -> RegistryRuleVersion:
    _check_rule(document, allow_empty=allow_empty, owner=owner)
    latest = owner.versions.order_by("-created_at", "-pk").first()
    version = RegistryRuleVersion(
        stage=owner if isinstance(owner, GrowthStage) else None,
        label=owner if isinstance(owner, Label) else None,
        version=_next_version(owner),
        valid_from=valid_from or timezone.localdate(),
        reference=reference or "",
        document=document,
        # The cases of the version before carry over: most still hold, the officer adapts them.
        worked_cases=list(latest.worked_cases) if latest is not None else [],
        created_by=actor,
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=version,
        after=model_snapshot(version, _VERSION_AUDITED),
        ip_address=ip_address,
    )
    return version


def _refuse_unless_draft(version: RegistryRuleVersion) -> None:
    if version.status != RuleVersionStatus.DRAFT:
        raise ApplicationError(
            ErrorCode.VERSION_NOT_DRAFT,
            _("版本 %(version)s 已是“%(status)s”状态，只有草稿可以修改或启用。")
            % {"version": version.version, "status": version.get_status_display()},
        )


def _clean_cases(cases) -> list[dict]:
    """Worked cases as stored: ``[{"name", "facts", "expect": {"condition.rule": bool}}]``."""
    if not isinstance(cases, list):
        raise ApplicationError.invalid({"worked_cases": [_("算例应是一个列表。")]})
    cleaned: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, case in enumerate(cases, start=1):
        name = str(case.get("name") or "").strip() if isinstance(case, dict) else ""
        expect = case.get("expect") if isinstance(case, dict) else None
        facts = case.get("facts") if isinstance(case, dict) else None
        name_problem = text_problem(name)
        if not name:
            problems.append(_("第%(n)s个算例：请填写名称。") % {"n": number})
        elif name_problem:
            problems.append(
                _("第%(n)s个算例的名称：%(problem)s") % {"n": number, "problem": name_problem}
            )
        elif not isinstance(facts, dict):
            problems.append(
                _("第%(n)s个算例“%(name)s”：数据应是一个对象。") % {"n": number, "name": name}
            )
        elif not isinstance(expect, dict) or not isinstance(expect.get("condition.rule"), bool):
            problems.append(
                _("第%(n)s个算例“%(name)s”：请选择预期结果（成立或不成立）。")
                % {"n": number, "name": name}
            )
        else:
            cleaned.append(
                {
                    "name": name,
                    "facts": facts,
                    "expect": {"condition.rule": expect["condition.rule"]},
                }
            )
    names = [case["name"] for case in cleaned]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(_("算例名称重复：%(names)s。") % {"names": "、".join(repeated)})
    if problems:
        raise ApplicationError.invalid({"worked_cases": problems})
    return cleaned


@transaction.atomic
def registry_rule_version_update(
    *, actor, version: RegistryRuleVersion, data: dict, ip_address: str | None = None
) -> RegistryRuleVersion:
    """Change a draft's validity, reference or worked cases (city officers); an active or
    retired version never changes (``version_not_draft``). Audited."""
    require(registry_can_edit_rules, user=actor)
    data = _only(dict(data), _VERSION_EDITABLE)
    locked = RegistryRuleVersion.objects.select_for_update().get(pk=version.pk)
    _refuse_unless_draft(locked)
    if "worked_cases" in data:
        data["worked_cases"] = _clean_cases(data["worked_cases"])
    if data.get("valid_to") and data.get("valid_from", locked.valid_from) > data["valid_to"]:
        raise ApplicationError.invalid({"valid_to": [_("失效日期不能早于生效日期。")]})
    return instance_save_audited(actor=actor, instance=locked, data=data, ip_address=ip_address)


@transaction.atomic
def registry_rule_version_activate(
    *, actor, version: RegistryRuleVersion, ip_address: str | None = None
) -> RegistryRuleVersion:
    """Activate a draft (city officers): its worked cases must all pass
    (``worked_cases_fail``, each failing case listed), its rule still compiles and reads no
    cycle, and no other active version may share a day with it (``versions_overlap``); the
    version in force on its first day is closed the day before. The stage's or label's
    ``criteria`` follows it when it is in force today. Audited."""
    require(registry_can_edit_rules, user=actor)
    owner = version.owner
    _refuse_unless_draft(version)
    if version.document is not None or isinstance(owner, GrowthStage):
        _check_rule(version.rule(), allow_empty=False, owner=owner)
    activated = rule_version_activate(version=version, actor=actor, ip_address=ip_address)
    if activated.is_valid_on(timezone.localdate()) and owner.criteria != activated.document:
        instance_save_audited(
            actor=actor,
            instance=owner,
            data={"criteria": activated.document},
            ip_address=ip_address,
        )
    return activated
