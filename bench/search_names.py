"""Name search over 1,000,000 enterprises: ``enterprise_name_search`` against a ``LIKE`` scan.

Method (docs/performance.md, "Name search"): a dedicated SQLite database
``var/bench/search_1m.sqlite3`` (``--quick``: 50,000 rows in ``search_50k.sqlite3``), migrated,
then filled with realistic Chinese enterprise names by one raw ``executemany`` transaction (the
FTS triggers of migration 0006 index the rows as they go in; ``optimize`` merges the index
afterwards). It is reused while its meta file matches the size and the generator version.

Queries are fragments of 3–6 characters of real names, each overlapping the name's brand
(字号) — what people type — so some hit a handful of rows and some thousands. Each query does
what the registry list page does: ``count()`` and the first page of 20 rows ordered by name,
with the county, industry and zone joined. The indexed side (``enterprise_name_search``) runs
every query ``REPEATS`` times; the scan side (``name__contains``, the same ``LIKE`` the
fallback uses) runs a subset once (a scan of 10⁶ rows costs about a second). Latencies are
per-query medians; p50/p95 are over queries. Both sides must return the same count and page.
One- and two-character queries (the first one or two characters of the same fragments) go
through the gram posting list (migration 0012), or the scan when a bounded count finds them
very broad; they are measured the same way, each against its own scan.

Goals (issue 3): queries of ≥ 3 characters p50 ≤ 2 ms, p95 ≤ 20 ms and ≥ 50× faster than the
scan on the same queries in the same run. Issue 6: 1–2 character queries p50 ≤ 20 ms, the
same rows as a scan.

Runs in a child process (``python -m bench.search_names --size N``), which sets Django up
for the benchmark database and prints the result rows as one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.cpu import cpu_busy_fraction
from bench.data import CITY, COUNTIES, SECTIONS
from bench.options import BenchOptions

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = BASE_DIR / "var" / "bench"
FULL_SIZE = 1_000_000
QUICK_SIZE = 50_000
# Bump when the generated rows change, so that stale databases are rebuilt.
GENERATOR_VERSION = 1
SEED = 20240611
QUERY_COUNT = 240
SCAN_QUERY_COUNT = 40
SHORT_QUERY_COUNT = 20
REPEATS = 5
# What the directory page shows and counts (kejin.enterprises.views PAGE_SIZE, COUNT_LIMIT).
PAGE_SIZE = 25
COUNT_LIMIT = 10_000
P50_GOAL_MS = 2.0
P95_GOAL_MS = 20.0
RATIO_GOAL = 50.0
SHORT_P50_GOAL_MS = 20.0
# PostgreSQL (issue 6): the 3–6 character queries' tail, which the broad ones make.
PG_P99_GOAL_MS = 50.0
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/kejin_bench_search"
# CPU share used by others above which the measurement is flagged as taken on a busy machine.
QUIET = 0.25
CPU_DEFINITION = (
    "CPU time of the benchmark thread plus, on PostgreSQL, of the server backend serving it "
    "(/proc/<pid>/schedstat; absent when the server runs elsewhere)"
)
RATIO_DEFINITION = (
    "median per-query seconds of the LIKE scan divided by that of enterprise_name_search, "
    "over the same queries in the same run (higher is better; goal >= 50)"
)

# Where the name says it is registered: city, county (short form) or province; often absent.
_COUNTY_PLACES = {code: name[:2] for code, name, _ in COUNTIES}
# Brand characters (字号用字), most used first; drawn with Zipf-like weights so that some
# fragments are common (华, 新, 中…) and some rare.
_BRAND_CHARS = (
    "华新中天金恒宏瑞鑫盛达泰源信博康安嘉兴和丰利永鼎汇通联科创智德隆远诚佳美明光宇航"
    "海峰晨辰星亿万方正元东南北西一立昌荣正伟豪景祥顺富贵宝龙凤锦绿青蓝红云力强精"
    "卓越尚品优捷迅驰腾飞扬展启承合众益友邦世纪宏图铭晟睿骏弘毅昊旭晖煜烨耀灿炜"
    "珑琪瑾璟璞琦瑜瑶珂琳钧铭锐铖钰锋镇鑫淼森焱垚磊犇鼎鑫坤乾泽润涵浩澜沛洋清源"
)
_LATIN_BRANDS = ["ABC", "TCL", "KTL", "SMT", "Hi", "iCAN", "JX", "ZJ", "DK", "AMT"]
# Trades (行业表述) with the GB/T 4754 division they belong to.
_TRADES = [
    ("科技", "75"),
    ("电子科技", "39"),
    ("新材料科技", "29"),
    ("智能科技", "35"),
    ("智能装备", "35"),
    ("生物科技", "27"),
    ("生物医药", "27"),
    ("医疗器械", "35"),
    ("信息技术", "65"),
    ("网络科技", "64"),
    ("软件", "65"),
    ("数据科技", "65"),
    ("光电科技", "39"),
    ("光伏科技", "38"),
    ("新能源科技", "38"),
    ("环保科技", "75"),
    ("节能科技", "75"),
    ("精密机械", "34"),
    ("机械制造", "34"),
    ("自动化设备", "35"),
    ("仪器仪表", "40"),
    ("化工", "26"),
    ("高分子材料", "29"),
    ("纺织科技", "75"),
    ("电气", "38"),
    ("电器", "38"),
    ("汽车零部件", "34"),
    ("半导体", "39"),
    ("微电子", "39"),
    ("通信技术", "39"),
    ("检测技术", "73"),
    ("工程技术", "73"),
    ("机器人", "35"),
    ("传感技术", "40"),
    ("照明科技", "38"),
    ("包装材料", "29"),
    ("食品科技", "75"),
    ("农业科技", "73"),
    ("医药科技", "27"),
    ("研究院", "73"),
]
_FORMS = [("有限公司", 70), ("股份有限公司", 15), ("有限责任公司", 10), ("科技有限公司", 5)]
_INDUSTRY_NAMES = {
    "26": ("化学原料和化学制品制造业", "C"),
    "27": ("医药制造业", "C"),
    "29": ("橡胶和塑料制品业", "C"),
    "34": ("通用设备制造业", "C"),
    "35": ("专用设备制造业", "C"),
    "38": ("电气机械和器材制造业", "C"),
    "39": ("计算机、通信和其他电子设备制造业", "C"),
    "40": ("仪器仪表制造业", "C"),
    "64": ("互联网和相关服务", "I"),
    "65": ("软件和信息技术服务业", "I"),
    "73": ("研究和试验发展", "M"),
    "75": ("科技推广和应用服务业", "M"),
}
_SIZES = [("micro", 35), ("small", 45), ("medium", 15), ("large", 5)]
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def database_path(size: int) -> Path:
    label = f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"
    if size % 1000:
        label = str(size)
    return BENCH_VAR_DIR / f"search_{label}.sqlite3"


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    _meta_path(path).unlink(missing_ok=True)


def _uscc(region_code: str, n: int) -> str:
    """A valid USCC for sequence number ``n`` (GB 32100 and GB 11714 check characters).

    The same arithmetic as ``kejin.core.uscc.uscc_build``, about ten times faster; checked
    against it on a sample when the data is generated.
    """
    digits = []
    for _ in range(6):
        n, r = divmod(n, 31)
        digits.append(_USCC_ALPHABET[r])
    body = "MA" + "".join(reversed(digits))
    org_check = 11 - sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    partial = "91" + region_code + body + {10: "X", 11: "0"}.get(org_check, str(org_check))
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(partial, _USCC_WEIGHTS, strict=True))
    return partial + _USCC_ALPHABET[(31 - total % 31) % 31]


def _name(rng: random.Random, county_code: str, brand_weights: list[float]) -> str:
    roll = rng.random()
    if roll < 0.30:
        place = CITY[1][:2]
    elif roll < 0.70:
        place = _COUNTY_PLACES[county_code]
    elif roll < 0.80:
        place = "浙江"
    else:
        place = ""
    if rng.random() < 0.02:
        brand = rng.choice(_LATIN_BRANDS)
    else:
        length = rng.choices((2, 3, 4), weights=(70, 25, 5))[0]
        brand = "".join(rng.choices(_BRAND_CHARS, weights=brand_weights, k=length))
    trade = rng.choice(_TRADES)[0]
    form = rng.choices([f for f, _ in _FORMS], weights=[w for _, w in _FORMS])[0]
    if place and rng.random() < 0.05:  # 华鑫（嘉兴）电子有限公司
        return f"{brand}（{place}）{trade}{form}"
    return f"{place}{brand}{trade}{form}"


def _rows(size: int, counties: list[tuple[int, str, int]], industries: dict[str, int]):
    """Yield ``size`` tuples of enterprise column values, reproducibly."""
    rng = random.Random(SEED)
    brand_weights = [1 / (rank + 8) for rank in range(len(_BRAND_CHARS))]
    county_choices = rng.choices(counties, weights=[w for _, _, w in counties], k=size)
    size_choices = rng.choices([s for s, _ in _SIZES], weights=[w for _, w in _SIZES], k=size)
    first_day = datetime.date(1995, 1, 1).toordinal()
    span = datetime.date(2024, 12, 31).toordinal() - first_day
    stamp = "2025-01-01 00:00:00"
    for n in range(size):
        county_id, county_code, _ = county_choices[n]
        name = _name(rng, county_code, brand_weights)
        trade_code = next(code for trade, code in _TRADES if trade in name)
        yield (
            stamp,
            stamp,
            _uscc(county_code, n),
            name,
            county_id,
            industries[trade_code],
            datetime.date.fromordinal(first_day + rng.randrange(span)).isoformat(),
            size_choices[n],
            str(rng.choice((50, 100, 200, 500, 1000, 3000)) * 10_000),
            "",
            "",
            "",
            "",
        )


def _reference_ids() -> tuple[list[tuple[int, str, int]], dict[str, int]]:
    """Counties (id, code, weight) and industry ids by division code, created if missing."""
    from kejin.core.models import Industry, Region

    city, _ = Region.objects.get_or_create(
        code=CITY[0], defaults={"name": CITY[1], "level": "city"}
    )
    counties = []
    for code, name, weight in COUNTIES:
        county, _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": "county", "parent": city}
        )
        counties.append((county.pk, code, weight))
    industries = {}
    for code, (name, section_code) in _INDUSTRY_NAMES.items():
        section, _ = Industry.objects.get_or_create(
            code=section_code, defaults={"name": SECTIONS[section_code], "level": "section"}
        )
        industry, _ = Industry.objects.get_or_create(
            code=code, defaults={"name": name, "level": "division", "parent": section}
        )
        industries[code] = industry.pk
    return counties, industries


def _load(path: Path, size: int, counties, industries, *, log) -> None:
    """Insert the rows in one transaction of raw ``executemany`` (the triggers index them)."""
    from kejin.core.uscc import uscc_build

    for n in (0, 1, 30, 961, 29_790, 887_502_000):
        expected = uscc_build(region_code="330402", org_body=_uscc("330402", n)[8:16])
        assert _uscc("330402", n) == expected, (n, _uscc("330402", n), expected)
    grams = importlib.import_module("kejin.enterprises.migrations.0012_name_search_grams")
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-2000000")
        raw.execute("BEGIN")
        # The gram triggers would file ~20 grams per name at random places of the gram table,
        # each INSERT OR IGNORE with a statement journal (over 30 minutes for 10⁶ names on a
        # busy machine): they are off during the load and the table is filled once, in order.
        for event in grams.SQLITE_TRIGGERS:
            raw.execute(f"DROP TRIGGER {grams.GRAM_TABLE}_{event}")
        raw.executemany(
            "INSERT INTO enterprises_enterprise (created_at, updated_at, uscc, name, county_id,"
            " industry_id, founded_on, size, registered_capital, legal_representative,"
            " address, contact_phone, business_scope) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _rows(size, counties, industries),
        )
        log(f"bench: inserted {size:,} enterprises; filling the gram list …")
        raw.execute(
            f"INSERT INTO {grams.GRAM_TABLE}(gram, enterprise_id) "
            + grams._SQLITE_GRAMS.format(
                name="e.name", id="e.id", table="enterprises_enterprise AS e, "
            )
            + " ORDER BY 1, 2"
        )
        for sql in grams.SQLITE_TRIGGERS.values():
            raw.execute(sql)
        raw.execute("COMMIT")
        log("bench: merging the name index …")
        raw.execute(
            "INSERT INTO enterprises_enterprise_name_fts(enterprises_enterprise_name_fts)"
            " VALUES ('optimize')"
        )
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def _setup_django(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("KEJIN_DEV", "1")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def ensure_database(size: int, *, log) -> dict:
    """Build or reuse the database of ``size`` enterprises and set Django up for it."""
    path = database_path(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    expected_meta = {"size": size, "generator_version": GENERATOR_VERSION}
    meta_file = _meta_path(path)
    reusable = (
        path.exists() and meta_file.exists() and json.loads(meta_file.read_text()) == expected_meta
    )
    if not reusable:
        _remove_database(path)
    _setup_django(path)

    from django.core.management import call_command
    from django.db import connection

    from kejin.enterprises.models import Enterprise

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if reusable and Enterprise.objects.count() != size:
        log(f"bench: rebuilding {path.name}: it holds another number of enterprises")
        connection.close()
        _remove_database(path)
        call_command("migrate", interactive=False, verbosity=0)
        reusable = False
    if not reusable:
        counties, industries = _reference_ids()
        connection.close()
        log(f"bench: generating {size:,} enterprises into {path.relative_to(BASE_DIR)} …")
        _load(path, size, counties, industries, log=log)
        meta_file.write_text(json.dumps(expected_meta))
    seconds = time.perf_counter() - started
    if not reusable:
        log(f"bench: generated {size:,} enterprises in {seconds:.0f} s")
    from kejin.enterprises.search import sqlite_has_trigram

    description = f"SQLite {sqlite3.sqlite_version} (WAL), {path.relative_to(BASE_DIR)}" + (
        ", FTS5 trigram" if sqlite_has_trigram() else ", no trigram tokenizer: scans"
    )
    return {"database": description, "built": not reusable, "build_seconds": round(seconds, 1)}


def _postgres_admin_connection(url: str):
    """An autocommit connection to the server's ``postgres`` database (None if unreachable)."""
    import psycopg

    server = url.rsplit("/", 1)[0] + "/postgres"
    try:
        return psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None


