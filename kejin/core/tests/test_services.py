"""holiday_schedule_save: who may enter a year, what is checked, what is written and audited."""

from datetime import date
from unittest import mock

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent, HolidaySchedule, HolidayScheduleDay
from kejin.core.services import holiday_schedule_problems, holiday_schedule_save

pytestmark = pytest.mark.django_db

NOTICE = "国务院办公厅关于2027年部分节假日安排的通知（假设，仅用于测试）"
# Hypothetical days (we do not know the real 2027 notice); enough to exercise the rules.
DAYS = [
    (date(2027, 2, 6), "holiday", "春节"),
    (date(2027, 2, 5), "holiday", "春节"),
    (date(2027, 2, 14), "workday", "春节"),
]


def schedule_state():
    """Everything a schedule write could touch, to compare before and after a refused write."""
    return (
        list(HolidaySchedule.objects.values_list("year", "notice", "entered_by")),
        list(HolidayScheduleDay.objects.values_list("date", "kind", "name")),
        AuditEvent.objects.count(),
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class TestCreate:
    def test_a_city_officer_enters_a_year(self):
        officer = UserFactory(username="city-officer")

        schedule = holiday_schedule_save(
            actor=officer, year=2027, notice=f"  {NOTICE} ", days=DAYS, ip_address="10.0.0.8"
        )

        schedule.refresh_from_db()
        assert (schedule.year, schedule.notice, schedule.entered_by) == (2027, NOTICE, officer)
        assert list(schedule.days.values_list("date", "kind", "name")) == [
            (date(2027, 2, 5), "holiday", "春节"),
            (date(2027, 2, 6), "holiday", "春节"),
            (date(2027, 2, 14), "workday", "春节"),
        ]
        event = AuditEvent.objects.get()
        assert (event.actor, event.actor_username, event.action) == (
            officer,
            "city-officer",
            "create",
        )
        assert (event.object_type, event.object_id) == ("core.holidayschedule", str(schedule.pk))
        assert event.ip_address == "10.0.0.8"
        assert event.before is None
        assert event.after == {
            "year": 2027,
            "notice": NOTICE,
            "days": [
                "2027-02-05 holiday 春节",
                "2027-02-06 holiday 春节",
                "2027-02-14 workday 春节",
            ],
        }

    def test_a_platform_admin_may_too(self):
        admin = UserFactory(platform_admin=True)

        schedule = holiday_schedule_save(
            actor=admin,
            year=2028,
            notice="通知",
            days=[
                (date(2028, 1, 1), "holiday", "元旦"),
            ],
        )

        assert schedule.entered_by == admin
        assert AuditEvent.objects.get().action == "create"


class TestReplace:
    def test_replacing_swaps_the_days_and_audits_only_what_changed(self):
        first_officer = UserFactory()
        second_officer = UserFactory()
        holiday_schedule_save(actor=first_officer, year=2027, notice=NOTICE, days=DAYS)

        schedule = holiday_schedule_save(
            actor=second_officer,
            year=2027,
            notice=NOTICE,
            days=[
                (date(2027, 2, 6), "holiday", "春节"),
                (date(2027, 2, 7), "holiday", "春节"),
                (date(2027, 2, 20), "workday", "春节"),
            ],
        )

        assert HolidaySchedule.objects.count() == 1
        assert schedule.entered_by == second_officer
        assert sorted(HolidayScheduleDay.objects.values_list("date", flat=True)) == [
            date(2027, 2, 6),
            date(2027, 2, 7),
            date(2027, 2, 20),
        ]
        update = AuditEvent.objects.order_by("id").last()
        assert (update.action, update.actor) == ("update", second_officer)
        assert update.before == {
            "days": [
                "2027-02-05 holiday 春节",
                "2027-02-06 holiday 春节",
                "2027-02-14 workday 春节",
            ]
        }
        assert update.after == {
            "days": [
                "2027-02-06 holiday 春节",
                "2027-02-07 holiday 春节",
                "2027-02-20 workday 春节",
            ]
        }

    def test_saving_the_same_schedule_again_writes_no_event(self):
        officer = UserFactory()
        holiday_schedule_save(actor=officer, year=2027, notice=NOTICE, days=DAYS)

        holiday_schedule_save(actor=officer, year=2027, notice=NOTICE, days=list(reversed(DAYS)))

        assert AuditEvent.objects.count() == 1

    def test_a_failure_while_saving_leaves_the_old_schedule(self):
        officer = UserFactory()
        holiday_schedule_save(actor=officer, year=2027, notice=NOTICE, days=DAYS)
        before = schedule_state()

        with (
            mock.patch("kejin.core.services.audit_record", side_effect=RuntimeError("disk full")),
            pytest.raises(RuntimeError),
        ):
            holiday_schedule_save(actor=officer, year=2027, notice="另一个通知", days=[DAYS[0]])

        assert schedule_state() == before


@pytest.mark.parametrize(
    "trait",
    [
        "county_officer",
        "enterprise_admin",
        "enterprise_staff",
        "institution_manager",
        "institution_officer",
        "data_provider",
    ],
)
def test_other_roles_are_refused_and_nothing_is_written(trait):
    officer = UserFactory()
    holiday_schedule_save(actor=officer, year=2027, notice=NOTICE, days=DAYS)
    before = schedule_state()
    user = UserFactory(**{trait: True})

    with pytest.raises(ApplicationError) as refused:
        holiday_schedule_save(actor=user, year=2027, notice="改掉", days=[DAYS[0]])
    with pytest.raises(ApplicationError):
        holiday_schedule_save(
            actor=user,
            year=2028,
            notice="新增",
            days=[
                (date(2028, 1, 1), "holiday", "元旦"),
            ],
        )

    assert (refused.value.code, refused.value.status) == ("permission_denied", 403)
    assert refused.value.message == "只有市级部门工作人员和平台管理员可以录入节假日安排。"
    assert schedule_state() == before


def test_an_anonymous_caller_is_refused():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ApplicationError) as refused:
        holiday_schedule_save(actor=AnonymousUser(), year=2027, notice=NOTICE, days=DAYS)

    assert refused.value.code == "permission_denied"
    assert schedule_state() == ([], [], 0)


