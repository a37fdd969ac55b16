"""One POST endpoint per workflow action of an entity, and the POST that creates one: what
the apps' APIs share.

Each action gets its own view class (its own name, summary and request schema in the OpenAPI
document): the row is read for the caller through the app's selector (404 outside its
scope), the body (if the action takes one) is validated by its serializer (400), the app's
service does the move (403, 409, 400 from the service), and the entity's detail is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses


def action_view(
    *,
    name: str,
    tag: str,
    summary: str,
    description: str,
    model,
    detail_serializer: type[serializers.BaseSerializer],
    get: Callable[[Any, int], Any],
    run: Callable[[Any, Any, Any], Any],
    respond: Callable[[Any, int], Response],
    body: type[serializers.BaseSerializer] | None = None,
) -> type[generics.GenericAPIView]:
    """A view class named ``name`` whose POST to ``<pk>/`` takes one action.

    ``get(user, pk)`` reads the row for the caller; ``run(request, row, data)`` calls the
    service with ``data`` (the validated ``body``, or ``{}`` without one);
    ``respond(request, pk)`` is the answer (the entity's detail, ``detail_serializer``).
    """

    class ActionView(generics.GenericAPIView):
        queryset = model._default_manager.none()
        serializer_class = body or serializers.Serializer

        @extend_schema(
            tags=[tag],
            summary=summary,
            description=description,
            request=body,
            responses={200: detail_serializer, **error_responses(400, 401, 403, 404, 409)},
        )
        def post(self, request, pk: int):
            row = get(request.user, pk)
            data: Any = {}
            if body is not None:
                serializer = body(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = serializer.validated_data
            run(request, row, data)
            return respond(request, pk)

    ActionView.__name__ = ActionView.__qualname__ = name
    ActionView.__doc__ = summary
    return ActionView


def created_response(
    request,
    serializer_class: type[serializers.BaseSerializer],
    create: Callable[[Any], Any],
    *,
    respond: Callable[..., Response],
    url_name: str,
) -> Response:
    """A POST that creates a row: the body validated by ``serializer_class`` (400),
    ``create(serializer)`` calls the service and returns the row, the answer is
    ``respond(request, pk, status_code=201)`` with the row's ``Location`` (``url_name``)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    row = create(serializer)
    response = respond(request, row.pk, status_code=status.HTTP_201_CREATED)
    response["Location"] = reverse(url_name, args=[row.pk])
    return response
