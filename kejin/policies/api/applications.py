"""API of applications (政策兑现): list and read (scoped), apply, and one POST per action.

Reads go through ``kejin.policies.selectors_applications`` (an application the caller may
not see is a 404), writes through ``kejin.policies.services_applications`` (permission,
audit, 409 ``application_state_conflict`` for moves the state does not allow, 409
``application_duplicate`` for a second application in a period). Order of checks:
401 → 404 → 403 → 400/409.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from kejin.core.api.actions import action_view
from kejin.core.api.errors import error_responses
from kejin.core.errors import ApplicationError
from kejin.core.filters import MAX_ID
from kejin.core.http import client_ip_address
from kejin.policies.api.serializers_applications import (
    ApplicationApproveSerializer,
    ApplicationCommentSerializer,
    ApplicationCreateSerializer,
    ApplicationDetailSerializer,
    ApplicationPaySerializer,
    ApplicationRejectSerializer,
    ApplicationResubmitSerializer,
    ApplicationReturnSerializer,
    ApplicationSerializer,
)
from kejin.policies.models import Application
from kejin.policies.selectors_applications import (
    APPLICATION_LIST_STATUSES,
    application_get,
    application_list,
    policy_for_application,
)
from kejin.policies.services_applications import (
    application_accept,
    application_approve,
    application_pay,
    application_reject,
    application_resubmit,
    application_return,
    application_submit,
    application_withdraw,
)

TAG = "policies 政策兑现"


def _detail(request, pk: int, *, status_code: int = 200, headers=None) -> Response:
    application = application_get(user=request.user, pk=pk)
    return Response(
        ApplicationDetailSerializer(application, context={"request": request}).data,
        status=status_code,
        headers=headers,
    )


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError as error:
        raise ApplicationError.invalid({name: [_("应为整数编号。")]}) from error
    if not 1 <= number <= MAX_ID:
        raise ApplicationError.invalid({name: [_("应为整数编号。")]})
    return number


class ApplicationListView(generics.GenericAPIView):
    """Applications in the caller's scope; an enterprise user applies."""

    queryset = Application._default_manager.none()
    serializer_class = ApplicationSerializer

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return ApplicationCreateSerializer
        return ApplicationSerializer

    @extend_schema(
        tags=[TAG],
        summary="政策申报列表 (List applications)",
        description=(
            "企业看本企业的申报，县级工作人员看本县企业的，市级工作人员看全部。"
            "status: all（默认）| submitted | accepted | returned | approved | rejected | paid "
            "| withdrawn；overdue=1 只看当前环节已逾期的；county、policy: 编号。"
        ),
        parameters=[
            OpenApiParameter("status", str, enum=list(APPLICATION_LIST_STATUSES)),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("county", int),
            OpenApiParameter("policy", int),
            OpenApiParameter("q", str),
        ],
        responses={200: ApplicationSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        status_filter = request.query_params.get("status", "all")
        if status_filter not in APPLICATION_LIST_STATUSES:
            raise ApplicationError.invalid(
                {
                    "status": [
                        _("状态应为 %(choices)s 之一。")
                        % {"choices": "、".join(APPLICATION_LIST_STATUSES)}
                    ]
                }
            )
        rows = application_list(
            user=request.user,
            status=status_filter,
            overdue=request.query_params.get("overdue") in ("1", "true"),
            county_id=_int_param(request, "county"),
            policy_id=_int_param(request, "policy"),
            search=request.query_params.get("q", "")[:64],
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ApplicationSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="申报政策 (Apply to a policy)",
        description=(
            "企业用户为本企业申报一项已发布的政策：inputs 按政策版本的申报字段填写；科技保险保费"
            "补贴须给出本企业的保单 insurance_policy，贷款贴息和担保费补贴须给出本企业的贷款 loan"
            "（担保费补贴的贷款须有担保机构）。预审不符合条件 400（message 列出不满足的条件）；"
            "同一政策同一申报期已申报 409 `application_duplicate`；政策信息类和风险补偿类政策"
            "不受理 400。返回的 precheck 含预审结果和测算过程。Audited."
        ),
        request=ApplicationCreateSerializer,
        responses={201: ApplicationDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = policy_for_application(user=request.user, pk=data.pop("policy"))
        application = application_submit(
            user=request.user, policy=policy, data=data, ip_address=client_ip_address(request)
        )
        return _detail(
            request,
            application.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-policies-application-detail", args=[application.pk])},
        )


class ApplicationDetailView(generics.GenericAPIView):
    queryset = Application._default_manager.none()
    serializer_class = ApplicationDetailSerializer

    @extend_schema(
        tags=[TAG],
        summary="政策申报详情 (Get an application)",
        description="含申报内容、预审与测算、办理记录、兑付记录、附件和调用者当前可执行的操作。"
        "看不到的申报 404。",
        responses={200: ApplicationDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return _detail(request, pk)


def _action_view(name: str, serializer_class, service, summary: str, description: str):
    """One POST view per action: parse with ``serializer_class``, call ``service``."""
    return action_view(
        name=f"Application{name}View",
        tag=TAG,
        summary=summary,
        description=description,
        model=Application,
        detail_serializer=ApplicationDetailSerializer,
        body=serializer_class,
        get=lambda user, pk: application_get(user=user, pk=pk),
        run=lambda request, application, data: service(
            user=request.user,
            application=application,
            ip_address=client_ip_address(request),
            **data,
        ),
        respond=_detail,
    )


def _resubmit(*, user, application, ip_address, **data):
    return application_resubmit(
        user=user, application=application, data=data, ip_address=ip_address
    )


_STATE = "其他状态 409 `application_state_conflict`，不做任何修改。Audited."
ApplicationAcceptView = _action_view(
    "Accept",
    ApplicationCommentSerializer,
    application_accept,
    "受理申报 (Accept)",
    "审核部门受理已提交的申报，进入审核核定环节。" + _STATE,
)
ApplicationReturnView = _action_view(
    "Return",
    ApplicationReturnSerializer,
    application_return,
    "退回补充 (Return for more information)",
    "已提交或已受理的申报退回企业补充，须填写退回意见。" + _STATE,
)
ApplicationRejectView = _action_view(
    "Reject",
    ApplicationRejectSerializer,
    application_reject,
    "不予通过 (Reject)",
    "已提交或已受理的申报不予通过，须给出原因代码和说明。" + _STATE,
)
ApplicationApproveView = _action_view(
    "Approve",
    ApplicationApproveSerializer,
    application_approve,
    "核定金额 (Approve an amount)",
    "已受理的申报核定金额：大于 0，不超过各项上限；高于测算金额须在 comment 中说明理由。" + _STATE,
)
ApplicationPayView = _action_view(
    "Pay",
    ApplicationPaySerializer,
    application_pay,
    "记录兑付 (Record a payout)",
    "已核定的申报记录一笔兑付；可分多笔，合计不超过核定金额（超出 400），全部兑付后状态为"
    "已兑付。" + _STATE,
)
ApplicationWithdrawView = _action_view(
    "Withdraw",
    ApplicationCommentSerializer,
    application_withdraw,
    "撤回申报 (Withdraw)",
    "企业撤回尚未受理或被退回的申报，该申报期可重新申报。" + _STATE,
)
ApplicationResubmitView = _action_view(
    "Resubmit",
    ApplicationResubmitSerializer,
    _resubmit,
    "补充后重新提交 (Resubmit)",
    "企业修改被退回的申报后重新提交，重新预审和测算。" + _STATE,
)
