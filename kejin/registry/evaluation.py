"""The list's re-evaluation: recognition, growth stage and labels for every enterprise.

``registry_compute`` is pure polars over a facts frame (vectorised; benchmarked).
``registry_decide`` is the one pure decision: from what the rules compute, the active
overrides and the current entry, where the enterprise stands and which events say why. Both
the re-evaluation and an override's immediate effect (``kejin.registry.services``) call it.
``registry_reevaluate`` reads the facts in chunks, computes, decides, and writes **only the
changes** — recognition results, list entries, labels — each change as a
:class:`RegistryEvent` with its reason and the rule or officer behind it. Each chunk commits
atomically; the run beats a heartbeat and records its summary. ``registry_preview`` decides
the same way and writes nothing: the entries and exits a run would record.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.enterprises.choices import RecognitionStatus
from kejin.enterprises.facts import iter_facts_frames
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.recognition import recognition_evaluate_frame, rulesets_on
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import active_on
from kejin.ingest.leases import Lease, LeaseLost
from kejin.registry.choices import OverrideKind, RegistryEventKind, RunStatus
from kejin.registry.fact_source import fetch_registry_facts
from kejin.registry.models import (
    RUN_ACTIVE_STATUSES,
    EvaluationPreview,
    EvaluationRun,
    GrowthStage,
    Label,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
    RegistryRuleVersion,
)
from kejin.rules.expressions import to_polars, variables

#: The list's own facts (``kejin.registry.fact_source``) that a stage's or label's rule may
#: name: inside a run they hold what this same evaluation gives (rules, in dependency order),
#: so a label may build on another label or on the stage; ``registry_since`` is the entry's.
LIST_FACTS = ("registry_on_list", "registry_stage", "registry_labels")
STAGE_NODE = "stage"


def rule_reads(rule: Any, label_codes: Iterable[str]) -> set[str]:
    """What of the list a rule reads: ``"stage"`` and the label codes it names. A label is
    named by ``{"in": ["<code>", {"var": "registry_labels"}]}``; any other reading of the
    labels (or of ``registry_on_list``, which follows every label) reads them all."""
    codes = set(label_codes)
    names = variables(rule) if isinstance(rule, dict) else set()
    reads = {STAGE_NODE} if "registry_stage" in names else set()
    if "registry_on_list" in names:
        reads |= codes
    if "registry_labels" in names:
        named, other = _labels_named(rule)
        reads |= codes if other else named & codes
    return reads


def _labels_named(rule: Any) -> tuple[set[str], bool]:
    """The label codes ``rule`` tests membership of, and whether it reads the labels in any
    other way."""
    if isinstance(rule, list):
        found: set[str] = set()
        other = False
        for item in rule:
            named, more = _labels_named(item)
            found |= named
            other |= more
        return found, other
    if not isinstance(rule, dict) or len(rule) != 1:
        return set(), False
    ((op, args),) = rule.items()
    if (
        op == "in"
        and isinstance(args, list)
        and len(args) == 2
        and isinstance(args[0], str)
        and args[1] == {"var": "registry_labels"}
    ):
        return {args[0]}, False
    if op == "var":
        return set(), args in ("registry_labels", ["registry_labels"])
    return _labels_named(args)


def rule_order(reads: Mapping[str, set[str]]) -> list[str]:
    """The stage (``"stage"``) and labels in an order where each comes after what it reads;
    ValueError naming the cycle when there is none."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == "done":
            return
        if state.get(node) == "visiting":
            cycle = path[path.index(node) :] + [node]
            raise ValueError(cycle)
        state[node] = "visiting"
        for needed in sorted(reads.get(node, ())):
            visit(needed, [*path, node])
        state[node] = "done"
        order.append(node)

    for node in sorted(reads, key=lambda n: (n != STAGE_NODE, n)):
        visit(node, [])
    return order


