"""API of tech insurance: policies (insurers record and correct, everyone lists their
scope) and group cover schemes (city officers define and list the insured, the insurer
confirms or declines cover).

Reads go through ``kejin.policies.selectors_insurance`` (a row the caller may not see is a
404), writes through ``kejin.policies.services_insurance`` (permission, audit; 409
``policy_state_conflict`` for a scheme in the wrong state). Order: 401 → 404 → 403 → 400/409.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from kejin.core.api.actions import created_response
from kejin.core.api.errors import error_responses
from kejin.core.http import client_ip_address
from kejin.policies.api.serializers_insurance import (
    GroupSchemeDetailSerializer,
    GroupSchemeSerializer,
    GroupSchemeWriteSerializer,
    InsurancePolicySerializer,
    InsurancePolicyWriteSerializer,
    ListingSerializer,
    MemberChoiceSerializer,
)
from kejin.policies.choices import InsuranceLine
from kejin.policies.models import GroupScheme, InsurancePolicy
from kejin.policies.selectors_insurance import (
    group_member_list,
    group_scheme_budget,
    group_scheme_get,
    group_scheme_list,
    insurance_policy_get,
    insurance_policy_list,
)
from kejin.policies.services_insurance import (
    group_scheme_confirm,
    group_scheme_create,
    group_scheme_decline,
    group_scheme_list_insured,
    group_scheme_open,
    insurance_policy_correct,
    insurance_policy_record,
)

TAG = "policies 科技保险"


def _created(request, write_serializer, create, respond, url_name: str) -> Response:
    """A POST that creates a row through ``create`` (the service): see ``created_response``."""
    return created_response(
        request,
        write_serializer,
        lambda serializer: create(
            user=request.user, data=serializer.validated_data, ip_address=client_ip_address(request)
        ),
        respond=respond,
        url_name=url_name,
    )


def _policy(request, pk: int, *, status_code: int = 200) -> Response:
    policy = insurance_policy_get(user=request.user, pk=pk)
    return Response(InsurancePolicySerializer(policy).data, status=status_code)


# A view that reads with ``serializer_class`` and takes ``write_method``'s body with
# ``write_serializer_class`` (what the browsable API and the schema show). No docstring: a
# view's docstring (inherited too) becomes its description in the OpenAPI document.
class _ReadWriteView(generics.GenericAPIView):
    write_method = "POST"
    write_serializer_class: Any = None

    def get_serializer_class(self):
        if self.request is not None and self.request.method == self.write_method:
            return self.write_serializer_class
        return self.serializer_class


class InsurancePolicyListView(_ReadWriteView):
    queryset = InsurancePolicy._default_manager.none()
    serializer_class = InsurancePolicySerializer
    write_serializer_class = InsurancePolicyWriteSerializer

    @extend_schema(
        tags=[TAG],
        summary="科技保险保单列表 (List tech-insurance policies)",
        description=(
            "保险机构看本机构录入的，企业看本企业的，县级工作人员看本县企业的，市级看全部。"
            "line: 险种；q: 保单号或企业名称的一部分。"
        ),
        parameters=[
            OpenApiParameter("line", str, enum=list(InsuranceLine.values)),
            OpenApiParameter("q", str),
        ],
        responses={200: InsurancePolicySerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        line = request.query_params.get("line", "")
        rows = insurance_policy_list(
            user=request.user,
            line=line if line in InsuranceLine.values else "",
            search=request.query_params.get("q", "")[:64],
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(InsurancePolicySerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="录入科技保险保单 (Record a tech-insurance policy)",
        description=(
            "保险机构用户录入本机构的保单；企业按统一社会信用代码或全称查找。非保险机构 403；"
            "企业不存在、保单号本机构已有、保费不大于 0、止期早于起期 400。Audited."
        ),
        request=InsurancePolicyWriteSerializer,
        responses={201: InsurancePolicySerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        return _created(
            request,
            InsurancePolicyWriteSerializer,
            insurance_policy_record,
            _policy,
            "api-policies-insurance-detail",
        )


class InsurancePolicyDetailView(_ReadWriteView):
    queryset = InsurancePolicy._default_manager.none()
    serializer_class = InsurancePolicySerializer
    write_serializer_class = InsurancePolicyWriteSerializer
    write_method = "PUT"

    @extend_schema(
        tags=[TAG],
        summary="科技保险保单详情 (Get a tech-insurance policy)",
        responses={200: InsurancePolicySerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return _policy(request, pk)

    @extend_schema(
        tags=[TAG],
        summary="更正科技保险保单 (Correct a tech-insurance policy)",
        description="录入机构更正全部字段；审计记录更正前后的值。非本机构 403；校验同录入 400。",
        request=InsurancePolicyWriteSerializer,
        responses={200: InsurancePolicySerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk: int):
        policy = insurance_policy_get(user=request.user, pk=pk)
        serializer = InsurancePolicyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        insurance_policy_correct(
            user=request.user,
            policy=policy,
            data=serializer.validated_data,
            ip_address=client_ip_address(request),
        )
        return _policy(request, pk)


def _scheme_data(request, pk: int, *, status_code: int = 200) -> Response:
    scheme = group_scheme_get(user=request.user, pk=pk)
    scheme.budget = group_scheme_budget(scheme)  # type: ignore[attr-defined]
    scheme.member_rows = group_member_list(scheme=scheme)  # type: ignore[attr-defined]
    return Response(GroupSchemeDetailSerializer(scheme).data, status=status_code)


class GroupSchemeListView(_ReadWriteView):
    queryset = GroupScheme._default_manager.none()
    serializer_class = GroupSchemeSerializer
    write_serializer_class = GroupSchemeWriteSerializer

    @extend_schema(
        tags=[TAG],
        summary="政府统保方案列表 (List group cover schemes)",
        description="政府部门工作人员看全部，保险机构看本机构承保的；其他用户为空列表。",
        responses={200: GroupSchemeSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        page = self.paginate_queryset(group_scheme_list(user=request.user))
        return self.get_paginated_response(GroupSchemeSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="新建政府统保方案 (Define a group cover scheme)",
        description=(
            "市级工作人员在已发布的政府统保政策下新建方案（草稿）。非市级 403；"
            "政策不是已发布的统保政策、承保机构不是保险机构、保费不大于 0、止期早于起期 400。Audited."
        ),
        request=GroupSchemeWriteSerializer,
        responses={201: GroupSchemeDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        return _created(
            request,
            GroupSchemeWriteSerializer,
            group_scheme_create,
            _scheme_data,
            "api-policies-group-scheme-detail",
        )


class GroupSchemeDetailView(generics.GenericAPIView):
    queryset = GroupScheme._default_manager.none()
    serializer_class = GroupSchemeDetailSerializer

    @extend_schema(
        tags=[TAG],
        summary="政府统保方案详情 (Get a group cover scheme)",
        description="含保费合计与年度预算对照、名单及每户承保情况。",
        responses={200: GroupSchemeDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return _scheme_data(request, pk)


class GroupSchemeListInsuredView(generics.GenericAPIView):
    queryset = GroupScheme._default_manager.none()
    serializer_class = ListingSerializer

    @extend_schema(
        tags=[TAG],
        summary="列入参保企业 (List the insured)",
        description=(
            "按政策在用版本的条件列入符合条件的企业，可重复执行：只增加新符合的企业，已在名单中的保留。"
            "超出预算时按成立日期由近及远列入至预算用完，left_out 为未列入户数。"
            "非市级 403；方案不是草稿 409 `policy_state_conflict`。Audited."
        ),
        request=None,
        responses={200: ListingSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        scheme = group_scheme_get(user=request.user, pk=pk)
        listing = group_scheme_list_insured(
            user=request.user, scheme=scheme, ip_address=client_ip_address(request)
        )
        return Response(
            {
                "added": listing.added,
                "already": listing.already,
                "left_out": listing.left_out,
                "members": listing.members,
                "total": f"{listing.total:.2f}",
                "budget": None if listing.budget is None else f"{listing.budget:.2f}",
                "over_budget": listing.over_budget,
            }
        )


class GroupSchemeOpenView(generics.GenericAPIView):
    queryset = GroupScheme._default_manager.none()
    serializer_class = GroupSchemeDetailSerializer

    @extend_schema(
        tags=[TAG],
        summary="确定统保名单 (Fix the list)",
        description=(
            "草稿 → 已确定名单，并通知承保机构。非市级 403；不是草稿或名单为空 409 "
            "`policy_state_conflict`。Audited."
        ),
        request=None,
        responses={200: GroupSchemeDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        scheme = group_scheme_get(user=request.user, pk=pk)
        group_scheme_open(user=request.user, scheme=scheme, ip_address=client_ip_address(request))
        return _scheme_data(request, pk)


class GroupSchemeConfirmView(generics.GenericAPIView):
    queryset = GroupScheme._default_manager.none()
    serializer_class = MemberChoiceSerializer

    @extend_schema(
        tags=[TAG],
        summary="确认承保 (Confirm cover)",
        description=(
            "承保机构为所选（不传为全部）待承保成员确认承保：每户生成一份保单（保单号 TB<方案>-<成员>）"
            "并标记已承保，在一个事务中完成；已承保、未承保的成员不变，重复确认不做修改。"
            "非本方案承保机构 403；名单未确定 409 `policy_state_conflict`；成员不属于本方案 400。Audited."
        ),
        request=MemberChoiceSerializer,
        responses={200: GroupSchemeDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        scheme = group_scheme_get(user=request.user, pk=pk)
        serializer = MemberChoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group_scheme_confirm(
            user=request.user,
            scheme=scheme,
            member_ids=serializer.validated_data.get("members"),
            ip_address=client_ip_address(request),
        )
        return _scheme_data(request, pk)


class GroupSchemeDeclineView(generics.GenericAPIView):
    queryset = GroupScheme._default_manager.none()
    serializer_class = MemberChoiceSerializer

    @extend_schema(
        tags=[TAG],
        summary="不予承保 (Decline cover)",
        description=(
            "承保机构将所选待承保成员标记为未承保（已承保的不变）。非本方案承保机构 403；"
            "名单未确定 409 `policy_state_conflict`；未选择成员或成员不属于本方案 400。Audited."
        ),
        request=MemberChoiceSerializer,
        responses={200: GroupSchemeDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        scheme = group_scheme_get(user=request.user, pk=pk)
        serializer = MemberChoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group_scheme_decline(
            user=request.user,
            scheme=scheme,
            member_ids=serializer.validated_data.get("members") or [],
            ip_address=client_ip_address(request),
        )
        return _scheme_data(request, pk)
