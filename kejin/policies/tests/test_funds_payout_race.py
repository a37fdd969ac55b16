"""The payout race through a real running server: 20 officers approve 20 claims of 80万元
each at the same moment against a fund of 1,000万元 over the HTTP API → exactly 12 × 200
and 8 × 409 ``fund_insufficient``, no 5xx; the balance ends at 40万元 and never went
negative: the ledger holds 12 payouts of 80万 (960万 in all), each ``balance_after`` ≥ 0 and
the running balance, and only the paid claims are approved.

The server is gunicorn (4 workers × 4 threads) in a subprocess on a free port, against a
database of its own: a SQLite file always, and a PostgreSQL database when the suite runs on
PostgreSQL (``DATABASE_URL=postgres://…``; the race database is ``<name>_race``, created
and dropped here), exactly as ``kejin.financing.tests.test_demands_claim_race``. Migrate,
seed and serve run as subprocesses, as production would.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
from collections import Counter
from decimal import Decimal

import pytest

from kejin.financing.tests.test_demands_claim_race import (
    _env,
    _free_port,
    _manage,
    _request,
    race_database,  # noqa: F401 (the fixture, SQLite and PostgreSQL)
)

APPROVERS = 20
BALANCE = Decimal("10000000.00")  # 1,000万元
AMOUNT = Decimal("800000.00")  # 80万元 each
AFFORDABLE = int(BALANCE // AMOUNT)  # 12


@pytest.fixture
def server(race_database, tmp_path):  # noqa: F811
    """A migrated, seeded database served by gunicorn: (base URL, seed, scalar)."""
    import subprocess
    import sys

    from kejin.financing.tests.test_demands_claim_race import ROOT

    database_url, scalar = race_database
    env = _env(database_url, tmp_path)
    _manage(env, "migrate", "-v0")
    seed = json.loads(
        _manage(
            env,
            "shell",
            "-c",
            "from kejin.policies.tests.funds_race_seed import main; "
            f"main({APPROVERS}, '{BALANCE}', '{AMOUNT}')",
        )
        .strip()
        .splitlines()[-1]
    )
    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _ = _request(
                    f"{base}/api/v1/policies/funds/{seed['fund']}/", seed["tokens"][0]
                )
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise AssertionError((tmp_path / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.3)
        yield base, seed, scalar
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_twenty_concurrent_payouts_pay_exactly_the_affordable_ones(server):
    base, seed, scalar = server
    fund = seed["fund"]
    barrier = threading.Barrier(APPROVERS)
    results: list[tuple[int, int, dict]] = []
    lock = threading.Lock()

    def approve(claim: int, token: str) -> None:
        barrier.wait()
        status, body = _request(
            f"{base}/api/v1/policies/fund-claims/{claim}/approve/", token, "POST"
        )
        with lock:
            results.append((claim, status, body))

    threads = [
        threading.Thread(target=approve, args=(claim, token))
        for claim, token in zip(seed["claims"], seed["tokens"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = Counter(status for _, status, _ in results)
    assert statuses == {200: AFFORDABLE, 409: APPROVERS - AFFORDABLE}, [
        r for r in results if r[1] not in (200, 409)
    ]
    refusals = [body["error"] for _, status, body in results if status == 409]
    assert {e["code"] for e in refusals} == {"fund_insufficient"}
    assert all("不足以支付本笔补偿 80.00 万元" in e["message"] for e in refusals)
    paid = sorted(claim for claim, status, _ in results if status == 200)
    refused = sorted(claim for claim, status, _ in results if status == 409)

    # The balance: exactly what was affordable was taken, never below zero.
    assert Decimal(
        str(scalar(f"SELECT balance FROM policies_compensationfund WHERE id = {fund}"))
    ) == (BALANCE - AFFORDABLE * AMOUNT)
    # The ledger: one payout per paid claim, running balances consistent and ≥ 0.
    payouts = scalar(
        f"SELECT COUNT(*) FROM policies_fundentry WHERE fund_id = {fund} AND kind = 'payout'"
    )
    assert payouts == AFFORDABLE
    total = scalar(
        f"SELECT SUM(amount) FROM policies_fundentry WHERE fund_id = {fund} AND kind = 'payout'"
    )
    assert Decimal(str(total)) == AFFORDABLE * AMOUNT == Decimal("9600000.00")
    afters = scalar(f"SELECT MIN(balance_after) FROM policies_fundentry WHERE fund_id = {fund}")
    assert Decimal(str(afters)) == BALANCE - AFFORDABLE * AMOUNT
    # Each payout left a distinct balance: 920万, 840万, … 40万 (no two saw the same one).
    distinct = scalar(
        "SELECT COUNT(DISTINCT balance_after) FROM policies_fundentry "
        f"WHERE fund_id = {fund} AND kind = 'payout'"
    )
    assert distinct == AFFORDABLE
    # Only the paid claims are approved; the refused ones are still submitted.
    paid_ids = ",".join(map(str, paid))
    refused_ids = ",".join(map(str, refused))
    assert (
        scalar(
            f"SELECT COUNT(*) FROM policies_compensationclaim WHERE id IN ({paid_ids}) "
            "AND status = 'approved'"
        )
        == AFFORDABLE
    )
    assert (
        scalar(
            f"SELECT COUNT(*) FROM policies_compensationclaim WHERE id IN ({refused_ids}) "
            "AND status = 'submitted' AND amount_approved IS NULL"
        )
        == APPROVERS - AFFORDABLE
    )
    assert (
        scalar(f"SELECT COUNT(*) FROM policies_fundentry WHERE claim_id IN ({paid_ids})")
        == AFFORDABLE
    )
