"""API of an enterprise's profile: annual facts with provenance, certificates, and the
recognition explanation, under ``/api/v1/enterprises/<id>/``.

Reads go through ``kejin.enterprises.profile.selectors`` (an enterprise the caller may not
see is a 404, as everywhere), writes through its services (403 for a visible enterprise the
caller may not write to, checked before the input is validated).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.fields import CleanCharField, CountField, MoneyField
from kejin.core.api.pagination import paginated_response
from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError
from kejin.enterprises.choices import CertificateKind, FactSource, RecognitionStatus
from kejin.enterprises.facts import CATALOGUE
from kejin.enterprises.models import AnnualFacts, Certificate
from kejin.enterprises.profile.choices import CertificateExpiry
from kejin.enterprises.profile.selectors import (
    FACT_NAMES,
    annual_facts_for,
    annual_facts_get,
    certificate_expiry,
    certificate_get,
    certificates_for,
    facts_year_problem,
    recognition_for,
)
from kejin.enterprises.profile.services import (
    annual_facts_require_writer,
    annual_facts_save,
    certificate_create,
    certificate_delete,
    certificate_require_editor,
    certificate_update,
)
from kejin.enterprises.selectors import enterprise_get
from kejin.enterprises.validation import FACT_BOUNDS, FLAG, MONEY, year_parse

PROFILE_TAG = "enterprises 企业"


# --- serializers ------------------------------------------------------------------------------


class ProvenanceSerializer(serializers.Serializer):
    """Where one fact's value came from."""

    source = serializers.CharField(
        help_text="self (企业自报) | department (部门数据) | import (批量导入) | demo (演示数据)"
    )
    source_label = serializers.CharField(help_text="来源名称")
    detail = serializers.CharField(help_text="部门代码或导入批次号；企业自报为空")
    as_of = serializers.DateField(allow_null=True, help_text="数值对应的日期")

    def to_representation(self, instance):
        source = instance.get("source", "")
        return {
            "source": source,
            "source_label": str(FactSource(source).label) if source in FactSource.values else "",
            "detail": instance.get("detail") or "",
            "as_of": instance.get("as_of"),
        }


def _fact_field(name: str) -> serializers.Field:
    fact = CATALOGUE[name]
    unit = f"（单位：{fact.unit}）" if fact.unit else ""
    options: dict[str, Any] = {
        "required": False,
        "allow_null": True,
        "help_text": f"{fact.label}{unit}：{fact.meaning}。null 表示未知。",
    }
    bounds = FACT_BOUNDS[name]
    if bounds.kind == FLAG:
        return serializers.BooleanField(**options)
    # The bounds and messages are the one validator's (kejin.enterprises.validation).
    if bounds.kind == MONEY:
        return MoneyField(label=bounds.label, **options)
    minimum, maximum = bounds.count_range()
    return CountField(label=bounds.label, minimum=minimum, maximum=maximum, **options)


AnnualFactsSerializer = type(
    "AnnualFactsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One fiscal year's facts of an enterprise, with each value's provenance.",
        "year": serializers.IntegerField(read_only=True, help_text="年度"),
        **{name: _fact_field(name) for name in FACT_NAMES},
        "provenance": serializers.DictField(
            child=ProvenanceSerializer(),
            read_only=True,
            help_text="每个已填数据项的来源：{数据项: {source, source_label, detail, as_of}}",
        ),
        "as_of": serializers.DateField(
            write_only=True, required=False, help_text="写入时：这些数值对应的日期，默认今天"
        ),
        "updated_at": serializers.DateTimeField(
            read_only=True, allow_null=True, help_text="最近保存时间；该年度尚无数据时为 null"
        ),
    },
)


