"""Serializers of the accounts API: token requests and the signed-in user."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kejin.accounts.models import User


class TokenCredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"), max_length=150)
    password = serializers.CharField(
        label=_("密码"), max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text="send as `Authorization: Token <token>`"
    )


class OrganisationSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="enterprise | institution | department")
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MeSerializer(serializers.ModelSerializer):
    """Who the caller is: role, organisation and (county officers) county."""

    role_label = serializers.CharField(source="get_role_display", read_only=True)
    organisation = serializers.SerializerMethodField()
    county = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="县级工作人员负责的县(市、区)代码 (county officers only)",
    )

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "role_label", "organisation", "county"]
        read_only_fields = fields

    @extend_schema_field(OrganisationSerializer(allow_null=True))
    def get_organisation(self, user: User) -> dict | None:
        for kind in ("enterprise", "institution", "department"):
            organisation = getattr(user, kind)
            if organisation is not None:
                return {"type": kind, "id": organisation.pk, "name": organisation.name}
        return None
