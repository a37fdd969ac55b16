"""Serializers of the reference data and the audit trail (read only)."""

from rest_framework import serializers

from kejin.core.models import AuditEvent, Department, Industry, Region


class RegionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="上级区划代码 (null: top)"
    )
    reports_to = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="功能区统计归属的县(市、区)代码 (zones only)",
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_label", "parent", "reports_to"]


class IndustrySerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="上级行业代码 (null: 门类)"
    )

    class Meta:
        model = Industry
        fields = ["code", "name", "level", "level_label", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Department
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "region",
            "region_name",
            "former_names",
            "provides_data",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.IntegerField(
        source="actor_id",
        read_only=True,
        allow_null=True,
        help_text="操作人用户ID (null: the system, or a removed user)",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_username",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "ip_address",
        ]
        read_only_fields = fields
