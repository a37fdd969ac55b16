"""Region demo data for ``manage.py demo_data``: Jiaxing's counties as the demo generators see them.

The regions themselves (the city, its seven counties, their functional zones) are the rows of
the reference-data migration (``kejin/core/reference/``), looked up by code and never created
or changed here; a missing one raises :class:`DemoReferenceMissing`. What this module adds is
demo colour per county (how local names begin, towns, roads, the county's share of the city's
tech enterprises and its local industry specialities), used by every app's demo builder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kejin.core.models import Region

CITY_CODE = "330400"


class DemoReferenceMissing(LookupError):
    """Reference rows the demo data needs are not in the database (migrations not run)."""


@dataclass(frozen=True)
class DemoCounty:
    """A county of Jiaxing as the demo generator sees it."""

    code: str
    name: str
    weight: float  # share of the city's tech enterprises
    places: tuple[str, ...]  # how local enterprise names begin
    towns: tuple[str, ...]
    roads: tuple[str, ...]
    specialities: dict[str, float]  # industry division → multiplier of its city-wide weight


def _table(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


# code | name | share | name beginnings | towns | roads | local specialities (division:multiplier)
COUNTIES: tuple[DemoCounty, ...] = tuple(
    DemoCounty(
        code=code,
        name=name,
        weight=float(weight),
        places=tuple(places.split()),
        towns=tuple(towns.split()),
        roads=tuple(roads.split()),
        specialities={k: float(v) for k, v in (item.split(":") for item in local.split())},
    )
    for code, name, weight, places, towns, roads, local in _table(
        """
330402 | 南湖区 | 0.17 | 嘉兴 嘉兴 嘉兴市 | 建设街道 新兴街道 解放街道 七星街道 大桥镇 凤桥镇 余新镇 新丰镇 | 亚太路 凌公塘路 由拳路 昌盛南路 中环南路 东升东路 三环东路 广益路 | 65:1.6 64:1.5 39:1.3 73:1.4
330411 | 秀洲区 | 0.12 | 嘉兴 嘉兴 嘉兴秀洲 | 新城街道 嘉北街道 王店镇 油车港镇 新塍镇 王江泾镇 洪合镇 | 洪兴路 康和路 新洲路 秀园路 八字路 加创路 桃园路 | 38:2.0 17:1.5 18:2.0
330421 | 嘉善县 | 0.12 | 嘉善 嘉善 嘉善县 | 罗星街道 惠民街道 魏塘街道 姚庄镇 西塘镇 天凝镇 干窑镇 大云镇 | 晋阳东路 东升路 归谷路 善通路 玉兰路 巍塘路 | 39:1.6 35:1.3
330424 | 海盐县 | 0.09 | 海盐 海盐 海盐县 | 武原街道 西塘桥街道 秦山街道 望海街道 沈荡镇 百步镇 于城镇 通元镇 | 盐北路 枣园路 海兴路 核电大道 新桥北路 长安北路 | 33:2.5 34:1.5 38:1.4
330481 | 海宁市 | 0.19 | 海宁 海宁 海宁市 | 海洲街道 海昌街道 马桥街道 许村镇 长安镇 斜桥镇 盐官镇 袁花镇 | 文苑路 芯中路 双联路 海昌路 谷水路 启潮路 长山路 | 19:4.0 17:2.0 39:1.4 38:1.3
330482 | 平湖市 | 0.13 | 平湖 平湖 平湖市 | 当湖街道 钟埭街道 曹桥街道 新埭镇 新仓镇 独山港镇 乍浦镇 林埭镇 | 新兴路 兴平路 胜利路 新明路 环城北路 平善大道 | 36:2.5 18:2.0 34:1.3
330483 | 桐乡市 | 0.18 | 桐乡 桐乡 桐乡市 | 梧桐街道 凤鸣街道 龙翔街道 高桥街道 濮院镇 崇福镇 洲泉镇 乌镇镇 | 庆丰路 振东路 发展大道 凤凰路 校场东路 复兴路 环城南路 | 28:4.0 30:3.0 17:2.0 64:1.3
"""
    )
)


def demo_regions() -> dict[str, Region]:
    """Jiaxing and its seven counties by code, from the reference data."""
    codes = [CITY_CODE, *(county.code for county in COUNTIES)]
    regions = {region.code: region for region in Region.objects.filter(code__in=codes)}
    require_reference(codes, regions, "区划")
    return regions


def require_reference(codes: list[str], found: Mapping[str, object], what: str) -> None:
    """Raise :class:`DemoReferenceMissing` naming the ``codes`` missing from ``found``."""
    missing = [code for code in codes if code not in found]
    if missing:
        raise DemoReferenceMissing(
            f"缺少参考数据（{what}代码 {'、'.join(missing)}）。"
            "请先运行 manage.py migrate 加载参考数据，再加载演示数据。"
        )
