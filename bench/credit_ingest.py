"""Credit ingestion of 1,000,000 records of one category from CSV into SQLite, against a raw
``sqlite3`` ``executemany`` of the same rows into the same table.

Method (docs/performance.md, "Credit ingestion"): a dedicated SQLite database
``var/bench/credit_ingest.sqlite3`` (``--quick``: ``credit_ingest_quick.sqlite3``), migrated,
with the default catalogue loaded (``credit_catalogue_load_default``), with 100,000 enterprises (``--quick``: 2,000) inserted
once and reused while its meta file matches. A CSV of ``--size`` records of ``tax_payment``
(纳税及欠税: source record id, USCC, period end, tax paid, arrears) is generated
reproducibly: 90 % of the USCCs name a registered enterprise, 10 % are valid codes of no
registered enterprise (kept unmatched).

Cases, alternating, each from an empty ``credit_creditrecord``:

- ``credit_ingest_csv``: ``credit_batch_run`` on a pending batch holding the CSV — the whole
  path: claim, read and decode the file, check every row against the category (types, quality
  rules, USCC check digits), look up current versions and enterprises, write in one
  transaction, finish, match. Baseline ``raw_sqlite3_executemany``: the rows the ingest
  wrote, read back beforehand as tuples, inserted by a plain stdlib ``sqlite3`` connection
  (same pragmas: WAL, synchronous NORMAL) with one ``executemany`` in one transaction into
  the same table with all its indexes. Ratio = baseline seconds ÷ ingest seconds (the
  ingest's rate relative to the raw insert; higher is better; goal ≥ 0.5).
- ``credit_reingest_same_file``: the same file again as a new batch; it must change nothing
  (asserted: created 0, updated 0, unchanged = size, record count unchanged). Reported with
  its seconds; no goal.

Runs in a child process (``python -m bench.credit_ingest --size N``), which sets Django up for
the benchmark database and prints the result rows as one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.data import org_body
from bench.options import BenchOptions

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = BASE_DIR / "var" / "bench"
FULL_SIZE = 1_000_000
QUICK_SIZE = 5_000
FULL_ENTERPRISES = 100_000
QUICK_ENTERPRISES = 2_000
ROUNDS = 2
RATIO_GOAL = 0.5
GENERATOR_VERSION = 1
SEED = 20261205
CATEGORY = "tax_payment"


def _paths(quick: bool) -> tuple[Path, Path]:
    label = "quick" if quick else "full"
    return BENCH_VAR_DIR / f"credit_ingest_{label}.sqlite3", BENCH_VAR_DIR / "media"


def _setup_django(database: Path, media: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["MEDIA_ROOT"] = str(media)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("KEJIN_DEV", "1")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def _usccs(enterprises: int) -> tuple[list[str], list[str]]:
    from kejin.core.uscc import uscc_build

    registered = [
        uscc_build(region_code="330402", org_body=org_body(n)) for n in range(enterprises)
    ]
    unknown = [
        uscc_build(region_code="330411", org_body=org_body(5_000_000 + n))
        for n in range(max(enterprises // 10, 10))
    ]
    return registered, unknown


def ensure_database(database: Path, media: Path, enterprises: int, *, log) -> dict:
    meta_path = database.with_name(database.name + ".meta.json")
    meta = {"enterprises": enterprises, "generator": GENERATOR_VERSION}
    if not (database.exists() and meta_path.exists() and json.loads(meta_path.read_text()) == meta):
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
    BENCH_VAR_DIR.mkdir(parents=True, exist_ok=True)
    built = not database.exists()
    _setup_django(database, media)
    from django.core.management import call_command

    if built:
        log("bench: migrating the benchmark database …")
        call_command("migrate", verbosity=0)
    from kejin.credit.catalogue import credit_catalogue_load_default

    credit_catalogue_load_default()  # idempotent; no longer a data migration
    from kejin.accounts.choices import Role
    from kejin.accounts.models import User
    from kejin.core.models import Department, Industry, Region
    from kejin.enterprises.models import Enterprise

    if built:
        log(f"bench: inserting {enterprises:,} enterprises …")
        county = Region.objects.get(code="330402")
        industry = Industry.objects.filter(level="division").order_by("code").first()
        registered, _unknown = _usccs(enterprises)
        Enterprise.objects.bulk_create(
            (
                Enterprise(
                    uscc=uscc,
                    name=f"基准测试企业{n:06d}有限公司",
                    county=county,
                    industry=industry,
                    founded_on=datetime.date(2015, 1, 1),
                    size="small",
                    registered_capital=5_000_000,
                )
                for n, uscc in enumerate(registered)
            ),
            batch_size=5_000,
        )
        meta_path.write_text(json.dumps(meta))
    user, _ = User.objects.get_or_create(
        username="bench_data_tax",
        defaults={
            "full_name": "基准测试报送员",
            "role": Role.DATA_PROVIDER,
            "department": Department.objects.get(code="jx-tax"),
        },
    )
    return {"built": built, "user": user}


def write_csv(path: Path, size: int, enterprises: int) -> None:
    registered, unknown = _usccs(enterprises)
    rng = random.Random(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("source_record_id,uscc,period_end,tax_paid,arrears\n")
        lines = []
        for n in range(size):
            uscc = rng.choice(unknown) if rng.random() < 0.1 else rng.choice(registered)
            month_end = datetime.date(2023 + n % 3, 12, 31) - datetime.timedelta(days=31 * (n % 12))
            paid = f"{rng.randrange(0, 5_000_000)}.{rng.randrange(100):02d}"
            arrears = "0.00" if rng.random() < 0.95 else f"{rng.randrange(1, 200_000)}.00"
            lines.append(f"TP-{n:08d},{uscc},{month_end.isoformat()},{paid},{arrears}\n")
            if len(lines) == 100_000:
                handle.writelines(lines)
                lines = []
        handle.writelines(lines)


def _new_batch(user, relative_name: str, original_name: str):
    from kejin.credit.choices import BatchChannel
    from kejin.credit.models import CreditBatch, RecordCategory

    category = RecordCategory.objects.get(code=CATEGORY)
    batch = CreditBatch(
        category=category,
        department_id=category.department_id,
        channel=BatchChannel.UPLOAD,
        original_name=original_name,
        uploaded_by=user,
    )
    batch.file.name = relative_name
    batch.save()
    return batch


def _clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM credit_creditrecord")
        cursor.execute("DELETE FROM credit_creditbatch")
        cursor.execute("DELETE FROM core_auditevent WHERE object_type = 'credit.creditbatch'")


def measure(size: int, *, quick: bool, log) -> list[dict]:
    database, media = _paths(quick)
    enterprises = QUICK_ENTERPRISES if quick else FULL_ENTERPRISES
    data = ensure_database(database, media, enterprises, log=log)
    from django.db import connection

    from kejin.credit.ingest.services import credit_batch_run
    from kejin.credit.models import CreditRecord

    relative = f"bench/credit_{size}.csv"
    csv_path = media / relative
    log(f"bench: writing the {size:,}-row CSV …")
    write_csv(csv_path, size, enterprises)
    table = CreditRecord._meta.db_table
    columns = [f.column for f in CreditRecord._meta.concrete_fields if not f.primary_key]
    insert_sql = "INSERT INTO {} ({}) VALUES ({})".format(
        table, ", ".join(columns), ", ".join("?" * len(columns))
    )

    ingest_times, raw_times = [], []
    counts: dict = {}
    for round_ in range(ROUNDS):
        _clear()
        connection.close()
        gc.collect()
        log(f"bench: round {round_ + 1}: ingesting {size:,} records …")
        batch = _new_batch(data["user"], relative, "credit.csv")
        started = time.perf_counter()
        batch = credit_batch_run(batch=batch)
        ingest_times.append(time.perf_counter() - started)
        assert batch.status == "done", batch.failure
        assert (batch.created_count, batch.error_count) == (size, 0), batch.errors[:3]
        counts = {
            "created": batch.created_count,
            "unmatched": batch.unmatched_count,
            "matched": size - batch.unmatched_count,
        }
        log(f"bench: ingest {ingest_times[-1]:.1f} s; reading the rows back for the baseline …")
        connection.close()
        raw = sqlite3.connect(database, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        rows = raw.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()
        raw.execute(f"DELETE FROM {table}")
        gc.collect()
        started = time.perf_counter()
        raw.execute("BEGIN")
        raw.executemany(insert_sql, rows)
        raw.execute("COMMIT")
        raw_times.append(time.perf_counter() - started)
        raw.close()
        del rows
        log(f"bench: raw executemany {raw_times[-1]:.1f} s")

    # Re-ingesting the same file changes nothing.
    _clear()
    connection.close()
    first = credit_batch_run(batch=_new_batch(data["user"], relative, "credit.csv"))
    stored = CreditRecord.objects.count()
    log("bench: re-ingesting the same file …")
    started = time.perf_counter()
    again = credit_batch_run(batch=_new_batch(data["user"], relative, "credit.csv"))
    reingest_seconds = time.perf_counter() - started
    assert first.created_count == size
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, size)
    assert CreditRecord.objects.count() == stored == size

    ingest_seconds, raw_seconds = min(ingest_times), min(raw_times)
    ratio = raw_seconds / ingest_seconds
    import polars as pl

    context = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "software": f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, polars {pl.__version__}",
        "database": f"{database.relative_to(BASE_DIR)} ({enterprises:,} enterprises)",
        "quick": quick,
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    connection.close()
    return [
        {
            "name": "credit_ingest_csv",
            "size": size,
            "seconds": round(ingest_seconds, 3),
            "seconds_all_rounds": [round(t, 3) for t in ingest_times],
            "rps": round(size / ingest_seconds),
            "baseline": "raw_sqlite3_executemany",
            "baseline_seconds": round(raw_seconds, 3),
            "baseline_seconds_all_rounds": [round(t, 3) for t in raw_times],
            "baseline_rps": round(size / raw_seconds),
            "ratio": round(ratio, 2),
            "ratio_definition": (
                "seconds of a raw sqlite3 executemany of the same rows (one transaction, same "
                "table and indexes) divided by the seconds of the whole ingest (rows/s of the "
                f"ingest relative to the raw insert; best of {ROUNDS} each; higher is better; "
                f"goal >= {RATIO_GOAL})"
            ),
            "counts": counts,
            "goal": {"ratio_min": RATIO_GOAL},
            "passed": None if quick else ratio >= RATIO_GOAL,
            **context,
        },
        {
            "name": "credit_reingest_same_file",
            "size": size,
            "seconds": round(reingest_seconds, 3),
            "rps": round(size / reingest_seconds),
            "baseline": "-",
            "baseline_seconds": None,
            "ratio": None,
            "counts": {
                "created": again.created_count,
                "updated": again.updated_count,
                "unchanged": again.unchanged_count,
                "records_stored": stored,
            },
            "goal": {"changes": 0},
            "passed": True,
            **context,
        },
    ]


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure in a child process (it sets Django up for the benchmark database)."""
    args = [sys.executable, "-m", "bench.credit_ingest"]
    if options.quick:
        args.append("--quick")
    completed = subprocess.run(args, cwd=BASE_DIR, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.credit_ingest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} records")
    parser.add_argument("--size", type=int, help=f"records (default {FULL_SIZE:,})")
    args = parser.parse_args(argv)
    size = args.size or (QUICK_SIZE if args.quick else FULL_SIZE)
    rows = measure(size, quick=args.quick, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(json.dumps(rows, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
