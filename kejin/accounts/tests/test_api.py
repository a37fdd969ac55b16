"""The accounts API: API tokens (issued through django-axes' lock-out) and "who am I"."""

import pytest
from axes.models import AccessAttempt
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/auth/me/"
WRONG = {
    "error": {
        "code": "invalid",
        "message": "用户名或密码错误，请检查后重试。多次失败将被临时锁定。",
        "fields": {},
    }
}
LOCKED_OUT = {
    "error": {
        "code": "locked_out",
        "message": "登录失败次数过多，账号已被临时锁定。请30分钟后再试，或联系平台管理员解锁。",
        "fields": {},
    }
}


def post_token(username, password, *, ip="127.0.0.1"):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def test_token_is_issued_for_the_right_password_and_works():
    user = UserFactory(username="officer1")

    issued = post_token("officer1", PASSWORD)

    assert issued.status_code == 200
    assert issued.json() == {"token": Token.objects.get(user=user).key}

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    me = client.get(ME_URL)
    assert me.status_code == 200
    assert me.json()["username"] == "officer1"


def test_the_same_token_is_returned_again_and_last_login_is_set():
    user = UserFactory(username="officer1")

    first = post_token("officer1", PASSWORD).json()["token"]
    second = post_token("officer1", PASSWORD).json()["token"]

    assert first == second
    assert Token.objects.filter(user=user).count() == 1
    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_is_400_and_issues_no_token():
    user = UserFactory(username="officer1")

    response = post_token("officer1", "not-the-password")

    assert response.status_code == 400
    assert response.json() == WRONG
    assert not Token.objects.filter(user=user).exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password():
    response = post_token("nobody", "whatever-password")

    assert response.status_code == 400
    assert response.json() == WRONG


def test_inactive_user_gets_no_token():
    user = UserFactory(username="gone", is_active=False)

    response = post_token("gone", PASSWORD)

    assert response.status_code == 400
    assert response.json() == WRONG
    assert not Token.objects.filter(user=user).exists()


def test_missing_credentials_are_named():
    response = APIClient().post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "提交的数据有误，请按提示修改后重试。",
            "fields": {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]},
        }
    }


def test_five_wrong_passwords_lock_the_user_out_even_with_the_right_one():
    user = UserFactory(username="officer1")

    # Four failures are plain wrong passwords
    for _ in range(4):
        response = post_token("officer1", "wrong-password")
        assert response.status_code == 400
        assert response.json() == WRONG

    # The fifth locks the account out at this address
    fifth = post_token("officer1", "wrong-password")
    assert fifth.status_code == 403
    assert fifth.json() == LOCKED_OUT

    # Then even the right password is refused, and no token is issued
    right = post_token("officer1", PASSWORD)
    assert right.status_code == 403
    assert right.json() == LOCKED_OUT
    assert not Token.objects.filter(user=user).exists()
    assert AccessAttempt.objects.get(username="officer1").failures_since_start >= 5

    # The lock-out is per username and address: another address still signs in
    assert post_token("officer1", PASSWORD, ip="10.0.0.9").status_code == 200


def test_a_successful_sign_in_resets_the_failure_count():
    UserFactory(username="officer1")
    for _ in range(4):
        post_token("officer1", "wrong-password")

    assert post_token("officer1", PASSWORD).status_code == 200

    for _ in range(4):
        assert post_token("officer1", "wrong-password").status_code == 400
    assert post_token("officer1", PASSWORD).status_code == 200


def test_get_on_the_token_endpoint_is_405():
    response = APIClient().get(TOKEN_URL)

    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": "不支持该请求方法。", "fields": {}}
    }


def test_a_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    response = client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "身份验证失败：令牌或账号无效。",
            "fields": {},
        }
    }
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_me_without_credentials_is_401():
    response = APIClient().get(ME_URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_for_a_county_officer():
    county = RegionFactory(code="330411", name="秀洲区", level="county")
    user = UserFactory(county_officer=True, county=county, username="xz-officer", full_name="张三")
    client = APIClient()
    client.force_authenticate(user)

    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": "xz-officer",
        "full_name": "张三",
        "role": "county_officer",
        "role_label": "县(市、区)部门工作人员",
        "organisation": {
            "type": "department",
            "id": user.department_id,
            "name": user.department.name,
        },
        "county": "330411",
    }


def test_me_for_an_enterprise_admin_with_a_browser_session():
    user = UserFactory(enterprise_admin=True)
    client = APIClient()
    client.force_login(user)

    response = client.get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["role"], body["role_label"], body["county"]) == (
        "enterprise_admin",
        "企业管理员",
        None,
    )
    assert body["organisation"] == {
        "type": "enterprise",
        "id": user.enterprise_id,
        "name": user.enterprise.name,
    }


def test_me_for_an_institution_manager_and_a_platform_admin():
    manager = UserFactory(institution_manager=True)
    admin = UserFactory(platform_admin=True)
    client = APIClient()

    client.force_authenticate(manager)
    manager_body = client.get(ME_URL).json()
    client.force_authenticate(admin)
    admin_body = client.get(ME_URL).json()

    assert manager_body["organisation"] == {
        "type": "institution",
        "id": manager.institution_id,
        "name": manager.institution.name,
    }
    assert (admin_body["role"], admin_body["organisation"], admin_body["county"]) == (
        "platform_admin",
        None,
        None,
    )


def test_token_sign_in_is_audited_and_a_failed_one_is_not():
    from kejin.core.models import AuditEvent

    user = UserFactory(username="officer1")
    post_token("officer1", "wrong-password")
    assert AuditEvent.objects.count() == 0
    post_token("officer1", PASSWORD)
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_id) == (user, "login", str(user.pk))
    assert event.after == {"channel": "api_token", "token_created": True}
