"""Every API error is in the one JSON shape with a stable code — including the answers
Django gives before or instead of a view (bad Host, body too large, CSRF, no route, 500) —
and no input makes the API answer 500 (deeply nested JSON, 64-bit overflows, bad pages).
"""

import json

import pytest
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
TOO_DEEP = {
    "error": {
        "code": "parse_error",
        "message": "请求内容嵌套层级过深（最多32层），请检查JSON格式。",
        "fields": {},
    }
}
TOO_LARGE = {
    "error": {
        "code": "request_too_large",
        "message": "请求内容过大，请减小上传的数据量后重试。",
        "fields": {},
    }
}
BAD_REQUEST = {
    "error": {"code": "bad_request", "message": "请求无效，服务器无法处理。", "fields": {}}
}
SERVER_ERROR = {
    "error": {
        "code": "server_error",
        "message": "服务器出错，请稍后重试。如果问题持续，请联系平台管理员。",
        "fields": {},
    }
}
CSRF_FAILED = {
    "error": {
        "code": "csrf_failed",
        "message": "安全校验（CSRF）未通过：页面可能已过期。请刷新页面后重新提交。",
        "fields": {},
    }
}
NOT_FOUND = {
    "error": {"code": "not_found", "message": "未找到该记录，或您无权查看。", "fields": {}}
}


def _boom(request):
    raise RuntimeError("an unhandled bug")


def _suspicious(request):
    raise SuspiciousOperation("odd input")


def _page(request):
    return HttpResponse("ok")


# A URL conf for the tests that need a view that fails: the project's, plus two views.
urlpatterns = [
    path("api/v1/test-boom/", _boom),
    path("api/v1/test-suspicious/", _suspicious),
    path("test-boom/", _boom),
    path("", include("config.urls")),
]
handler400 = "kejin.core.handlers.bad_request"
handler403 = "kejin.core.handlers.permission_denied"
handler404 = "kejin.core.handlers.page_not_found"
handler500 = "kejin.core.handlers.server_error"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deeply_nested_json_to_the_anonymous_token_endpoint_is_400_not_500():
    response = Client(raise_request_exception=False).post(
        TOKEN_URL, _nested(100_000), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == TOO_DEEP


def test_json_nested_just_past_the_limit_is_refused_and_at_the_limit_is_parsed():
    client = APIClient()
    body_at_limit = {"username": json.loads(_nested(31)), "password": "x"}
    at_limit = client.post(TOKEN_URL, body_at_limit, format="json")
    past_limit = client.post(
        TOKEN_URL, {"username": json.loads(_nested(32)), "password": "x"}, format="json"
    )

    # At the limit the body is parsed, and the serializer says what is wrong with it.
    assert at_limit.status_code == 400
    assert at_limit.json()["error"]["code"] == "invalid"
    assert set(at_limit.json()["error"]["fields"]) == {"username"}
    assert past_limit.status_code == 400
    assert past_limit.json() == TOO_DEEP


def test_a_json_body_over_the_upload_limit_is_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"username": "x" * 2000, "password": "y"})

    response = APIClient().post(TOKEN_URL, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_form_body_over_the_upload_limit_is_413_on_the_api_and_a_page_elsewhere(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(raise_request_exception=False)

    api = client.post(TOKEN_URL, {"username": "x" * 2000, "password": "y"})
    page = client.post("/accounts/login/", {"username": "x" * 2000, "password": "y"})

    assert api.status_code == 413
    assert api.json() == TOO_LARGE
    assert page.status_code == 413
    assert "请求内容过大，请减小上传的数据量后重试。" in page.content.decode()


def test_a_bad_host_header_is_400_in_the_error_shape():
    response = Client(raise_request_exception=False).get(
        "/api/v1/regions/", HTTP_HOST="evil.example"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == BAD_REQUEST


@pytest.mark.urls("kejin.core.tests.test_api_errors")
def test_a_suspicious_operation_in_an_api_view_is_400_in_the_error_shape():
    response = Client(raise_request_exception=False).get("/api/v1/test-suspicious/")

    assert response.status_code == 400
    assert response.json() == BAD_REQUEST


@pytest.mark.urls("kejin.core.tests.test_api_errors")
def test_an_unhandled_exception_is_500_in_the_error_shape_under_api_and_a_page_elsewhere():
    client = Client(raise_request_exception=False)

    api = client.get("/api/v1/test-boom/")
    page = client.get("/test-boom/")

    assert api.status_code == 500
    assert api.json() == SERVER_ERROR
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


def test_an_unknown_api_path_is_404_in_the_error_shape():
    response = APIClient().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_an_unsafe_session_request_without_csrf_token_is_csrf_failed_and_changes_nothing():
    officer = UserFactory()
    enterprise = EnterpriseFactory(county=RegionFactory())
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)

    response = client.patch(
        f"/api/v1/enterprises/{enterprise.pk}/", {"name": "改名"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == CSRF_FAILED
    enterprise.refresh_from_db()
    assert enterprise.name != "改名"


def test_a_page_post_without_csrf_token_says_the_security_check_failed():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        "/accounts/password/",
        {"old_password": "x", "new_password1": "y", "new_password2": "y"},
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error-code="csrf_failed"' in html
    assert "安全校验（CSRF）未通过：页面可能已过期。请刷新页面后重新提交。" in html


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/institutions/?parent=99999999999999999999", "parent"),
        ("/api/v1/institutions/?parent=9223372036854775808", "parent"),
        ("/api/v1/institutions/?parent=-99999999999999999999", "parent"),
        ("/api/v1/registry/overrides/?enterprise=99999999999999999999", "enterprise"),
        ("/api/v1/registry/overrides/?enterprise=%C2%B2", "enterprise"),
        ("/api/v1/enterprises/?page=99999999999999999999", "page"),
        ("/api/v1/enterprises/?page=0", "page"),
        ("/api/v1/enterprises/?page=-1", "page"),
        ("/api/v1/enterprises/?page=last", "page"),
        ("/api/v1/enterprises/?page=", "page"),
    ],
)
def test_integer_query_values_out_of_range_are_400_naming_the_parameter(url, field):
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.get(url)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.parametrize(
    "value", ["0", "-1", "null", "false", "", "1.5", "201", "99999999999999999999", "１０"]
)
def test_page_size_other_than_1_to_200_is_400(value):
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.get("/api/v1/regions/", {"page_size": value})

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "提交的数据有误，请按提示修改后重试。",
            "fields": {"page_size": ["每页条数必须是1到200之间的整数。"]},
        }
    }


def test_page_size_at_the_bounds_is_accepted():
    client = APIClient()
    client.force_authenticate(UserFactory())

    smallest = client.get("/api/v1/regions/", {"page_size": "1"})
    largest = client.get("/api/v1/regions/", {"page_size": "200"})

    assert smallest.status_code == 200
    assert len(smallest.json()["results"]) == 1
    assert largest.status_code == 200
    assert len(largest.json()["results"]) == min(200, largest.json()["count"])
