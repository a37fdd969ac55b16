"""Sign-in, lock-out, password change and sign-out pages."""

import sys
import types

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED_OUT_TEXT = "登录失败次数过多（连续5次），该账号在本机的登录已被暂时锁定。"
WAIT_TEXT = "请在30分钟后再试，或联系平台管理员解除锁定。"
BAD_LOGIN_TEXT = "用户名或密码不正确（区分大小写），请重新输入。"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 at full strength costs most of a second per hash; the checks here don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.fixture
def demo_module(monkeypatch):
    """A stand-in for kejin.accounts.demo with two demo users."""
    module = types.ModuleType("kejin.accounts.demo")
    module.DEMO_USERS = [
        {"username": "demo_city", "role": "city_officer"},
        {"username": "demo_enterprise", "role": "enterprise_admin"},
    ]
    monkeypatch.setitem(sys.modules, "kejin.accounts.demo", module)
    monkeypatch.setattr("kejin.accounts.demo", module, raising=False)
    return module


def test_urls_keep_their_names():
    assert reverse("login") == "/accounts/login/"
    assert reverse("logout") == "/accounts/logout/"
    assert reverse("password_change") == "/accounts/password/"
    assert reverse("password_change_done") == "/accounts/password/done/"


def test_login_page_shows_the_platform_and_the_demo_users_in_development(
    client, settings, demo_module
):
    settings.DEBUG = False
    settings.DEV = True

    response = client.get(LOGIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="h4 mb-1">科技金融综合服务平台</h1>' in html
    assert 'data-testid="demo-users"' in html
    assert "<code>demo_city</code>" in html
    assert "<td>市级部门工作人员</td>" in html
    assert "<code>demo_enterprise</code>" in html


def test_login_page_hides_the_demo_users_in_production(client, settings, demo_module):
    settings.DEBUG = False
    settings.DEV = False

    response = client.get(LOGIN)

    html = response.content.decode()
    assert 'data-testid="demo-users"' not in html
    assert "demo_city" not in html


def test_login_signs_in_lands_on_home_and_is_audited(client):
    user = UserFactory(username="wangfang")

    response = login(client, "wangfang", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.session[SESSION_KEY] == str(user.pk)
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_type, event.object_id) == (
        user,
        "login",
        "accounts.user",
        str(user.pk),
    )
    assert event.after == {"channel": "login_page"}
    assert event.ip_address == "127.0.0.1"


def test_wrong_password_shows_the_form_again_with_a_message(client):
    UserFactory(username="wangfang")

    response = login(client, "wangfang", "not-the-password")

    assert response.status_code == 200
    assert BAD_LOGIN_TEXT in response.content.decode()
    assert SESSION_KEY not in client.session
    assert not AuditEvent.objects.exists()


def test_five_failed_logins_lock_out_even_the_right_password(client):
    UserFactory(username="wangfang")

    for attempt in range(1, 5):
        response = login(client, "wangfang", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert BAD_LOGIN_TEXT in response.content.decode()

    fifth = login(client, "wangfang", "wrong-5")
    assert fifth.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in fifth.templates]
    assert LOCKED_OUT_TEXT in fifth.content.decode()

    sixth = login(client, "wangfang", PASSWORD)

    assert sixth.status_code == 429
    html = sixth.content.decode()
    assert LOCKED_OUT_TEXT in html
    assert WAIT_TEXT in html
    assert SESSION_KEY not in client.session
    assert not AuditEvent.objects.filter(action="login").exists()


def test_lock_out_of_one_user_does_not_lock_out_another(client):
    UserFactory(username="wangfang")
    other = UserFactory(username="lina")
    for attempt in range(5):
        login(client, "wangfang", f"wrong-{attempt}")

    response = login(client, "lina", PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(other.pk)


def test_signed_in_user_visiting_login_goes_home(client):
    client.force_login(UserFactory())

    response = client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


# --- password change -----------------------------------------------------------------------


def change_password(client, old, new1, new2=None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/accounts/password/"


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Jx-2026", "密码太短，至少需要10个字符。"),
        ("password123", "这个密码太常见了。"),
        ("3141592653589", "密码只包含数字。"),
    ],
)
def test_password_change_applies_the_password_validators(client, new_password, message):
    user = UserFactory()
    client.force_login(user)

    response = change_password(client, PASSWORD, new_password)

    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.exists()


def test_password_change_refuses_a_wrong_old_password_and_a_mismatch(client):
    user = UserFactory()
    client.force_login(user)

    wrong_old = change_password(client, "not-my-password", "Nanhu-Lake-2031")
    mismatch = change_password(client, PASSWORD, "Nanhu-Lake-2031", "Nanhu-Lake-2032")

    assert "原密码不正确，请重新输入。" in wrong_old.content.decode()
    assert "两次输入的新密码不一致。" in mismatch.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_saves_keeps_the_session_and_is_audited(client):
    user = UserFactory()
    client.force_login(user)

    response = change_password(client, PASSWORD, "Nanhu-Lake-2031")

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Nanhu-Lake-2031")
    assert client.session[SESSION_KEY] == str(user.pk)
    done = client.get(response["Location"])
    assert "您的密码已修改成功，下次登录请使用新密码。" in done.content.decode()
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_id) == (user, "password_change", str(user.pk))
    assert event.before is None and event.after is None


# --- logout --------------------------------------------------------------------------------


def test_logout_is_post_only(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert client.session[SESSION_KEY] == str(user.pk)


def test_logout_signs_out_and_returns_to_login(client):
    client.force_login(UserFactory())

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302
