"""Benchmark data: a dedicated, migrated SQLite database of N enterprises, and an API user.

The database lives under ``var/bench/`` (never the development database) and is reused
while it still holds the requested data: a meta file beside it records the size and the
generator version, and the enterprise row count is checked against it. Otherwise it is
rebuilt from scratch (100,000 enterprises take well under a minute).

Run on its own to build or check a database; it prints one JSON line (what the benchmark
needs: database path, token, a random sample of enterprise ids)::

    .venv/bin/python -m bench.data --size 100000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = BASE_DIR / "var" / "bench"
FULL_SIZE = 100_000
# Bump when the generated rows change shape, so that stale databases are rebuilt.
GENERATOR_VERSION = 1
SEED = 20170707
BATCH_SIZE = 5_000
USERNAME = "bench_city_officer"
ID_SAMPLE_SIZE = 2_000

CITY = ("330400", "嘉兴市")
# The 7 counties of Jiaxing (GB/T 2260) with a rough weight of their share of tech enterprises.
COUNTIES = [
    ("330402", "南湖区", 16),
    ("330411", "秀洲区", 13),
    ("330421", "嘉善县", 13),
    ("330424", "海盐县", 10),
    ("330481", "海宁市", 17),
    ("330482", "平湖市", 13),
    ("330483", "桐乡市", 18),
]
# GB/T 4754-2017 divisions typical of tech enterprises, with their sections.
SECTIONS = {
    "C": "制造业",
    "I": "信息传输、软件和信息技术服务业",
    "M": "科学研究和技术服务业",
}
INDUSTRIES = [
    ("26", "化学原料和化学制品制造业", "C", "新材料"),
    ("27", "医药制造业", "C", "生物医药"),
    ("29", "橡胶和塑料制品业", "C", "新材料"),
    ("34", "通用设备制造业", "C", "机械"),
    ("35", "专用设备制造业", "C", "智能装备"),
    ("38", "电气机械和器材制造业", "C", "电气"),
    ("39", "计算机、通信和其他电子设备制造业", "C", "电子"),
    ("40", "仪器仪表制造业", "C", "仪器"),
    ("64", "互联网和相关服务", "I", "网络科技"),
    ("65", "软件和信息技术服务业", "I", "信息技术"),
    ("73", "研究和试验发展", "M", "研究院"),
    ("75", "科技推广和应用服务业", "M", "科技"),
]
_BRAND_CHARS = "嘉禾华鑫瑞恒泰宏昌盛达隆兴丰源宇辰星光明德信诚安康博新创智联科讯睿晟骏远航海川峰"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌浩宇晨"
_ROADS = ["中山路", "南湖路", "昌盛路", "亚太路", "由拳路", "文昌路", "科技大道", "创业路"]
_SIZES = [("micro", 35), ("small", 45), ("medium", 15), ("large", 5)]
_CAPITAL_WAN = [50, 100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000]
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def database_path(size: int) -> Path:
    """Where the database of ``size`` enterprises lives (the full-size one has the plain name)."""
    name = "enterprises.sqlite3" if size == FULL_SIZE else f"enterprises-{size}.sqlite3"
    return BENCH_VAR_DIR / name


def database_url(path: Path) -> str:
    return f"sqlite:///{path}"


def org_body(n: int) -> str:
    """A distinct 8-character organisation-code body for sequence number ``n`` ("MA" + base 31)."""
    digits = []
    for _ in range(6):
        n, r = divmod(n, len(_ORG_ALPHABET))
        digits.append(_ORG_ALPHABET[r])
    return "MA" + "".join(reversed(digits))


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    _meta_path(path).unlink(missing_ok=True)


def _setup_django(path: Path) -> None:
    """Point Django at the benchmark database (this process only) and set it up."""
    os.environ["DATABASE_URL"] = database_url(path)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("KEJIN_DEV", "1")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def _reference_rows():
    """The city, its counties and the industries, reusing rows the data migrations loaded."""
    from kejin.core.models import Industry, Region

    city, _ = Region.objects.get_or_create(
        code=CITY[0], defaults={"name": CITY[1], "level": "city"}
    )
    counties = []
    for code, name, weight in COUNTIES:
        county, _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": "county", "parent": city}
        )
        counties.append((county, weight))
    industries = []
    for code, name, section_code, trade in INDUSTRIES:
        section, _ = Industry.objects.get_or_create(
            code=section_code, defaults={"name": SECTIONS[section_code], "level": "section"}
        )
        industry, _ = Industry.objects.get_or_create(
            code=code, defaults={"name": name, "level": "division", "parent": section}
        )
        industries.append((industry, trade))
    return city, counties, industries


def _enterprise_rows(size: int, counties, industries):
    """Yield ``size`` unsaved Enterprise objects with realistic, reproducible values."""
    from kejin.core.uscc import uscc_build
    from kejin.enterprises.models import Enterprise

    rng = random.Random(SEED)
    county_choices = rng.choices(counties, weights=[w for _, w in counties], k=size)
    size_choices = rng.choices([s for s, _ in _SIZES], weights=[w for _, w in _SIZES], k=size)
    first_day = datetime.date(1995, 1, 1).toordinal()
    last_day = datetime.date(2024, 12, 31).toordinal()
    for n in range(size):
        county, _ = county_choices[n]
        industry, trade = industries[rng.randrange(len(industries))]
        place = county.name[:2]
        brand = rng.choice(_BRAND_CHARS) + rng.choice(_BRAND_CHARS)
        form = "股份有限公司" if rng.random() < 0.15 else "有限公司"
        yield Enterprise(
            uscc=uscc_build(region_code=county.code, org_body=org_body(n)),
            name=f"{place}{brand}{trade}{form}",
            county=county,
            industry=industry,
            founded_on=datetime.date.fromordinal(rng.randint(first_day, last_day)),
            size=size_choices[n],
            registered_capital=Decimal(rng.choice(_CAPITAL_WAN) * 10_000),
            legal_representative=rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            address=f"浙江省嘉兴市{county.name}{rng.choice(_ROADS)}{rng.randint(1, 2000)}号",
            contact_phone=f"0573-8{rng.randint(0, 9_999_999):07d}",
            business_scope=f"{industry.name}相关技术开发、技术服务、技术咨询。",
        )


def _insert_enterprises(size: int, counties, industries) -> None:
    from django.db import transaction

    from kejin.enterprises.models import Enterprise

    batch = []
    with transaction.atomic():
        for enterprise in _enterprise_rows(size, counties, industries):
            batch.append(enterprise)
            if len(batch) == BATCH_SIZE:
                Enterprise.objects.bulk_create(batch)
                batch = []
        if batch:
            Enterprise.objects.bulk_create(batch)


def _api_token(city) -> str:
    """A city officer (sees every enterprise) and their DRF token."""
    from rest_framework.authtoken.models import Token

    from kejin.accounts.models import User
    from kejin.core.models import Department

    department, _ = Department.objects.get_or_create(
        code="bench-city-kjj",
        defaults={"name": "嘉兴市科学技术局（基准测试）", "kind": "government", "region": city},
    )
    user, created = User.objects.get_or_create(
        username=USERNAME,
        defaults={"role": "city_officer", "department": department, "full_name": "基准测试"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def ensure_database(size: int, *, log=print) -> dict:
    """Build (or reuse) the database of ``size`` enterprises; return what a benchmark needs.

    Returns ``{"database", "size", "token", "ids", "built", "build_seconds"}`` where ``ids``
    is a random sample of enterprise ids.
    """
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
    # Always migrate: a no-op when up to date, and it brings a reused database up to date.
    # A reused database that new migrations cannot take (a data migration meeting rows we
    # made, say), or that holds another number of enterprises, is rebuilt from scratch.
    problem = None
    try:
        call_command("migrate", interactive=False, verbosity=0)
        if reusable and Enterprise.objects.count() != size:
            problem = "it holds a different number of enterprises"
    except Exception as error:  # noqa: BLE001 - any failure on a reused file means rebuild
        if not reusable:
            raise
        problem = f"migrating it failed ({type(error).__name__}: {error})"
    if problem:
        log(f"bench: rebuilding {path.relative_to(BASE_DIR)}: {problem}")
        connection.close()
        _remove_database(path)
        call_command("migrate", interactive=False, verbosity=0)
        reusable = False
    city, counties, industries = _reference_rows()
    built = False
    if not reusable:
        log(f"bench: generating {size:,} enterprises into {path.relative_to(BASE_DIR)} …")
        _insert_enterprises(size, counties, industries)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        meta_file.write_text(json.dumps(expected_meta))
        built = True
    token = _api_token(city)
    ids = list(Enterprise.objects.values_list("id", flat=True))
    sample = random.Random(SEED).sample(ids, min(ID_SAMPLE_SIZE, len(ids)))
    seconds = time.perf_counter() - started
    if built:
        log(f"bench: generated {size:,} enterprises in {seconds:.1f} s")
    connection.close()
    return {
        "database": str(path),
        "size": size,
        "token": token,
        "ids": sample,
        "built": built,
        "build_seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.data", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", type=int, default=FULL_SIZE, help="number of enterprises")
    args = parser.parse_args(argv)
    # Progress on stderr; stdout carries exactly one JSON line for the caller.
    result = ensure_database(args.size, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
