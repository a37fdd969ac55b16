"""Seeded demo enterprises for ``manage.py demo_data``: realistic Jiaxing tech enterprises.

Demo data is written with bulk upserts keyed by USCC and is **not audited**: it stands for
records that exist before the platform does, not for changes anyone made. Every row still
passes ``full_clean()`` (valid USCC, choices, lengths), which the demo-data tests check.

Everything is derived from the caller's ``random.Random``: one number drawn from it seeds
each enterprise's own generator, so enterprise *i* is the same whatever ``count`` is (a run
with 200 enterprises gives the first 200 of a run with 2,000) and whether or not functional
zones exist.

Regions (the city, its seven counties, their functional zones) and GB/T 4754 divisions are
the rows of the reference-data migration (``kejin/core/reference/``), looked up by code and
never created or changed here; a missing one raises
:class:`kejin.core.demo.DemoReferenceMissing`. The counties' demo data (names, towns, roads,
shares) is the core's (:data:`kejin.core.demo.COUNTIES`), shared with the other apps' demos.
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from faker import Faker

from kejin.core.choices import RegionLevel
from kejin.core.demo import COUNTIES, DemoCounty, demo_regions, require_reference
from kejin.core.models import Industry, Region
from kejin.core.uscc import uscc_build
from kejin.enterprises.choices import EnterpriseSize
from kejin.enterprises.models import Enterprise

# --- reference rows ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDivision:
    """A GB/T 4754-2017 division the demo enterprises are drawn from."""

    code: str
    weight: float
    words: tuple[str, ...]  # industry words of enterprise names
    scope: str  # 经营范围


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _table(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


# Weighted towards manufacturing divisions sci-tech policies target, IT and sci-tech services.
# code | weight | GB/T 4754-2017 name (for the reader) | name words | business scope (经营范围)
DIVISIONS: tuple[DemoDivision, ...] = tuple(
    DemoDivision(code, float(weight), tuple(words.split()), scope)
    for code, weight, _name, words, scope in _table(
        """
