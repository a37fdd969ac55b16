"""Seeded demo financial institutions for ``manage.py demo_data``.

Real-sounding Jiaxing banks and their tech sub-branches (科技支行), insurers, government
guarantee companies (the city's with at least 2 亿元 and one per county with at least
1 亿元 of registered capital, the action plan's targets), micro-loan companies, venture funds
of the Nanhu Fund Town (南湖基金小镇) and intermediaries. **These are demo records**: the
names follow local naming habits, but the codes, capital, addresses and telephone numbers are
made up and are not anyone's registration.

Written with bulk upserts keyed by USCC, parents before their branches, and **not audited**
(demo data stands for records that exist before the platform does). Every row passes
``full_clean()``. A USCC's organisation code is derived from the institution's name, so it
stays the same when rows are added to the table.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from kejin.core.demo import CITY_CODE, COUNTIES, demo_regions
from kejin.core.models import Region
from kejin.core.uscc import uscc_build
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.models import Institution

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_YI = 100_000_000  # 1 亿元
_WAN = 10_000  # 1 万元


@dataclass(frozen=True)
class DemoInstitution:
    """One row of the demo institution table."""

    name: str
    kind: str
    region_code: str
    capital_wan: int | None  # registered capital in 万元; None for branches
    parent: str | None = None  # the parent institution's name


_K = InstitutionKind
_BANKS = (
    ("中国工商银行股份有限公司嘉兴分行", "中国工商银行股份有限公司嘉兴科技支行", "330402"),
    ("中国农业银行股份有限公司嘉兴分行", "中国农业银行股份有限公司嘉兴科技支行", "330411"),
    ("中国银行股份有限公司嘉兴市分行", "中国银行股份有限公司嘉兴科技支行", "330402"),
    ("中国建设银行股份有限公司嘉兴分行", "中国建设银行股份有限公司嘉兴科技支行", "330402"),
    ("交通银行股份有限公司嘉兴分行", "交通银行股份有限公司嘉兴科技支行", "330411"),
    ("浙商银行股份有限公司嘉兴分行", "浙商银行股份有限公司嘉兴科技支行", "330402"),
    ("杭州银行股份有限公司嘉兴分行", "杭州银行股份有限公司嘉兴科技支行", "330402"),
)
# Local banks are legal persons with registered capital; their tech sub-branches sit in the county.
_LOCAL_BANKS = (
    ("嘉兴银行股份有限公司", 165_000, "嘉兴银行股份有限公司科技支行", "330402", CITY_CODE),
    ("浙江嘉兴农村商业银行股份有限公司", 120_000, "浙江嘉兴农村商业银行股份有限公司科技支行", "330411", CITY_CODE),
    ("浙江海宁农村商业银行股份有限公司", 100_000, "浙江海宁农村商业银行股份有限公司科技支行", "330481", "330481"),
    ("浙江桐乡农村商业银行股份有限公司", 90_000, "浙江桐乡农村商业银行股份有限公司科技支行", "330483", "330483"),
    ("浙江平湖农村商业银行股份有限公司", 70_000, "浙江平湖农村商业银行股份有限公司科技支行", "330482", "330482"),
)  # fmt: skip
_GUARANTEE_CAPITAL_WAN = {  # one government guarantee company per county, ≥ 1 亿元
    "330402": 10_000,
    "330411": 10_000,
    "330421": 12_000,
    "330424": 10_000,
    "330481": 20_000,
    "330482": 15_000,
    "330483": 15_000,
}
_COUNTY_NAMES = {county.code: county.name for county in COUNTIES}


def _guarantee_name(code: str) -> str:
    county = _COUNTY_NAMES[code]
    prefix = f"嘉兴市{county}" if county.endswith("区") else county
    return f"{prefix}融资担保有限公司"


INSTITUTIONS: tuple[DemoInstitution, ...] = (
    *(DemoInstitution(branch, _K.BANK_BRANCH, CITY_CODE, None) for branch, _, _ in _BANKS),
    *(DemoInstitution(tech, _K.TECH_SUB_BRANCH, code, None, parent=branch) for branch, tech, code in _BANKS),
    *(DemoInstitution(bank, _K.BANK_BRANCH, home, capital) for bank, capital, _, _, home in _LOCAL_BANKS),
    *(DemoInstitution(tech, _K.TECH_SUB_BRANCH, code, None, parent=bank) for bank, _, tech, code, _ in _LOCAL_BANKS),
    DemoInstitution("中国人民财产保险股份有限公司嘉兴市分公司", _K.INSURER, CITY_CODE, None),
    DemoInstitution("中国太平洋财产保险股份有限公司嘉兴中心支公司", _K.INSURER, CITY_CODE, None),
    DemoInstitution("中国平安财产保险股份有限公司嘉兴中心支公司", _K.INSURER, CITY_CODE, None),
    DemoInstitution("中华联合财产保险股份有限公司嘉兴中心支公司", _K.INSURER, CITY_CODE, None),
    DemoInstitution("嘉兴市融资担保有限公司", _K.GUARANTEE, CITY_CODE, 30_000),
    *(DemoInstitution(_guarantee_name(code), _K.GUARANTEE, code, capital) for code, capital in _GUARANTEE_CAPITAL_WAN.items()),
    DemoInstitution("嘉兴市科创融资担保有限公司", _K.GUARANTEE, "330402", 5_000),
    DemoInstitution("嘉兴市南湖区科技小额贷款股份有限公司", _K.MICRO_LOAN, "330402", 20_000),
    DemoInstitution("海宁市潮城科技小额贷款股份有限公司", _K.MICRO_LOAN, "330481", 30_000),
    DemoInstitution("桐乡市凤鸣小额贷款股份有限公司", _K.MICRO_LOAN, "330483", 20_000),
    DemoInstitution("嘉善县善农小额贷款股份有限公司", _K.MICRO_LOAN, "330421", 15_000),
    DemoInstitution("嘉兴市科技创业投资有限公司", _K.VENTURE_FUND, "330402", 50_000),
    DemoInstitution("嘉兴南湖基金小镇科创股权投资合伙企业（有限合伙）", _K.VENTURE_FUND, "330402", 100_000),
    DemoInstitution("嘉兴南湖天使创业投资合伙企业（有限合伙）", _K.VENTURE_FUND, "330402", 20_000),
    DemoInstitution("嘉兴禾创产业投资基金合伙企业（有限合伙）", _K.VENTURE_FUND, "330402", 300_000),
    DemoInstitution("嘉兴南湖知识产权代理有限公司", _K.INTERMEDIARY, "330402", 100),
    DemoInstitution("嘉兴华诚资产评估有限公司", _K.INTERMEDIARY, "330411", 200),
    DemoInstitution("嘉兴禾信会计师事务所（普通合伙）", _K.INTERMEDIARY, "330402", 300),
    DemoInstitution("嘉兴市科技金融服务中心有限公司", _K.INTERMEDIARY, CITY_CODE, 1_000),
    DemoInstitution("浙江禾城企业征信服务有限公司", _K.CREDIT_AGENCY, CITY_CODE, 5_000),
)  # fmt: skip

_CITY_ADDRESS: tuple[str, tuple[str, ...]] = (
    "南湖区",
    ("中环东路", "广益路", "庆丰路", "昌盛南路", "凌公塘路", "富兴路"),
)


def organisation_body_for(name: str) -> str:
    """A stable 8-character organisation-code body derived from an institution's name."""
    n = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    chars = []
    for _ in range(8):
        n, r = divmod(n, len(_ALPHABET))
        chars.append(_ALPHABET[r])
    return "".join(chars)


