"""Serializers of the list's API (名单库): they only parse and format; the views call
``kejin.registry.selectors`` and ``kejin.registry.services``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kejin.core.api.fields import CLEAN_TEXT_FIELD_MAPPING, CleanTextField
from kejin.registry import selectors, services
from kejin.registry.choices import OverrideKind
from kejin.registry.models import (
    EvaluationRun,
    GrowthStage,
    Label,
    RecognitionResult,
    RegistryEvent,
    RegistryOverride,
    RegistryRuleVersion,
)


def _person(user) -> str | None:
    return str(user) if user is not None else None


class LabelRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["code", "name"]


class RecognitionResultSerializer(serializers.ModelSerializer):
    """The latest result of one recognition rule set."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = RecognitionResult
        fields = ["ruleset", "year", "status", "status_label", "score", "evaluated_at"]


class RegistryEntrySerializer(serializers.Serializer):
    """An enterprise's place on the list (``on_list`` false and no stage if never evaluated)."""

    enterprise_id = serializers.IntegerField(source="pk", read_only=True)
    uscc = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    county = serializers.CharField(source="county.code", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True)
    on_list = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField(help_text="成长阶段代码")
    stage_name = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField()
    since = serializers.SerializerMethodField(help_text="入库日期")
    recognitions = RecognitionResultSerializer(many=True, read_only=True)

    def _entry(self, enterprise):
        return selectors.registry_entry_of(enterprise)

    def get_on_list(self, enterprise) -> bool:
        entry = self._entry(enterprise)
        return bool(entry and entry.on_list)

    def get_stage(self, enterprise) -> str | None:
        entry = self._entry(enterprise)
        return entry.stage.code if entry and entry.stage else None

    def get_stage_name(self, enterprise) -> str | None:
        entry = self._entry(enterprise)
        return entry.stage.name if entry and entry.stage else None

    @extend_schema_field(LabelRefSerializer(many=True))
    def get_labels(self, enterprise):
        entry = self._entry(enterprise)
        return LabelRefSerializer(entry.labels.all() if entry else [], many=True).data

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_since(self, enterprise):
        entry = self._entry(enterprise)
        return entry.since.isoformat() if entry and entry.since else None


class RegistryEventSerializer(serializers.ModelSerializer):
    """One change on the list, with the rule or the officer behind it."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    officer = serializers.SerializerMethodField(help_text="做出人工调整的工作人员")

    class Meta:
        model = RegistryEvent
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "kind",
            "kind_label",
            "happened_on",
            "from_value",
            "to_value",
            "reason",
            "rule",
            "officer",
            "run",
        ]

    def get_officer(self, event) -> str | None:
        return _person(event.officer)


class RegistryOverrideSerializer(serializers.ModelSerializer):
    """An officer's override, active until lifted."""

    kind = serializers.CharField(read_only=True, help_text="membership、stage 或 label")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    label = serializers.SlugRelatedField(slug_field="code", read_only=True)
    description = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    lifted_by = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = RegistryOverride
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "kind",
            "kind_label",
            "value",
            "stage",
            "label",
            "description",
            "reason",
            "created_by",
            "created_at",
            "is_active",
            "lifted_at",
            "lifted_by",
            "lift_reason",
        ]

    def get_description(self, override) -> str:
        return selectors.registry_override_describe(override)

    def get_created_by(self, override) -> str | None:
        return _person(override.created_by)

    def get_lifted_by(self, override) -> str | None:
        return _person(override.lifted_by)


