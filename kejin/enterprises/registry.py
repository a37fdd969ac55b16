"""The list's re-evaluation: recognition, growth stage and labels for every enterprise.

``registry_compute`` is pure polars over a facts frame (vectorised; benchmarked).
``registry_reevaluate`` reads the facts in chunks, computes, applies officers' active
overrides, compares with the stored state and writes **only the changes** — recognition
results, list entries, labels — each change as a :class:`RegistryEvent` with its reason and
the rule or officer behind it. Each chunk commits atomically; the run records its summary.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kejin.enterprises.choices import OverrideKind, RegistryEventKind, RunStatus
from kejin.enterprises.facts import iter_facts_frames
from kejin.enterprises.models import (
    EvaluationRun,
    GrowthStage,
    Label,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
)
from kejin.enterprises.recognition import recognition_evaluate_frame, rulesets_on
from kejin.rules.expressions import to_polars


@dataclass(frozen=True)
class ListRules:
    """The stages (in order) and labels in force, compiled once per run."""

    stages: tuple[GrowthStage, ...]
    labels: tuple[Label, ...]

    @classmethod
    def load(cls) -> ListRules:
        return cls(tuple(GrowthStage.objects.order_by("order")), tuple(Label.objects.all()))

    def stage_expression(self) -> pl.Expr:
        chain: list = []
        for stage in self.stages:
            chain += [stage.criteria, stage.code]
        chain.append(None)
        return (
            to_polars({"if": chain}).cast(pl.Utf8).alias("stage")
            if self.stages
            else pl.lit(None, pl.Utf8).alias("stage")
        )

    def label_expressions(self) -> list[pl.Expr]:
        return [
            (
                to_polars(label.criteria).cast(pl.Boolean).fill_null(False)
                if label.is_computed
                else pl.lit(False)
            ).alias(f"label.{label.code}")
            for label in self.labels
        ]


def registry_compute(facts: pl.DataFrame, *, on: datetime.date, rules: ListRules) -> pl.DataFrame:
    """Recognition statuses and scores, stage and computed labels for every row of ``facts``."""
    recognition = recognition_evaluate_frame(facts, on=on)
    joined = facts.lazy().join(recognition.lazy(), on="enterprise_id", how="left")
    return joined.select(
        "enterprise_id",
        *recognition.columns[1:],
        rules.stage_expression(),
        *rules.label_expressions(),
    ).collect()


def registry_reevaluate(
    *, year: int, as_of: datetime.date | None = None, actor=None, chunk_size: int = 50_000
) -> EvaluationRun:
    """Re-evaluate every enterprise for data year ``year``; records only what changed."""
    as_of = as_of or datetime.date(year, 12, 31)
    run = EvaluationRun.objects.create(
        year=year, as_of=as_of, triggered_by=actor if getattr(actor, "pk", None) else None
    )
    rules = ListRules.load()
    summary: Counter = Counter()
    try:
        # Event reasons are stored text: always in the platform's language, whoever runs it.
        with translation.override(settings.LANGUAGE_CODE):
            for facts in iter_facts_frames(year=year, as_of=as_of, chunk_size=chunk_size):
                computed = registry_compute(facts, on=as_of, rules=rules)
                with transaction.atomic():
                    _apply_chunk(computed, run=run, rules=rules, summary=summary, as_of=as_of)
                run.enterprises += computed.height
    except Exception as exc:
        run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.changes = sum(summary.values())
    run.summary = dict(summary)
    run.save()
    return run


def _apply_chunk(
    computed: pl.DataFrame, *, run: EvaluationRun, rules: ListRules, summary: Counter, as_of
) -> None:
    ids = computed["enterprise_id"].to_list()
    lo, hi = min(ids), max(ids)
    overrides = {
        (o.enterprise_id, o.kind, o.label_id): o
        for o in RegistryOverride.objects.filter(
            enterprise_id__gte=lo, enterprise_id__lte=hi, lifted_at__isnull=True
        ).select_related("stage", "label", "created_by")
    }
    _write_recognition(computed, run=run, lo=lo, hi=hi, summary=summary)
    _write_list(computed, run=run, rules=rules, overrides=overrides, lo=lo, hi=hi, summary=summary)


def _write_recognition(computed: pl.DataFrame, *, run, lo: int, hi: int, summary: Counter) -> None:
    current = {
        (r.enterprise_id, r.ruleset): (r.status, r.score, r.year)
        for r in RecognitionResult.objects.filter(
            enterprise_id__gte=lo, enterprise_id__lte=hi
        ).only("enterprise_id", "ruleset", "status", "score", "year")
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
            if current.get((enterprise_id, ruleset.id)) != (status, score, run.year):
                changed.append(
                    RecognitionResult(
                        enterprise_id=enterprise_id,
                        ruleset=ruleset.id,
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
        update_fields=["status", "score", "year", "run", "evaluated_at"],
    )
    summary["recognition_changed"] += len(changed)


@dataclass
class _Decision:
    """What the list should say about one enterprise, and why."""

    on_list: bool
    stage: str | None
    labels: set[str]
    membership_override: RegistryOverride | None
    stage_override: RegistryOverride | None
    label_overrides: dict[str, RegistryOverride]


def _decide(
    enterprise_id: int, stage: str | None, computed_labels: set[str], overrides: dict, labels: dict
) -> _Decision:
    """Apply the enterprise's active overrides to the computed stage and labels."""
    wanted = set(computed_labels)
    label_overrides = {}
    for code, label in labels.items():
        override = overrides.get((enterprise_id, OverrideKind.LABEL, label.pk))
        if override is not None:
            (wanted.add if override.value else wanted.discard)(code)
            label_overrides[code] = override
    stage_override = overrides.get((enterprise_id, OverrideKind.STAGE, None))
    if stage_override is not None:
        stage = stage_override.stage.code
    membership = overrides.get((enterprise_id, OverrideKind.MEMBERSHIP, None))
    on_list = membership.value if membership is not None else bool(wanted)
    return _Decision(on_list, stage, wanted, membership, stage_override, label_overrides)