def postgres_available(url: str) -> bool:
    admin = _postgres_admin_connection(url)
    if admin is None:
        return False
    admin.close()
    return True


def ensure_postgres_database(size: int, url: str, *, log) -> dict:
    """Build or reuse ``size`` enterprises in the PostgreSQL database ``url`` (same rows).

    The database is created with ``C.UTF-8`` (pg_trgm must see CJK characters as letters).
    Loading: COPY with the user triggers off and the trigram index dropped, then the index,
    the gram table (its primary key added after the fill: a sort, not 20 million inserts)
    and ``VACUUM ANALYZE``.
    """
    name = url.rsplit("/", 1)[1]
    admin = _postgres_admin_connection(url)
    assert admin is not None, f"PostgreSQL at {url} is not reachable"
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("KEJIN_DEV", "1")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kejin.enterprises.models import Enterprise
    from kejin.enterprises.search import GRAM_TABLE

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {GRAM_TABLE})")
        has_grams = cursor.fetchone()[0]
    reusable = has_grams and Enterprise.objects.count() == size
    if not reusable:
        log(f"bench: loading {size:,} enterprises into PostgreSQL {name} …")
        counties, industries = _reference_ids()
        columns = (
            "created_at, updated_at, uscc, name, county_id, industry_id, founded_on, size,"
            " registered_capital, legal_representative, address, contact_phone, business_scope"
        )
        pk = f"{GRAM_TABLE}_pkey"
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("TRUNCATE enterprises_enterprise RESTART IDENTITY CASCADE")
            cursor.execute(f"TRUNCATE {GRAM_TABLE}")
            cursor.execute("ALTER TABLE enterprises_enterprise DISABLE TRIGGER USER")
            cursor.execute("DROP INDEX IF EXISTS enterprises_enterprise_name_trgm")
            cursor.execute(f"ALTER TABLE {GRAM_TABLE} DROP CONSTRAINT IF EXISTS {pk}")
            with cursor.cursor.copy(f"COPY enterprises_enterprise ({columns}) FROM STDIN") as copy:
                for row in _rows(size, counties, industries):
                    copy.write_row(row)
            log("bench: indexing names (pg_trgm, grams) …")
            cursor.execute(
                "CREATE INDEX enterprises_enterprise_name_trgm ON enterprises_enterprise "
                "USING gin (UPPER(name) gin_trgm_ops)"
            )
            cursor.execute(
                f"INSERT INTO {GRAM_TABLE}(gram, enterprise_id) "
                "SELECT DISTINCT upper(substr(e.name, i, w)), e.id FROM enterprises_enterprise e,"
                " generate_series(1, length(e.name)) AS i, (VALUES (1), (2)) AS widths(w)"
                " WHERE i + w - 1 <= length(e.name)"
            )
            cursor.execute(
                f"ALTER TABLE {GRAM_TABLE} ADD CONSTRAINT {pk} PRIMARY KEY (gram, enterprise_id)"
            )
            cursor.execute("ALTER TABLE enterprises_enterprise ENABLE TRIGGER USER")
            cursor.execute("VACUUM ANALYZE enterprises_enterprise")
            cursor.execute(f"VACUUM ANALYZE {GRAM_TABLE}")
    seconds = time.perf_counter() - started
    if not reusable:
        log(f"bench: loaded {size:,} enterprises into PostgreSQL in {seconds:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "database": f"PostgreSQL {version.split()[0]}, database {name}, pg_trgm + gram table",
        "built": not reusable,
        "build_seconds": round(seconds, 1),
    }


