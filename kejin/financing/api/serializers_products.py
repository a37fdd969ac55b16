"""Serializers of the products API: they parse and format; the services validate the terms
(min ≤ max, ranges, codes, the rule) and say what is wrong per field."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kejin.financing.choices import PREMIUM_PRICED, LeadStatus, ProductType
from kejin.financing.models import Lead, Product, ProductEvent, ProductVersion
from kejin.financing.product_rules import product_rule_describe
from kejin.rules.describe import Clause


def _lines(clause: Clause, depth: int = 0) -> list[str]:
    lines = ["  " * depth + clause.text]
    for child in clause.children:
        lines += _lines(child, depth + 1)
    return lines


class ProductVersionSerializer(serializers.ModelSerializer):
    """One version's terms; ``rate_*`` are an annual interest rate, or for ``price_kind``
    ``premium`` a premium or fee rate, in percent. ``rule`` is the eligibility rule (JSON,
    null: none) and ``rule_text`` the same in words (detail only)."""

    counties = serializers.SerializerMethodField()
    price_kind = serializers.SerializerMethodField()
    rule = serializers.JSONField(source="document", allow_null=True)
    rule_text = serializers.SerializerMethodField()

    class Meta:
        model = ProductVersion
        fields = [
            "id",
            "version",
            "review",
            "review_comment",
            "status",
            "amount_min",
            "amount_max",
            "term_min_months",
            "term_max_months",
            "price_kind",
            "rate_min",
            "rate_max",
            "collateral_kinds",
            "guarantee_required",
            "counties",
            "tiers",
            "labels",
            "materials",
            "description",
            "rule",
            "rule_text",
            "worked_cases",
            "reference",
            "submitted_at",
            "reviewed_at",
            "valid_from",
            "valid_to",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    )
    def get_counties(self, version) -> list[dict]:
        return [{"code": r.code, "name": r.name} for r in version.counties.all()]

    @extend_schema_field(serializers.ChoiceField(choices=["interest", "premium"]))
    def get_price_kind(self, version) -> str:
        return "premium" if version.product.product_type in PREMIUM_PRICED else "interest"

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_rule_text(self, version) -> list[str] | None:
        labels = self.context.get("fact_labels")
        if labels is None:
            return None
        return _lines(product_rule_describe(version.document, labels))


class ProductEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    version = serializers.CharField(source="version.version", default=None, allow_null=True)

    class Meta:
        model = ProductEvent
        fields = ["action", "from_status", "to_status", "version", "actor", "comment", "at"]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    """A product with the version on the market (``live_version``, null until published)."""

    institution = serializers.SerializerMethodField()
    product_type_display = serializers.CharField(source="get_product_type_display")
    live_version = ProductVersionSerializer(allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "product_type",
            "product_type_display",
            "institution",
            "status",
            "published_at",
            "withdrawn_at",
            "live_version",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        if instance.live_version is not None:
            instance.live_version.product = instance  # the price kind reads the type
        return super().to_representation(instance)

    @extend_schema_field(serializers.DictField())
    def get_institution(self, product) -> dict:
        return {"id": product.institution_id, "name": product.institution.name}


class ProductDetailSerializer(ProductSerializer):
    """A product with its state in the workflow; for its institution and officers also the
    pending version (draft, returned or under review), every version and the history."""

    state = serializers.SerializerMethodField()
    pending_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "state", "pending_version", "versions", "history"]
        read_only_fields = fields

    def _insider(self) -> bool:
        return bool(self.context.get("insider"))

    @extend_schema_field(serializers.CharField())
    def get_state(self, product) -> str:
        return self.context["state"]

    @extend_schema_field(ProductVersionSerializer(allow_null=True))
    def get_pending_version(self, product) -> dict | None:
        pending = self.context.get("pending")
        if pending is None or not self._insider():
            return None
        return ProductVersionSerializer(pending, context=self.context).data

    @extend_schema_field(ProductVersionSerializer(many=True))
    def get_versions(self, product) -> list:
        versions = self.context.get("versions", [])
        if not self._insider():
            versions = [v for v in versions if v.pk == product.live_version_id]
        return ProductVersionSerializer(versions, many=True, context=self.context).data

    @extend_schema_field(ProductEventSerializer(many=True))
    def get_history(self, product) -> list:
        if not self._insider():
            return []
        return ProductEventSerializer(product.events.all(), many=True).data


class ProductWriteSerializer(serializers.Serializer):
    """A product's name, type and terms. On update only the keys given change. Amounts in
    yuan; terms in months; rates in percent; ``counties`` region ids (empty: the whole
    city); ``tiers``/``labels`` growth-stage and list-label codes (empty: any);
    ``collateral_kinds`` (empty: none needed); ``rule`` a JSON rule over the facts
    catalogue (null: none) with ``worked_cases`` ``[{"name", "facts", "expect":
    {"condition.rule": true|false}}]``, required to submit a version with a rule."""

    name = serializers.CharField(required=False, allow_blank=True, max_length=128)
    product_type = serializers.ChoiceField(choices=ProductType.choices, required=False)
    amount_min = serializers.DecimalField(max_digits=15, decimal_places=2, required=False)
    amount_max = serializers.DecimalField(max_digits=15, decimal_places=2, required=False)
    term_min_months = serializers.IntegerField(required=False)
    term_max_months = serializers.IntegerField(required=False)
    rate_min = serializers.DecimalField(max_digits=6, decimal_places=3, required=False)
    rate_max = serializers.DecimalField(max_digits=6, decimal_places=3, required=False)
    collateral_kinds = serializers.ListField(child=serializers.CharField(), required=False)
    guarantee_required = serializers.BooleanField(required=False)
    counties = serializers.ListField(child=serializers.IntegerField(), required=False)
    tiers = serializers.ListField(child=serializers.CharField(), required=False)
    labels = serializers.ListField(child=serializers.CharField(), required=False)
    materials = serializers.ListField(child=serializers.CharField(), required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    reference = serializers.CharField(required=False, allow_blank=True)
    rule = serializers.JSONField(required=False, allow_null=True)
    worked_cases = serializers.JSONField(required=False)

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        if "rule" in data:
            data["document"] = data.pop("rule")
        return data


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class LeadSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    product = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "enterprise",
            "product",
            "institution",
            "status",
            "score",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_enterprise(self, lead) -> dict:
        return {
            "id": lead.enterprise_id,
            "name": lead.enterprise.name,
            "uscc": lead.enterprise.uscc,
            "county": lead.enterprise.county.code if lead.enterprise.county_id else None,
        }

    @extend_schema_field(serializers.DictField())
    def get_product(self, lead) -> dict:
        return {"id": lead.product_id, "name": lead.product.name}


class LeadMarkSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            (LeadStatus.CONTACTED, LeadStatus.CONTACTED.label),
            (LeadStatus.DISMISSED, LeadStatus.DISMISSED.label),
        ]
    )
