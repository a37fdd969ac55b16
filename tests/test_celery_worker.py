"""A real Celery worker on a real Redis broker runs the registry's re-evaluation task.

Everything runs in subprocesses against a SQLite file, because a worker cannot see the test
database of this process. CI starts Redis (`.ci/run`); elsewhere the test is skipped when no
Redis answers on 127.0.0.1:6379 (or at ``KEJIN_TEST_REDIS_URL``).

Concurrent runs (CI and a developer, two xdist sessions) share that Redis database, so each
run keeps to its own keys: the broker's keys carry a prefix unique to the run
(``CELERY_BROKER_KEY_PREFIX``), the worker has its own node name, and afterwards only the
keys under that prefix are deleted — never the whole database.
"""

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("KEJIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_available() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379"
)


def _manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def key_prefix() -> Iterator[str]:
    """A broker key prefix of this run alone; its keys (and only they) are deleted after."""
    prefix = f"kejin-test-{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(BROKER)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


def test_worker_runs_the_reevaluation_task_from_the_broker(tmp_path, key_prefix):
    database = tmp_path / "worker.sqlite3"
    env = {
        **os.environ,
        "KEJIN_DEV": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_BROKER_KEY_PREFIX": key_prefix,
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("CELERY_RESULT_BACKEND", None)  # no results are read; nothing else to share
    client = redis.Redis.from_url(BROKER)
    _manage(env, "migrate", "-v0")
    _manage(env, "demo_data", "--enterprises", "30")
    runs_before = (
        sqlite3.connect(database)
        .execute("SELECT COUNT(*) FROM enterprises_evaluationrun")
        .fetchone()[0]
    )

    # Enqueue through the broker (not eagerly: CELERY_BROKER_URL is set).
    enqueue = _manage(
        env,
        "shell",
        "-c",
        "from django.conf import settings; assert not settings.CELERY_TASK_ALWAYS_EAGER;"
        "from kejin.registry.tasks import registry_reevaluate_task as t;"
        "print(t.delay(year=2024).id)",
    )
    assert enqueue.stdout.strip()
    # The message waits in this run's own queue key, where no other run's worker looks.
    assert client.llen(f"{key_prefix}celery") == 1
    assert (
        runs_before
        == sqlite3.connect(database)
        .execute("SELECT COUNT(*) FROM enterprises_evaluationrun")
        .fetchone()[0]
    )

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--hostname",
            f"{key_prefix.rstrip(':')}@%h",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline:
            row = (
                sqlite3.connect(database)
                .execute(
                    "SELECT status, enterprises FROM enterprises_evaluationrun ORDER BY id DESC LIMIT 1"
                )
                .fetchone()
            )
            count = (
                sqlite3.connect(database)
                .execute("SELECT COUNT(*) FROM enterprises_evaluationrun")
                .fetchone()[0]
            )
            if count > runs_before and row[0] != "running":
                status = row
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert status == ("done", 30), output
    assert client.llen(f"{key_prefix}celery") == 0
