"""Plain Django baseline views of the enterprise list and detail, for the API benchmark.

They run the same query the API runs and return the same fields through a ``JsonResponse``,
with as little machinery as possible: the same token lookup DRF's TokenAuthentication does,
no serializer, no content negotiation, no FilterSet, no pagination class. The API is
measured against them in the same run (docs/performance.md). Only ``bench.settings`` routes
to them; they are not part of the platform.
"""

from django.http import JsonResponse
from django.utils.timezone import localtime
from rest_framework.authtoken.models import Token

from kejin.enterprises.models import Enterprise

PAGE_SIZE = 20
# As DRF's JSONRenderer writes (UNICODE_JSON, COMPACT_JSON), so both send the same bytes.
JSON_PARAMS = {"ensure_ascii": False, "separators": (",", ":")}


def _token_user(request):
    """The active user whose token is in ``Authorization: Token <key>``, else None (as DRF does)."""
    keyword, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if keyword != "Token" or not key:
        return None
    try:
        token = Token.objects.select_related("user").get(key=key)
    except Token.DoesNotExist:
        return None
    return token.user if token.user.is_active else None


def _enterprises(user):
    # The baseline deliberately queries the model itself (no selector), scoped the same way.
    return Enterprise.objects.visible_to(user).select_related("county", "industry", "zone")


def _enterprise_json(enterprise: Enterprise) -> dict:
    """The fields, names and formats of the API's EnterpriseSerializer, written out by hand."""
    return {
        "id": enterprise.id,
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "county": enterprise.county.code,
        "county_name": enterprise.county.name,
        "zone": enterprise.zone.code if enterprise.zone_id else None,
        "industry": enterprise.industry.code,
        "industry_name": enterprise.industry.name,
        "founded_on": enterprise.founded_on.isoformat(),
        "size": enterprise.size,
        "size_label": enterprise.get_size_display(),
        "registered_capital": f"{enterprise.registered_capital:.2f}",
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "contact_phone": enterprise.contact_phone,
        "business_scope": enterprise.business_scope,
        "created_at": localtime(enterprise.created_at).isoformat(),
        "updated_at": localtime(enterprise.updated_at).isoformat(),
    }


def _unauthenticated():
    return JsonResponse(
        {"error": {"code": "not_authenticated", "message": "未登录。", "fields": {}}}, status=401
    )


def _not_found():
    return JsonResponse(
        {"error": {"code": "not_found", "message": "未找到。", "fields": {}}}, status=404
    )


def enterprise_list(request):
    """``?page=N``: 20 enterprises ordered by name, with the total count, like the API list."""
    user = _token_user(request)
    if user is None:
        return _unauthenticated()
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return _not_found()
    queryset = _enterprises(user).order_by("name", "id")
    count = queryset.count()
    offset = (page - 1) * PAGE_SIZE
    if offset and offset >= count:
        return _not_found()
    rows = [_enterprise_json(e) for e in queryset[offset : offset + PAGE_SIZE]]
    base = request.build_absolute_uri(request.path)
    return JsonResponse(
        {
            "count": count,
            "next": f"{base}?page={page + 1}" if offset + PAGE_SIZE < count else None,
            "previous": (f"{base}?page={page - 1}" if page > 2 else base) if page > 1 else None,
            "results": rows,
        },
        json_dumps_params=JSON_PARAMS,
    )


def enterprise_detail(request, pk: int):
    """One enterprise by id, like the API detail."""
    user = _token_user(request)
    if user is None:
        return _unauthenticated()
    enterprise = _enterprises(user).filter(pk=pk).first()
    if enterprise is None:
        return _not_found()
    return JsonResponse(_enterprise_json(enterprise), json_dumps_params=JSON_PARAMS)
