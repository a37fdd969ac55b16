"""Serializer of the institution record: parses and formats; the service writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kejin.core.api.fields import (
    CLEAN_TEXT_FIELD_MAPPING,
    MoneyField,
    USCCField,
    USCCNotRegisteredValidator,
)
from kejin.core.models import Region
from kejin.institutions.models import Institution
from kejin.institutions.selectors import institution_list


class VisibleInstitutionField(serializers.PrimaryKeyRelatedField):
    """An institution by id, chosen among those the requesting user may see."""

    def get_queryset(self):
        return institution_list(user=self.context["request"].user)


class InstitutionSerializer(serializers.ModelSerializer):
    """A financial institution as the API shows and accepts it. ``parent`` is the id of the
    head office or upper branch; ``county`` a region code; ``registered_capital`` a decimal
    string in yuan (null for branches)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **CLEAN_TEXT_FIELD_MAPPING,
    }

    uscc = USCCField(validators=[USCCNotRegisteredValidator()])
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    parent = VisibleInstitutionField(
        required=False,
        allow_null=True,
        help_text="上级机构ID (head office or upper branch), null for a head office",
        error_messages={"does_not_exist": _("没有ID为{pk_value}的金融机构。")},
    )
    parent_name = serializers.CharField(source="parent.name", read_only=True, allow_null=True)
    county = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(level__in=["city", "county"]),
        help_text="所在市或县(市、区)的区划代码, e.g. 330400, 330402",
        error_messages={"does_not_exist": _("没有代码为{value}的市或县(市、区)。")},
    )
    county_name = serializers.CharField(source="county.name", read_only=True)
    registered_capital = MoneyField(
        label="注册资本",
        required=False,
        allow_null=True,
        help_text="注册资本，单位：元；分支机构可为空",
    )

    class Meta:
        model = Institution
        fields = [
            "id",
            "uscc",
            "name",
            "kind",
            "kind_label",
            "parent",
            "parent_name",
            "county",
            "county_name",
            "registered_capital",
            "address",
            "contact_phone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def create(self, validated_data):
        raise NotImplementedError("call kejin.institutions.services.institution_create")

    def update(self, instance, validated_data):
        raise NotImplementedError("call kejin.institutions.services.institution_update")
