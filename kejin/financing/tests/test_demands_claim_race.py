"""The claim race through a real running server: 50 institutions claim one demand of the
open pool at the same moment over the HTTP API → exactly one 200, 49 × 409
``demand_already_claimed``, no 5xx; the database holds one claim and one claim event.

The server is gunicorn (4 workers × 4 threads) in a subprocess on a free port, against a
database of its own: a SQLite file always, and a PostgreSQL database when the suite runs on
PostgreSQL (``DATABASE_URL=postgres://…``; the race database is ``<name>_race``, created
and dropped here). Migrate, seed and serve run as subprocesses, as production would.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
CLAIMANTS = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "kejin"
    return urlunsplit(parts._replace(path=f"/{name}_race"))


def _postgres_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(params=["sqlite", "postgresql"])
def race_database(request, tmp_path):
    """(DATABASE_URL, a function reading one SQL value) of an empty database of the race."""
    if request.param == "sqlite":
        path = tmp_path / "race.sqlite3"

        def scalar(sql):
            with sqlite3.connect(path) as conn:
                return conn.execute(sql).fetchone()[0]

        yield f"sqlite:///{path}", scalar
        return
    url = _postgres_url()
    if url is None:
        pytest.skip("the suite runs on SQLite (set DATABASE_URL=postgres://… for PostgreSQL)")
    name = urlsplit(url).path.lstrip("/")
    _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _postgres_admin(url, f'CREATE DATABASE "{name}"')

    def scalar(sql):
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchone()[0]

    try:
        yield url, scalar
    finally:
        _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, tmp_path) -> dict:
    env = {
        **os.environ,
        "KEJIN_DEV": "1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    return env


def _manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout


def _request(url: str, token: str, method: str = "GET") -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=b"" if method == "POST" else None,
        headers={"Authorization": f"Token {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body or b"{}")
        except ValueError:
            return error.code, {"raw": body[:500].decode(errors="replace")}


@pytest.fixture
def server(race_database, tmp_path):
    """A migrated, seeded database served by gunicorn: (base URL, seed, scalar)."""
    database_url, scalar = race_database
    env = _env(database_url, tmp_path)
    _manage(env, "migrate", "-v0")
    seed = json.loads(
        _manage(
            env,
            "shell",
            "-c",
            f"from kejin.financing.tests.race_seed import main; main({CLAIMANTS})",
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
                    f"{base}/api/v1/financing/demands/{seed['demand']}/", seed["tokens"][0]
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


def test_fifty_concurrent_claims_give_exactly_one_winner(server):
    base, seed, scalar = server
    demand = seed["demand"]
    url = f"{base}/api/v1/financing/demands/{demand}/claim/"
    barrier = threading.Barrier(CLAIMANTS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def claim(token: str) -> None:
        barrier.wait()
        outcome = _request(url, token, "POST")
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=claim, args=(token,)) for token in seed["tokens"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: CLAIMANTS - 1}, [r for r in results if r[0] not in (200, 409)]
    refusals = [body["error"] for status, body in results if status == 409]
    assert {(e["code"], e["message"]) for e in refusals} == {
        ("demand_already_claimed", "该需求已被其他机构认领，请选择其他需求。")
    }
    winner = next(body for status, body in results if status == 200)
    assert winner["status"] == "claimed"
    assert [e["action"] for e in winner["events"]] == ["claim"]
    assert scalar(f"SELECT status FROM financing_demand WHERE id = {demand}") == "claimed"
    assert scalar(f"SELECT COUNT(*) FROM financing_demandevent WHERE demand_id = {demand}") == 1
    assert (
        scalar(f"SELECT institution_id FROM financing_demand WHERE id = {demand}")
        == winner["institution"]["id"]
    )