@dataclass(frozen=True)
class ListRules:
    """The stages (in order) and labels, with the rule of each in force on the evaluation
    day and the version it comes from, compiled once per run.

    ``rules`` maps ``stage:<code>`` / ``label:<code>`` to the rule in force (a stage or
    label without any stored version is judged by its ``criteria``; one whose versions are
    none in force that day has no rule: the stage is skipped, the label not computed).
    """

    stages: tuple[GrowthStage, ...]
    labels: tuple[Label, ...]
    rules: Mapping[str, Any] | None = None
    versions: Mapping[str, RegistryRuleVersion] = field(default_factory=dict)

    @classmethod
    def load(cls, *, on: datetime.date | None = None) -> ListRules:
        """The stages and labels with the rule versions in force on ``on`` (today)."""
        on = on or timezone.localdate()
        stages = tuple(GrowthStage.objects.order_by("order"))
        labels = tuple(Label.objects.all())
        versioned = set(
            RegistryRuleVersion.objects.exclude(status=RuleVersionStatus.DRAFT).values_list(
                "stage_id", "label_id"
            )
        )
        in_force = {
            (v.stage_id, v.label_id): v
            for v in RegistryRuleVersion.objects.filter(active_on(on)).select_related(
                "stage", "label"
            )
        }
        rules: dict[str, Any] = {}
        versions: dict[str, RegistryRuleVersion] = {}
        owners: list[tuple[str, GrowthStage | Label, tuple[int | None, int | None]]] = [
            *((f"stage:{s.code}", s, (s.pk, None)) for s in stages),
            *((f"label:{lb.code}", lb, (None, lb.pk)) for lb in labels),
        ]
        for key, owner, pair in owners:
            version = in_force.get(pair)
            if version is not None:
                rules[key], versions[key] = version.rule(), version
            elif pair not in versioned:
                rules[key] = owner.criteria
            else:
                rules[key] = None
        return cls(stages, labels, rules, versions)

    def rule_of(self, owner: GrowthStage | Label) -> Any:
        key = f"{'stage' if isinstance(owner, GrowthStage) else 'label'}:{owner.code}"
        return owner.criteria if self.rules is None else self.rules.get(key)

    def computed_labels(self) -> tuple[Label, ...]:
        return tuple(label for label in self.labels if self.rule_of(label) is not None)

    def names(self, fact: str) -> bool:
        """Whether any rule in force names ``fact``."""
        owners: tuple[GrowthStage | Label, ...] = (*self.stages, *self.labels)
        return any(
            isinstance(rule, dict) and fact in variables(rule)
            for rule in (self.rule_of(owner) for owner in owners)
        )

    def reads(self) -> dict[str, set[str]]:
        """What the stage (all stages together) and each label read of the list."""
        codes = [label.code for label in self.labels]
        stage_reads: set[str] = set()
        for stage in self.stages:
            stage_reads |= rule_reads(self.rule_of(stage), codes)
        return {
            STAGE_NODE: stage_reads,
            **{label.code: rule_reads(self.rule_of(label), codes) for label in self.labels},
        }

    def stage_expression(self) -> pl.Expr:
        chain: list = []
        for stage in self.stages:
            rule = self.rule_of(stage)
            if rule is not None:
                chain += [rule, stage.code]
        chain.append(None)
        return (
            to_polars({"if": chain}).cast(pl.Utf8).alias("stage")
            if len(chain) > 1
            else pl.lit(None, pl.Utf8).alias("stage")
        )

    def label_expression(self, label: Label) -> pl.Expr:
        rule = self.rule_of(label)
        return (
            to_polars(rule).cast(pl.Boolean).fill_null(False) if rule is not None else pl.lit(False)
        ).alias(f"label.{label.code}")

    def label_expressions(self) -> list[pl.Expr]:
        return [self.label_expression(label) for label in self.labels]


def _list_columns(done: list[str], *, stage_done: bool) -> list[pl.Expr]:
    """The list's facts as this evaluation has placed the enterprise so far: the labels and
    stage computed before, each overridden by an officer's active override (so a manual
    label given by an officer counts), and membership as ``registry_decide`` decides it."""
    held = [
        pl.when(pl.coalesce(pl.col(f"override.label.{code}"), pl.col(f"label.{code}"))).then(
            pl.lit(code)
        )
        for code in sorted(done)
    ]
    labels = (
        pl.concat_list(held).list.drop_nulls() if held else pl.lit([], dtype=pl.List(pl.Utf8))
    ).alias("registry_labels")
    stage = pl.col("stage") if stage_done else pl.lit(None, pl.Utf8)
    return [
        labels,
        pl.coalesce(pl.col("override.on_list"), labels.list.len() > 0).alias("registry_on_list"),
        pl.coalesce(pl.col("override.stage"), stage).alias("registry_stage"),
    ]


def _override_columns(ids: pl.Series, label_codes: list[str]) -> pl.DataFrame:
    """Officers' active overrides of the enterprises with ids in ``ids``' range, one row
    each: ``override.on_list``, ``override.stage`` and ``override.label.<code>`` (null where
    no override decides it). One query."""
    rows: dict[int, dict[str, Any]] = {}
    for enterprise_id, kind, value, stage, label in RegistryOverride.objects.filter(
        enterprise_id__gte=ids.min(), enterprise_id__lte=ids.max(), lifted_at__isnull=True
    ).values_list("enterprise_id", "kind", "value", "stage__code", "label__code"):
        row = rows.setdefault(enterprise_id, {})
        if kind == OverrideKind.MEMBERSHIP:
            row["override.on_list"] = value
        elif kind == OverrideKind.STAGE:
            row["override.stage"] = stage
        else:
            row[f"override.label.{label}"] = value
    schema: dict[str, Any] = {
        "enterprise_id": pl.Int64,
        "override.on_list": pl.Boolean,
        "override.stage": pl.Utf8,
        **{f"override.label.{code}": pl.Boolean for code in label_codes},
    }
    return (
        pl.DataFrame(
            [{"enterprise_id": pk, **row} for pk, row in rows.items()], schema=schema, orient="row"
        )
        if rows
        else pl.DataFrame(schema=schema)
    )


