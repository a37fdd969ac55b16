"""Role-aware navigation: which menu entries a user gets.

An entry is shown exactly when the page behind it would let the user in: each asks the
predicate its page asks (``kejin.<app>.permissions``), so the menu cannot drift from the pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kejin.accounts.permissions import user_can_manage
from kejin.core.permissions import (
    audit_event_can_browse,
    holiday_schedule_can_view,
    signed_in,
)
from kejin.credit.permissions import (
    credit_batch_can_view,
    credit_category_can_view,
    credit_dispute_can_browse,
    report_request_can_browse,
    scorecard_can_view,
)
from kejin.enterprises.permissions import (
    enterprise_can_browse,
    enterprise_can_view_own,
    import_batch_can_create,
)
from kejin.financing.permissions import (
    demand_can_browse,
    lead_can_browse,
    loan_can_browse,
    monitoring_can_view,
    product_can_browse,
    product_can_review,
    products_for_me_can_view,
    scoreboard_can_view_own,
)
from kejin.institutions.permissions import institution_can_view
from kejin.policies.permissions import (
    application_can_browse,
    claim_can_browse,
    fund_can_browse,
    group_scheme_can_browse,
    insurance_can_browse,
    policy_can_subscribe,
)
from kejin.registry.permissions import registry_can_browse


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


#: The menu's groups in order: code -> label (a group of one entry shows as a plain link).
GROUPS = {
    "enterprises": _("企业与名单"),
    "credit": _("信用服务"),
    "financing": _("融资"),
    "policies": _("政策"),
    "system": _("系统"),
}

# Menu entries in order, each with its group and the predicate of the page it opens.
MENU = (
    (_("企业信息"), "enterprises:mine", enterprise_can_view_own, "enterprises"),
    (_("企业名录"), "enterprises:list", enterprise_can_browse, "enterprises"),
    (_("数据导入"), "imports:list", import_batch_can_create, "enterprises"),
    (_("名单库"), "registry:list", registry_can_browse, "enterprises"),
    (_("信用评分卡"), "credit:scorecard_list", scorecard_can_view, "credit"),
    (_("信用报告授权"), "credit:report_requests", report_request_can_browse, "credit"),
    (_("信用异议"), "credit:dispute_list", credit_dispute_can_browse, "credit"),
    (_("信用信息公示"), "credit:public_search", signed_in, "credit"),
    (_("信用数据报送"), "credit:ingest_home", credit_batch_can_view, "credit"),
    (_("信用数据目录"), "credit:catalogue_list", credit_category_can_view, "credit"),
    (_("金融机构"), "institutions:list", institution_can_view, "financing"),
    (_("金融产品"), "financing:product_list", product_can_browse, "financing"),
    (_("产品审核"), "financing:product_review_queue", product_can_review, "financing"),
    (_("适合我的产品"), "financing:products_for_me", products_for_me_can_view, "financing"),
    (_("企业线索"), "financing:lead_list", lead_can_browse, "financing"),
    (_("融资需求"), "financing:demand_list", demand_can_browse, "financing"),
    (_("贷款"), "financing:loan_list", loan_can_browse, "financing"),
    (_("流程监控"), "financing:monitoring", monitoring_can_view, "financing"),
    (_("服务记录"), "financing:my_scoreboard", scoreboard_can_view_own, "financing"),
    (_("政策"), "policies:policy_list", signed_in, "policies"),
    (_("适合我的政策"), "policies:for_me", policy_can_subscribe, "policies"),
    (_("政策订阅"), "policies:subscriptions", policy_can_subscribe, "policies"),
    (_("政策申报"), "policies:application_list", application_can_browse, "policies"),
    (_("科技保险"), "policies:insurance_policy_list", insurance_can_browse, "policies"),
    (_("政府统保"), "policies:insurance_scheme_list", group_scheme_can_browse, "policies"),
    (_("风险补偿资金池"), "policies:fund_list", fund_can_browse, "policies"),
    (_("风险补偿申请"), "policies:fund_claim_list", claim_can_browse, "policies"),
    (_("审计日志"), "core:audit_list", audit_event_can_browse, "system"),
    (_("节假日安排"), "core:holiday_schedule_list", holiday_schedule_can_view, "system"),
    (_("后台管理"), "admin:index", user_can_manage, "system"),
)


@dataclass(frozen=True)
class NavGroup:
    """A group of the menu as shown: its label and entries (one entry: a plain link)."""

    code: str
    label: str | Promise
    items: tuple[NavItem, ...]


def navigation_for(user) -> list[NavItem]:
    """The menu for ``user``; empty for anonymous visitors."""
    if user is None or not signed_in(user):
        return []
    items = [NavItem(_("首页"), "web:home")]
    items += [NavItem(label, url_name) for label, url_name, may, _group in MENU if may(user=user)]
    return items


def navigation_groups(items: list[NavItem]) -> list[NavGroup]:
    """A user's menu (``navigation_for``) grouped as shown: home first, then each group
    with entries, so an officer's two dozen pages fit a 1280-pixel bar."""
    allowed = {item.url_name for item in items}
    if not allowed:
        return []
    groups = [NavGroup("home", _("首页"), (NavItem(_("首页"), "web:home"),))]
    for code, label in GROUPS.items():
        entries = tuple(
            NavItem(entry_label, url_name)
            for entry_label, url_name, _may, group in MENU
            if group == code and url_name in allowed
        )
        if entries:
            groups.append(NavGroup(code, label, entries))
    return groups