def _brand_span(name: str) -> tuple[int, int]:
    """Where the brand (字号) is in a generated name: (start, end) character offsets."""
    if "（" in name:
        return 0, name.index("（")
    start = 0
    for place in ("嘉兴", "浙江", *_COUNTY_PLACES.values()):
        if name.startswith(place):
            start = len(place)
            break
    trade_at = min(
        (name.find(trade, start + 1) for trade, _ in _TRADES if name.find(trade, start + 1) > 0),
        default=len(name),
    )
    return start, trade_at


def draw_queries(names: list[str], count: int, rng: random.Random) -> list[str]:
    """Fragments of 3–6 characters of ``names``, each overlapping the brand, all distinct."""
    queries: list[str] = []
    seen = set()
    for name in names:
        if len(queries) == count:
            break
        brand_start, brand_end = _brand_span(name)
        length = rng.randint(3, 6)
        first = max(0, brand_start - length + 1)
        last = min(brand_end - 1, len(name) - length)
        if last < first:
            continue
        start = rng.randint(first, last)
        fragment = name[start : start + length]
        if fragment not in seen:
            seen.add(fragment)
            queries.append(fragment)
    return queries


def _list_page(queryset, count_source=None) -> tuple[int, list[int]]:
    """What the directory page fetches: the count capped at ``COUNT_LIMIT`` + 1 (from
    ``count_source``, by default the same queryset) and the first page, by its paginator."""
    from kejin.core.ui.lists import CappedCountPaginator

    paginator = CappedCountPaginator(
        queryset, PAGE_SIZE, count_limit=COUNT_LIMIT, count_source=count_source
    )
    page = paginator.page(1)
    return paginator.count, [e.pk for e in page.object_list]


