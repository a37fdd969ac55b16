"""Serializers of the publishing API: they parse and format; the services validate (codes,
amounts, the rule and the benefit formula by the engine) and say what is wrong per field."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kejin.policies.choices import ApplicationPeriod, PolicyScheme
from kejin.policies.models import Policy, PolicyAttachment, PolicyEvent, PolicyVersion
from kejin.policies.policy_rules import formula_lines, policy_rule_lines


class PolicyVersionSerializer(serializers.ModelSerializer):
    """One version: the eligibility ``rule`` (JSON, null: none) and ``rule_text`` (in words),
    targeting, ``parameters`` (each ``{"value", "reference", "label"}``), the benefit
    formula and ``benefit_text``, caps and budget (yuan), application ``inputs``, period,
    working-day ``deadline_days``, worked cases and the validity."""

    counties = serializers.SerializerMethodField()
    rule = serializers.JSONField(source="document", allow_null=True)
    status = serializers.CharField(help_text="draft | active | retired")
    rule_text = serializers.SerializerMethodField()
    benefit_text = serializers.SerializerMethodField()

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "version",
            "status",
            "valid_from",
            "valid_to",
            "rule",
            "rule_text",
            "reference",
            "counties",
            "tiers",
            "labels",
            "parameters",
            "benefit_formula",
            "benefit_text",
            "benefit_reference",
            "cap_per_enterprise_year",
            "cap_per_loan",
            "cap_per_institution_year",
            "budget",
            "inputs",
            "period",
            "deadline_days",
            "worked_cases",
            "notes",
            "activated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    )
    def get_counties(self, version) -> list[dict]:
        return [{"code": r.code, "name": r.name} for r in version.counties.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_rule_text(self, version) -> list[str]:
        return policy_rule_lines(version.document, version.parameters)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_benefit_text(self, version) -> list[str]:
        return formula_lines(version.benefit_formula, version.parameters, version.inputs)


class PolicyEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    version = serializers.CharField(source="version.version", default=None, allow_null=True)
    from_status = serializers.CharField(help_text="draft | published | expired (empty: new)")
    to_status = serializers.CharField(help_text="draft | published | expired")

    class Meta:
        model = PolicyEvent
        fields = ["action", "from_status", "to_status", "version", "actor", "comment", "at"]
        read_only_fields = fields


class PolicyAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = PolicyAttachment
        fields = ["id", "name", "size", "content_type", "sha256", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_url(self, attachment) -> str:
        return reverse("policies:policy_attachment", args=[attachment.policy_id, attachment.pk])


class PolicySerializer(serializers.ModelSerializer):
    """A policy as listed: its text's identity, categories, validity and status."""

    region = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    scheme_display = serializers.CharField(source="get_scheme_display")
    live_version = serializers.IntegerField(source="live_version_id", allow_null=True)
    status = serializers.CharField(help_text="draft | published | expired")

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "doc_number",
            "issuers",
            "region",
            "summary",
            "categories",
            "scheme",
            "scheme_display",
            "valid_from",
            "valid_to",
            "status",
            "published_at",
            "live_version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_region(self, policy) -> dict | None:
        if policy.region_id is None:
            return None
        return {"code": policy.region.code, "name": policy.region.name}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, policy) -> list[str]:
        return [c.code for c in policy.categories.all()]


