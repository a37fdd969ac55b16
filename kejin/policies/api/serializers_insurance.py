"""Serializers of the tech-insurance API: policies, group schemes and their members (read),
and the bodies of the writes (parsed here, decided by ``kejin.policies.services_insurance``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kejin.policies.choices import InsuranceLine
from kejin.policies.models import GroupMember, GroupScheme, InsurancePolicy

_LINES = " | ".join(f"{value} {label}" for value, label in InsuranceLine.choices)


class _InsuranceNamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InsurancePolicySerializer(serializers.ModelSerializer):
    """A tech-insurance policy as listed."""

    enterprise = _InsuranceNamedSerializer(read_only=True)
    enterprise_uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    insurer = _InsuranceNamedSerializer(read_only=True)
    line_label = serializers.CharField(source="get_line_display", read_only=True)

    class Meta:
        model = InsurancePolicy
        fields = [
            "id",
            "number",
            "enterprise",
            "enterprise_uscc",
            "insurer",
            "line",
            "line_label",
            "premium",
            "sum_insured",
            "starts_on",
            "ends_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InsurancePolicyWriteSerializer(serializers.Serializer):
    """A policy an insurer records or corrects (every field; the enterprise by ``uscc``, or
    by ``enterprise_name``, its exact full name)."""

    uscc = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="投保企业统一社会信用代码"
    )
    enterprise_name = serializers.CharField(
        max_length=128, required=False, allow_blank=True, help_text="投保企业全称（无代码时）"
    )
    line = serializers.ChoiceField(choices=InsuranceLine.choices, help_text=_LINES)
    number = serializers.CharField(max_length=64, help_text="保单号（同一保险机构内唯一）")
    premium = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="保费（元）")
    sum_insured = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, help_text="保险金额（元）"
    )
    starts_on = serializers.DateField(help_text="保险起期")
    ends_on = serializers.DateField(help_text="保险止期（不早于起期）")


class GroupMemberSerializer(serializers.ModelSerializer):
    enterprise = _InsuranceNamedSerializer(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="listed 列入统保名单 | covered 已承保 | declined 未承保"
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    insurance_number = serializers.SerializerMethodField()

    class Meta:
        model = GroupMember
        fields = [
            "id",
            "enterprise",
            "premium",
            "status",
            "status_label",
            "insurance_number",
            "added_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_insurance_number(self, member: GroupMember) -> str | None:
        return member.insurance_policy.number if member.insurance_policy else None


class GroupSchemeSerializer(serializers.ModelSerializer):
    """A group scheme as listed, with its member counts."""

    policy = serializers.SerializerMethodField()
    insurer = _InsuranceNamedSerializer(read_only=True)
    line_label = serializers.CharField(source="get_line_display", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="draft 草稿 | open 已确定名单 | confirmed 保险机构已确认承保"
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    covered_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = GroupScheme
        fields = [
            "id",
            "name",
            "policy",
            "insurer",
            "line",
            "line_label",
            "premium_per_head",
            "sum_insured_per_head",
            "starts_on",
            "ends_on",
            "status",
            "status_label",
            "member_count",
            "covered_count",
            "confirmed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(_InsuranceNamedSerializer)
    def get_policy(self, scheme: GroupScheme) -> dict:
        return {"id": scheme.policy_id, "name": scheme.policy.title}


class SchemeBudgetSerializer(serializers.Serializer):
    listed = serializers.IntegerField(help_text="待承保户数")
    covered = serializers.IntegerField(help_text="已承保户数")
    declined = serializers.IntegerField(help_text="未承保户数")
    total = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="保费合计（待承保与已承保）"
    )
    budget = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text="政策版本的年度资金预算"
    )
    over_budget = serializers.BooleanField()


class GroupSchemeDetailSerializer(GroupSchemeSerializer):
    """A scheme with its budget and members."""

    budget = SchemeBudgetSerializer(read_only=True)
    members = GroupMemberSerializer(source="member_rows", many=True, read_only=True)

    class Meta(GroupSchemeSerializer.Meta):
        fields = [*GroupSchemeSerializer.Meta.fields, "budget", "members"]
        read_only_fields = fields


class GroupSchemeWriteSerializer(serializers.Serializer):
    policy = serializers.IntegerField(help_text="所依据的已发布政府统保政策 id")
    name = serializers.CharField(max_length=128)
    insurer = serializers.IntegerField(help_text="承保保险机构 id")
    line = serializers.ChoiceField(choices=InsuranceLine.choices, help_text=_LINES)
    premium_per_head = serializers.DecimalField(max_digits=16, decimal_places=2)
    sum_insured_per_head = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ListingSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="本次新列入户数")
    already = serializers.IntegerField(help_text="此前已在名单中的户数")
    left_out = serializers.IntegerField(help_text="符合条件但超出预算未列入的户数")
    members = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=18, decimal_places=2)
    budget = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    over_budget = serializers.BooleanField()


class MemberChoiceSerializer(serializers.Serializer):
    members = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        help_text="名单成员 id；确认承保时不传表示全部待承保成员",
    )