class TestValidation:
    def refused(self, **kwargs) -> ApplicationError:
        arguments = {"actor": UserFactory(), "year": 2027, "notice": NOTICE, "days": DAYS}
        arguments.update(kwargs)
        with pytest.raises(ApplicationError) as refused:
            holiday_schedule_save(**arguments)
        assert refused.value.code == "invalid"
        assert refused.value.status == 400
        assert refused.value.message == "提交的数据有误，请按提示修改后重试。"
        assert schedule_state() == ([], [], 0)
        return refused.value

    @pytest.mark.parametrize("year", [2004, 2025, 2026])
    def test_years_the_library_knows_are_refused(self, year):
        error = self.refused(year=year, days=[(date(year, 2, 6), "holiday", "春节")])

        assert error.fields == {
            "year": [
                f"{year}年的节假日安排已内置于日历库（2004–2026年），无需录入；"
                "只需录入2027年及以后的年份。"
            ]
        }

    @pytest.mark.parametrize("year", [1999, 2101])
    def test_years_out_of_range_are_refused(self, year):
        error = self.refused(year=year, days=[(date(year, 2, 6), "holiday", "春节")])

        assert error.fields == {"year": ["年份应在2027至2100之间。"]}

    def test_every_date_must_be_in_the_year(self):
        error = self.refused(days=[*DAYS, (date(2028, 1, 1), "holiday", "元旦")])

        assert error.fields == {"days[3]": ["日期 2028-01-01 不在2027年内。"]}

    def test_an_adjusted_working_day_must_be_a_weekend_day(self):
        error = self.refused(days=[*DAYS, (date(2027, 2, 10), "workday", "春节")])

        assert error.fields == {
            "days[3]": ["2027-02-10 是星期三，调休上班日只能是星期六或星期日。"]
        }

    def test_no_date_twice(self):
        error = self.refused(days=[*DAYS, (date(2027, 2, 6), "workday", "春节")])

        assert error.fields == {"days[3]": ["日期 2027-02-06 重复（与第1条相同）。"]}

    def test_kind_and_name(self):
        error = self.refused(
            days=[*DAYS, (date(2027, 2, 7), "rest", "春节"), (date(2027, 2, 8), "holiday", " ")]
        )

        assert error.fields == {
            "days[3]": ["类型“rest”无效，应为 holiday（放假）或 workday（调休上班）。"],
            "days[4]": ["请填写节日名称，例如“春节”。"],
        }

    def test_a_schedule_needs_a_holiday(self):
        error = self.refused(days=[(date(2027, 2, 14), "workday", "春节")])

        assert error.fields == {"days": ["至少录入一个放假日期。"]}

    def test_a_notice_is_required(self):
        error = self.refused(notice="   ")

        assert error.fields == {
            "notice": ["请填写通知文号或标题，例如“国务院办公厅关于2027年部分节假日安排的通知”。"]
        }

    def test_an_invalid_replacement_keeps_the_old_schedule(self):
        officer = UserFactory()
        holiday_schedule_save(actor=officer, year=2027, notice=NOTICE, days=DAYS)
        before = schedule_state()

        with pytest.raises(ApplicationError):
            holiday_schedule_save(
                actor=officer, year=2027, notice=NOTICE, days=[(date(2027, 3, 3), "workday", "x")]
            )

        assert schedule_state() == before


def test_problems_are_keyed_by_day_index_for_pages_and_admin():
    problems = holiday_schedule_problems(
        year=2027,
        notice="通知",
        days=[(date(2027, 1, 1), "holiday", "元旦"), ("2027-01-02", "holiday", "元旦")],
    )

    assert problems == {1: ["日期无效，请按“2027-02-06”的格式填写。"]}


def test_a_year_created_concurrently_is_a_conflict_not_a_crash():
    from django.db import IntegrityError

    officer = UserFactory()

    with (
        mock.patch.object(HolidaySchedule, "save", side_effect=IntegrityError("UNIQUE year")),
        pytest.raises(ApplicationError) as conflict,
    ):
        holiday_schedule_save(actor=officer, year=2027, notice=NOTICE, days=DAYS)

    assert (conflict.value.code, conflict.value.status) == ("conflict", 409)
    assert conflict.value.message == "2027年的节假日安排刚刚已由他人保存，请刷新页面后再修改。"
    assert schedule_state() == ([], [], 0)
