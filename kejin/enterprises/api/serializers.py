"""Serializer of the enterprise record: parses and formats; the service writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kejin.core.api.fields import (
    CLEAN_TEXT_FIELD_MAPPING,
    MoneyField,
    USCCField,
    USCCNotRegisteredValidator,
)
from kejin.core.models import Industry, Region
from kejin.enterprises.choices import EnterpriseSize
from kejin.enterprises.models import Enterprise

_SIZE_LABELS = dict(EnterpriseSize.choices)


class EnterpriseSerializer(serializers.ModelSerializer):
    """An enterprise as the API shows and accepts it. Regions and industries go by code;
    ``registered_capital`` is a decimal string in yuan."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **CLEAN_TEXT_FIELD_MAPPING,
    }

    uscc = USCCField(validators=[USCCNotRegisteredValidator()])
    county = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(level="county"),
        help_text="所在县(市、区)的区划代码, e.g. 330402",
        error_messages={"does_not_exist": _("没有代码为{value}的县(市、区)。")},
    )
    county_name = serializers.CharField(source="county.name", read_only=True)
    zone = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(level="zone"),
        required=False,
        allow_null=True,
        help_text="所在功能区代码 (optional)",
        error_messages={"does_not_exist": _("没有代码为{value}的功能区。")},
    )
    industry = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Industry.objects.all(),
        help_text="国民经济行业代码 (GB/T 4754-2017), e.g. 65",
        error_messages={"does_not_exist": _("没有代码为{value}的国民经济行业。")},
    )
    industry_name = serializers.CharField(source="industry.name", read_only=True)
    size_label = serializers.SerializerMethodField()
    registered_capital = MoneyField(label="注册资本", help_text="注册资本，单位：元")

    def get_size_label(self, enterprise) -> str:
        # A dict lookup: get_size_display() costs ~1.5 ms per page of 20 (measured in bench/).
        return str(_SIZE_LABELS.get(enterprise.size, enterprise.size))

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "uscc",
            "name",
            "county",
            "county_name",
            "zone",
            "industry",
            "industry_name",
            "founded_on",
            "size",
            "size_label",
            "registered_capital",
            "legal_representative",
            "address",
            "contact_phone",
            "business_scope",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def create(self, validated_data):
        raise NotImplementedError("call kejin.enterprises.services.enterprise_create")

    def update(self, instance, validated_data):
        raise NotImplementedError("call kejin.enterprises.services.enterprise_update")
