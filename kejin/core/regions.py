"""The city this installation serves (``settings.KEJIN_CITY``) and its counties.

Counties are what the platform scopes and ranks by (county officers, county assessment);
functional zones roll up into the county they report under.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from kejin.core.choices import RegionLevel
from kejin.core.models import Region


def city_region() -> Region:
    """The Region whose code is ``settings.KEJIN_CITY``.

    Raises ImproperlyConfigured, saying what to do, when that region has not been loaded.
    """
    try:
        return Region.objects.get(code=settings.KEJIN_CITY)
    except Region.DoesNotExist:
        raise ImproperlyConfigured(
            f"KEJIN_CITY={settings.KEJIN_CITY} 不在区划数据中：请先运行 "
            f"`manage.py reference_load <区划文件>` 加载该市，或把 KEJIN_CITY 设为已加载的市级区划代码。"
        ) from None


def city_counties() -> QuerySet[Region]:
    """The configured city's counties (县/市/区, not zones), ordered by code."""
    return Region.objects.filter(
        parent__code=settings.KEJIN_CITY, level=RegionLevel.COUNTY
    ).order_by("code")


def county_for(region: Region | None) -> Region | None:
    """The county a region counts under: a zone → the county it reports to; a county → itself.

    Provinces and cities (and a zone missing its reports_to) have no single county: None.
    """
    if region is None:
        return None
    if region.level == RegionLevel.COUNTY:
        return region
    if region.level == RegionLevel.ZONE:
        return region.reports_to
    return None
