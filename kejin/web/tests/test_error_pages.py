"""Error pages: 404, 403, 400 and 500 in the platform's layout, in Chinese, with a way back.

Run with DEBUG off, as production is: an unknown page must be the platform's page, not
Django's technical one. The 500 page renders without the database or context processors.
"""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from kejin.accounts.tests.factories import UserFactory
from kejin.core.handlers import server_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "kejin.web.tests.urls_failing"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def visitor():
    """A client that gets the error page rather than the exception, as a visitor would."""
    return Client(raise_request_exception=False)


def _testids(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-testid="([^"]+)"', html))


@pytest.mark.parametrize(
    ("path", "status", "title", "template"),
    [
        ("/no-such-page/", 404, "页面不存在", "404.html"),
        ("/failing/403/", 403, "无权访问", "403.html"),
        ("/failing/400/", 400, "请求无效", "400.html"),
    ],
)
def test_error_pages_are_the_platforms_pages_with_a_way_back(
    visitor, path, status, title, template
):
    user = UserFactory(username="city-officer")
    visitor.force_login(user)

    response = visitor.get(path, HTTP_REFERER="http://testserver/enterprises/")

    assert response.status_code == status
    assert template in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]  # the layout
    html = response.content.decode()
    assert {"error-page", "error-title", "error-home", "error-back", "user-menu"} <= _testids(html)
    assert f'<h1 class="h3 mb-3" data-testid="error-title">{title}</h1>' in html
    assert 'href="/" data-testid="error-home">返回首页</a>' in html
    # Back to where the visitor came from (a page of ours).
    assert (
        'href="http://testserver/enterprises/" data-history-back data-testid="error-back"' in html
    )
    assert 'href="/registry/"' in html  # the navigation of the signed-in officer


def test_an_unknown_page_for_an_anonymous_visitor_is_the_layout_too(visitor):
    response = visitor.get("/no-such-page/", HTTP_REFERER="https://elsewhere.example/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "error-page" in _testids(html)
    assert "科技金融综合服务平台" in html
    # Another site is no way "back": the link goes home instead.
    assert 'href="/" data-history-back data-testid="error-back"' in html
    assert "elsewhere.example" not in html


def test_error_pages_speak_english_when_english_is_chosen(visitor, settings):
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = visitor.get("/no-such-page/").content.decode()

    assert '<h1 class="h3 mb-3" data-testid="error-title">Page not found</h1>' in html
    assert ">Back to home</a>" in html and ">Back to the previous page</a>" in html


def test_a_crash_is_the_self_contained_500_page(visitor):
    visitor.force_login(UserFactory())

    response = visitor.get("/failing/500/")

    assert response.status_code == 500
    assert [t.name for t in response.templates] == [
        "500.html",
        "error_base.html",
        "errors/_error.html",
    ]
    html = response.content.decode()
    assert {"error-page", "error-title", "error-home", "error-back"} <= _testids(html)
    assert '<h1 class="h3 mb-3" data-testid="error-title">服务器出错</h1>' in html
    assert "a bug" not in html


def test_the_500_page_needs_neither_the_database_nor_context_processors(
    django_assert_num_queries,
):
    request = RequestFactory().get("/somewhere/")  # no session, no user: nothing to look up
    with translation.override("zh-hans"), django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert 'data-testid="error-title">服务器出错</h1>' in response.content.decode()


def test_api_errors_keep_the_json_shape(visitor):
    missing = visitor.get("/api/v1/no-such-endpoint/")
    crashed = visitor.get("/api/v1/failing/500/")

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert crashed.status_code == 500
    assert crashed.json() == {
        "error": {
            "code": "server_error",
            "message": "服务器出错，请稍后重试。如果问题持续，请联系平台管理员。",
            "fields": {},
        }
    }


def test_a_request_for_another_host_is_the_400_page(visitor, settings):
    settings.ALLOWED_HOSTS = ["kejin.example"]

    response = visitor.get("/", HTTP_HOST="evil.example", HTTP_REFERER="http://evil.example/x")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-title">请求无效</h1>' in html
    assert 'href="/" data-history-back data-testid="error-back"' in html
    assert "evil.example" not in html
