"""Who may do what in financing matchmaking: the only place in the app that decides by role.

Predicates are ``<entity>_can_<verb>(*, user, obj=None) -> bool``; ``obj`` is the object
acted on (None: "on any at all", for menus and buttons). Scopes (``<entity>_scope``) say
which rows a user may list: ``ALL``, ``NONE``, field values, or a ``Q`` where an institution
sees rows through more than one path. Which workflow move a user may make on a demand is
``kejin.financing.workflow`` (a table of state × action × actor), which asks
``demand_actor_kinds`` here who the user is to the demand.

- Products: published ones are public to every signed-in user; an institution's own users
  see and edit its products in any state; officers see all and city officers review them.
- Demands: the enterprise its own; an institution those routed to it, in the open pool,
  claimed by it or brought to it as guarantor; a county officer the county's; a city
  officer or platform admin all.
- Loans: the borrower, the lender, the guarantor, the county's officers, city officers.
- Leads: officers (county: their county's enterprises) and the institution pushed to.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.permissions import refusal, signed_in
from kejin.enterprises.permissions import ALL, NONE

#: Who a user is to a demand (``demand_actor_kinds``); the workflow table names these.
ENTERPRISE = "enterprise"  # a user of the demand's enterprise
ROUTED = "routed_institution"  # an institution the demand is routed to (or any, in the pool)
CLAIMANT = "claimant"  # the institution that claimed it
GUARANTOR = "guarantor"  # the guarantor institution brought in
OFFICER = "officer"  # an officer who sees the demand
SYSTEM = "system"  # the platform itself (deadline scan, routing on submission)


def _institution_user(user) -> bool:
    return signed_in(user) and user.is_institution_user and bool(user.institution_id)


# --- products ---------------------------------------------------------------------------------


def product_scope(*, user):
    """Which products ``user`` may list (see the module docstring)."""
    if not signed_in(user):
        return NONE
    if user.is_officer or user.is_platform_admin:
        return ALL
    if _institution_user(user):
        return Q(status="published") | Q(institution_id=user.institution_id)
    return {"status": "published"}


@refusal(_("只有金融机构用户可以发布产品。"))
def product_can_create(*, user, obj=None) -> bool:
    """Drafting a product: a user of an institution."""
    return _institution_user(user)


@refusal(_("只能修改本机构的产品。"))
def product_can_edit(*, user, obj=None) -> bool:
    """Editing, submitting and withdrawing product ``obj``: its institution's users."""
    return _institution_user(user) and (obj is None or obj.institution_id == user.institution_id)


@refusal(_("只有市级部门工作人员可以审核金融产品。"))
def product_can_review(*, user, obj=None) -> bool:
    """Approving or returning a submitted product version: city officers."""
    return signed_in(user) and user.is_city_officer


@refusal(_("只有政府工作人员和产品所属机构可以查看适配企业。"))
def product_can_find_enterprises(*, user, obj=None) -> bool:
    """ "Enterprises that fit this product" over the registry: officers, and the product's
    own institution."""
    if not signed_in(user):
        return False
    if user.is_officer or user.is_platform_admin:
        return True
    return _institution_user(user) and (obj is None or obj.institution_id == user.institution_id)


@refusal(_("只有政府工作人员可以向机构推送企业线索。"))
def lead_can_push(*, user, obj=None) -> bool:
    """Pushing enterprises that fit a product to its institution as leads: officers."""
    return signed_in(user) and user.is_officer


@refusal(_("只有线索所推送机构的用户可以跟进线索。"))
def lead_can_follow_up(*, user, obj=None) -> bool:
    """Marking lead ``obj`` contacted or declined: users of the institution it was pushed to."""
    return _institution_user(user) and (obj is None or obj.institution_id == user.institution_id)


@refusal(_("请先登录。"))
def product_can_browse(*, user, obj=None) -> bool:
    """The product list (published products for everyone signed in; see ``product_scope``)."""
    return signed_in(user)


@refusal(_("推送线索仅向金融机构用户和政府工作人员开放。"))
def lead_can_browse(*, user, obj=None) -> bool:
    """The leads list: the institutions' users (theirs) and officers (see ``lead_scope``)."""
    return signed_in(user) and (
        _institution_user(user) or user.is_officer or user.is_platform_admin
    )


@refusal(_("只有企业用户可以查看适合本企业的产品。"))
def products_for_me_can_view(*, user, obj=None) -> bool:
    """ "Products for me" (the products an enterprise is eligible for): its users."""
    return signed_in(user) and user.is_enterprise_user and bool(user.enterprise_id)