def registry_compute(facts: pl.DataFrame, *, on: datetime.date, rules: ListRules) -> pl.DataFrame:
    """Recognition statuses and scores, stage and computed labels for every row of ``facts``.

    When a rule names the list's own facts (``LIST_FACTS``), the stage and labels are
    computed in dependency order and each rule reads where this evaluation has placed the
    enterprise so far, officers' active overrides included (the output columns stay what
    the rules give; ``registry_decide`` applies the overrides to them afterwards)."""
    recognition = recognition_evaluate_frame(facts, on=on)
    joined = facts.lazy().join(recognition.lazy(), on="enterprise_id", how="left")
    if rules.names("registry_since") and "registry_since" not in facts.columns and facts.height:
        # The entry's date as it stands (the list's fact source), for the rows of this chunk.
        first_id, last_id = facts.select(
            pl.col("enterprise_id").min().alias("first"),
            pl.col("enterprise_id").max().alias("last"),
        ).row(0)
        since = fetch_registry_facts(
            first_id=first_id, last_id=last_id, as_of=on, year=on.year
        ).select("enterprise_id", "registry_since")
        joined = joined.join(since.lazy(), on="enterprise_id", how="left")
    reads = rules.reads()
    if not any(reads.values()) or not facts.height:
        return joined.select(
            "enterprise_id",
            *recognition.columns[1:],
            rules.stage_expression(),
            *rules.label_expressions(),
        ).collect()
    by_code = {label.code: label for label in rules.labels}
    overrides = _override_columns(facts["enterprise_id"], list(by_code))
    frame = joined.join(overrides.lazy(), on="enterprise_id", how="left")
    done: list[str] = []
    stage_done = False
    for node in rule_order(reads):
        frame = frame.with_columns(_list_columns(done, stage_done=stage_done))
        if node == STAGE_NODE:
            frame, stage_done = frame.with_columns(rules.stage_expression()), True
        else:
            frame = frame.with_columns(rules.label_expression(by_code[node]))
            done.append(node)
    return frame.select(
        "enterprise_id",
        *recognition.columns[1:],
        "stage",
        *(f"label.{label.code}" for label in rules.labels),
    ).collect()