def _cpu_clock(connection):
    """A clock of CPU seconds spent on the work: this thread's, plus (PostgreSQL on this
    machine) those of the database backend serving this connection, from /proc."""
    backend_stat = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            stat = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
        backend_stat = stat if stat.exists() else None

    def clock() -> float:
        seconds = time.thread_time()
        if backend_stat is not None:
            seconds += int(backend_stat.read_text().split()[0]) / 1e9  # ns on a CPU
        return seconds

    return clock


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _wait_for_quiet(seconds: int, *, log) -> float:
    """How busy other processes keep the CPUs (0–1), after waiting up to ``seconds`` for quiet."""
    busy = cpu_busy_fraction()
    waited = 0
    while busy > QUIET and waited < seconds:
        if waited == 0:
            log(f"bench: {busy:.0%} of the CPUs busy with other work; waiting for quiet …")
        time.sleep(4)
        waited += 5
        busy = cpu_busy_fraction()
    if busy > QUIET:
        log(
            f"bench: warning: {busy:.0%} of the CPUs are busy with other work; the latencies "
            "will be noisy (use --wait-quiet SECONDS to wait for a quiet machine)"
        )
    return busy


def measure(size: int, *, wait_quiet: int = 0, log, postgres_url: str | None = None) -> list[dict]:
    """Build or reuse the data, then measure both sides; the contract rows.

    With ``postgres_url`` the same rows and queries run on PostgreSQL (rows named ``…_postgresql``).
    """
    if postgres_url:
        data = ensure_postgres_database(size, postgres_url, log=log)
    else:
        data = ensure_database(size, log=log)
    from django.db import connection, transaction

    from kejin.enterprises.models import Enterprise
    from kejin.enterprises.search import enterprise_name_search, route_memo_clear

    base = Enterprise.objects.select_related("county", "industry", "zone")
    rng = random.Random(SEED)
    ids = rng.sample(range(1, size + 1), min(size, QUERY_COUNT * 3))
    names = list(Enterprise.objects.filter(pk__in=ids).values_list("name", flat=True))
    rng.shuffle(names)
    queries = draw_queries(names, QUERY_COUNT, rng)
    short_queries = list(dict.fromkeys(q[: 1 + i % 2] for i, q in enumerate(queries)))
    short_queries = short_queries[:SHORT_QUERY_COUNT]
    scanned = set(queries[:: max(1, len(queries) // SCAN_QUERY_COUNT)][:SCAN_QUERY_COUNT])

    counted = Enterprise.objects.all()  # the selector counts without the joins
    cpu_clock = _cpu_clock(connection)

    def indexed(text):
        # As the directory page: the page planned for name order, the count for counting;
        # one request each (the page's plan is reused by its count, not by the next query).
        route_memo_clear()
        return _list_page(
            enterprise_name_search(base, text),
            enterprise_name_search(counted, text, for_count=True),
        )

    def scan(text):
        if connection.vendor != "postgresql":
            return _list_page(base.filter(name__contains=text))
        # PostgreSQL: the same icontains with the pg_trgm index out of reach (GIN serves
        # only bitmap scans), so a scan of names; its contains would be case-sensitive.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_bitmapscan = off")
            return _list_page(base.filter(name__icontains=text))

    log(f"bench: warming up ({size:,} rows) …")
    _list_page(base.filter(name__contains="warm-up"))
    for text in queries[:20]:
        indexed(text)

    busy = _wait_for_quiet(wait_quiet, log=log)
    log(f"bench: {len(queries)} queries × {REPEATS} through enterprise_name_search …")
    # Pass after pass over all queries, so that a burst of other load hits one repetition of
    # many queries (the per-query median drops it) rather than every repetition of one.
    times: dict[str, list[float]] = {text: [] for text in queries}
    cpu_times: dict[str, list[float]] = {text: [] for text in queries}
    hits: dict[str, int] = {}
    for _ in range(REPEATS):
        for text in queries:
            cpu_started = cpu_clock()
            seconds, (count, _) = _timed(indexed, text)
            cpu_times[text].append(cpu_clock() - cpu_started)
            times[text].append(seconds)
            hits[text] = count
    indexed_seconds = {text: statistics.median(values) for text, values in times.items()}
    # CPU time (this thread, plus the PostgreSQL backend's): the work itself, what other
    # processes on a shared machine inflate far less (wall-clock latency is what the goals
    # are about).
    cpu_by_query = {text: statistics.median(values) for text, values in cpu_times.items()}
    indexed_cpu = list(cpu_by_query.values())

    log(f"bench: {len(scanned)} of them once through a LIKE scan …")
    scan_seconds: dict[str, float] = {}
    mismatches = []
    for text in sorted(scanned, key=queries.index):
        seconds, scan_result = _timed(scan, text)
        scan_seconds[text] = seconds
        if indexed(text) != scan_result:
            mismatches.append(text)

    log(f"bench: {len(short_queries)} one- and two-character queries × {REPEATS} …")
    short_times: dict[str, list[float]] = {text: [] for text in short_queries}
    short_cpu_times: dict[str, list[float]] = {text: [] for text in short_queries}
    short_hits: dict[str, int] = {}
    for _ in range(REPEATS):
        for text in short_queries:
            cpu_started = cpu_clock()
            seconds, (count, _) = _timed(indexed, text)
            short_cpu_times[text].append(cpu_clock() - cpu_started)
            short_times[text].append(seconds)
            short_hits[text] = count
    short_seconds = {text: statistics.median(values) for text, values in short_times.items()}
    short_cpu = {text: statistics.median(values) for text, values in short_cpu_times.items()}
    short_scan_seconds = {}
    for text in short_queries:
        short_scan_seconds[text], scan_result = _timed(scan, text)
        if indexed(text) != scan_result:
            mismatches.append(text)
    short_p50 = _percentile(list(short_seconds.values()), 50)

    all_times = list(indexed_seconds.values())
    p50, p95 = _percentile(all_times, 50), _percentile(all_times, 95)
    indexed_on_scanned = statistics.median(indexed_seconds[t] for t in scan_seconds)
    scan_median = statistics.median(scan_seconds.values())
    ratio = scan_median / indexed_on_scanned
    hit_counts = sorted(hits.values())
    context = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "database": data["database"],
        "data": "built in {:.0f} s".format(data["build_seconds"]) if data["built"] else "reused",
        "work": (
            f"count() capped at {COUNT_LIMIT + 1:,} + first {PAGE_SIZE} rows ordered by name, "
            "county/industry/zone joined (the directory page's paginator)"
        ),
        "quick": size < FULL_SIZE,
        "cpu_busy_before_percent": round(busy * 100, 1),
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    connection.close()
    rows = _rows_of(**locals())
    if postgres_url:
        for row in rows:
            row["name"] += "_postgresql"
        long_row, short_row = rows
        long_row["goal"] = {"p99_ms_max": PG_P99_GOAL_MS, "same_rows_as_scan": True}
        long_row["passed"] = (
            (long_row["p99_ms"] <= PG_P99_GOAL_MS and not long_row["mismatches"])
            if size >= FULL_SIZE
            else None
        )
    return rows


def _rows_of(**v) -> list[dict]:
    """The two result rows from ``measure``'s measurements (its local variables)."""
    size, p50, p95, ratio, mismatches = v["size"], v["p50"], v["p95"], v["ratio"], v["mismatches"]
    short_seconds, short_scan_seconds = v["short_seconds"], v["short_scan_seconds"]
    short_p50, short_hits, context = v["short_p50"], v["short_hits"], v["context"]
    short_cpu = v["short_cpu"]
    all_times, indexed_cpu, queries, hits = (
        v["all_times"],
        v["indexed_cpu"],
        v["queries"],
        v["hits"],
    )
    scan_seconds, hit_counts = v["scan_seconds"], v["hit_counts"]
    indexed_seconds, cpu_by_query = v["indexed_seconds"], v["cpu_by_query"]
    scan_median, indexed_on_scanned = v["scan_median"], v["indexed_on_scanned"]
    return [
        {
            "name": "enterprise_name_search",
            "size": size,
            "seconds": round(p50, 6),
            "baseline": "like_scan",
            "baseline_seconds": round(scan_median, 6),
            "ratio": round(ratio, 1),
            "ratio_definition": RATIO_DEFINITION,
            "p50_ms": _ms(p50),
            "p95_ms": _ms(p95),
            "p99_ms": _ms(_percentile(all_times, 99)),
            "max_ms": _ms(max(all_times)),
            "p50_cpu_ms": _ms(_percentile(indexed_cpu, 50)),
            "p95_cpu_ms": _ms(_percentile(indexed_cpu, 95)),
            "p99_cpu_ms": _ms(_percentile(indexed_cpu, 99)),
            "cpu_definition": CPU_DEFINITION,
            "queries": len(queries),
            "query_lengths": "3–6 characters, each overlapping the name's brand",
            "repeats_per_query": REPEATS,
            "scanned_queries": len(scan_seconds),
            "indexed_median_ms_on_scanned_queries": _ms(indexed_on_scanned),
            "hits_min": hit_counts[0],
            "hits_median": hit_counts[len(hit_counts) // 2],
            "hits_p95": round(_percentile(hit_counts, 95)),
            "hits_max": hit_counts[-1],
            "sample_queries": {t: hits[t] for t in queries[:8]},
            "slowest_queries": {
                t: {"ms": _ms(indexed_seconds[t]), "cpu_ms": _ms(cpu_by_query[t]), "hits": hits[t]}
                for t in sorted(indexed_seconds, key=indexed_seconds.get, reverse=True)[:6]
            },
            "mismatches": mismatches,
            "goal": {"p50_ms_max": P50_GOAL_MS, "p95_ms_max": P95_GOAL_MS, "ratio_min": RATIO_GOAL},
            # The goals are set for 1,000,000 enterprises; a --quick run only checks the harness.
            "passed": (
                (
                    p50 * 1000 <= P50_GOAL_MS
                    and p95 * 1000 <= P95_GOAL_MS
                    and ratio >= RATIO_GOAL
                    and not mismatches
                )
                if size >= FULL_SIZE
                else None
            ),
            **context,
        },
        {
            "name": "enterprise_name_search_short",
            "size": size,
            "seconds": round(short_p50, 6),
            "baseline": "like_scan",
            "baseline_seconds": round(statistics.median(short_scan_seconds.values()), 6),
            "ratio": round(
                statistics.median(short_scan_seconds.values()) / short_p50,
                1,
            ),
            "ratio_definition": (
                "median LIKE scan seconds of the same 1–2 character queries divided by "
                "enterprise_name_search's median (gram posting list, or the scan when broad)"
            ),
            "p50_ms": _ms(short_p50),
            "p95_ms": _ms(_percentile(list(short_seconds.values()), 95)),
            "max_ms": _ms(max(short_seconds.values())),
            "p50_cpu_ms": _ms(_percentile(list(short_cpu.values()), 50)),
            "p95_cpu_ms": _ms(_percentile(list(short_cpu.values()), 95)),
            "cpu_definition": CPU_DEFINITION,
            "repeats_per_query": REPEATS,
            "queries": len(short_seconds),
            "query_lengths": "1–2 characters, the start of the 3–6 character fragments",
            "per_query_ms": {
                t: {
                    "ms": _ms(short_seconds[t]),
                    "cpu_ms": _ms(short_cpu[t]),
                    "scan_ms": _ms(short_scan_seconds[t]),
                    "hits": n,
                }
                for t, n in sorted(short_hits.items(), key=lambda item: item[1])
            },
            "mismatches": [t for t in mismatches if len(t) < 3],
            "goal": {"p50_ms_max": SHORT_P50_GOAL_MS, "same_rows_as_scan": True},
            "passed": not [t for t in mismatches if len(t) < 3]
            and (short_p50 * 1000 <= SHORT_P50_GOAL_MS if size >= FULL_SIZE else True),
            **context,
        },
    ]


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure in a child process (it sets Django up for the benchmark database)."""
    size = QUICK_SIZE if options.quick else FULL_SIZE
    command = [
        *(sys.executable, "-m", "bench.search_names"),
        *("--size", str(size), "--wait-quiet", str(options.wait_quiet)),
    ]
    runs = [command]
    postgres_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if postgres_available(postgres_url):
        runs.append([*command, "--postgres", postgres_url])
    else:
        log(f"bench: search_names: PostgreSQL at {postgres_url} unreachable; SQLite only")
    rows = []
    for argv in runs:
        completed = subprocess.run(
            argv, cwd=BASE_DIR, stdout=subprocess.PIPE, text=True, check=True
        )
        rows += json.loads(completed.stdout.strip().splitlines()[-1])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search_names", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", type=int, default=FULL_SIZE, help="number of enterprises")
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="wait up to this long for other processes to leave the CPUs idle",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="measure on this PostgreSQL database instead (created and filled if needed)",
    )
    args = parser.parse_args(argv)
    # Progress on stderr; stdout carries exactly one JSON line for the caller.
    rows = measure(
        args.size,
        wait_quiet=args.wait_quiet,
        log=lambda msg: print(msg, file=sys.stderr, flush=True),
        postgres_url=args.postgres,
    )
    print(json.dumps(rows, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
