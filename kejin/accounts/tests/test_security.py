"""Sign-in safety: rate limits per address and per username (page and token endpoint),
expiring API tokens revoked on a password change, HSTS in production, and no-store on every
private answer."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.middleware import NoStoreMiddleware

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/auth/me/"
LOGIN_URL = "/accounts/login/"
THROTTLED = {"error": {"code": "throttled", "message": "请求过于频繁，请稍后再试。", "fields": {}}}
TOKEN_EXPIRED = {
    "error": {
        "code": "token_expired",
        "message": "令牌已过期，请重新申请令牌（POST /api/v1/auth/token/）。",
        "fields": {},
    }
}
BASE_DIR = Path(__file__).resolve().parents[3]


@pytest.fixture
def low_rates(settings):
    rates = {"sign_in_ip": "3/min", "sign_in_username": "4/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def post_token(username, password, *, ip):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


# --- rate limits ----------------------------------------------------------------------------


def test_one_address_trying_many_usernames_is_throttled_even_with_a_right_password(low_rates):
    UserFactory(username="officer1")
    for name in ("a1", "a2", "a3"):
        assert post_token(name, "guess-guess", ip="10.0.0.9").status_code == 400

    refused = post_token("officer1", PASSWORD, ip="10.0.0.9")
    elsewhere = post_token("officer1", PASSWORD, ip="10.0.0.10")

    assert refused.status_code == 429
    assert refused.json() == THROTTLED
    assert int(refused["Retry-After"]) > 0
    # Another address is not affected.
    assert elsewhere.status_code == 200


def test_one_username_tried_from_many_addresses_is_throttled(low_rates):
    user = UserFactory(username="officer1")
    for n in range(4):
        assert post_token("officer1", "guess-guess", ip=f"10.0.1.{n}").status_code == 400

    refused = post_token("officer1", PASSWORD, ip="10.0.1.200")

    assert refused.status_code == 429
    assert refused.json() == THROTTLED
    assert not Token.objects.filter(user=user).exists()


def test_the_sign_in_page_and_the_token_endpoint_share_the_address_limit(client, low_rates):
    user = UserFactory(username="officer1")
    post_token("x1", "guess-guess", ip="127.0.0.1")
    client.post(LOGIN_URL, {"username": "x2", "password": "guess-guess"})
    client.post(LOGIN_URL, {"username": "x3", "password": "guess-guess"})

    refused = client.post(LOGIN_URL, {"username": "officer1", "password": PASSWORD})

    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "登录尝试过于频繁，请1分钟后再试。" in refused.content.decode()
    assert 'data-testid="sign-in-throttled"' in refused.content.decode()
    user.refresh_from_db()
    assert user.last_login is None
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_documents_429():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]


# --- token expiry and revocation ------------------------------------------------------------


def _age_token(token, days):
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=days))


def test_a_token_older_than_its_lifetime_is_401_token_expired(settings):
    settings.KEJIN_API_TOKEN_LIFETIME = datetime.timedelta(days=30)
    young_user, old_user = UserFactory(), UserFactory()
    young, old = Token.objects.create(user=young_user), Token.objects.create(user=old_user)
    _age_token(young, 29)
    _age_token(old, 31)

    young_answer = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {young.key}")
    old_answer = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {old.key}")

    assert young_answer.status_code == 200
    assert old_answer.status_code == 401
    assert old_answer.json() == TOKEN_EXPIRED
    assert old_answer["WWW-Authenticate"] == 'Token realm="api"'


def test_asking_again_replaces_an_expired_token_and_keeps_a_valid_one(settings):
    settings.KEJIN_API_TOKEN_LIFETIME = datetime.timedelta(days=30)
    user = UserFactory(username="officer1")
    first = post_token("officer1", PASSWORD, ip="10.0.0.1").json()["token"]
    assert post_token("officer1", PASSWORD, ip="10.0.0.1").json()["token"] == first

    _age_token(Token.objects.get(key=first), 31)
    renewed = post_token("officer1", PASSWORD, ip="10.0.0.1").json()["token"]

    assert renewed != first
    assert list(Token.objects.filter(user=user).values_list("key", flat=True)) == [renewed]
    me = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {renewed}")
    assert me.status_code == 200


def test_changing_the_password_on_the_page_revokes_the_users_tokens(client):
    user, other = UserFactory(), UserFactory()
    token, other_token = Token.objects.create(user=user), Token.objects.create(user=other)
    client.force_login(user)

    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Nanhu-Lake-2031",
            "new_password2": "Nanhu-Lake-2031",
        },
    )

    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()
    assert Token.objects.filter(pk=other_token.pk).exists()
    refused = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert refused.status_code == 401


def test_a_refused_password_change_keeps_the_tokens(client):
    user = UserFactory()
    Token.objects.create(user=user)
    client.force_login(user)

    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "Nanhu-Lake-2031", "new_password2": "x"},
    )

    assert response.status_code == 200
    assert Token.objects.filter(user=user).exists()


def test_the_admin_changing_a_users_password_revokes_their_tokens(client):
    admin = UserFactory(platform_admin=True, username="root")
    user = UserFactory()
    Token.objects.create(user=user)
    Token.objects.create(user=admin)
    client.force_login(admin)

    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "Nanhu-Lake-2031", "password2": "Nanhu-Lake-2031"},
    )

    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()
    assert Token.objects.filter(user=admin).exists()


def test_any_code_path_that_sets_a_password_revokes_the_tokens():
    user = UserFactory()
    Token.objects.create(user=user)

    user.set_password("Nanhu-Lake-2031")
    user.save()

    assert not Token.objects.filter(user=user).exists()


def test_saving_a_user_without_a_password_change_keeps_the_tokens():
    user = UserFactory()
    Token.objects.create(user=user)

    user.full_name = "新名字"
    user.save()

    assert Token.objects.filter(user=user).exists()


# --- HSTS ----------------------------------------------------------------------------------


def _production_settings(**extra_env) -> dict:
    """Settings as production loads them: a fresh interpreter, no KEJIN_DEV, no pytest."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("KEJIN_DEV", "DEBUG", "KEJIN_HTTPS") and not key.startswith("SECURE_")
    }
    env.update({"SECRET_KEY": "x" * 50, "KEJIN_DEV": "0", "DEBUG": "0", **extra_env})
    code = (
        "import json, config.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
        "('SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_turn_hsts_on_for_a_year():
    production = _production_settings()

    assert production == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_hsts_is_configurable_and_off_in_development():
    assert _production_settings(SECURE_HSTS_SECONDS="600")["SECURE_HSTS_SECONDS"] == 600
    assert _production_settings(KEJIN_DEV="1")["SECURE_HSTS_SECONDS"] is None


def test_a_secure_request_gets_the_hsts_header(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000

    response = client.get(LOGIN_URL, secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000"


# --- no-store ------------------------------------------------------------------------------


def test_signed_in_pages_and_api_answers_are_not_stored(client):
    user = UserFactory()
    client.force_login(user)
    token = Token.objects.create(user=user)

    page = client.get("/")
    api = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]


def test_an_export_is_not_stored(client):
    client.force_login(UserFactory())

    response = client.get("/registry/export.xlsx")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_any_download_is_not_stored_even_without_a_signed_in_user(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("a,b\n")
    request = RequestFactory().get("/x")

    download = NoStoreMiddleware(lambda r: FileResponse(path.open("rb"), as_attachment=True))(
        request
    )
    plain = NoStoreMiddleware(lambda r: HttpResponse("ok"))(request)

    assert "no-store" in download["Cache-Control"]
    assert "Cache-Control" not in plain
