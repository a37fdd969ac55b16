"""Serializers of the risk compensation fund's API: funds, ledger entries, enrolments,
claims (with the computation and the caller's actions) and the inputs of each action."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kejin.core.money import format_yuan
from kejin.policies.choices import ClaimAction, ClaimStatus, FundSource, RejectReason
from kejin.policies.models import CompensationClaim, CompensationFund, FundEnrolment, FundEntry
from kejin.policies.selectors_funds import claim_actions, claim_is_overdue


class FundSerializer(serializers.ModelSerializer):
    """A fund: its policy, region and balance."""

    policy = serializers.SerializerMethodField()
    region = serializers.CharField(source="region.code", read_only=True, allow_null=True)
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True)
    balance_display = serializers.SerializerMethodField()

    class Meta:
        model = CompensationFund
        fields = ["id", "name", "policy", "region", "region_name", "balance", "balance_display"]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}}}
    )
    def get_policy(self, fund: CompensationFund) -> dict:
        return {"id": fund.policy_id, "title": fund.policy.title}

    def get_balance_display(self, fund: CompensationFund) -> str:
        return format_yuan(fund.balance)


class FundEntrySerializer(serializers.ModelSerializer):
    """One ledger entry with the balance after it."""

    kind = serializers.CharField(read_only=True, help_text="contribution | payout | recovery")
    source = serializers.CharField(
        read_only=True,
        help_text="、".join(f"{value}（{label}）" for value, label in FundSource.choices),
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True, allow_null=True)
    institution = serializers.CharField(source="institution.name", read_only=True, allow_null=True)

    class Meta:
        model = FundEntry
        fields = [
            "id",
            "kind",
            "kind_label",
            "source",
            "source_label",
            "region",
            "institution",
            "claim",
            "amount",
            "balance_after",
            "on",
            "memo",
            "at",
        ]
        read_only_fields = fields


class FundEnrolmentSerializer(serializers.ModelSerializer):
    institution = serializers.SerializerMethodField()
    status = serializers.CharField(
        read_only=True, help_text="active（正常入池）| paused（暂停入池）"
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = FundEnrolment
        fields = ["id", "institution", "status", "status_label", "since", "npl_ratio", "checked_at"]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    )
    def get_institution(self, enrolment: FundEnrolment) -> dict:
        return {"id": enrolment.institution_id, "name": enrolment.institution.name}


class ClaimSerializer(serializers.ModelSerializer):
    """A claim in a list: the loan, the amounts, the state and the review due date."""

    status = serializers.CharField(
        read_only=True,
        help_text="、".join(f"{value}（{label}）" for value, label in ClaimStatus.choices),
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    loan = serializers.SerializerMethodField()
    institution = serializers.CharField(source="institution.name", read_only=True)
    enterprise = serializers.CharField(source="enterprise.name", read_only=True)
    county = serializers.CharField(source="enterprise.county.code", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CompensationClaim
        fields = [
            "id",
            "fund",
            "loan",
            "institution",
            "enterprise",
            "county",
            "principal_loss",
            "share",
            "amount_claimed",
            "amount_approved",
            "recovered",
            "returned_to_fund",
            "status",
            "status_label",
            "due_on",
            "overdue",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "contract_number": {"type": "string"},
                "product_type": {"type": "string"},
                "outstanding": {"type": "string"},
            },
        }
    )
    def get_loan(self, claim: CompensationClaim) -> dict:
        loan = claim.loan
        return {
            "id": loan.pk,
            "contract_number": loan.contract_number,
            "product_type": loan.product_type,
            "outstanding": str(loan.outstanding),
        }

    def get_overdue(self, claim: CompensationClaim) -> bool:
        return claim_is_overdue(claim)


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with its computation, the officer's decision, its ledger entries and the
    moves the caller may make now (``actions``)."""

    reject_reason = serializers.CharField(
        read_only=True,
        help_text="、".join(f"{value}（{label}）" for value, label in RejectReason.choices),
    )
    reject_reason_label = serializers.CharField(source="get_reject_reason_display", read_only=True)
    entries = FundEntrySerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [
            *ClaimSerializer.Meta.fields,
            "version",
            "explanation",
            "reject_reason",
            "reject_reason_label",
            "officer_comment",
            "entries",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="、".join(f"{value}（{label}）" for value, label in ClaimAction.choices),
        )
    )
    def get_actions(self, claim: CompensationClaim) -> list[str]:
        return claim_actions(user=self.context["request"].user, claim=claim)


class ContributionInputSerializer(serializers.Serializer):
    source = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="资金来源：" + "、".join(f"{v}（{label}）" for v, label in FundSource.choices),
    )
    amount = serializers.CharField(
        required=False, allow_blank=True, help_text="金额（元），大于 0，最多两位小数"
    )
    on = serializers.DateField(required=False, allow_null=True, help_text="入账日期（默认今天）")
    region = serializers.CharField(
        required=False, allow_blank=True, help_text="出资县(市、区)区划代码（县级财政注资必填）"
    )
    institution = serializers.IntegerField(
        required=False, allow_null=True, help_text="合作机构编号（机构或借款企业风险准备金必填）"
    )
    memo = serializers.CharField(required=False, allow_blank=True)


class EnrolmentCheckInputSerializer(serializers.Serializer):
    institution = serializers.IntegerField(help_text="合作机构编号")


class ClaimCreateSerializer(serializers.Serializer):
    fund = serializers.IntegerField(help_text="资金池编号")
    loan = serializers.IntegerField(help_text="违约贷款编号")
    principal_loss = serializers.CharField(
        required=False, allow_blank=True, help_text="本金损失（元，默认为贷款余额）"
    )


class ApproveInputSerializer(serializers.Serializer):
    amount = serializers.CharField(
        required=False, allow_blank=True, help_text="核准金额（元，默认为测算补偿金额）"
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReturnInputSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True, max_length=2000, help_text="退回意见")


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        help_text="原因代码：" + "、".join(f"{v}（{label}）" for v, label in RejectReason.choices),
    )
    text = serializers.CharField(allow_blank=True, max_length=2000, help_text="说明")


class ResubmitInputSerializer(serializers.Serializer):
    principal_loss = serializers.CharField(
        required=False, allow_blank=True, help_text="本金损失（元，默认不变）"
    )


class RecoverInputSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="本次追偿回收金额（元）")
    on = serializers.DateField(required=False, allow_null=True)
    memo = serializers.CharField(required=False, allow_blank=True, max_length=255)