17 | 2.0  | 纺织业 | 纺织科技 经编科技 新型纺织 | 功能性面料、产业用纺织品的研发、制造、销售；技术开发、技术咨询。
18 | 1.0  | 纺织服装、服饰业 | 服饰科技 时尚科技 | 服装、服饰的设计、制造、销售；纺织面料技术研发。
19 | 1.0  | 皮革、毛皮、羽毛及其制品和制鞋业 | 皮革科技 皮业 | 皮革制品、功能性皮革材料的研发、制造、销售。
26 | 6.0  | 化学原料和化学制品制造业 | 新材料 化工科技 精细化工 高分子材料 | 新型化工材料、精细化学品（不含危险化学品）的研发、制造、销售；技术开发、技术转让。
27 | 5.0  | 医药制造业 | 生物医药 药业 医药科技 生物科技 | 药品、医疗器械的研发、生产、销售；生物技术开发、技术咨询、技术转让。
28 | 1.5  | 化学纤维制造业 | 化纤 纤维科技 新材料 | 差别化化学纤维、功能性纤维的研发、制造、销售。
29 | 6.0  | 橡胶和塑料制品业 | 塑业 橡塑科技 高分子科技 新材料 | 工程塑料制品、橡胶制品、高分子复合材料的研发、制造、销售。
30 | 1.5  | 非金属矿物制品业 | 新型建材 复合材料 玻纤科技 | 玻璃纤维及制品、新型建筑材料、复合材料的研发、制造、销售。
33 | 2.5  | 金属制品业 | 紧固件 金属科技 五金科技 | 紧固件、金属结构件、精密五金件的研发、制造、销售。
34 | 10.0 | 通用设备制造业 | 精密机械 机械 机电 传动科技 动力科技 | 通用设备、精密零部件、液压及传动部件的研发、制造、销售；机电技术开发。
35 | 10.0 | 专用设备制造业 | 智能装备 装备科技 自动化设备 机器人 | 智能装备、工业机器人、专用设备的研发、制造、销售；自动化系统集成。
36 | 2.5  | 汽车制造业 | 汽车部件 汽配 汽车零部件 | 汽车零部件、新能源汽车零部件的研发、制造、销售。
38 | 9.0  | 电气机械和器材制造业 | 电气 新能源 光伏科技 储能科技 电器 | 光伏组件、储能设备、电气机械及器材的研发、制造、销售；新能源技术开发。
39 | 10.0 | 计算机、通信和其他电子设备制造业 | 电子科技 微电子 光电科技 半导体 通信技术 | 电子元器件、集成电路、通信设备、光电器件的研发、制造、销售。
40 | 5.0  | 仪器仪表制造业 | 仪器仪表 传感科技 检测设备 测控技术 | 工业自动化仪表、传感器、检测仪器的研发、制造、销售；技术服务。
63 | 2.0  | 电信、广播电视和卫星传输服务 | 通信技术 信息通信 | 第二类增值电信业务；通信工程技术服务；物联网技术服务。
64 | 4.0  | 互联网和相关服务 | 网络科技 互联网科技 数字科技 | 互联网信息服务；互联网数据服务；网络技术开发、技术咨询、技术服务。
65 | 9.0  | 软件和信息技术服务业 | 软件 信息技术 智能科技 数据科技 | 软件开发；信息系统集成服务；信息技术咨询服务；数据处理和存储支持服务。
73 | 4.0  | 研究和试验发展 | 科技研发 生物技术 技术研究院 | 自然科学研究和试验发展；工程和技术研究和试验发展；技术转让。
74 | 2.0  | 专业技术服务业 | 检测技术 工程技术 工业设计 | 检验检测服务；工程技术服务；工业设计服务。
75 | 5.0  | 科技推广和应用服务业 | 科技服务 技术转移 科技咨询 创新科技 | 技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；科技中介服务。
"""
    )
)


def demo_industries() -> dict[str, Industry]:
    """The GB/T 4754 divisions of :data:`DIVISIONS` by code, from the reference data."""
    codes = [division.code for division in DIVISIONS]
    industries = {
        industry.code: industry
        for industry in Industry.objects.filter(code__in=codes, level="division")
    }
    require_reference(codes, industries, "国民经济行业")
    return industries


def demo_zones(counties: dict[str, Region]) -> dict[str, list[Region]]:
    """The functional zones that exist, by the code of the county they report to (may be empty)."""
    zones: dict[str, list[Region]] = {code: [] for code in counties}
    for zone in (
        Region.objects.filter(level=RegionLevel.ZONE, reports_to__code__in=list(counties))
        .select_related("reports_to")
        .order_by("code")
    ):
        county = zone.reports_to
        if county is not None:  # always: the filter asks for a county
            zones[county.code].append(zone)
    return zones


# --- names and numbers -------------------------------------------------------------------

# Syllables of plausible two-character brands (字号). Combinations that are famous brands are
# left out, so that no demo enterprise looks like a real one.
BRAND_FIRST = tuple(
    "恒华瑞晟鼎博诺嘉禾宏锦汇卓睿腾昊凯迈信天长百金科海新永正万佳盛泰源远达力创亿联优东和旭富丰"
    "明康浩宇弘润安隆云启星辰"
)
BRAND_SECOND = tuple(
    "达泰源盛华瑞鑫通创力昌隆威安捷宇辰峰翔润欣鸿智川谷光航拓邦驰晨德福业宝朗维特泓嘉远舟"
)
FAMOUS_BRANDS = frozenset(
    _words(
        "海康 华润 正泰 万达 中通 国泰 长安 天安 平安 海信 金科 恒力 新华 华通 康达 鸿达 宇通 天宇 华德 明德 "
        "永安 泰康 安泰 力创 天合 华安 海安 盛泰 金达 宏达 昊华 科达 新安"
    )
)

FOUNDED_FIRST_YEAR = 1995
FOUNDED_LAST_YEAR = 2025
# New codes (赋码 since 2015) carry an organisation code beginning "MA"; older enterprises kept
# their old 8-digit organisation code inside the USCC.
_NEW_CODE_FROM_YEAR = 2016
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_NEW_BODY_SPACE = len(_ALPHABET) ** 5
_OLD_BODY_SPACE = 10**7

# Size distribution by age in years: (age below, [(size, weight), ...]).
_SIZE_BY_AGE = (
    (3, ((EnterpriseSize.MICRO, 75), (EnterpriseSize.SMALL, 25))),
    (8, ((EnterpriseSize.MICRO, 40), (EnterpriseSize.SMALL, 50), (EnterpriseSize.MEDIUM, 10))),
    (
        15,
        (
            (EnterpriseSize.MICRO, 15),
            (EnterpriseSize.SMALL, 55),
            (EnterpriseSize.MEDIUM, 25),
            (EnterpriseSize.LARGE, 5),
        ),
    ),
    (
        99,
        (
            (EnterpriseSize.MICRO, 5),
            (EnterpriseSize.SMALL, 45),
            (EnterpriseSize.MEDIUM, 38),
            (EnterpriseSize.LARGE, 12),
        ),
    ),
)
# Median registered capital in yuan by size; log-normal around it.
_CAPITAL_MEDIAN = {
    EnterpriseSize.MICRO: 500_000,
    EnterpriseSize.SMALL: 3_000_000,
    EnterpriseSize.MEDIUM: 20_000_000,
    EnterpriseSize.LARGE: 120_000_000,
}
CAPITAL_MIN = Decimal("100000")  # 10万元
CAPITAL_MAX = Decimal("500000000")  # 5亿元
_JOINT_STOCK_SHARE = {
    EnterpriseSize.MICRO: 0.02,
    EnterpriseSize.SMALL: 0.08,
    EnterpriseSize.MEDIUM: 0.35,
    EnterpriseSize.LARGE: 0.6,
}
_BIG = frozenset({EnterpriseSize.MEDIUM, EnterpriseSize.LARGE})  # may be named after the province
_MOBILE_PREFIXES = _words(
    "133 135 136 137 138 139 150 151 152 153 157 158 159 177 180 181 187 188 189 199"
)


def organisation_body(index: int, *, new_style: bool) -> str:
    """The distinct 8-character organisation-code body of demo enterprise ``index``.

    ``MA2`` + 5 characters for codes issued since 2015, ``7`` + 7 digits for older ones; each
    is a permutation of ``index`` (a multiplier coprime to the space), so bodies never repeat.
    """
    if new_style:
        n = (index * 7_368_787 + 104_729) % _NEW_BODY_SPACE
        chars = []
        for _ in range(5):
            n, r = divmod(n, len(_ALPHABET))
            chars.append(_ALPHABET[r])
        return "MA2" + "".join(reversed(chars))
    n = (index * 3_141_593 + 271_829) % _OLD_BODY_SPACE
    return f"7{n:07d}"


def _weighted(rnd: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rnd.choices(values, weights=weights)[0]


def _founded_on(rnd: random.Random) -> datetime.date:
    """1995–2025, more recent years more likely (about 9 % more enterprises each year)."""
    years = range(FOUNDED_FIRST_YEAR, FOUNDED_LAST_YEAR + 1)
    year = rnd.choices(years, weights=[1.09 ** (y - FOUNDED_FIRST_YEAR) for y in years])[0]
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rnd.randrange(365))


def _capital(rnd: random.Random, size: EnterpriseSize) -> Decimal:
    """Registered capital in yuan: log-normal by size, 10万–5亿, two significant figures of 万."""
    yuan = rnd.lognormvariate(math.log(_CAPITAL_MEDIAN[size]), 0.8)
    wan = max(10.0, min(50_000.0, yuan / 10_000))
    digits = int(math.floor(math.log10(wan))) - 1
    wan = round(wan / 10**digits) * 10**digits
    return min(CAPITAL_MAX, max(CAPITAL_MIN, Decimal(int(wan)) * 10_000))


def _phone(rnd: random.Random) -> str:
    if rnd.random() < 0.6:
        return f"0573-8{rnd.randrange(10**7):07d}"
    return rnd.choice(_MOBILE_PREFIXES) + f"{rnd.randrange(10**8):08d}"


def _address(rnd: random.Random, county: DemoCounty) -> str:
    number = rnd.randrange(1, 1999)
    building = f"{rnd.randrange(1, 12)}幢" if rnd.random() < 0.4 else ""
    return f"浙江省嘉兴市{county.name}{rnd.choice(county.towns)}{rnd.choice(county.roads)}{number}号{building}"


def _division_weights(county: DemoCounty) -> list[float]:
    local = county.specialities
    return [division.weight * local.get(division.code, 1.0) for division in DIVISIONS]


def build_enterprises(
    *,
    rng: random.Random,
    count: int,
    counties: dict[str, Region],
    industries: dict[str, Industry],
    zones: dict[str, list[Region]] | None = None,
) -> list[Enterprise]:
    """``count`` unsaved demo enterprises, deterministic for the state of ``rng``.

    Touches no database. The first enterprise is always in 南湖区 (the demo enterprise users'
    company). Names and USCCs are unique; each row is checked with ``clean_fields``.
    """
    zones = zones or {}
    base_seed = rng.getrandbits(64)
    fake = Faker("zh_CN")
    county_weights = [county.weight for county in COUNTIES]
    division_weights = {county.code: _division_weights(county) for county in COUNTIES}
    names: set[str] = set()
    enterprises = []
    for index in range(count):
        rnd = random.Random(f"{base_seed}:{index}")
        fake.seed_instance(rnd.getrandbits(32))
        county = COUNTIES[0] if index == 0 else rnd.choices(COUNTIES, weights=county_weights)[0]
        division = rnd.choices(DIVISIONS, weights=division_weights[county.code])[0]
        founded_on = _founded_on(rnd)
        age = FOUNDED_LAST_YEAR + 1 - founded_on.year
        size = _weighted(rnd, next(sizes for below, sizes in _SIZE_BY_AGE if age < below))
        capital = _capital(rnd, size)
        joint_stock = rnd.random() < _JOINT_STOCK_SHARE[size]
        # Drawn whether or not the county has zones, so the rest of the row does not depend on them.
        in_zone, zone_pick = rnd.random() < 0.3, rnd.random()
        county_zones = zones.get(county.code) or []
        zone = (
            county_zones[int(zone_pick * len(county_zones))] if in_zone and county_zones else None
        )

        suffix = "股份有限公司" if joint_stock else "有限公司"
        for attempt in itertools.count():
            place = "浙江" if size in _BIG and rnd.random() < 0.3 else rnd.choice(county.places)
            first, second = rnd.choice(BRAND_FIRST), rnd.choice(BRAND_SECOND)
            brand = first + second
            if first == second or brand in FAMOUS_BRANDS:
                continue
            if attempt >= 50:  # two-character brands crowded (very large runs): use three
                brand += rnd.choice(BRAND_SECOND)
            name = f"{place}{brand}{rnd.choice(division.words)}{suffix}"
            if name not in names:
                break
        names.add(name)

        body = organisation_body(index, new_style=founded_on.year >= _NEW_CODE_FROM_YEAR)
        enterprise = Enterprise(
            uscc=uscc_build(region_code=county.code, org_body=body),
            name=name,
            county=counties[county.code],
            zone=zone,
            industry=industries[division.code],
            founded_on=founded_on,
            size=size,
            registered_capital=capital,
            legal_representative=fake.name(),
            address=_address(rnd, county),
            contact_phone=_phone(rnd),
            business_scope=division.scope,
        )
        enterprise.clean_fields(exclude={"county", "zone", "industry"})
        enterprises.append(enterprise)
    return enterprises


_UPSERT_FIELDS = [
    "name",
    "county",
    "zone",
    "industry",
    "founded_on",
    "size",
    "registered_capital",
    "legal_representative",
    "address",
    "contact_phone",
    "business_scope",
]
BATCH_SIZE = 500


@transaction.atomic
def demo_enterprises(*, rng: random.Random, count: int = 2000) -> list[Enterprise]:
    """Create or update ``count`` demo enterprises across Jiaxing's seven counties.

    Upserts by USCC in batches, so running again with the same seed changes nothing and
    never duplicates. Returns the enterprises, saved, in generation order (the first is in
    南湖区). Not audited: see the module docstring.
    """
    regions = demo_regions()
    counties = {county.code: regions[county.code] for county in COUNTIES}
    enterprises = build_enterprises(
        rng=rng,
        count=count,
        counties=counties,
        industries=demo_industries(),
        zones=demo_zones(counties),
    )
    Enterprise.objects.bulk_create(
        enterprises,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["uscc"],
        update_fields=_UPSERT_FIELDS,
    )
    # Backends differ in whether an upsert reports primary keys; look them up once.
    pks: dict[str, int] = {}
    usccs = [enterprise.uscc for enterprise in enterprises]
    for start in range(0, len(usccs), BATCH_SIZE):
        pks.update(
            Enterprise.objects.filter(uscc__in=usccs[start : start + BATCH_SIZE]).values_list(
                "uscc", "pk"
            )
        )
    for enterprise in enterprises:
        enterprise.pk = pks[enterprise.uscc]
        enterprise._state.adding = False
    return enterprises