def _address(rnd: random.Random, region_code: str) -> str:
    county = next((c for c in COUNTIES if c.code == region_code), None)
    if county is None:
        county_name, roads = _CITY_ADDRESS
    else:
        county_name, roads = county.name, county.roads
    return f"浙江省嘉兴市{county_name}{rnd.choice(roads)}{rnd.randrange(1, 999)}号"


def build_institutions(
    *, rng: random.Random, regions: dict[str, Region]
) -> list[tuple[Institution, str | None]]:
    """The demo institutions, unsaved, each with the name of its parent (or None). No database."""
    rnd = random.Random(rng.getrandbits(64))
    rows = []
    for row in INSTITUTIONS:
        institution = Institution(
            uscc=uscc_build(region_code=row.region_code, org_body=organisation_body_for(row.name)),
            name=row.name,
            kind=row.kind,
            county=regions[row.region_code],
            registered_capital=None if row.capital_wan is None else Decimal(row.capital_wan * _WAN),
            address=_address(rnd, row.region_code),
            contact_phone=f"0573-8{rnd.randrange(10**7):07d}",
        )
        institution.clean_fields(exclude={"county", "parent"})
        rows.append((institution, row.parent))
    usccs = {institution.uscc for institution, _ in rows}
    if len(usccs) != len(rows):  # a hash collision: rename the new row
        raise ValueError("Two demo institutions have the same USCC; change one of their names.")
    return rows


_UPSERT_FIELDS = [
    "name",
    "kind",
    "parent",
    "county",
    "registered_capital",
    "address",
    "contact_phone",
]


@transaction.atomic
def demo_institutions(*, rng: random.Random) -> list[Institution]:
    """Create or update the demo institutions (every kind); returns them saved, in table order.

    Upserts by USCC, heads before branches so that ``parent`` can be set; running again
    changes nothing and never duplicates. Not audited: see the module docstring.
    """
    rows = build_institutions(rng=rng, regions=demo_regions())
    saved: dict[str, Institution] = {}
    pending = rows
    while pending:
        ready = [(i, parent) for i, parent in pending if parent is None or parent in saved]
        if not ready:
            raise ValueError("Demo institutions name a parent that is not in the table.")
        for institution, parent in ready:
            institution.parent = saved[parent] if parent else None
        batch = [institution for institution, _ in ready]
        Institution.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["uscc"], update_fields=_UPSERT_FIELDS
        )
        pks = dict(
            Institution.objects.filter(uscc__in=[i.uscc for i in batch]).values_list("uscc", "pk")
        )
        for institution in batch:
            institution.pk = pks[institution.uscc]
            institution._state.adding = False
            saved[institution.name] = institution
        pending = [(i, parent) for i, parent in pending if i.name not in saved]
    return [institution for institution, _ in rows]
