"""Role-aware navigation: which menu entries a user gets."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def navigation_for(user) -> list[NavItem]:
    """The menu for ``user``; empty for anonymous visitors."""
    if user is None or not user.is_authenticated:
        return []
    items = [NavItem(_("首页"), "web:home")]
    if user.is_enterprise_user:
        items.append(NavItem(_("企业信息"), "enterprises:mine"))
    if user.sees_whole_city or user.is_county_officer:
        items.append(NavItem(_("企业名录"), "enterprises:list"))
        items.append(NavItem(_("数据导入"), "imports:list"))
    if user.is_officer or user.is_platform_admin:
        items.append(NavItem(_("名单库"), "listing:list"))
    items.append(NavItem(_("金融机构"), "institutions:list"))
    if user.sees_whole_city:
        items.append(NavItem(_("审计日志"), "core:audit_list"))
    if user.is_officer or user.is_platform_admin:
        items.append(NavItem(_("节假日安排"), "core:holiday_schedule_list"))
    if user.is_platform_admin:
        items.append(NavItem(_("后台管理"), "admin:index"))
    return items
