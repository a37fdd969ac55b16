"""The deadline scan: due dates on the holiday calendar, escalation rules, idempotency."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import DemandAction, DemandStatus
from kejin.financing.models import Demand, DemandEvent, StepDeadline
from kejin.financing.sla import demand_step_workdays_set, demands_overdue_scan, workday_ordinals
from kejin.financing.tests.factories import DemandFactory
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.notifications.models import Notification

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(y, m, d, hour=9, minute=0):
    return datetime.datetime(y, m, d, hour, minute, tzinfo=SHANGHAI)


def scan(capture, now):
    with capture(execute=True):
        return demands_overdue_scan(now=now)


def routed_demand(routed_at, **kwargs):
    return DemandFactory(
        status=DemandStatus.ROUTED,
        submitted_at=routed_at,
        routed_at=routed_at,
        **kwargs,
    )


def claimed_demand(claimed_at, status=DemandStatus.CLAIMED, **kwargs):
    institution = kwargs.pop("institution", None) or InstitutionFactory()
    return DemandFactory(
        status=status,
        submitted_at=claimed_at - datetime.timedelta(days=1),
        routed_at=claimed_at - datetime.timedelta(days=1),
        claimed_at=claimed_at,
        institution=institution,
        **kwargs,
    )


def snapshot(demand):
    demand.refresh_from_db()
    return (
        demand.status,
        demand.open_pool,
        demand.overdue_step,
        demand.escalated_at,
        DemandEvent.objects.filter(demand=demand).count(),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    )


# --- due dates on the holiday calendar ------------------------------------------------------


def test_claim_due_after_national_day_and_overdue_only_the_day_after(
    django_capture_on_commit_callbacks,
):
    # Routed Wednesday 2026-09-30 16:00: 国庆节 runs 10-01..10-07; one working day → 10-08.
    demand = routed_demand(at(2026, 9, 30, 16))
    scan(django_capture_on_commit_callbacks, at(2026, 10, 8, 23, 30))
    demand.refresh_from_db()
    assert demand.claim_due_on == datetime.date(2026, 10, 8)
    assert (demand.open_pool, demand.overdue_step) == (False, "")

    result = scan(django_capture_on_commit_callbacks, at(2026, 10, 9, 0, 5))
    demand.refresh_from_db()
    assert result.escalated == {"claim": 1} and result.pooled == 1
    assert (demand.open_pool, demand.overdue_step, demand.status) == (True, "claim", "routed")


def test_contact_and_decision_due_across_spring_festival_with_adjusted_saturdays(
    django_capture_on_commit_callbacks,
):
    # Claimed Thursday 2026-02-12. Saturday 02-14 is an adjusted working day; 春节 runs
    # 02-15..02-23; Saturday 02-28 works again. Contact (2 days): 02-13, 02-14. Decision
    # (10 days): 02-13, 02-14, 02-24..02-28 (7), 03-02, 03-03, 03-04.
    demand = claimed_demand(at(2026, 2, 12, 10))
    scan(django_capture_on_commit_callbacks, at(2026, 2, 14, 12))
    demand.refresh_from_db()
    assert demand.contact_due_on == datetime.date(2026, 2, 14)
    assert demand.decision_due_on == datetime.date(2026, 3, 4)
    assert demand.overdue_step == ""
    # Through the whole holiday the contact step is overdue (due on the adjusted Saturday).
    scan(django_capture_on_commit_callbacks, at(2026, 2, 15, 9))
    demand.refresh_from_db()
    assert demand.overdue_step == "contact"
    # Contacted on 02-24; the decision is not overdue on 03-04 itself, but on 03-05.
    Demand.objects.filter(pk=demand.pk).update(
        status=DemandStatus.CONTACTED, contacted_at=at(2026, 2, 24)
    )
    result = scan(django_capture_on_commit_callbacks, at(2026, 3, 4, 20))
    demand.refresh_from_db()
    assert (result.cleared, demand.overdue_step) == (1, "")
    scan(django_capture_on_commit_callbacks, at(2026, 3, 5, 8))
    demand.refresh_from_db()
    assert demand.overdue_step == "decision"


def test_officers_limit_for_the_product_type_sets_the_due_date(django_capture_on_commit_callbacks):
    StepDeadline.objects.create(step="claim", product_type="", working_days=3)
    demand = routed_demand(at(2026, 10, 9, 9))  # Friday; Saturday 10-10 is a working day
    scan(django_capture_on_commit_callbacks, at(2026, 10, 9, 10))
    demand.refresh_from_db()
    assert demand.claim_due_on == datetime.date(2026, 10, 13)  # 10-10, 10-12, 10-13


# --- escalation rules -----------------------------------------------------------------------


def test_unclaimed_routed_demand_goes_to_the_pool_and_the_enterprise_is_told(
    django_capture_on_commit_callbacks,
):
    enterprise = EnterpriseFactory()
    owner = UserFactory(enterprise_admin=True, enterprise=enterprise)
    demand = routed_demand(at(2026, 11, 2), enterprise=enterprise)
    Demand.objects.filter(pk=demand.pk).update(claim_due_on=datetime.date(2026, 11, 3))

    result = scan(django_capture_on_commit_callbacks, at(2026, 11, 4, 9))

    demand.refresh_from_db()
    assert (result.escalated, result.pooled) == ({"claim": 1}, 1)
    assert demand.open_pool is True and demand.overdue_step == "claim"
    event = DemandEvent.objects.get(demand=demand)
    assert (event.action, event.from_status, event.to_status, event.actor, event.reason) == (
        DemandAction.POOL,
        "routed",
        "routed",
        None,
        "claim",
    )
    assert event.text == "“认领”环节已超过时限（2026-11-03）。"
    note = Notification.objects.get()
    assert note.recipient == owner
    assert note.title == f"需求 {demand.number} 已转入抢单池"
    assert note.key == f"demand:{demand.pk}:overdue:claim:2026-11-03"


def test_demand_already_in_the_pool_is_escalated_to_the_county_officers(
    django_capture_on_commit_callbacks,
):
    county = RegionFactory()
    other = RegionFactory(code="330411", name="秀洲区")
    officer = UserFactory(county_officer=True, county=county)
    UserFactory(county_officer=True, county=other)
    demand = routed_demand(
        at(2026, 11, 2), open_pool=True, enterprise=EnterpriseFactory(county=county)
    )
    Demand.objects.filter(pk=demand.pk).update(claim_due_on=datetime.date(2026, 11, 3))

    scan(django_capture_on_commit_callbacks, at(2026, 11, 4, 9))

    assert DemandEvent.objects.get(demand=demand).action == DemandAction.ESCALATE
    assert list(Notification.objects.values_list("recipient", flat=True)) == [officer.pk]


def test_late_first_contact_alerts_the_claimant_only(django_capture_on_commit_callbacks):
    institution = InstitutionFactory()
    banker = UserFactory(institution_officer=True, institution=institution)
    UserFactory(institution_officer=True)  # another bank
    demand = claimed_demand(at(2026, 11, 2), institution=institution)
    Demand.objects.filter(pk=demand.pk).update(
        contact_due_on=datetime.date(2026, 11, 4), decision_due_on=datetime.date(2026, 11, 16)
    )

    result = scan(django_capture_on_commit_callbacks, at(2026, 11, 5, 9))

    assert result.escalated == {"contact": 1}
    note = Notification.objects.get()
    assert (note.recipient, note.title) == (banker, f"需求 {demand.number} 首次联系已逾期")
    event = DemandEvent.objects.get(demand=demand)
    assert (event.action, event.institution, event.reason) == ("escalate", institution, "contact")


def test_overdue_decision_alerts_county_officers_and_a_second_scan_changes_nothing(
    django_capture_on_commit_callbacks,
):
    county = RegionFactory()
    officer = UserFactory(county_officer=True, county=county)
    UserFactory(county_officer=True, county=RegionFactory(code="330411", name="秀洲区"))
    demand = claimed_demand(
        at(2026, 10, 12),
        status=DemandStatus.UNDER_REVIEW,
        enterprise=EnterpriseFactory(county=county),
        contacted_at=at(2026, 10, 12, 15),
        review_started_at=at(2026, 10, 13),
    )

    first = scan(django_capture_on_commit_callbacks, at(2026, 10, 27, 9))

    demand.refresh_from_db()
    assert demand.decision_due_on == datetime.date(2026, 10, 26)
    assert first.escalated == {"decision": 1} and demand.overdue_step == "decision"
    assert demand.escalated_at == at(2026, 10, 27, 9)
    note = Notification.objects.get()
    assert note.recipient == officer
    assert note.title == f"需求 {demand.number} “审批决定”已逾期"
    audit = AuditEvent.objects.get(object_type="financing.demand", object_id=str(demand.pk))
    assert audit.actor is None and audit.after["overdue_step"] == "decision"
    before = snapshot(demand)

    second = scan(django_capture_on_commit_callbacks, at(2026, 10, 27, 10))
    third = scan(django_capture_on_commit_callbacks, at(2026, 10, 28, 9))

    assert second.total_escalated == third.total_escalated == 0
    assert (second.due_dates_filled, second.step_times_filled, second.cleared) == (0, 0, 0)
    assert snapshot(demand) == before
    assert DemandEvent.objects.filter(demand=demand).count() == 1
    assert Notification.objects.count() == 1


def test_decision_overdue_without_county_officers_goes_to_the_city(
    django_capture_on_commit_callbacks,
):
    city = UserFactory()  # a city officer
    demand = claimed_demand(at(2026, 10, 12), status=DemandStatus.CONTACTED)
    Demand.objects.filter(pk=demand.pk).update(
        contact_due_on=datetime.date(2026, 10, 14), decision_due_on=datetime.date(2026, 10, 26)
    )
    scan(django_capture_on_commit_callbacks, at(2026, 10, 27, 9))
    assert list(Notification.objects.values_list("recipient", flat=True)) == [city.pk]


def test_nothing_due_yet_and_finished_demands_are_left_alone(django_capture_on_commit_callbacks):
    due_today = routed_demand(at(2026, 11, 2))
    Demand.objects.filter(pk=due_today.pk).update(claim_due_on=datetime.date(2026, 11, 4))
    closed = DemandFactory(
        status=DemandStatus.CLOSED,
        submitted_at=at(2026, 9, 1),
        claim_due_on=datetime.date(2026, 9, 2),
        decision_due_on=datetime.date(2026, 9, 15),
    )
    before = snapshot(due_today), snapshot(closed)
    result = scan(django_capture_on_commit_callbacks, at(2026, 11, 4, 23, 59))
    assert result.total_escalated == 0
    assert (snapshot(due_today), snapshot(closed)) == before


def test_a_flag_is_cleared_once_the_step_is_done(django_capture_on_commit_callbacks):
    demand = routed_demand(at(2026, 11, 2))
    Demand.objects.filter(pk=demand.pk).update(claim_due_on=datetime.date(2026, 11, 3))
    scan(django_capture_on_commit_callbacks, at(2026, 11, 4, 9))
    Demand.objects.filter(pk=demand.pk).update(
        status=DemandStatus.CLAIMED,
        claimed_at=at(2026, 11, 4, 10),
        institution=InstitutionFactory(),
    )
    result = scan(django_capture_on_commit_callbacks, at(2026, 11, 4, 11))
    demand.refresh_from_db()
    assert (result.cleared, demand.overdue_step, result.total_escalated) == (1, "", 0)
    assert demand.contact_due_on == datetime.date(2026, 11, 6)
    assert demand.claim_workdays == 2  # routed Monday 11-02, claimed Wednesday 11-04


def test_command_prints_what_it_did(django_capture_on_commit_callbacks):
    demand = routed_demand(at(2026, 11, 2))
    Demand.objects.filter(pk=demand.pk).update(claim_due_on=datetime.date(2026, 11, 3))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("financing_deadlines_scan", "--at", "2026-11-04T09:00", stdout=out)
    assert out.getvalue().strip() == (
        "督办 1 件（claim 1），其中转入抢单池 1 件；解除逾期标记 0 件；补齐时限 0 件、环节用时 0 件。"
    )


def test_celery_task_is_registered_and_runs_the_scan():
    from django.conf import settings

    from config.celery import app

    assert "financing.demands_overdue_scan" in app.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["financing-deadlines-scan"]
    assert entry["task"] == "financing.demands_overdue_scan"
    demand = routed_demand(timezone.now() - datetime.timedelta(days=30))
    outcome = app.tasks["financing.demands_overdue_scan"].delay().get()
    demand.refresh_from_db()
    assert outcome["pooled"] == 1 and demand.open_pool is True


# --- working-day step times -----------------------------------------------------------------


def test_step_workdays_count_adjusted_weekends_and_skip_holidays():
    demand = claimed_demand(
        at(2026, 10, 12, 9),
        status=DemandStatus.DISBURSED,
        contacted_at=at(2026, 10, 12, 17),
        decided_at=at(2026, 10, 26, 11),
        disbursed_at=at(2026, 10, 30, 11),
    )
    demand.routed_at = at(2026, 9, 30, 15)
    demand_step_workdays_set(demand=demand)
    demand.refresh_from_db()
    # (09-30, 10-12]: 10-08, 10-09, 10-10 (Saturday, worked), 10-12 → 4.
    assert (
        demand.claim_workdays,
        demand.contact_workdays,
        demand.decision_workdays,
        demand.disburse_workdays,
    ) == (4, 0, 10, 4)


def test_workday_ordinals_agree_with_the_calendar():
    from kejin.core.workdays import workdays_between

    first, last = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    ordinals = workday_ordinals(first, last)
    for a, b in [
        ((2026, 2, 12), (2026, 3, 4)),
        ((2026, 9, 30), (2026, 10, 12)),
        ((2026, 1, 1), (2026, 12, 31)),
    ]:
        start, end = datetime.date(*a), datetime.date(*b)
        assert ordinals[end] - ordinals[start] == workdays_between(start, end).value


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_escalate_and_notify_once():
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        # The test database is SQLite in memory with a shared cache, whose table locks have
        # no busy timeout; the file database (WAL, IMMEDIATE transactions, 20 s busy
        # timeout) serialises the two scans instead. Run on PostgreSQL.
        pytest.skip("concurrent writers need a file or server database")

    county = RegionFactory()
    officer = UserFactory(county_officer=True, county=county)
    demands = [
        claimed_demand(at(2026, 10, 12), enterprise=EnterpriseFactory(county=county))
        for _n in range(6)
    ]
    Demand.objects.filter(pk__in=[d.pk for d in demands]).update(
        status=DemandStatus.CONTACTED,
        contact_due_on=datetime.date(2026, 10, 14),
        decision_due_on=datetime.date(2026, 10, 26),
        claimed_via_route=False,
        claim_workdays=1,
    )
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(demands_overdue_scan(now=at(2026, 10, 27, 9)).total_escalated)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(results) == 6
    assert DemandEvent.objects.filter(action="escalate").count() == 6
    assert Notification.objects.filter(recipient=officer).count() == 6
