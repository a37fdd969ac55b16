"""Public credit information (信用信息公示) in the exchange API: the public credit page
(``/credit/public/``) as JSON.

Like the page, it needs no sign-in: the records are public by law (administrative
penalties, the abnormal-operations and dishonesty lists, patents, honours…). Everything comes
from ``kejin.credit.disclosure`` — the same search, the same records within their disclosure
period, the same masking and dispute marks as the page; restricted categories never appear.
Anonymous callers are rate-limited per client address (``credit_public_anon``); signed-in
callers (institutions, government systems) are not limited by it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.http import client_ip_address
from kejin.core.uscc import uscc_error, uscc_normalise
from kejin.credit.disclosure import (
    PUBLIC_SEARCH_LIMIT,
    PublicSection,
    public_credit_records,
    public_enterprise_get,
    public_enterprise_search,
    public_record_counts,
)
from kejin.enterprises.models import Enterprise

PUBLIC_TAG = "credit public 信用信息公示"
#: The page's search box takes as much.
QUERY_MAX_LENGTH = 64


class PublicAnonymousThrottle(SimpleRateThrottle):
    """Anonymous calls of the public credit API, per client address (rate
    ``DEFAULT_THROTTLE_RATES["credit_public_anon"]``, read at use). Signed-in callers are
    not counted here."""

    scope = "credit_public_anon"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        address = client_ip_address(request)
        if address is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": address}


class _PublicView(generics.GenericAPIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicAnonymousThrottle]


# --- serializers ------------------------------------------------------------------------------


class PublicEnterpriseSerializer(serializers.Serializer):
    """An enterprise found by the public search, with its number of public records."""

    uscc = serializers.CharField(help_text="统一社会信用代码")
    name = serializers.CharField()
    county_name = serializers.CharField(help_text="所属县（市、区）")
    public_record_count = serializers.IntegerField(help_text="公示期内的公开信用记录条数")


class _PublicFieldSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _PublicRecordSerializer(serializers.Serializer):
    event_date = serializers.DateField(help_text="事件日期（如处罚决定日期）")
    values = serializers.DictField(
        child=serializers.CharField(), help_text="字段代码 → 显示值（个人信息已按类别遮蔽）"
    )
    dispute = serializers.CharField(help_text="异议状态（如“异议处理中”），空为无异议")


class _PublicSectionSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="类别代码")
    name = serializers.CharField(help_text="类别名称")
    department = serializers.CharField(help_text="来源部门代码")
    department_name = serializers.CharField(help_text="来源部门")
    disclosure_years = serializers.IntegerField(help_text="公示期（年），0为长期公示")
    fields = _PublicFieldSerializer(many=True)
    records = _PublicRecordSerializer(many=True)


class _PublicEnterpriseRefSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    county_name = serializers.CharField()


class PublicCreditSerializer(serializers.Serializer):
    """One enterprise's public credit information, as its public page shows it."""

    enterprise = _PublicEnterpriseRefSerializer()
    sections = _PublicSectionSerializer(many=True)


class PublicSearchSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=QUERY_MAX_LENGTH,
        help_text="企业名称（部分）或统一社会信用代码",
        error_messages={
            "required": gettext_lazy("请输入企业名称或统一社会信用代码。"),
            "blank": gettext_lazy("请输入企业名称或统一社会信用代码。"),
        },
    )


def _section_data(section: PublicSection) -> dict:
    category = section.category
    return {
        "category": category.code,
        "name": category.name,
        "department": category.department.code,
        "department_name": category.department.name,
        "disclosure_years": category.disclosure_years,
        "fields": [{"code": field.code, "name": field.name} for field in section.fields],
        "records": [
            {
                "event_date": item.record.event_date,
                "values": {
                    field.code: value
                    for field, (_name, value) in zip(section.fields, item.values, strict=True)
                },
                "dispute": item.dispute,
            }
            for item in section.items
        ],
    }


# --- views ------------------------------------------------------------------------------------


class PublicEnterpriseListView(_PublicView):
    """Search the public credit information by enterprise name or credit code."""

    queryset = Enterprise._default_manager.none()  # the schema's model; reads go below
    serializer_class = PublicEnterpriseSerializer

    @extend_schema(
        tags=[PUBLIC_TAG],
        summary="信用信息公示：查询企业 (Search enterprises' public credit information)",
        description=(
            "No sign-in needed (as the public page `/credit/public/`). `?q=` is part of the "
            "enterprise's name (indexed name search) or a whole credit code (spaces, hyphens "
            f"and case do not matter). At most {PUBLIC_SEARCH_LIMIT} enterprises, by name — "
            "as on the page; type a fuller name to narrow. Each with its number of public "
            "records within their disclosure period. Anonymous callers: 429 `throttled` past "
            "the rate per address."
        ),
        parameters=[PublicSearchSerializer],
        responses={200: PublicEnterpriseSerializer(many=True)},
    )
    def get(self, request):
        query = PublicSearchSerializer(data=request.query_params)
        if not query.is_valid():
            raise ApplicationError.invalid(query.errors)
        enterprises = self.paginate_queryset(
            public_enterprise_search(text=query.validated_data["q"])
        )
        enterprises = enterprises or []
        counts = public_record_counts(enterprise_ids=[e.pk for e in enterprises])
        rows = [
            {
                "uscc": enterprise.uscc,
                "name": enterprise.name,
                "county_name": enterprise.county.name,
                "public_record_count": counts.get(enterprise.pk, 0),
            }
            for enterprise in enterprises
        ]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class PublicCreditDetailView(_PublicView):
    """One enterprise's public credit records."""

    serializer_class = PublicCreditSerializer
    pagination_class = None  # the page shows them all: a few per category

    @extend_schema(
        tags=[PUBLIC_TAG],
        summary="信用信息公示：企业公开信用记录 (An enterprise's public credit records)",
        description=(
            "No sign-in needed. The current records of the public categories within their "
            "disclosure period, by category (catalogue order), newest first — exactly what "
            "the public page `/credit/public/{uscc}/` shows: personal information masked "
            "unless the category's legal basis discloses it, `dispute` naming a dispute. "
            "Restricted categories (tax rating, arrears, loans…) never appear; institutions "
            "read them in a consented report. An invalid code: 404 with the reason in "
            "`fields.uscc`; a valid code no enterprise is registered with: 404."
        ),
        parameters=[
            OpenApiParameter(
                "uscc",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="统一社会信用代码（18位）",
            )
        ],
        responses={200: PublicCreditSerializer},
    )
    def get(self, request, uscc: str):
        enterprise = self._enterprise(uscc)
        data = {
            "enterprise": {
                "uscc": enterprise.uscc,
                "name": enterprise.name,
                "county_name": enterprise.county.name,
            },
            "sections": [
                _section_data(section) for section in public_credit_records(enterprise=enterprise)
            ],
        }
        return Response(PublicCreditSerializer(data).data)

    @staticmethod
    def _enterprise(uscc: str) -> Enterprise:
        problem = uscc_error(uscc_normalise(uscc))
        if problem:
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                _("统一社会信用代码无效，没有对应的企业。"),
                fields={"uscc": [problem]},
            )
        enterprise = public_enterprise_get(uscc=uscc)
        if enterprise is None:
            raise ApplicationError.not_found(
                _("平台上没有登记该统一社会信用代码的企业，请核对后重试。")
            )
        return enterprise
