"""API of the inbox: a user's own messages, unread count, mark one or all read."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kejin.core.api.errors import error_responses
from kejin.notifications import selectors, services
from kejin.notifications.models import Notification

TAG = "notifications 站内消息"


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "key", "title", "body", "url", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_read(self, note) -> bool:
        return note.read_at is not None


class NotificationListView(generics.GenericAPIView):
    """The caller's messages, newest first."""

    queryset = Notification._default_manager.none()
    serializer_class = NotificationSerializer

    @extend_schema(
        tags=[TAG],
        summary="我的消息 (List my notifications)",
        parameters=[OpenApiParameter("unread", bool, description="true：只列未读消息")],
        responses={200: NotificationSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        unread = request.query_params.get("unread", "").lower() in ("1", "true")
        page = self.paginate_queryset(
            selectors.notification_list(user=request.user, unread_only=unread)
        )
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationUnreadCountView(APIView):
    @extend_schema(
        tags=[TAG],
        summary="未读消息数 (Unread count)",
        responses={
            200: inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}),
            **error_responses(401),
        },
    )
    def get(self, request):
        return Response({"unread": selectors.notification_unread_count(user=request.user)})


class NotificationReadView(APIView):
    @extend_schema(
        tags=[TAG],
        summary="标为已读 (Mark a notification read)",
        request=None,
        responses={200: NotificationSerializer, **error_responses(401, 404)},
    )
    def post(self, request, pk: int):
        note = services.notification_mark_read(user=request.user, pk=pk)
        return Response(NotificationSerializer(note).data)


class NotificationReadAllView(APIView):
    @extend_schema(
        tags=[TAG],
        summary="全部标为已读 (Mark all read)",
        request=None,
        responses={
            200: inline_serializer("ReadAll", {"marked": serializers.IntegerField()}),
            **error_responses(401),
        },
    )
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})
