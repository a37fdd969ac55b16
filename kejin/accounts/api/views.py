"""API of the accounts app: issuing API tokens, and who the caller is."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from kejin.accounts.api.serializers import MeSerializer, TokenCredentialsSerializer, TokenSerializer
from kejin.accounts.services import api_token_issue
from kejin.accounts.throttles import SIGN_IN_THROTTLES
from kejin.core.api.errors import ErrorSerializer, error_responses
from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError, ErrorCode

AUTH_TAG = "auth 认证"


def _locked_out_error(request) -> ApplicationError:
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    if minutes:
        message = _(
            "登录失败次数过多，账号已被临时锁定。请%(minutes)d分钟后再试，或联系平台管理员解锁。"
        ) % {"minutes": minutes}
    else:
        message = _("登录失败次数过多，账号已被锁定。请联系平台管理员解锁。")
    return ApplicationError(ErrorCode.LOCKED_OUT, message)


class TokenObtainView(APIView):
    """Exchange a username and password for the user's API token.

    The password is checked by ``django.contrib.auth.authenticate`` so that django-axes counts
    failures and locks out (per username and IP) exactly as on the sign-in page. The DRF
    request (not the Django one) is passed on purpose: axes marks the request it is given,
    and AxesMiddleware would otherwise replace this JSON answer with its HTML lock-out page.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = SIGN_IN_THROTTLES

    @extend_schema(
        tags=[AUTH_TAG],
        summary="签发API令牌 (Obtain an API token)",
        description=(
            "用户名和密码换取令牌，之后以 `Authorization: Token <token>` 调用接口。"
            " Repeated failures lock the username at this address out (403 `locked_out`);"
            " too many attempts from one address or for one username are refused"
            " (429 `throttled`, with `Retry-After`). Tokens expire after"
            " `KEJIN_API_TOKEN_LIFETIME_DAYS` (default 30) days; a changed password"
            " revokes them."
        ),
        request=TokenCredentialsSerializer,
        responses={
            200: TokenSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="账号已被锁定 (locked_out)"),
        },
        examples=[
            OpenApiExample(
                "request", value={"username": "bank01", "password": "…"}, request_only=True
            ),
            OpenApiExample(
                "response",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = TokenCredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            raise _locked_out_error(request)
        if user is None:
            raise ApplicationError(
                ErrorCode.INVALID, _("用户名或密码错误，请检查后重试。多次失败将被临时锁定。")
            )
        token = api_token_issue(user=user, request=request, ip_address=client_ip_address(request))
        return Response({"token": token.key})


class MeView(APIView):
    """The signed-in caller: role, organisation and county."""

    @extend_schema(
        tags=[AUTH_TAG],
        summary="当前用户 (Who am I)",
        responses={200: MeSerializer, **error_responses(401)},
    )
    def get(self, request):
        return Response(MeSerializer(request.user).data)