class PolicyDetailSerializer(PolicySerializer):
    """A policy with its full text, state, the live version, attachments; for officers also
    the draft version, every version and the history."""

    state = serializers.SerializerMethodField()
    full_text = serializers.CharField()
    live = serializers.SerializerMethodField()
    draft_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    attachments = PolicyAttachmentSerializer(many=True)
    history = serializers.SerializerMethodField()

    class Meta(PolicySerializer.Meta):
        fields = [
            *PolicySerializer.Meta.fields,
            "full_text",
            "state",
            "live",
            "draft_version",
            "versions",
            "attachments",
            "history",
        ]
        read_only_fields = fields

    def _insider(self) -> bool:
        return bool(self.context.get("insider"))

    @extend_schema_field(serializers.CharField())
    def get_state(self, policy) -> str:
        return self.context["state"]

    @extend_schema_field(PolicyVersionSerializer(allow_null=True))
    def get_live(self, policy) -> dict | None:
        view = self.context["view"]
        return PolicyVersionSerializer(view.live).data if view.live else None

    @extend_schema_field(PolicyVersionSerializer(allow_null=True))
    def get_draft_version(self, policy) -> dict | None:
        view = self.context["view"]
        if view.draft is None or not self._insider():
            return None
        return PolicyVersionSerializer(view.draft).data

    @extend_schema_field(PolicyVersionSerializer(many=True))
    def get_versions(self, policy) -> list:
        view = self.context["view"]
        versions = (
            view.versions if self._insider() else [v for v in view.versions if v is view.live]
        )
        return PolicyVersionSerializer(versions, many=True).data

    @extend_schema_field(PolicyEventSerializer(many=True))
    def get_history(self, policy) -> list:
        if not self._insider():
            return []
        return PolicyEventSerializer(policy.events.all(), many=True).data


class PolicyWriteSerializer(serializers.Serializer):
    """A policy's text and a version's terms; on update only the keys given change (the
    text only before the first publication). ``region`` a county's id (null: city-wide);
    ``categories`` category codes; dates ``YYYY-MM-DD``; amounts in yuan; ``counties``
    region ids (empty: any); ``tiers``/``labels`` codes (empty: any); ``rule`` one JSON rule
    or a rule set over the facts catalogue (null: none), with ``worked_cases``
    ``[{"name", "facts", "expect"}]`` required to publish a version with a rule;
    ``benefit_formula`` an expression of the rules engine in yuan over the facts,
    ``input.<name>`` and ``{"param": name}``; ``deadline_days`` ``{"accept", "decide",
    "pay"}`` working days."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    doc_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    issuers = serializers.ListField(child=serializers.CharField(), required=False)
    region = serializers.IntegerField(required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    full_text = serializers.CharField(required=False, allow_blank=True)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    scheme = serializers.ChoiceField(choices=PolicyScheme.choices, required=False)
    valid_from = serializers.DateField(required=False)
    valid_to = serializers.DateField(required=False, allow_null=True)
    effective_from = serializers.DateField(required=False, allow_null=True)
    rule = serializers.JSONField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True)
    counties = serializers.ListField(child=serializers.IntegerField(), required=False)
    tiers = serializers.ListField(child=serializers.CharField(), required=False)
    labels = serializers.ListField(child=serializers.CharField(), required=False)
    parameters = serializers.JSONField(required=False)
    benefit_formula = serializers.JSONField(required=False, allow_null=True)
    benefit_reference = serializers.CharField(required=False, allow_blank=True)
    cap_per_enterprise_year = serializers.DecimalField(
        max_digits=15, decimal_places=2, required=False, allow_null=True
    )
    cap_per_loan = serializers.DecimalField(
        max_digits=15, decimal_places=2, required=False, allow_null=True
    )
    cap_per_institution_year = serializers.DecimalField(
        max_digits=15, decimal_places=2, required=False, allow_null=True
    )
    budget = serializers.DecimalField(
        max_digits=15, decimal_places=2, required=False, allow_null=True
    )
    inputs = serializers.JSONField(required=False)
    period = serializers.ChoiceField(choices=ApplicationPeriod.choices, required=False)
    deadline_days = serializers.JSONField(required=False)
    worked_cases = serializers.JSONField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        if "rule" in data:
            data["document"] = data.pop("rule")
        return data


class PolicyCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SubscriptionsSerializer(serializers.Serializer):
    """The categories an enterprise subscribes to (codes; the whole set)."""

    categories = serializers.ListField(child=serializers.CharField())


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    subscribed = serializers.BooleanField()
