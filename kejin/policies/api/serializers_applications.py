"""Serializers of the applications API: what is read (an application, its history, payouts
and files) and what each action takes. They parse only; the services decide."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kejin.policies.application_workflow import actions_available, actor_kinds
from kejin.policies.choices import RejectReason
from kejin.policies.models import Application, ApplicationAttachment, ApplicationEvent, Payout

STATUS_HELP = (
    "submitted 已提交 | accepted 已受理 | returned 退回补充材料 | approved 已核定 | "
    "rejected 未通过 | paid 已兑付 | withdrawn 已撤回"
)


class _ApplicationPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    scheme = serializers.CharField()


class _ApplicationEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ApplicationEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    from_status = serializers.CharField(read_only=True, help_text="原状态（空：新提交）")
    to_status = serializers.CharField(read_only=True, help_text="新状态")
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = ApplicationEvent
        fields = [
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "comment",
            "amount",
            "step_workdays",
            "at",
        ]
        read_only_fields = fields

    def get_actor(self, event: ApplicationEvent) -> str | None:
        return str(event.actor) if event.actor_id else None


class PayoutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payout
        fields = ["id", "amount", "paid_on", "voucher", "at"]
        read_only_fields = fields


class ApplicationAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationAttachment
        fields = ["id", "name", "size", "content_type", "sha256", "uploaded_at"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as listed."""

    policy = _ApplicationPolicySerializer(read_only=True)
    enterprise = _ApplicationEnterpriseSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "policy",
            "enterprise",
            "period_key",
            "status",
            "status_label",
            "amount_computed",
            "amount_approved",
            "amount_paid",
            "step",
            "due_on",
            "overdue",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_overdue(self, application: Application) -> bool:
        """Whether the current step is past its due date (Asia/Shanghai)."""
        return bool(
            application.step and application.due_on and application.due_on < timezone.localdate()
        )


class ApplicationDetailSerializer(ApplicationSerializer):
    """An application with its fields, pre-check, history, payouts, files and the actions
    the caller may take now."""

    version = serializers.CharField(source="version.version", read_only=True)
    events = ApplicationEventSerializer(many=True, read_only=True)
    payouts = PayoutSerializer(many=True, read_only=True)
    attachments = ApplicationAttachmentSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [
            *ApplicationSerializer.Meta.fields,
            "version",
            "inputs",
            "precheck",
            "insurance_policy",
            "loan",
            "reject_reason",
            "officer_comment",
            "decided_at",
            "events",
            "payouts",
            "attachments",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, application: Application) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        kinds = actor_kinds(user=request.user, application=application)
        return actions_available(status=application.status, actor_kinds=kinds)


class ApplicationCreateSerializer(serializers.Serializer):
    policy = serializers.IntegerField(help_text="政策 id（已发布且接受申报）")
    inputs = serializers.DictField(
        required=False, default=dict, help_text="申报字段：政策版本 inputs 中的 name → 值"
    )
    insurance_policy = serializers.IntegerField(
        required=False, allow_null=True, help_text="科技保险保费补贴：本企业的保单 id"
    )
    loan = serializers.IntegerField(
        required=False, allow_null=True, help_text="贷款贴息、担保费补贴：本企业的贷款 id"
    )


class ApplicationResubmitSerializer(serializers.Serializer):
    inputs = serializers.DictField(required=False, default=dict)
    insurance_policy = serializers.IntegerField(required=False, allow_null=True)
    loan = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="退回意见：需要补充的材料或信息")


class ApplicationRejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=RejectReason.choices,
        help_text="not_eligible | materials | duplicate | budget | other",
    )
    comment = serializers.CharField(help_text="具体说明")


class ApplicationApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="核定金额（元），> 0，不超过上限"
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="高于测算金额时必填理由"
    )


class ApplicationPaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="兑付金额（元）")
    paid_on = serializers.DateField(help_text="兑付日期")
    voucher = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
