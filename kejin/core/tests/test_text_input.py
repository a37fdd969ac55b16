"""Invisible characters (NUL, a bidi override, a zero-width space) are refused in the core's
free text — a holiday schedule's notice and day names (service, edit page, admin) and
reference data edited in the admin or loaded by ``reference_load`` — with the one message of ``kejin.core.text``, and nothing
is stored."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent, Department, HolidaySchedule, HolidayScheduleDay, Region
from kejin.core.services import holiday_schedule_save
from kejin.core.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

# (value, the character as the message names it): the bad character is the third one.
INVISIBLE = [
    pytest.param("春节\x00", "U+0000", id="nul"),
    pytest.param("春节\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE", id="bidi-override"),
    pytest.param("春节\u200b", "U+200B ZERO WIDTH SPACE", id="zero-width"),
]


def message(char: str, position: int = 3) -> str:
    return (
        f"第{position}个字符是不可见的控制字符（{char}），请删除后重新填写"
        "（从其他软件复制的文字常带有这类字符）。"
    )


def nothing_stored():
    assert not HolidaySchedule.objects.exists()
    assert not HolidayScheduleDay.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.fixture
def officer(client):
    user = UserFactory(platform_admin=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_the_service_refuses_them_in_the_notice_and_in_a_day_name(officer, value, char):
    days = [(date(2027, 2, 5), "holiday", "春节")]

    with pytest.raises(ApplicationError) as notice_error:
        holiday_schedule_save(actor=officer, year=2027, notice=value + "通知", days=days)
    with pytest.raises(ApplicationError) as name_error:
        holiday_schedule_save(
            actor=officer, year=2027, notice="通知", days=[(date(2027, 2, 5), "holiday", value)]
        )

    assert notice_error.value.fields == {"notice": [message(char)]}
    assert name_error.value.fields == {"days[0]": [message(char)]}
    nothing_stored()


@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_the_edit_page_refuses_them(client, officer, value, char):
    url = reverse("core:holiday_schedule_edit", args=[2027])

    in_notice = client.post(url, {"notice": value + "通知", "days": "2027-02-05 放假 春节"})
    in_days = client.post(url, {"notice": "通知", "days": f"2027-02-05 放假 {value}"})

    assert in_notice.status_code == in_days.status_code == 200
    assert in_notice.context["form"].errors == {"notice": [message(char)]}
    # The days box is checked as a whole text: the character's position in it.
    assert in_days.context["form"].errors == {"days": [message(char, position=17)]}
    nothing_stored()


@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_the_admin_refuses_them_in_the_notice_and_on_a_day_row(client, officer, value, char):
    def post(notice: str, name: str):
        return client.post(
            reverse("admin:core_holidayschedule_add"),
            {
                "year": "2027",
                "notice": notice,
                "days-TOTAL_FORMS": "1",
                "days-INITIAL_FORMS": "0",
                "days-MIN_NUM_FORMS": "0",
                "days-MAX_NUM_FORMS": "1000",
                "days-0-date": "2027-02-05",
                "days-0-kind": "holiday",
                "days-0-name": name,
            },
        )

    in_notice = post(value + "通知", "春节")
    in_name = post("通知", value)

    assert in_notice.status_code == in_name.status_code == 200
    assert in_notice.context["adminform"].form.errors == {"notice": [message(char)]}
    (formset,) = in_name.context["inline_admin_formsets"]
    assert formset.formset.forms[0].errors == {"name": [message(char)]}
    nothing_stored()


@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_reference_data_edited_in_the_admin_refuses_them(client, officer, value, char):
    region = Region.objects.get(code="330402")
    department = DepartmentFactory(name="测试部门", short_name="测试")

    region_response = client.post(
        reverse("admin:core_region_change", args=[region.pk]),
        {
            "code": "330402",
            "name": value,
            "level": "county",
            "parent": str(region.parent_id or ""),
            "reports_to": "",
        },
    )
    department_response = client.post(
        reverse("admin:core_department_change", args=[department.pk]),
        {
            "code": department.code,
            "name": "测试部门",
            "short_name": value,
            "kind": department.kind,
            "region": department.region_id,
            "former_names": value,
            "provides_data": value,
        },
    )

    assert region_response.context["adminform"].form.errors == {"name": [message(char)]}
    assert department_response.context["adminform"].form.errors == {
        "short_name": [message(char)],
        "former_names": [message(char)],
        "provides_data": [message(char)],
    }
    region.refresh_from_db()
    department.refresh_from_db()
    assert region.name == "南湖区"
    assert (department.short_name, department.former_names, department.provides_data) == (
        "测试",
        Department._meta.get_field("former_names").get_default(),
        Department._meta.get_field("provides_data").get_default(),
    )
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(("value", "char"), INVISIBLE)
def test_reference_load_refuses_them_naming_entry_and_field(tmp_path, value, char):
    path = tmp_path / "regions.json"
    entries = [{"code": "330500", "name": "湖" + value, "level": "city", "parent": "330000"}]
    path.write_text(
        json.dumps({"kind": "regions", "source": "测试", "entries": entries}), encoding="utf-8"
    )

    with pytest.raises(CommandError) as caught:
        call_command("reference_load", str(path))

    assert str(caught.value) == (
        f"regions.json：第 1 条（代码 330500），字段 “name”：{message(char, position=4)}"
        "\n未写入任何数据，请修改文件后重试。"
    )
    assert not Region.objects.filter(code="330500").exists()
    assert not AuditEvent.objects.exists()
