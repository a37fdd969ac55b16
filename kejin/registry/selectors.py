"""Reads of the tech-enterprise list (名单库), always for an acting user.

Who reads what:

- the list, its counts and export, overrides and re-evaluation runs: city officers and
  platform admins (everything), county officers (their county's enterprises; a run's events
  only for their county); anyone else is refused (``permission_denied``);
- one enterprise's membership and history (the panel, the history API): whoever may see the
  enterprise (``enterprise_get``: an enterprise user sees its own), 404 outside that scope;
  active overrides are shown to officers and platform admins only;
- stages and labels with their rules: every signed-in user (they are published criteria).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.enterprises.filters import EnterpriseFilterSet
from kejin.enterprises.models import Enterprise
from kejin.enterprises.selectors import enterprise_list
from kejin.registry.choices import OverrideKind, RunStatus
from kejin.registry.evaluation import RegistryPreview, override_label, override_stage
from kejin.registry.models import (
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
from kejin.registry.permissions import (
    registry_can_browse,
    registry_can_override,
    registry_can_read_rules,
    registry_can_run,
)

# --- who may do what ----------------------------------------------------------------------


def _require_browser(user) -> None:
    require(registry_can_browse, user=user)


# --- the list -----------------------------------------------------------------------------


def registry_filter_data(data: Mapping | None) -> QueryDict:
    """The list's filters with its default: only enterprises on the list unless ``on_list``
    is given (an empty ``on_list`` means on the list or not)."""
    query = QueryDict(mutable=True)
    if data is not None:
        if isinstance(data, QueryDict):
            query = data.copy()
        else:
            for key, value in data.items():
                query.setlist(key, value if isinstance(value, list) else [value])
    # A form sends every field, the empty ones too (``recognition=``, ``label=``): an empty
    # value means "any", never an invalid choice that would void every other filter.
    for key in list(query):
        if key == "on_list":
            continue
        values = [value for value in query.getlist(key) if str(value).strip()]
        if values:
            query.setlist(key, values)
        else:
            del query[key]
    if "on_list" not in query:
        query["on_list"] = "true"
    return query


def registry_entry_list(*, user, filters: Mapping | None = None) -> QuerySet[Enterprise]:
    """Enterprises with their list entry (stage, labels) and recognition results, in ``user``'s
    scope. With ``filters`` (a page's GET), the list's default (``registry_filter_data``) and
    ``EnterpriseFilterSet`` are applied, invalid filters ignored; without, nothing is filtered
    (the API filters with its backend, which reports invalid filters)."""
    _require_browser(user)
    queryset = enterprise_list(user=user).select_related("registry_entry__stage")
    queryset = queryset.prefetch_related(
        "registry_entry__labels",
        Prefetch(
            "recognitions",
            queryset=RecognitionResult.objects.order_by("ruleset"),
        ),
    )
    if filters is not None:
        data = registry_filter_data(filters)
        filterset = EnterpriseFilterSet(data, queryset=queryset)
        if not filterset.is_valid():
            # Ignore only the invalid filters (the page says which); the rest still apply.
            for name in filterset.errors:
                data.pop(name, None)
            filterset = EnterpriseFilterSet(data, queryset=queryset)
        queryset = filterset.qs if filterset.is_valid() else queryset.none()
    return queryset


@dataclass(frozen=True)
class RegistryCounts:
    """Enterprises on the list in a user's scope, in total, by stage and by label."""

    total: int
    stages: list[tuple[GrowthStage, int]]
    unstaged: int
    labels: list[tuple[Label, int]]


def registry_counts(*, user) -> RegistryCounts:
    """How many of the enterprises ``user`` may see are on the list, by stage and by label
    (four queries, whatever the size of the list)."""
    _require_browser(user)
    entries = RegistryEntry.objects.visible_to(user).filter(on_list=True)
    by_stage = dict(entries.values_list("stage").annotate(n=Count("pk")).order_by())
    through = RegistryEntry.labels.through
    by_label = dict(
        through.objects.filter(registryentry__in=entries.values("pk"))
        .values_list("label")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return RegistryCounts(
        total=sum(by_stage.values()),
        stages=[(stage, by_stage.get(stage.pk, 0)) for stage in GrowthStage.objects.all()],
        unstaged=by_stage.get(None, 0),
        labels=[(label, by_label.get(label.pk, 0)) for label in Label.objects.all()],
    )


def registry_entry_get(*, user, enterprise_id) -> Enterprise:
    """One enterprise with its entry, labels and recognition results; ``not_found`` outside
    the scope ``enterprise_get`` uses (``visible_to``: an enterprise user sees its own)."""
    enterprise = (
        Enterprise.objects.visible_to(user)
        .filter(pk=enterprise_id)
        .select_related("county", "industry", "zone", "registry_entry__stage")
        .prefetch_related(
            "registry_entry__labels",
            Prefetch(
                "recognitions",
                queryset=RecognitionResult.objects.order_by("ruleset"),
            ),
        )
        .first()
    )
    if enterprise is None:
        raise ApplicationError.not_found()
    return enterprise


def registry_entry_of(enterprise: Enterprise) -> RegistryEntry | None:
    """The enterprise's entry, or None if it has never been evaluated."""
    return getattr(enterprise, "registry_entry", None)


def registry_event_list(*, user, enterprise: Enterprise) -> QuerySet[RegistryEvent]:
    """The enterprise's list history, newest first (nothing if ``user`` may not see it)."""
    return (
        RegistryEvent.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .select_related("officer", "run")
        .order_by("-happened_on", "-id")
    )


def registry_override_describe(override: RegistryOverride) -> str:
    """What an override decides, for people: "名单：纳入", "成长阶段：成长期", "标签“上市后备”：具有"."""
    if override.kind == OverrideKind.MEMBERSHIP:
        return _("名单：纳入") if override.value else _("名单：移出")
    if override.kind == OverrideKind.STAGE:
        return _("成长阶段：%(stage)s") % {"stage": override_stage(override).name}
    if override.value:
        return _("标签“%(label)s”：具有") % {"label": override_label(override).name}
    return _("标签“%(label)s”：不具有") % {"label": override_label(override).name}


def registry_timeline(events) -> list[dict]:
    """Events with what their rule key refers to, by name: ``{"event", "rule"}``."""
    events = list(events)
    names = registry_rule_names() if any(event.rule for event in events) else {}
    return [{"event": event, "rule": names.get(event.rule, event.rule)} for event in events]


@dataclass
class RegistryPanel:
    """What the enterprise page shows about the enterprise's place on the list.

    ``recognitions``: ``{"title", "result"}`` per recognition rule set (result None if never
    evaluated); ``timeline``: ``{"event", "rule"}`` newest first; ``overrides``: the active
    ones as ``{"override", "what"}``, for officers and platform admins (``officer_view``).
    """

    enterprise: Enterprise
    entry: RegistryEntry | None
    labels: list[Label]
    recognitions: list[dict]
    timeline: list[dict]
    overrides: list[dict] = field(default_factory=list)
    officer_view: bool = False
    can_override: bool = False


def registry_panel_get(*, user, enterprise_id) -> RegistryPanel:
    """The enterprise's membership, stage, labels, recognition, history and (for officers and
    platform admins) active overrides; ``not_found`` outside ``user``'s scope."""
    from kejin.enterprises.recognition import rulesets

    enterprise = registry_entry_get(user=user, enterprise_id=enterprise_id)
    entry = registry_entry_of(enterprise)
    officer_view = registry_can_browse(user=user)
    overrides = []
    if officer_view:
        overrides = [
            {"override": override, "what": registry_override_describe(override)}
            for override in RegistryOverride.objects.visible_to(user)
            .filter(enterprise=enterprise, lifted_at__isnull=True)
            .select_related("stage", "label", "created_by")
            .order_by("-created_at", "-id")
        ]
    results = {result.ruleset: result for result in enterprise.recognitions.all()}
    return RegistryPanel(
        enterprise=enterprise,
        entry=entry,
        labels=list(entry.labels.all()) if entry else [],
        recognitions=[
            {"title": ruleset.title, "result": results.get(ruleset.id)} for ruleset in rulesets()
        ],
        timeline=registry_timeline(registry_event_list(user=user, enterprise=enterprise)),
        overrides=overrides,
        officer_view=officer_view,
        can_override=registry_can_override(user=user, obj=enterprise),
    )


# --- overrides ----------------------------------------------------------------------------

OVERRIDE_STATUSES = ("active", "lifted", "all")


def registry_override_list(*, user, filters: Mapping | None = None) -> QuerySet[RegistryOverride]:
    """Overrides on the enterprises ``user`` may see, newest first. ``filters``: ``status``
    (``active`` — the default —, ``lifted`` or ``all``), ``enterprise`` (id), ``kind``; an
    invalid value is an ``invalid`` error naming the filter."""
    _require_browser(user)
    queryset = (
        RegistryOverride.objects.visible_to(user)
        .select_related("enterprise__county", "stage", "label", "created_by", "lifted_by")
        .order_by("-created_at", "-id")
    )
    filters = filters or {}
    problems: dict[str, list[str]] = {}
    status = filters.get("status") or "active"
    if status not in OVERRIDE_STATUSES:
        problems["status"] = [_("状态应为 active（生效中）、lifted（已解除）或 all（全部）。")]
    elif status == "active":
        queryset = queryset.filter(lifted_at__isnull=True)
    elif status == "lifted":
        queryset = queryset.filter(lifted_at__isnull=False)
    enterprise = str(filters.get("enterprise") or "")
    if enterprise and not (enterprise.isascii() and enterprise.isdigit() and len(enterprise) <= 18):
        problems["enterprise"] = [_("企业ID应为数字。")]
    elif enterprise:
        queryset = queryset.filter(enterprise_id=int(enterprise))
    kind = filters.get("kind")
    if kind and kind not in OverrideKind.values:
        problems["kind"] = [_("调整类型无效，应为 membership、stage 或 label。")]
    elif kind:
        queryset = queryset.filter(kind=kind)
    if problems:
        raise ApplicationError.invalid(problems)
    return queryset


def registry_override_get(*, user, pk) -> RegistryOverride:
    """One override on an enterprise ``user`` may see, or ``not_found``."""
    _require_browser(user)
    override = (
        RegistryOverride.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("enterprise__county", "stage", "label", "created_by", "lifted_by")
        .first()
    )
    if override is None:
        raise ApplicationError.not_found()
    return override


# --- re-evaluation runs -------------------------------------------------------------------


def evaluation_run_list(*, user) -> QuerySet[EvaluationRun]:
    """Re-evaluation runs, newest first (the run's own totals are city-wide figures)."""
    _require_browser(user)
    return (
        EvaluationRun.objects.visible_to(user)
        .select_related("triggered_by")
        .order_by("-started_at", "-id")
    )


def registry_preview_in_background() -> bool:
    """Whether a re-evaluation preview is too large to compute within a page request: the
    list has more enterprises than ``settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX`` (see
    docs/performance.md, "Re-evaluation preview", for the bound)."""
    return Enterprise.objects.count() > settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX


def registry_preview_get(*, user, pk) -> EvaluationPreview:
    """A background preview ``user`` asked for; ``not_found`` for anyone else's (and for
    those who may not start runs, ``permission_denied``)."""
    require(registry_can_run, user=user)
    preview = EvaluationPreview.objects.filter(pk=pk, requested_by=user).first()
    if preview is None:
        raise ApplicationError.not_found()
    return preview


def registry_preview_result(stored: EvaluationPreview) -> RegistryPreview | None:
    """A background preview's result, once it is done."""
    if stored.status != RunStatus.DONE or stored.result is None:
        return None
    return RegistryPreview.from_json(stored.result)


def evaluation_run_get(*, user, pk) -> EvaluationRun:
    _require_browser(user)
    run = (
        EvaluationRun.objects.visible_to(user).select_related("triggered_by").filter(pk=pk).first()
    )
    if run is None:
        raise ApplicationError.not_found()
    return run


def evaluation_run_event_list(
    *, user, run: EvaluationRun, kind: str | None = None
) -> QuerySet[RegistryEvent]:
    """The changes a run recorded on enterprises ``user`` may see, optionally of one kind."""
    _require_browser(user)
    queryset = (
        RegistryEvent.objects.visible_to(user)
        .filter(run=run)
        .select_related("enterprise__county", "officer")
        .order_by("enterprise__name", "enterprise_id", "id")
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def evaluation_run_event_counts(*, user, run: EvaluationRun) -> dict[str, int]:
    """The run's changes on enterprises ``user`` may see, counted by kind."""
    events = evaluation_run_event_list(user=user, run=run)
    return dict(events.values_list("kind").annotate(n=Count("pk")).order_by())


# --- stages and labels --------------------------------------------------------------------


def _require_signed_in(user) -> None:
    require(registry_can_read_rules, user=user)


def growth_stage_list(*, user) -> QuerySet[GrowthStage]:
    """The growth stages in the order they are tried."""
    _require_signed_in(user)
    return GrowthStage.objects.order_by("order", "code")


def growth_stage_get(*, user, code: str) -> GrowthStage:
    _require_signed_in(user)
    stage = GrowthStage.objects.filter(code=code).first()
    if stage is None:
        raise ApplicationError.not_found()
    return stage


def label_list(*, user) -> QuerySet[Label]:
    """The list's labels in display order."""
    _require_signed_in(user)
    return Label.objects.order_by("order", "code")


def registry_fact_choices() -> dict[str, dict[str, str]]:
    """How the list's coded facts read: ``registry_stage`` and ``registry_labels`` values by
    name (for ``kejin.enterprises.eligibility.fact_labels``; two queries)."""
    return {
        "registry_stage": dict(GrowthStage.objects.order_by("order").values_list("code", "name")),
        "registry_labels": dict(
            Label.objects.order_by("order", "code").values_list("code", "name")
        ),
    }


def registry_rule_names() -> dict[str, str]:
    """What the rule keys of list events (``labels``, ``stage:growth``, ``label:tech_sme``)
    refer to, by name (two queries)."""
    names = {"labels": _("名单标签"), "stage": _("成长阶段规则")}
    for stage in GrowthStage.objects.all():
        names[f"stage:{stage.code}"] = _("成长阶段规则：%(name)s") % {"name": stage.name}
    for label in Label.objects.all():
        names[f"label:{label.code}"] = _("标签规则：%(name)s") % {"name": label.name}
    return names


def label_get(*, user, code: str) -> Label:
    _require_signed_in(user)
    label = Label.objects.filter(code=code).first()
    if label is None:
        raise ApplicationError.not_found()
    return label


# --- rule versions --------------------------------------------------------------------------


def registry_rule_version_list(
    *, user, owner: GrowthStage | Label
) -> QuerySet[RegistryRuleVersion]:
    """A stage's or label's rule versions, newest validity first, with who drafted and
    activated each (the list's readers)."""
    _require_signed_in(user)
    return owner.versions.select_related("created_by", "activated_by", "stage", "label").order_by(
        "-valid_from", "-pk"
    )


def registry_rule_version_get(*, user, pk: int) -> RegistryRuleVersion:
    """One rule version (404 when there is none)."""
    _require_signed_in(user)
    version = (
        RegistryRuleVersion.objects.select_related("created_by", "activated_by", "stage", "label")
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise ApplicationError.not_found()
    return version
