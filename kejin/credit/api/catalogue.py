"""API of the credit data catalogue: the categories and their fields (every signed-in user;
it says what is collected, from whom, on what legal basis)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.credit.catalogue import record_category_list
from kejin.credit.models import CategoryField, RecordCategory

CREDIT_TAG = "credit 信用信息"


class CategoryFieldSerializer(serializers.ModelSerializer):
    """One field of a category: the column a batch carries (by ``code`` or ``name``)."""

    type_label = serializers.CharField(source="get_type_display", read_only=True)

    class Meta:
        model = CategoryField
        fields = [
            "code",
            "name",
            "type",
            "type_label",
            "required",
            "allowed_values",
            "value_labels",
            "unit",
            "is_personal",
            "help_text",
        ]
        read_only_fields = fields


class RecordCategorySerializer(serializers.ModelSerializer):
    """A record category with its fields, source department and disclosure rules."""

    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    disclosure_label = serializers.CharField(source="get_disclosure_display", read_only=True)
    fields = CategoryFieldSerializer(many=True, read_only=True)

    class Meta:
        model = RecordCategory
        fields = [
            "code",
            "name",
            "department",
            "department_name",
            "description",
            "disclosure",
            "disclosure_label",
            "retention_years",
            "disclosure_years",
            "legal_basis",
            "personal_info_disclosed",
            "indicator_note",
            "event_date_field",
            "is_active",
            "fields",
        ]
        read_only_fields = fields


class RecordCategoryListView(generics.GenericAPIView):
    serializer_class = RecordCategorySerializer
    pagination_class = None  # a few dozen categories

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecordCategory.objects.none()
        return record_category_list(user=self.request.user)

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="信用数据目录 (List record categories)",
        description="Every category with its fields; a batch's columns are the field codes "
        "(or names) plus `uscc` and `source_record_id`.",
        responses={200: RecordCategorySerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)


class RecordCategoryDetailView(generics.GenericAPIView):
    serializer_class = RecordCategorySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecordCategory.objects.none()
        return record_category_list(user=self.request.user)

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="信用数据类别 (Get a record category)",
        responses={200: RecordCategorySerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, code: str):
        category = self.get_queryset().filter(code=code).first()
        if category is None:
            from kejin.core.errors import ApplicationError

            raise ApplicationError.not_found()
        return Response(self.get_serializer(category).data)
