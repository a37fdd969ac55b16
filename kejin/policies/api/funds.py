"""API of the risk compensation fund (科技支行信贷风险补偿): funds, their ledger,
contributions, enrolment checks, claims and one POST endpoint per claim action, and the
report.

Reads go through ``kejin.policies.selectors_funds`` (outside the caller's scope: 404),
writes through ``kejin.policies.services_funds``. Order of checks: 401 → 404 → 403 → 409
(the claim's state, a duplicate, a paused enrolment, an insufficient balance) → 400.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.actions import action_view
from kejin.core.api.errors import error_responses
from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError
from kejin.core.models import Region
from kejin.institutions.selectors import institution_list
from kejin.policies import selectors_funds as selectors
from kejin.policies import services_funds as services
from kejin.policies.api.serializers_funds import (
    ApproveInputSerializer,
    ClaimCreateSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    ContributionInputSerializer,
    EnrolmentCheckInputSerializer,
    FundEnrolmentSerializer,
    FundEntrySerializer,
    FundSerializer,
    RecoverInputSerializer,
    RejectInputSerializer,
    ResubmitInputSerializer,
    ReturnInputSerializer,
)
from kejin.policies.choices import ClaimStatus
from kejin.policies.models import CompensationClaim, CompensationFund
from kejin.policies.reports_funds import fund_report

TAG = "policies 风险补偿资金池"


def _institution(user, pk):
    if pk in (None, ""):
        return None
    found = institution_list(user=user).filter(pk=pk).first()
    if found is None:
        raise ApplicationError.invalid({"institution": [_("该合作机构不存在。")]})
    return found


def _region(code):
    if code in (None, ""):
        return None
    found = Region.objects.filter(code=code, level="county").first()
    if found is None:
        raise ApplicationError.invalid(
            {"region": [_("区划代码为 %(code)s 的县(市、区)不存在。") % {"code": code}]}
        )
    return found


class FundListView(generics.GenericAPIView):
    """The funds the caller may see."""

    queryset = CompensationFund._default_manager.none()
    serializer_class = FundSerializer

    @extend_schema(
        tags=[TAG],
        summary="资金池列表 (List funds)",
        description="政府部门工作人员和合作银行可见；余额为当前可用余额。",
        responses={200: FundSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.fund_list(user=request.user))
        return self.get_paginated_response(FundSerializer(page, many=True).data)


class FundDetailView(generics.GenericAPIView):
    queryset = CompensationFund._default_manager.none()
    serializer_class = FundSerializer

    @extend_schema(
        tags=[TAG],
        summary="资金池详情 (Get a fund)",
        responses={200: FundSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(FundSerializer(selectors.fund_get(user=request.user, pk=pk)).data)


class FundEntryListView(generics.GenericAPIView):
    queryset = CompensationFund._default_manager.none()
    serializer_class = FundEntrySerializer

    @extend_schema(
        tags=[TAG],
        summary="资金池流水 (The ledger)",
        description="注资、代偿支出、追偿回收，按时间先后，含每笔入账后余额。政府部门工作人员。",
        responses={200: FundEntrySerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        fund = selectors.fund_get(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.fund_entry_list(user=request.user, fund=fund))
        return self.get_paginated_response(FundEntrySerializer(page, many=True).data)


class FundContributionView(generics.GenericAPIView):
    queryset = CompensationFund._default_manager.none()
    serializer_class = ContributionInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="登记注资 (Record a contribution)",
        description=(
            "市级部门工作人员登记市级财政、县级财政（region 必填）、合作机构或借款企业风险准备金"
            "（institution 必填）的注资，余额随之增加并记入流水。Audited."
        ),
        request=ContributionInputSerializer,
        responses={201: FundEntrySerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        fund = selectors.fund_get(user=request.user, pk=pk)
        serializer = ContributionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.fund_contribute(
            user=request.user,
            fund=fund,
            source=data.get("source", ""),
            amount=data.get("amount"),
            on=data.get("on"),
            region=_region(data.get("region")),
            institution=_institution(request.user, data.get("institution")),
            memo=data.get("memo", ""),
            ip_address=client_ip_address(request),
        )
        return Response(FundEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class FundEnrolmentListView(generics.GenericAPIView):
    queryset = CompensationFund._default_manager.none()
    serializer_class = FundEnrolmentSerializer

    @extend_schema(
        tags=[TAG],
        summary="合作机构入池情况 (Enrolments)",
        description="各合作机构的入池状态和最近核查的入池贷款不良率。政府部门工作人员。",
        responses={200: FundEnrolmentSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        fund = selectors.fund_get(user=request.user, pk=pk)
        rows = selectors.fund_enrolment_list(user=request.user, fund=fund)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(FundEnrolmentSerializer(page, many=True).data)


class FundEnrolmentCheckView(generics.GenericAPIView):
    queryset = CompensationFund._default_manager.none()
    serializer_class = EnrolmentCheckInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="核查机构入池状态 (Re-check an enrolment)",
        description=(
            "重新计算机构入池贷款的不良率：高于政策参数 npl_pause_ratio（默认 3%）暂停入池，"
            "不高于则恢复。政府部门工作人员。"
        ),
        request=EnrolmentCheckInputSerializer,
        responses={200: FundEnrolmentSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        fund = selectors.fund_get(user=request.user, pk=pk)
        serializer = EnrolmentCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = services.fund_enrolment_recheck(
            user=request.user,
            fund=fund,
            institution=_institution(request.user, serializer.validated_data["institution"]),
            ip_address=client_ip_address(request),
        )
        return Response(FundEnrolmentSerializer(enrolment).data)


class FundReportView(generics.GenericAPIView):
    queryset = CompensationFund._default_manager.none()
    serializer_class = serializers.Serializer

    @extend_schema(
        tags=[TAG],
        summary="资金池报表 (Fund report)",
        description=(
            "按机构、县(市、区)和年度汇总：注资、补偿申请（笔数、申请金额、核准金额）、代偿支出、"
            "追偿回收，以及当前余额。政府部门工作人员。"
        ),
        responses={
            200: inline_serializer(
                "FundReport",
                {
                    "balance": serializers.DecimalField(max_digits=15, decimal_places=2),
                    "by_institution": serializers.ListField(child=serializers.DictField()),
                    "by_county": serializers.ListField(child=serializers.DictField()),
                    "by_year": serializers.ListField(child=serializers.DictField()),
                    "totals": serializers.DictField(),
                },
            ),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, pk: int):
        fund = selectors.fund_get(user=request.user, pk=pk)
        return Response(fund_report(user=request.user, fund=fund).as_dict())


class ClaimListView(generics.GenericAPIView):
    """Claims in the caller's scope; a lender submits a new one."""

    queryset = CompensationClaim._default_manager.none()
    serializer_class = ClaimSerializer

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return ClaimCreateSerializer
        return ClaimSerializer

    @extend_schema(
        tags=[TAG],
        summary="风险补偿申请列表 (List claims)",
        description="银行看本机构的；县级工作人员看本县借款企业的；市级看全部。overdue=1：超期未审。",
        parameters=[
            OpenApiParameter("status", str, enum=list(ClaimStatus.values)),
            OpenApiParameter("fund", int),
            OpenApiParameter("overdue", bool),
        ],
        responses={200: ClaimSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        params = request.query_params
        status_filter = params.get("status", "")
        if status_filter and status_filter not in ClaimStatus.values:
            raise ApplicationError.invalid({"status": [_("未知的申请状态。")]})
        fund = None
        if params.get("fund"):
            if not params["fund"].isdigit():
                raise ApplicationError.invalid({"fund": [_("资金池编号应为整数。")]})
            fund = selectors.fund_get(user=request.user, pk=int(params["fund"]))
        rows = selectors.claim_list(
            user=request.user,
            fund=fund,
            status=status_filter,
            overdue=params.get("overdue", "") in ("1", "true"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ClaimSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="申请风险补偿 (Submit a claim)",
        description=(
            "贷款的放款机构为其违约贷款申请补偿：借款企业须在科技企业名单库中、属资金池所辖地区。"
            "补偿金额按政策公式（按贷款类型和企业成长阶段的补偿比例）测算，并受单笔贷款和"
            "机构年度上限约束。同一笔贷款已有申请 409 `claim_duplicate`；机构入池暂停 409 "
            "`enrolment_paused`。Audited."
        ),
        request=ClaimCreateSerializer,
        responses={201: ClaimDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        serializer = ClaimCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fund = selectors.fund_get(user=request.user, pk=data["fund"])
        loan = selectors.claim_candidate_get(user=request.user, pk=data["loan"])
        claim = services.claim_submit(
            user=request.user,
            fund=fund,
            loan=loan,
            principal_loss=data.get("principal_loss"),
            ip_address=client_ip_address(request),
        )
        return Response(
            ClaimDetailSerializer(
                selectors.claim_get(user=request.user, pk=claim.pk), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-policies-fund-claim-detail", args=[claim.pk])},
        )


class ClaimDetailView(generics.GenericAPIView):
    queryset = CompensationClaim._default_manager.none()
    serializer_class = ClaimDetailSerializer

    @extend_schema(
        tags=[TAG],
        summary="风险补偿申请详情 (Get a claim)",
        description="含测算过程（explanation）、流水和当前用户可执行的操作（actions）。",
        responses={200: ClaimDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        claim = selectors.claim_get(user=request.user, pk=pk)
        return Response(ClaimDetailSerializer(claim, context={"request": request}).data)


def _claim_detail(request, pk: int) -> Response:
    claim = selectors.claim_get(user=request.user, pk=pk)
    return Response(ClaimDetailSerializer(claim, context={"request": request}).data)


def _action_view(*, name: str, summary: str, description: str, body, run):
    """One POST endpoint for one claim action (its own class, schema and input)."""
    return action_view(
        name=name,
        tag=TAG,
        summary=summary,
        description=description,
        model=CompensationClaim,
        detail_serializer=ClaimDetailSerializer,
        body=body,
        get=lambda user, pk: selectors.claim_get(user=user, pk=pk),
        run=lambda request, claim, data: run(
            claim=claim, data=data, user=request.user, ip_address=client_ip_address(request)
        ),
        respond=_claim_detail,
    )


ACTION_VIEWS = {
    "approve": _action_view(
        name="ClaimApproveView",
        summary="核准并代偿 (Approve and pay out)",
        description=(
            "政府部门工作人员核准（金额不超过测算金额，默认全额），并在同一事务中从资金池拨付："
            "余额不足 409 `fund_insufficient`（申请仍为已提交，不作任何变更）。超过政策参数 "
            "manual_review_above（默认 500 万元）的须市级工作人员核准。Audited."
        ),
        body=ApproveInputSerializer,
        run=lambda *, claim, data, user, ip_address: services.claim_approve(
            user=user,
            claim=claim,
            amount=data.get("amount"),
            comment=data.get("comment", ""),
            ip_address=ip_address,
        ),
    ),
    "return": _action_view(
        name="ClaimReturnView",
        summary="退回补充 (Return for more information)",
        description="政府部门工作人员退回，意见必填。409 `claim_state_conflict`。",
        body=ReturnInputSerializer,
        run=lambda *, claim, data, user, ip_address: services.claim_return(
            user=user, claim=claim, comment=data.get("comment", ""), ip_address=ip_address
        ),
    ),
    "reject": _action_view(
        name="ClaimRejectView",
        summary="不予通过 (Reject)",
        description="政府部门工作人员不予通过：原因代码和说明必填。",
        body=RejectInputSerializer,
        run=lambda *, claim, data, user, ip_address: services.claim_reject(
            user=user,
            claim=claim,
            reason=data.get("reason", ""),
            text=data.get("text", ""),
            ip_address=ip_address,
        ),
    ),
    "resubmit": _action_view(
        name="ClaimResubmitView",
        summary="补充后重新提交 (Resubmit)",
        description="放款机构重新提交被退回的申请，按现行政策版本重新测算，审核期限重新计算。",
        body=ResubmitInputSerializer,
        run=lambda *, claim, data, user, ip_address: services.claim_resubmit(
            user=user,
            claim=claim,
            principal_loss=data.get("principal_loss"),
            ip_address=ip_address,
        ),
    ),
    "withdraw": _action_view(
        name="ClaimWithdrawView",
        summary="撤回 (Withdraw)",
        description="放款机构撤回未审结的申请；撤回后该笔贷款可重新申请。",
        body=None,
        run=lambda *, claim, data, user, ip_address: services.claim_withdraw(
            user=user, claim=claim, ip_address=ip_address
        ),
    ),
    "recover": _action_view(
        name="ClaimRecoverView",
        summary="登记追偿回收 (Record a recovery)",
        description=(
            "放款机构登记已代偿贷款的追偿回收；资金池按核准金额占本金损失的比例收回（四舍五入到分，"
            "累计不超过核准金额），记入流水。累计回收不能超过本金损失。Audited."
        ),
        body=RecoverInputSerializer,
        run=lambda *, claim, data, user, ip_address: services.claim_recover(
            user=user,
            claim=claim,
            amount=data.get("amount"),
            on=data.get("on"),
            memo=data.get("memo", ""),
            ip_address=ip_address,
        ),
    ),
}