class CertificateSerializer(serializers.Serializer):
    """A certificate or recognition of an enterprise, with where it stands today."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=CertificateKind.choices, help_text="类别")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    number = CleanCharField(max_length=64, required=False, allow_blank=True)
    issuer = CleanCharField(max_length=128, required=False, allow_blank=True)
    valid_from = serializers.DateField(help_text="有效期起")
    valid_to = serializers.DateField(
        required=False, allow_null=True, help_text="有效期止；null 表示长期有效"
    )
    expiry = serializers.CharField(
        read_only=True,
        help_text="pending 尚未生效 | valid 有效 | expiring 即将到期（90天内） | expired 已过期",
    )
    expiry_label = serializers.SerializerMethodField()
    days_left = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="距有效期止的天数（已过期为负）"
    )

    def get_expiry_label(self, certificate) -> str:
        return str(CertificateExpiry(certificate.expiry).label)


class RulesetReferenceSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="tech_sme | high_tech")
    title = serializers.CharField()
    reference = serializers.CharField(help_text="法规依据")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


_FACTS_USED = serializers.DictField(
    child=serializers.JSONField(allow_null=True),
    help_text="该项读取的数据项及其值（null 表示缺失）",
)


class IndicatorResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="指标值（比例为小数，如0.3）")
    display = serializers.CharField(allow_null=True, help_text="便于阅读的指标值，如“30%”")
    band = serializers.CharField(allow_null=True, help_text="所在档位，如“≥30%”")
    points = serializers.FloatField(allow_null=True, help_text="得分；null 表示数据不足")
    facts = _FACTS_USED


class ComponentResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    points = serializers.FloatField(allow_null=True)
    max_points = serializers.FloatField()


class ConditionResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    met = serializers.BooleanField(
        allow_null=True, help_text="true 满足 | false 不满足 | null 无法判断"
    )
    facts = _FACTS_USED


class ExplanationSerializer(serializers.Serializer):
    """One rule set explained for one enterprise (``kejin.rules.ruleset.Explanation.as_dict``)."""

    ruleset = RulesetReferenceSerializer()
    status = serializers.CharField(
        help_text=" | ".join(f"{value} {label}" for value, label in RecognitionStatus.choices)
    )
    status_label = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="综合得分（有评分的规则）")
    indicators = IndicatorResultSerializer(many=True)
    components = ComponentResultSerializer(many=True)
    conditions = ConditionResultSerializer(many=True, help_text="须全部满足的条件")
    direct = ConditionResultSerializer(many=True, help_text="直接认定条件（任一项）")
    passed = ConditionResultSerializer(allow_null=True, help_text="评分要求")
    missing_facts = serializers.ListField(child=serializers.CharField())


class RecognitionSerializer(serializers.Serializer):
    """Every recognition rule set in force at the end of ``year``, explained."""

    enterprise_id = serializers.IntegerField()
    year = serializers.IntegerField(help_text="数据年度")
    as_of = serializers.DateField(help_text="评价日（该年12月31日）")
    years_with_facts = serializers.ListField(child=serializers.IntegerField())
    rulesets = ExplanationSerializer(many=True)


# --- views ------------------------------------------------------------------------------------


def _facts_representation(facts) -> dict:
    return AnnualFactsSerializer(facts).data


class EnterpriseFactsListView(generics.GenericAPIView):
    """Every year of an enterprise's facts, oldest first."""

    serializer_class = AnnualFactsSerializer
    queryset = (
        AnnualFacts.objects.none()
    )  # for the schema's path parameters only; reads use selectors

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="企业年度数据 (List an enterprise's annual facts)",
        description="每个数值附来源（企业自报、部门及代码、导入批次）与数据时点。",
        responses={200: AnnualFactsSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        facts = annual_facts_for(user=request.user, enterprise_id=pk)
        return paginated_response(self, facts)


class EnterpriseFactsYearView(generics.GenericAPIView):
    """One year of an enterprise's facts: read, or record (upsert) some of them."""

    serializer_class = AnnualFactsSerializer
    queryset = (
        AnnualFacts.objects.none()
    )  # for the schema's path parameters only; reads use selectors

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="企业某年度数据 (Get one year's facts)",
        responses={200: AnnualFactsSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int, year: int):
        facts = annual_facts_get(user=request.user, enterprise_id=pk, year=year)
        return Response(self.get_serializer(facts).data)

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="填报年度数据 (Record facts for a year)",
        description=(
            "只改请求中给出的数据项（null 清空），该年度不存在时新建。企业管理员以“企业自报”"
            "填报本企业数据（部门提供的数据和创新能力评价、合规记录不能改）；市级和本县工作人员"
            "以“部门数据”填报，来源记为其部门代码。每个改动的数值记录来源与数据时点 `as_of`。"
            " Audited."
        ),
        request=AnnualFactsSerializer,
        responses={200: AnnualFactsSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int, year: int):
        enterprise = enterprise_get(user=request.user, pk=pk)
        source = annual_facts_require_writer(actor=request.user, enterprise=enterprise)
        problem = facts_year_problem(year, founded_on=enterprise.founded_on)
        if problem:
            raise ApplicationError.invalid({"year": [problem]})
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        as_of = data.pop("as_of", None)
        facts = annual_facts_save(
            actor=request.user,
            enterprise=enterprise,
            year=year,
            values=data,
            source=source,
            as_of=as_of,
            ip_address=client_ip_address(request),
        )
        return Response(self.get_serializer(facts).data)


class EnterpriseCertificateListView(generics.GenericAPIView):
    """An enterprise's certificates (flagged when expiring or expired); officers record new ones."""

    serializer_class = CertificateSerializer
    queryset = (
        Certificate.objects.none()
    )  # for the schema's path parameters only; reads use selectors

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="企业证书与资质 (List an enterprise's certificates)",
        description="`expiry`：有效期止在90天内为 expiring（即将到期），已过为 expired（已过期）。",
        responses={200: CertificateSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        certificates = certificates_for(user=request.user, enterprise_id=pk)
        return paginated_response(self, certificates)

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="登记证书 (Record a certificate)",
        description="市级工作人员、本县工作人员和平台管理员。Audited.",
        request=CertificateSerializer,
        responses={201: CertificateSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        enterprise = enterprise_get(user=request.user, pk=pk)
        certificate_require_editor(actor=request.user, enterprise=enterprise)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = certificate_create(
            actor=request.user,
            enterprise=enterprise,
            data=dict(serializer.validated_data),
            ip_address=client_ip_address(request),
        )
        location = reverse(
            "api-enterprise-certificate-detail",
            kwargs={"pk": enterprise.pk, "certificate_id": certificate.pk},
        )
        return Response(
            _certificate_data(certificate),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


def _certificate_data(certificate) -> dict:
    certificate.expiry, certificate.days_left = certificate_expiry(
        certificate, today=timezone.localdate()
    )
    return CertificateSerializer(certificate).data


class EnterpriseCertificateDetailView(generics.GenericAPIView):
    """One certificate: read, correct, or delete one recorded in error."""

    serializer_class = CertificateSerializer
    queryset = (
        Certificate.objects.none()
    )  # for the schema's path parameters only; reads use selectors

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="证书详情 (Get a certificate)",
        responses={200: CertificateSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int, certificate_id: int):
        certificate = certificate_get(
            user=request.user, enterprise_id=pk, certificate_id=certificate_id
        )
        return Response(self.get_serializer(certificate).data)

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="修改证书 (Update a certificate)",
        description="只改请求中给出的字段。Audited with the changed fields before and after.",
        request=CertificateSerializer,
        responses={200: CertificateSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int, certificate_id: int):
        certificate = certificate_get(
            user=request.user, enterprise_id=pk, certificate_id=certificate_id
        )
        certificate_require_editor(actor=request.user, enterprise=certificate.enterprise)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        certificate = certificate_update(
            actor=request.user,
            certificate=certificate,
            data=dict(serializer.validated_data),
            ip_address=client_ip_address(request),
        )
        return Response(_certificate_data(certificate))

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="删除证书 (Delete a certificate)",
        description="用于删除误登记的证书；到期证书不必删除，会标注为已过期。Audited.",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, pk: int, certificate_id: int):
        certificate = certificate_get(
            user=request.user, enterprise_id=pk, certificate_id=certificate_id
        )
        certificate_require_editor(actor=request.user, enterprise=certificate.enterprise)
        certificate_delete(
            actor=request.user, certificate=certificate, ip_address=client_ip_address(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EnterpriseRecognitionView(generics.GenericAPIView):
    """The recognition explanation of an enterprise for one data year."""

    serializer_class = RecognitionSerializer

    @extend_schema(
        tags=[PROFILE_TAG],
        summary="认定评价说明 (Explain an enterprise's recognition)",
        description=(
            "按该年12月31日有效的每一套认定规则（科技型中小企业评价、高新技术企业认定条件），"
            "给出每个指标的数值、档位和得分，每个分项的得分与满分，综合得分，每个条件是否满足"
            "（null 为数据不足无法判断），直接认定条件，以及缺少的数据项。"
        ),
        parameters=[
            OpenApiParameter(
                "year",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                required=False,
                description="数据年度；默认为最近一个有年度数据的年度",
            )
        ],
        responses={200: RecognitionSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, pk: int):
        raw = request.query_params.get("year", "")
        year = None
        if raw:
            year = year_parse(raw)
            if year is None:
                raise ApplicationError.invalid({"year": [facts_year_problem(raw) or ""]})
        report = recognition_for(user=request.user, enterprise_id=pk, year=year)
        return Response(report.as_dict())
