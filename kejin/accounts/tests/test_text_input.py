"""Invisible characters (NUL, a bidi override, a zero-width space) are refused in users' text
(name, phone) at every entry point that writes them — the user admin's add and change forms —
with the message every other entry point gives, and nothing is stored."""

import pytest
from django.core.exceptions import ValidationError

from kejin.accounts.models import User
from kejin.accounts.tests.factories import UserFactory
from kejin.accounts.tests.test_admin import user_add_form, user_change_form
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

# (value, the message): the bad character is the second one.
INVISIBLE = [
    pytest.param("张\x00伟", "U+0000", id="nul"),
    pytest.param("张\u202e伟", "U+202E RIGHT-TO-LEFT OVERRIDE", id="bidi-override"),
    pytest.param("张\u200b伟", "U+200B ZERO WIDTH SPACE", id="zero-width"),
]


def message(char: str) -> str:
    return f"第2个字符是不可见的控制字符（{char}），请删除后重新填写（从其他软件复制的文字常带有这类字符）。"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(platform_admin=True, username="root"))
    return client


@pytest.mark.parametrize("field", ["full_name", "phone"])
@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_the_user_admin_refuses_invisible_characters_when_adding(admin_client, field, value, char):
    department = DepartmentFactory()
    data = user_add_form(role="city_officer", department=department.pk, **{field: value})

    response = admin_client.post("/admin/accounts/user/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message(char)]}
    assert not User.objects.filter(username="zhangwei").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "phone"])
@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_the_user_admin_refuses_invisible_characters_when_changing(
    admin_client, field, value, char
):
    user = UserFactory(role="city_officer", full_name="李娜", phone="13800000000")

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/", user_change_form(user, **{field: value})
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message(char)]}
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("李娜", "13800000000")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_the_model_refuses_invisible_characters_in_full_clean(value, char):
    user = UserFactory.build(role="platform_admin", full_name=value)

    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])

    assert caught.value.message_dict["full_name"] == [message(char)]