# --- the one decision -----------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """What the rules give one enterprise: its stage and labels, and for each label the rules
    do not give it, why not (in words: "科技型中小企业评价：数据不足；无2024年度数据")."""

    stage: str | None
    labels: frozenset[str]
    why_not: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Placement:
    """Where an enterprise stands on the list: on it or not, its stage and its labels."""

    on_list: bool
    stage: str | None
    labels: frozenset[str]


NOWHERE = Placement(False, None, frozenset())


def override_stage(override: RegistryOverride) -> GrowthStage:
    """The stage a ``stage`` override forces (``override_target_matches_kind`` holds one)."""
    if override.stage is None:
        raise ValueError(f"a {override.kind!r} override has no stage")
    return override.stage


def override_label(override: RegistryOverride) -> Label:
    """The label a ``label`` override decides (``override_target_matches_kind`` holds one)."""
    if override.label is None:
        raise ValueError(f"a {override.kind!r} override has no label")
    return override.label


def stage_of(stages: Mapping[str, GrowthStage], code: str | None) -> GrowthStage | None:
    """The stage with ``code`` of ``stages``; None for no stage or one not (or no longer) there."""
    return None if code is None else stages.get(code)


@dataclass(frozen=True)
class EventSpec:
    """A list event to write: its kind, values, reason and the rule or officer behind it."""

    kind: str
    reason: str
    rule: str
    officer: Any = None
    from_value: str = ""
    to_value: str = ""


@dataclass(frozen=True)
class Decision:
    """Where the enterprise should stand, and the events that record the move there."""

    placement: Placement
    events: tuple[EventSpec, ...]


def registry_decide(
    *,
    computed: Computed,
    overrides: Iterable[RegistryOverride],
    current: Placement,
    stages: Mapping[str, GrowthStage],
    labels: Mapping[str, Label],
    lifted: RegistryOverride | None = None,
    lifted_by: Any = None,
) -> Decision:
    """The list's one decision for one enterprise (pure: reads only what it is given).

    ``overrides`` are the enterprise's active ones (their ``stage``, ``label`` and
    ``created_by`` loaded); each wins over ``computed`` on its target, and its reason and
    officer explain the change. ``lifted`` (with ``lifted_by``) is an override just lifted:
    the change on its target is explained as its lifting. Membership follows the labels
    unless a membership override decides it. Events come in a fixed order: entry or exit,
    stage, labels added, labels removed.
    """
    membership = stage_override = None
    label_overrides: dict[str, RegistryOverride] = {}
    for override in overrides:
        if override.kind == OverrideKind.MEMBERSHIP:
            membership = override
        elif override.kind == OverrideKind.STAGE:
            stage_override = override
        else:
            label_overrides[override_label(override).code] = override

    wanted = set(computed.labels)
    for code, override in label_overrides.items():
        (wanted.add if override.value else wanted.discard)(code)
    stage = override_stage(stage_override).code if stage_override is not None else computed.stage
    on_list = membership.value if membership is not None else bool(wanted)
    placement = Placement(on_list, stage, frozenset(wanted))

    def by(override, rule: str, lifted_kind: str, label_code: str | None = None):
        """Attribution: the override in force, else the lifting of ``lifted``, else the rule."""
        if override is not None:
            return {"reason": override.reason, "rule": "", "officer": override.created_by}
        if (
            lifted is not None
            and lifted.kind == lifted_kind
            and (label_code is None or override_label(lifted).code == label_code)
        ):
            reason = _("解除人工调整：%(reason)s") % {"reason": lifted.lift_reason}
            return {"reason": reason, "rule": rule, "officer": lifted_by}
        return None

    def name_of(code: str) -> str:
        return labels[code].name if code in labels else code

    events: list[EventSpec] = []
    if on_list != current.on_list:
        attribution = by(membership, "labels", OverrideKind.MEMBERSHIP)
        if attribution is None:
            if on_list:
                names = "、".join(
                    name_of(c) for c in sorted(wanted, key=lambda c: (labels[c].order, c))
                )
                attribution = {
                    "reason": _("具有名单标签：%(labels)s") % {"labels": names or "—"},
                    "rule": "labels",
                    "officer": None,
                }
            else:
                attribution = {
                    "reason": _exit_reason(
                        current.labels - wanted, computed, label_overrides, lifted, name_of
                    ),
                    "rule": "labels",
                    "officer": None,
                }
        if on_list:
            events.append(EventSpec(RegistryEventKind.ENTRY, to_value=_("在库"), **attribution))
        else:
            events.append(EventSpec(RegistryEventKind.EXIT, from_value=_("在库"), **attribution))
    if stage != current.stage:
        rule = f"stage:{stage}" if stage else "stage"
        new_stage, old_stage = stage_of(stages, stage), stage_of(stages, current.stage)
        attribution = by(stage_override, rule, OverrideKind.STAGE)
        if attribution is None:
            reason = (
                _("按成长阶段规则判定为%(stage)s") % {"stage": new_stage.name}
                if new_stage is not None
                else _("数据不足，无法判定成长阶段")
            )
            attribution = {"reason": reason, "rule": rule, "officer": None}
        events.append(
            EventSpec(
                RegistryEventKind.STAGE_CHANGE,
                from_value=old_stage.name if old_stage is not None else "",
                to_value=new_stage.name if new_stage is not None else "",
                **attribution,
            )
        )
    for code in sorted(wanted - current.labels):
        rule = f"label:{code}"
        attribution = by(label_overrides.get(code), rule, OverrideKind.LABEL, code) or {
            "reason": _("符合“%(label)s”判定规则") % {"label": name_of(code)},
            "rule": rule,
            "officer": None,
        }
        events.append(
            EventSpec(RegistryEventKind.LABEL_ADDED, to_value=name_of(code), **attribution)
        )
    for code in sorted(current.labels - wanted):
        rule = f"label:{code}"
        attribution = by(label_overrides.get(code), rule, OverrideKind.LABEL, code)
        if attribution is None:
            reason = _("不再符合“%(label)s”判定规则") % {"label": name_of(code)}
            if computed.why_not.get(code):
                reason = f"{reason}（{computed.why_not[code]}）"
            attribution = {"reason": reason, "rule": rule, "officer": None}
        events.append(
            EventSpec(RegistryEventKind.LABEL_REMOVED, from_value=name_of(code), **attribution)
        )
    return Decision(placement, tuple(events))


def _exit_reason(lost, computed: Computed, label_overrides, lifted, name_of) -> str:
    """Why an enterprise leaves the list by its labels: each label it lost, and why."""
    parts = []
    for code in sorted(lost):
        override = label_overrides.get(code)
        if override is not None:
            why = _("人工调整：%(reason)s") % {"reason": override.reason}
        elif (
            lifted is not None
            and lifted.kind == OverrideKind.LABEL
            and override_label(lifted).code == code
        ):
            why = _("解除人工调整：%(reason)s") % {"reason": lifted.lift_reason}
        else:
            why = computed.why_not.get(code) or _("不再符合判定规则")
        parts.append(f"{name_of(code)}（{why}）")
    if not parts:
        return _("不再具有任何名单标签")
    return _("不再具有任何名单标签：%(lost)s") % {"lost": "；".join(parts)}


def _why_not_explainer(rules: ListRules, *, year: int):
    """A function (row, has data) -> {label code: why the rules do not give it}: the
    recognition results the label's rule reads, and a missing year of facts."""
    from kejin.enterprises.recognition import rulesets

    titles = {ruleset.id: ruleset.title for ruleset in rulesets()}
    statuses = dict(RecognitionStatus.choices)
    reads: dict[str, list[str]] = {}
    for label in rules.labels:
        rule = rules.rule_of(label)
        if rule is not None:
            names = variables(rule) if isinstance(rule, dict) else set()
            reads[label.code] = sorted(
                name.removesuffix(".status")
                for name in names
                if name.endswith(".status") and name.removesuffix(".status") in titles
            )

    def status_text(value: Any) -> str:
        """A recognition status in words ("—" when there is none)."""
        return str(statuses.get(value, value)) if value else "—"

    def explain(row: Mapping[str, Any], has_data: bool) -> dict[str, str]:
        why = {}
        for code, ruleset_ids in reads.items():
            parts = [
                _("%(ruleset)s：%(status)s")
                % {"ruleset": titles[r], "status": status_text(row.get(f"{r}.status"))}
                for r in ruleset_ids
            ]
            if not has_data:
                parts.append(_("无%(year)s年度数据") % {"year": year})
            why[code] = "；".join(str(part) for part in parts)
        return why

    return explain