class RegistryOverrideCreateSerializer(serializers.Serializer):
    """What an override decides. ``membership``: ``value`` keeps the enterprise on (true) or
    off (false) the list; ``stage``: forces ``stage``; ``label``: gives (true) or withholds
    (false) ``label``."""

    enterprise = serializers.IntegerField(help_text="企业ID")
    kind = serializers.ChoiceField(choices=OverrideKind.choices)
    value = serializers.BooleanField(default=True)
    stage = serializers.SlugRelatedField(
        slug_field="code",
        queryset=GrowthStage.objects.all(),
        required=False,
        allow_null=True,
        help_text="成长阶段代码（kind=stage 时必填）",
    )
    label = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Label.objects.all(),
        required=False,
        allow_null=True,
        help_text="标签代码（kind=label 时必填）",
    )
    reason = CleanTextField(max_length=services.REASON_MAX_LENGTH)


class LiftSerializer(serializers.Serializer):
    reason = CleanTextField(max_length=services.REASON_MAX_LENGTH, help_text="解除原因")


class EvaluationRunSerializer(serializers.ModelSerializer):
    """A re-evaluation run; ``summary`` counts changes by event kind (plus
    ``recognition_changed``), city-wide."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    triggered_by = serializers.SerializerMethodField()
    summary = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = EvaluationRun
        fields = [
            "id",
            "year",
            "as_of",
            "status",
            "status_label",
            "triggered_by",
            "started_at",
            "finished_at",
            "enterprises",
            "changes",
            "summary",
            "error",
        ]

    def get_triggered_by(self, run) -> str | None:
        return _person(run.triggered_by)


class RunStartSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="数据年度")


class RunQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="评价批次ID")
    year = serializers.IntegerField()
    status = serializers.CharField(help_text="queued（排队中）；完成后为 done 或 failed")
    detail = serializers.CharField()


class PreviewChangeSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text="企业ID")
    enterprise_name = serializers.CharField()
    reason = serializers.CharField()


class RunPreviewSerializer(serializers.Serializer):
    """What a run would change, before it is started: counts by event kind (complete) and
    the first ``limit`` entries and exits with their reasons."""

    year = serializers.IntegerField()
    as_of = serializers.DateField()
    enterprises = serializers.IntegerField(help_text="评价企业数")
    with_data = serializers.IntegerField(help_text="其中有该年度数据的企业数")
    counts = serializers.DictField(child=serializers.IntegerField())
    limit = serializers.IntegerField()
    entries = PreviewChangeSerializer(many=True)
    exits = PreviewChangeSerializer(many=True)


class GrowthStageSerializer(serializers.ModelSerializer):
    """A growth stage: tried in ``order``; ``criteria`` is a JSON rule over the facts."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **CLEAN_TEXT_FIELD_MAPPING,
    }
    criteria = serializers.JSONField()

    class Meta:
        model = GrowthStage
        fields = ["code", "name", "order", "criteria", "description", "reference"]
        read_only_fields = ["code", "order"]


class LabelSerializer(serializers.ModelSerializer):
    """A label; ``criteria`` null means a manual label given by officers' overrides."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **CLEAN_TEXT_FIELD_MAPPING,
    }
    criteria = serializers.JSONField(allow_null=True, required=False)
    is_computed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Label
        fields = ["code", "name", "order", "criteria", "is_computed", "description", "reference"]
        extra_kwargs: dict[str, dict] = {"code": {"validators": []}}


class RuleVersionSerializer(serializers.ModelSerializer):
    """One dated version of a stage's or label's rule (read-only): ``document`` is the rule
    (null: a manual label), ``parameters`` named thresholds each with ``value`` and
    ``reference``, ``worked_cases`` facts in and the rule's outcome expected out."""

    created_by = serializers.StringRelatedField()
    activated_by = serializers.StringRelatedField()
    document = serializers.JSONField()
    parameters = serializers.JSONField()
    worked_cases = serializers.JSONField()

    class Meta:
        model = RegistryRuleVersion
        fields = [
            "id",
            "version",
            "status",
            "valid_from",
            "valid_to",
            "reference",
            "parameters",
            "document",
            "worked_cases",
            "pre_existing",
            "created_by",
            "created_at",
            "activated_by",
            "activated_at",
        ]
        read_only_fields = fields
