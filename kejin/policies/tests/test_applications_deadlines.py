"""Working-day deadlines of applications (快申快享) across 国庆 and 春节, the step times kept on
the history, and the scan that reminds officers once per overdue step."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from kejin.notifications.models import Notification
from kejin.policies.models import ApplicationEvent
from kejin.policies.services_applications import (
    application_accept,
    application_approve,
    application_submit,
)
from kejin.policies.sla_applications import applications_overdue_scan
from kejin.policies.tasks_applications import applications_overdue_scan_task
from kejin.policies.tests.application_world import (
    county_officer,
    enterprise_user,
    grant_policy,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch):
    """Set "now" (Django's clock, which the services read)."""

    def set_now(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


def test_national_day_deadlines_step_times_and_one_reminder(
    clock, django_capture_on_commit_callbacks
):
    clock(at(2026, 9, 30, 16, 0))  # Wednesday; 国庆 10-01..10-07, Saturday 10-10 is worked
    user = enterprise_user()
    officer = county_officer(user.enterprise.county)
    policy = grant_policy()
    application = application_submit(
        user=user, policy=policy, data={"inputs": {"rd_spend": "300000"}}
    )
    # Three working days (default accept limit): 10-08, 10-09, 10-10.
    assert (application.step, application.due_on) == ("accept", datetime.date(2026, 10, 10))

    assert applications_overdue_scan(now=at(2026, 10, 10, 20, 0)).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        result = applications_overdue_scan(now=at(2026, 10, 12, 9, 0))
    assert result.reminded == {"accept": 1}
    remind = ApplicationEvent.objects.get(application=application, action="remind")
    assert remind.comment == "“受理”环节已超过办理时限（2026-10-10）。"
    assert (remind.from_status, remind.to_status) == ("submitted", "submitted")
    notice = Notification.objects.get(recipient=officer, kind="application_overdue")
    assert notice.key == f"application:{application.pk}:overdue:accept:2026-10-10"
    # A second run, the same day or later, reminds nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert applications_overdue_scan(now=at(2026, 10, 12, 15, 0)).total == 0
        assert applications_overdue_scan(now=at(2026, 10, 13, 9, 0)).total == 0
    assert ApplicationEvent.objects.filter(action="remind").count() == 1
    assert Notification.objects.filter(kind="application_overdue").count() == 1

    clock(at(2026, 10, 12, 10, 0))  # Monday
    application_accept(user=officer, application=application)
    event = ApplicationEvent.objects.get(application=application, action="accept")
    assert event.step_workdays == 4  # 10-08, 10-09, 10-10, 10-12
    application.refresh_from_db()
    assert (application.step, application.due_on) == ("decide", datetime.date(2026, 10, 26))
    # The new step is reminded of once in its turn.
    assert applications_overdue_scan(now=at(2026, 10, 27, 9, 0)).reminded == {"decide": 1}
    assert applications_overdue_scan(now=at(2026, 10, 28, 9, 0)).total == 0


def test_spring_festival_deadlines_and_the_versions_own_limits(clock):
    clock(at(2026, 2, 12, 10, 0))  # Thursday; Saturday 02-14 worked, 春节 02-15..02-23
    user = enterprise_user()
    officer = county_officer(user.enterprise.county)
    policy = grant_policy(deadline_days={"accept": 3, "decide": 5, "pay": 2})
    application = application_submit(
        user=user, policy=policy, data={"inputs": {"rd_spend": "300000"}}
    )
    assert application.due_on == datetime.date(2026, 2, 24)  # 02-13, 02-14, 02-24
    clock(at(2026, 2, 24, 9, 0))
    application_accept(user=officer, application=application)
    accepted = ApplicationEvent.objects.get(application=application, action="accept")
    assert accepted.step_workdays == 3
    application.refresh_from_db()
    # Five working days: 02-25, 02-26, 02-27, Saturday 02-28 (worked), 03-02.
    assert application.due_on == datetime.date(2026, 3, 2)
    clock(at(2026, 2, 26, 9, 0))
    application_approve(user=officer, application=application, amount="30000")
    application.refresh_from_db()
    assert (application.step, application.due_on) == ("pay", datetime.date(2026, 2, 28))
    assert ApplicationEvent.objects.get(action="approve").step_workdays == 2


def test_the_command_and_the_task_run_the_scan(clock, capsys):
    clock(at(2026, 9, 30, 16, 0))
    user = enterprise_user()
    application_submit(user=user, policy=grant_policy(), data={"inputs": {"rd_spend": "1"}})
    clock(at(2026, 10, 12, 9, 0))
    call_command("policies_deadlines_scan", "--at", "2026-10-12T09:00")
    assert "逾期提醒 1 件（accept 1）。" in capsys.readouterr().out
    assert applications_overdue_scan_task() == {"reminded": {}}
