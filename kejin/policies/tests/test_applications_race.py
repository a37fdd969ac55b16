"""Races on PostgreSQL (skipped on SQLite, whose writers queue on one file lock): concurrent
payouts on one approval never exceed it (the row lock), and concurrent submissions for one
period store one application (the constraint answers the second with 409)."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from kejin.core.errors import ApplicationError
from kejin.policies.models import Application, Payout
from kejin.policies.services_applications import (
    application_accept,
    application_approve,
    application_pay,
    application_submit,
)
from kejin.policies.tests.application_world import city_officer, enterprise_user, grant_policy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("thread races need PostgreSQL (DATABASE_URL=postgres://…)")


def _race(count: int, call) -> Counter:
    """Run ``call`` in ``count`` threads released together; the outcomes by error code."""
    barrier = threading.Barrier(count)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            call()
            result = "ok"
        except ApplicationError as error:
            result = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_payouts_never_exceed_the_approved_amount():
    user = enterprise_user()
    officer = city_officer()
    application = application_submit(
        user=user, policy=grant_policy(), data={"inputs": {"rd_spend": "300000"}}
    )
    application_accept(user=officer, application=application)
    application_approve(user=officer, application=application, amount="30000")
    today = timezone.localdate()
    outcomes = _race(
        10,
        lambda: application_pay(
            user=officer, application=application, amount="7000", paid_on=today
        ),
    )
    # 4 × 7,000 fit in 30,000; each of the others finds 2,000 left.
    assert outcomes == Counter({"ok": 4, "invalid": 6})
    application.refresh_from_db()
    assert (application.status, application.amount_paid) == ("approved", Decimal("28000.00"))
    assert Payout.objects.count() == 4


def test_concurrent_submissions_for_one_period_store_one():
    user = enterprise_user()
    policy = grant_policy()
    outcomes = _race(
        6,
        lambda: application_submit(
            user=user, policy=policy, data={"inputs": {"rd_spend": "300000"}}
        ),
    )
    assert outcomes == Counter({"ok": 1, "application_duplicate": 5})
    assert Application.objects.count() == 1
