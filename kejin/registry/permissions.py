"""Who may do what with the list (名单库): browse it, override it, start re-evaluations, edit
its stages' and labels' rules. The only place that decides it by role.

Predicates are ``registry_can_<verb>(*, user, obj=None) -> bool`` over the role facts of
``User``; ``obj`` is the enterprise acted on (None: "on any at all", for menus and buttons).
Rows are scoped by the enterprise-owned ``visible_to`` (``kejin.enterprises.querysets``).

Platform admins operate the platform: they see the list and start re-evaluation runs, but
overrides and the list's rules carry a department's authority and stay with the officers.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kejin.core.permissions import refusal, signed_in


def _in_county(user, enterprise) -> bool:
    return enterprise is not None and enterprise.county_id == user.county_id


@refusal(_("名单库仅向市、县(市、区)工作人员和平台管理员开放。"))
def registry_can_browse(*, user, obj=None) -> bool:
    """The list, its counts and export, overrides and re-evaluation runs: city and county
    officers and platform admins (county officers see their county's part)."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


@refusal(_("只有市级部门工作人员和企业所在县(市、区)的工作人员可以人工调整名单。"))
def registry_can_override(*, user, obj=None) -> bool:
    """Overrides are officers' decisions: city officers on any enterprise, county officers on
    their county's (``obj`` None: on some enterprise at all)."""
    if not signed_in(user):
        return False
    if user.is_city_officer:
        return True
    return user.is_county_officer and (obj is None or _in_county(user, obj))


@refusal(_("只有市级部门工作人员和平台管理员可以发起名单重新评价。"))
def registry_can_run(*, user, obj=None) -> bool:
    """Starting a re-evaluation of the whole list: city officers and platform admins."""
    return signed_in(user) and (user.is_city_officer or user.is_platform_admin)


@refusal(_("只有市级部门工作人员可以新建标签或修改成长阶段、标签的判定规则。"))
def registry_can_edit_rules(*, user, obj=None) -> bool:
    """Creating labels and changing stages' and labels' rules: city officers."""
    return signed_in(user) and user.is_city_officer


@refusal(_("名单库仅向市、县(市、区)工作人员和平台管理员开放。"))
def registry_can_read_rules(*, user, obj=None) -> bool:
    """Stages and labels with their rules: the list's own users (``registry_can_browse``).
    They are the list's working rules, not an enterprise's or an institution's business;
    their existence is no secret, so others get 403 like the rest of the list (not 404)."""
    return registry_can_browse(user=user)