def lead_scope(*, user):
    """Which leads ``user`` may list (see the module docstring)."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"enterprise__county_id": user.county_id}
    if _institution_user(user):
        return {"institution_id": user.institution_id}
    return NONE


# --- demands ----------------------------------------------------------------------------------


def demand_scope(*, user):
    """Which demands ``user`` may list (see the module docstring)."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"county_id": user.county_id}
    if user.is_enterprise_user:
        return {"enterprise_id": user.enterprise_id}
    if _institution_user(user):
        institution = user.institution_id
        routes = apps.get_model("financing", "DemandRoute").objects.filter(
            institution_id=institution
        )
        return (
            Q(pk__in=routes.values("demand_id"))
            | Q(open_pool=True, status="routed")
            | Q(institution_id=institution)
            | Q(guarantor_id=institution)
        )
    return NONE


@refusal(_("只有企业用户可以发布融资需求。"))
def demand_can_create(*, user, obj=None) -> bool:
    """Posting a demand: a user of an enterprise (``obj``: the enterprise)."""
    if not (signed_in(user) and user.is_enterprise_user and user.enterprise_id):
        return False
    return obj is None or obj.pk == user.enterprise_id


@refusal(_("融资需求仅向企业、金融机构和政府工作人员开放。"))
def demand_can_browse(*, user, obj=None) -> bool:
    """The demand pages (each sees its own scope): enterprise and institution users,
    officers, platform admins."""
    return signed_in(user) and (
        user.is_enterprise_user
        or _institution_user(user)
        or user.is_officer
        or user.is_platform_admin
    )


def demand_actor_kinds(*, user, demand, routed_institution_ids=frozenset()) -> frozenset[str]:
    """Who ``user`` is to ``demand`` (several at once is possible: an officer is only ever
    OFFICER, an institution may be both routed and guarantor). ``routed_institution_ids``
    are the institutions the demand is routed to (the caller reads them once)."""
    if not signed_in(user):
        return frozenset()
    kinds: set[str] = set()
    if user.is_enterprise_user and user.enterprise_id == demand.enterprise_id:
        kinds.add(ENTERPRISE)
    if user.sees_whole_city or (user.is_county_officer and user.county_id == demand.county_id):
        kinds.add(OFFICER)
    if _institution_user(user):
        institution = user.institution_id
        if demand.institution_id == institution:
            kinds.add(CLAIMANT)
        if demand.guarantor_id == institution:
            kinds.add(GUARANTOR)
        if demand.open_pool or institution in routed_institution_ids:
            kinds.add(ROUTED)
    return frozenset(kinds)


# --- loans ------------------------------------------------------------------------------------


def loan_scope(*, user):
    """Which loans ``user`` may list (see the module docstring)."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"county_id": user.county_id}
    if user.is_enterprise_user:
        return {"enterprise_id": user.enterprise_id}
    if _institution_user(user):
        return Q(institution_id=user.institution_id) | Q(guarantor_id=user.institution_id)
    return NONE


@refusal(_("只有贷款机构可以更新贷款和还款信息。"))
def loan_can_update(*, user, obj=None) -> bool:
    """Recording repayments and status of loan ``obj``: the lending institution's users."""
    return _institution_user(user) and (obj is None or obj.institution_id == user.institution_id)


@refusal(_("贷款信息仅向借款企业、金融机构和政府工作人员开放。"))
def loan_can_browse(*, user, obj=None) -> bool:
    """The loans pages: enterprise users, institution users, officers and platform admins
    (each sees the loans of ``loan_scope``)."""
    if not signed_in(user):
        return False
    if user.is_officer or user.is_platform_admin or _institution_user(user):
        return True
    return user.is_enterprise_user and bool(user.enterprise_id)


@refusal(_("只有认领该需求的贷款机构可以登记放款。"))
def loan_can_create(*, user, obj=None) -> bool:
    """Turning demand ``obj`` into a loan when it is disbursed: the claiming institution's
    users."""
    return _institution_user(user) and (obj is None or obj.institution_id == user.institution_id)


def loan_import_batch_scope(*, user):
    """Which loan import batches ``user`` may list: their own institution's."""
    if _institution_user(user):
        return {"institution_id": user.institution_id}
    return NONE


# --- monitoring -------------------------------------------------------------------------------


@refusal(_("流程监控仅向政府工作人员开放。"))
def monitoring_can_view(*, user, obj=None) -> bool:
    """The funnel, step times, overdue list and every institution's scoreboard: officers
    (a county officer: the county's demands)."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


@refusal(_("只能查看本机构的服务记录。"))
def scoreboard_can_view(*, user, obj=None) -> bool:
    """One institution's scoreboard (``obj``): officers, and that institution's users."""
    if monitoring_can_view(user=user):
        return True
    return _institution_user(user) and (obj is None or obj.pk == user.institution_id)


@refusal(_("只有市级部门工作人员可以设置环节时限。"))
def step_deadline_can_edit(*, user, obj=None) -> bool:
    """Setting the working-day limits of the demand steps: city officers."""
    return signed_in(user) and user.is_city_officer


@refusal(_("只有金融机构用户可以查看本机构的服务记录。"))
def scoreboard_can_view_own(*, user, obj=None) -> bool:
    """ "My institution's service record" (the menu entry): users of an institution."""
    return _institution_user(user)