# --- runs -----------------------------------------------------------------------------------

#: A run whose worker has not beaten its heartbeat for this long is dead (chunks of 50,000
#: enterprises take well under a minute).
RUN_STALE_AFTER = datetime.timedelta(minutes=30)


#: A run's worker claims it (queued -> running), beats ``heartbeat_at`` after every chunk and
#: finishes it only while it still runs (``kejin.ingest.leases``).
RUN_LEASE = Lease(
    EvaluationRun,
    pending=RunStatus.QUEUED,
    running=RunStatus.RUNNING,
    failed=RunStatus.FAILED,
    started_field="started_at",
    reason_field="error",
    stale_after=RUN_STALE_AFTER,
)
#: A queued run that no worker picked up is stale from its start: the same lease over the
#: queued state (it has no heartbeat, so it counts from ``started_at``).
_QUEUED_LEASE = replace(RUN_LEASE, pending=None, running=RunStatus.QUEUED)


def evaluation_run_fail_stale() -> int:
    """Mark failed the active runs whose worker stopped beating (a queued run that no worker
    picked up counts from its start). Returns how many. Safe to call anywhere, any time."""
    with translation.override(settings.LANGUAGE_CODE):
        message = _("工作进程已停止响应（超过%(minutes)s分钟无心跳），本批次已标记为失败。") % {
            "minutes": int(RUN_STALE_AFTER.total_seconds() // 60)
        }
    return len(RUN_LEASE.expire_stale(reason=message)) + len(
        _QUEUED_LEASE.expire_stale(reason=message)
    )


def run_in_progress_error(run: EvaluationRun | None) -> ApplicationError:
    """``run_in_progress``: another run holds the one active slot."""
    if run is None:
        return ApplicationError(
            ErrorCode.RUN_IN_PROGRESS, _("另一评价批次刚刚已发起，请等其完成后再发起。")
        )
    return ApplicationError(
        ErrorCode.RUN_IN_PROGRESS,
        _("评价批次 #%(id)s（%(year)s年度）正在进行，开始于%(when)s，请等其完成后再发起。")
        % {
            "id": run.pk,
            "year": run.year,
            "when": timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M"),
        },
    )


def evaluation_run_create(
    *, year: int, as_of: datetime.date | None = None, actor=None, status: str = RunStatus.QUEUED
) -> EvaluationRun:
    """A new active run, or ``run_in_progress`` while another one is queued or running (the
    database's one-active-run index decides; dead runs are failed first)."""
    evaluation_run_fail_stale()
    try:
        with transaction.atomic():
            return EvaluationRun.objects.create(
                year=year,
                as_of=as_of or datetime.date(year, 12, 31),
                triggered_by=actor if getattr(actor, "pk", None) else None,
                status=status,
                heartbeat_at=timezone.now() if status == RunStatus.RUNNING else None,
            )
    except IntegrityError:
        active = EvaluationRun.objects.filter(status__in=RUN_ACTIVE_STATUSES).first()
        raise run_in_progress_error(active) from None


def registry_latest_data_year() -> int:
    """The latest data year with facts for most enterprises: the latest year whose count of
    enterprises with facts is at least half the best-covered year's (a year only a few have
    started filling in is not "the latest year"); last year when there are no facts."""
    counts = dict(
        AnnualFacts.objects.values_list("year").annotate(n=Count("enterprise_id")).order_by()
    )
    if not counts:
        return timezone.localdate().year - 1
    best = max(counts.values())
    return max(year for year, n in counts.items() if n * 2 >= best)


def _beat(run: EvaluationRun) -> None:
    """The worker is alive; a run marked failed meanwhile (taken for dead) stops here."""
    if not RUN_LEASE.renew(run.pk, enterprises=run.enterprises):
        raise LeaseLost(run.pk)


def registry_reevaluate(
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    actor=None,
    chunk_size: int = 50_000,
    run: EvaluationRun | None = None,
) -> EvaluationRun:
    """Re-evaluate every enterprise for data year ``year``; records only what changed.

    With ``run`` (queued by ``registry_run_start``), claims it (queued -> running, a
    conditional update: a second delivery of the task does nothing and returns it);
    without, creates a running one (``run_in_progress`` if another is active).
    """
    if run is None:
        if year is None:
            raise ValueError("registry_reevaluate needs a year or a run")
        run = evaluation_run_create(year=year, as_of=as_of, actor=actor, status=RunStatus.RUNNING)
    else:
        claimed = RUN_LEASE.claim(run.pk)
        run.refresh_from_db()
        if not claimed:
            return run
    year, as_of = run.year, run.as_of
    rules = ListRules.load(on=as_of)
    summary: Counter = Counter()
    try:
        # Event reasons are stored text: always in the platform's language, whoever runs it.
        with translation.override(settings.LANGUAGE_CODE):
            for facts in iter_facts_frames(year=year, as_of=as_of, chunk_size=chunk_size):
                computed = registry_compute(facts, on=as_of, rules=rules)
                with transaction.atomic():
                    _apply_chunk(computed, run=run, rules=rules, summary=summary, as_of=as_of)
                run.enterprises += computed.height
                _beat(run)
    except LeaseLost:
        raise  # taken for dead and failed meanwhile: the run says so already
    except Exception as exc:
        run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.changes = sum(summary.values())
    run.summary = dict(summary)
    RUN_LEASE.finish(
        run.pk,
        status=run.status,
        finished_at=run.finished_at,
        enterprises=run.enterprises,
        changes=run.changes,
        summary=run.summary,
    )
    return run


def _apply_chunk(
    computed: pl.DataFrame, *, run: EvaluationRun, rules: ListRules, summary: Counter, as_of
) -> None:
    ids = computed["enterprise_id"].to_list()
    lo, hi = min(ids), max(ids)
    _write_recognition(computed, run=run, lo=lo, hi=hi, summary=summary)
    _write_list(computed, run=run, rules=rules, lo=lo, hi=hi, summary=summary)


def _write_recognition(computed: pl.DataFrame, *, run, lo: int, hi: int, summary: Counter) -> None:
    current = {
        (r.enterprise_id, r.ruleset): (r.status, r.score, r.year, r.ruleset_version)
        for r in RecognitionResult.objects.filter(
            enterprise_id__gte=lo, enterprise_id__lte=hi
        ).only("enterprise_id", "ruleset", "status", "score", "year", "ruleset_version")
    }
    changed = []
    for ruleset in rulesets_on(run.as_of):
        score_column = f"{ruleset.id}.score" if f"{ruleset.id}.score" in computed.columns else None
        columns = ["enterprise_id", f"{ruleset.id}.status"] + (
            [score_column] if score_column else []
        )
        for row in computed.select(columns).iter_rows():
            enterprise_id, status = row[0], row[1]
            score = row[2] if score_column else None
            if current.get((enterprise_id, ruleset.id)) != (
                status,
                score,
                run.year,
                ruleset.version,
            ):
                changed.append(
                    RecognitionResult(
                        enterprise_id=enterprise_id,
                        ruleset=ruleset.id,
                        ruleset_version=ruleset.version,
                        year=run.year,
                        status=status,
                        score=score,
                        run=run,
                    )
                )
    RecognitionResult.objects.bulk_create(
        changed,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["enterprise", "ruleset"],
        update_fields=["status", "score", "year", "ruleset_version", "run", "evaluated_at"],
    )
    summary["recognition_changed"] += len(changed)


@dataclass
class _ChunkDecision:
    enterprise_id: int
    entry: RegistryEntry | None
    current: Placement
    decision: Decision


def _decide_chunk(
    computed: pl.DataFrame, *, year: int, rules: ListRules, lo: int, hi: int
) -> Iterator[_ChunkDecision]:
    """The decision for every enterprise of a computed chunk, with its current entry."""
    stages = {s.code: s for s in rules.stages}
    labels = {label.code: label for label in rules.labels}
    overrides: dict[int, list[RegistryOverride]] = {}
    for override in RegistryOverride.objects.filter(
        enterprise_id__gte=lo, enterprise_id__lte=hi, lifted_at__isnull=True
    ).select_related("stage", "label", "created_by"):
        overrides.setdefault(override.enterprise_id, []).append(override)
    entries = {
        e.enterprise_id: e
        for e in RegistryEntry.objects.filter(
            enterprise_id__gte=lo, enterprise_id__lte=hi
        ).select_related("stage")
    }
    held: dict[int, set[str]] = {}
    for enterprise_id, code in RegistryEntry.labels.through.objects.filter(
        registryentry__enterprise__gte=lo, registryentry__enterprise__lte=hi
    ).values_list("registryentry__enterprise", "label__code"):
        held.setdefault(enterprise_id, set()).add(code)
    with_data = set(
        AnnualFacts.objects.filter(
            year=year, enterprise_id__gte=lo, enterprise_id__lte=hi
        ).values_list("enterprise_id", flat=True)
    )
    explain = _why_not_explainer(rules, year=year)
    label_columns = [f"label.{code}" for code in labels]
    for row in computed.iter_rows(named=True):
        enterprise_id = row["enterprise_id"]
        computed_labels = frozenset(
            code for code, column in zip(labels, label_columns, strict=True) if row[column]
        )
        why_not = explain(row, enterprise_id in with_data)
        entry = entries.get(enterprise_id)
        current = (
            Placement(
                entry.on_list,
                entry.stage.code if entry.stage else None,
                frozenset(held.get(enterprise_id, ())),
            )
            if entry
            else NOWHERE
        )
        decision = registry_decide(
            computed=Computed(row["stage"], computed_labels, why_not),
            overrides=overrides.get(enterprise_id, ()),
            current=current,
            stages=stages,
            labels=labels,
        )
        yield _ChunkDecision(enterprise_id, entry, current, decision)


def registry_event(
    spec: EventSpec,
    *,
    enterprise_id: int,
    day,
    run=None,
    versions: Mapping[str, RegistryRuleVersion] | None = None,
) -> RegistryEvent:
    """The RegistryEvent (unsaved) of a decided ``spec``, naming the rule version behind it
    (``versions``: ``ListRules.versions``, by rule)."""
    return RegistryEvent(
        enterprise_id=enterprise_id,
        kind=spec.kind,
        happened_on=day,
        from_value=spec.from_value,
        to_value=spec.to_value,
        reason=str(spec.reason)[:255],
        rule=spec.rule,
        rule_version=(versions or {}).get(spec.rule),
        officer=spec.officer,
        run=run,
    )


def _write_list(computed, *, run, rules: ListRules, lo: int, hi: int, summary: Counter) -> None:
    today = timezone.localdate()
    stages = {s.code: s for s in rules.stages}
    labels = {label.code: label for label in rules.labels}
    through = RegistryEntry.labels.through
    events: list[RegistryEvent] = []
    new_entries, changed_entries, label_adds, label_removes = [], [], [], []
    for item in _decide_chunk(computed, year=run.year, rules=rules, lo=lo, hi=hi):
        enterprise_id, entry, current = item.enterprise_id, item.entry, item.current
        placement = item.decision.placement
        events += [
            registry_event(
                spec, enterprise_id=enterprise_id, day=today, run=run, versions=rules.versions
            )
            for spec in item.decision.events
        ]
        if entry is None:
            new_entries.append(
                RegistryEntry(
                    enterprise_id=enterprise_id,
                    on_list=placement.on_list,
                    stage=stage_of(stages, placement.stage),
                    since=today if placement.on_list else None,
                )
            )
        elif placement.on_list != current.on_list or placement.stage != current.stage:
            entry.since = (entry.since if current.on_list else today) if placement.on_list else None
            entry.on_list, entry.stage = placement.on_list, stage_of(stages, placement.stage)
            changed_entries.append(entry)
        label_adds += [(enterprise_id, labels[c].pk) for c in placement.labels - current.labels]
        label_removes += [(enterprise_id, labels[c].pk) for c in current.labels - placement.labels]

    RegistryEntry.objects.bulk_create(new_entries, batch_size=2000)
    RegistryEntry.objects.bulk_update(
        changed_entries, ["on_list", "stage", "since"], batch_size=2000
    )
    entry_ids = dict(
        RegistryEntry.objects.filter(enterprise_id__gte=lo, enterprise_id__lte=hi).values_list(
            "enterprise_id", "pk"
        )
    )
    through.objects.bulk_create(
        [through(registryentry_id=entry_ids[e], label_id=label_id) for e, label_id in label_adds],
        batch_size=2000,
    )
    for enterprise_id, label_id in label_removes:
        through.objects.filter(
            registryentry_id=entry_ids[enterprise_id], label_id=label_id
        ).delete()
    RegistryEvent.objects.bulk_create(events, batch_size=2000)
    summary.update(event.kind for event in events)


# --- preview --------------------------------------------------------------------------------


@dataclass
class RegistryPreview:
    """What a run for ``year`` would change on the list, before it is committed.

    ``counts``: events by kind; ``entries`` and ``exits``: ``(enterprise_id, reason)``, the
    first ``limit`` of each (the counts are complete); ``with_data``: enterprises with facts
    for the year, of ``enterprises`` evaluated.
    """

    year: int
    as_of: datetime.date
    enterprises: int = 0
    with_data: int = 0
    counts: Counter = field(default_factory=Counter)
    entries: list[tuple[int, str]] = field(default_factory=list)
    exits: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The preview as stored by a background preview (``EvaluationPreview.result``)."""
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "enterprises": self.enterprises,
            "with_data": self.with_data,
            "counts": {str(kind): count for kind, count in self.counts.items()},
            "entries": [[pk, reason] for pk, reason in self.entries],
            "exits": [[pk, reason] for pk, reason in self.exits],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegistryPreview:
        return cls(
            year=int(data["year"]),
            as_of=datetime.date.fromisoformat(data["as_of"]),
            enterprises=int(data["enterprises"]),
            with_data=int(data["with_data"]),
            counts=Counter({str(kind): int(n) for kind, n in data["counts"].items()}),
            entries=[(int(pk), str(reason)) for pk, reason in data["entries"]],
            exits=[(int(pk), str(reason)) for pk, reason in data["exits"]],
        )


def registry_preview(
    *,
    year: int,
    as_of: datetime.date | None = None,
    limit: int = 200,
    chunk_size: int = 50_000,
    on_chunk: Callable[[], object] | None = None,
) -> RegistryPreview:
    """The entries and exits (with their reasons) and other changes a run for ``year`` would
    record now, deciding exactly as the run does; writes nothing. ``on_chunk`` is called
    after each chunk of enterprises (a background preview beats its heartbeat there)."""
    as_of = as_of or datetime.date(year, 12, 31)
    rules = ListRules.load(on=as_of)
    preview = RegistryPreview(year=year, as_of=as_of)
    with translation.override(settings.LANGUAGE_CODE):
        for facts in iter_facts_frames(year=year, as_of=as_of, chunk_size=chunk_size):
            if on_chunk is not None and preview.enterprises:
                on_chunk()
            computed = registry_compute(facts, on=as_of, rules=rules)
            ids = computed["enterprise_id"].to_list()
            preview.enterprises += len(ids)
            for item in _decide_chunk(computed, year=year, rules=rules, lo=min(ids), hi=max(ids)):
                for spec in item.decision.events:
                    preview.counts[spec.kind] += 1
                    if spec.kind == RegistryEventKind.ENTRY and len(preview.entries) < limit:
                        preview.entries.append((item.enterprise_id, str(spec.reason)))
                    elif spec.kind == RegistryEventKind.EXIT and len(preview.exits) < limit:
                        preview.exits.append((item.enterprise_id, str(spec.reason)))
    preview.with_data = AnnualFacts.objects.filter(year=year).count()
    return preview


# --- background previews ------------------------------------------------------------------

#: A background preview whose worker has not beaten its heartbeat for this long (or that no
#: worker picked up this long after it was asked for) is failed: a chunk of 50,000
#: enterprises takes about 8 s (docs/performance.md, "Re-evaluation preview").
PREVIEW_STALE_AFTER = datetime.timedelta(minutes=10)
PREVIEW_LEASE = Lease(
    EvaluationPreview,
    pending=RunStatus.QUEUED,
    running=RunStatus.RUNNING,
    failed=RunStatus.FAILED,
    reason_field="error",
    stale_after=PREVIEW_STALE_AFTER,
)
_QUEUED_PREVIEW_LEASE = replace(PREVIEW_LEASE, pending=None, running=RunStatus.QUEUED)


def evaluation_preview_fail_stale() -> int:
    """Mark failed the background previews whose worker stopped (or never started)."""
    with translation.override(settings.LANGUAGE_CODE):
        message = _("后台计算超过%(minutes)s分钟未完成，预览已停止，请重新预览。") % {
            "minutes": int(PREVIEW_STALE_AFTER.total_seconds() // 60)
        }
    return len(PREVIEW_LEASE.expire_stale(reason=message)) + len(
        _QUEUED_PREVIEW_LEASE.expire_stale(reason=message)
    )


def evaluation_preview_compute(preview_id: int, *, limit: int) -> None:
    """Carry out the queued background preview ``preview_id``: claim it, compute (beating
    its heartbeat after each chunk) and store the result, or the error. A second delivery
    (or one for a preview already failed as stale) does nothing."""
    if not PREVIEW_LEASE.claim(preview_id):
        return
    preview = EvaluationPreview.objects.get(pk=preview_id)
    try:
        result = registry_preview(
            year=preview.year,
            as_of=preview.as_of,
            limit=limit,
            on_chunk=lambda: PREVIEW_LEASE.renew(preview_id),
        )
    except Exception as error:
        with translation.override(settings.LANGUAGE_CODE):
            message = _("预览计算失败：%(error)s") % {"error": error}
        with contextlib.suppress(LeaseLost):  # expired meanwhile: already failed
            PREVIEW_LEASE.finish(
                preview_id, status=RunStatus.FAILED, error=message, finished_at=timezone.now()
            )
        raise
    with contextlib.suppress(LeaseLost):  # expired meanwhile: the officer was told to ask again
        PREVIEW_LEASE.finish(
            preview_id, status=RunStatus.DONE, result=result.as_json(), finished_at=timezone.now()
        )