def _event(
    enterprise_id, kind, reason, rule, override, *, run, day, from_value="", to_value=""
) -> RegistryEvent:
    """A list event; an override's reason and officer replace the rule's."""
    return RegistryEvent(
        enterprise_id=enterprise_id,
        kind=kind,
        happened_on=day,
        from_value=from_value,
        to_value=to_value,
        reason=(override.reason if override else reason)[:255],
        rule="" if override else rule,
        officer=override.created_by if override else None,
        run=run,
    )


def _events_for(
    enterprise_id,
    decision: _Decision,
    before_on,
    before_stage,
    before_labels,
    *,
    stages,
    labels,
    run,
    day,
):
    events = []
    if decision.on_list != before_on:
        if decision.on_list:
            names = (
                "、".join(
                    labels[c].name for c in sorted(decision.labels, key=lambda c: labels[c].order)
                )
                or "—"
            )
            reason, kind = (
                _("具有名单标签：%(labels)s") % {"labels": names},
                RegistryEventKind.ENTRY,
            )
            values = {"to_value": _("在库")}
        else:
            reason, kind, values = (
                _("不再具有任何名单标签"),
                RegistryEventKind.EXIT,
                {"from_value": _("在库")},
            )
        events.append(
            _event(
                enterprise_id,
                kind,
                reason,
                "labels",
                decision.membership_override,
                run=run,
                day=day,
                **values,
            )
        )
    if decision.stage != before_stage:
        stage = stages.get(decision.stage)
        reason = (
            _("按成长阶段规则判定为%(stage)s") % {"stage": stage.name}
            if stage
            else _("数据不足，无法判定成长阶段")
        )
        events.append(
            _event(
                enterprise_id,
                RegistryEventKind.STAGE_CHANGE,
                reason,
                f"stage:{decision.stage}" if decision.stage else "stage",
                decision.stage_override,
                run=run,
                day=day,
                from_value=stages[before_stage].name if before_stage in stages else "",
                to_value=stage.name if stage else "",
            )
        )
    for code in sorted(decision.labels - before_labels):
        reason = _("符合“%(label)s”判定规则") % {"label": labels[code].name}
        override = decision.label_overrides.get(code)
        events.append(
            _event(
                enterprise_id,
                RegistryEventKind.LABEL_ADDED,
                reason,
                f"label:{code}",
                override,
                run=run,
                day=day,
                to_value=labels[code].name,
            )
        )
    for code in sorted(before_labels - decision.labels):
        reason = _("不再符合“%(label)s”判定规则") % {"label": labels[code].name}
        override = decision.label_overrides.get(code)
        events.append(
            _event(
                enterprise_id,
                RegistryEventKind.LABEL_REMOVED,
                reason,
                f"label:{code}",
                override,
                run=run,
                day=day,
                from_value=labels[code].name,
            )
        )
    return events


def _write_list(
    computed, *, run, rules: ListRules, overrides: dict, lo: int, hi: int, summary: Counter
) -> None:
    today = timezone.localdate()
    stages = {s.code: s for s in rules.stages}
    labels = {label.code: label for label in rules.labels}
    entries = {
        e.enterprise_id: e
        for e in RegistryEntry.objects.filter(
            enterprise_id__gte=lo, enterprise_id__lte=hi
        ).select_related("stage")
    }
    through = RegistryEntry.labels.through
    held: dict[int, set[str]] = {}
    for enterprise_id, code in through.objects.filter(
        registryentry__enterprise__gte=lo, registryentry__enterprise__lte=hi
    ).values_list("registryentry__enterprise", "label__code"):
        held.setdefault(enterprise_id, set()).add(code)

    events: list[RegistryEvent] = []
    new_entries, changed_entries, label_adds, label_removes = [], [], [], []
    for row in computed.select(
        "enterprise_id", "stage", *[f"label.{code}" for code in labels]
    ).iter_rows():
        enterprise_id = row[0]
        computed_labels = {code for code, has in zip(labels, row[2:], strict=True) if has}
        decision = _decide(enterprise_id, row[1], computed_labels, overrides, labels)
        entry = entries.get(enterprise_id)
        before_on = entry.on_list if entry else False
        before_stage = entry.stage.code if entry and entry.stage else None
        before_labels = held.get(enterprise_id, set())
        events += _events_for(
            enterprise_id,
            decision,
            before_on,
            before_stage,
            before_labels,
            stages=stages,
            labels=labels,
            run=run,
            day=today,
        )
        if entry is None:
            new_entries.append(
                RegistryEntry(
                    enterprise_id=enterprise_id,
                    on_list=decision.on_list,
                    stage=stages.get(decision.stage),
                    since=today if decision.on_list else None,
                )
            )
        elif decision.on_list != before_on or decision.stage != before_stage:
            entry.since = (entry.since if before_on else today) if decision.on_list else None
            entry.on_list, entry.stage = decision.on_list, stages.get(decision.stage)
            changed_entries.append(entry)
        label_adds += [(enterprise_id, labels[c].pk) for c in decision.labels - before_labels]
        label_removes += [(enterprise_id, labels[c].pk) for c in before_labels - decision.labels]

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
