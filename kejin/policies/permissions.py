"""Who may do what with policies: the only place in the app that decides by role.

Predicates are ``<entity>_can_<verb>(*, user, obj=None) -> bool`` (``obj`` None: "on any at
all", for menus and buttons); scopes (``<entity>_scope``) say which rows a user may list:
``ALL``, ``NONE``, field values, or a ``Q``.

- Policies: published and expired ones are public (visitors included: the public list and
  search); drafts are the officers'. City officers draft, edit, simulate and publish any
  policy; a county officer those of their county (``Policy.region``).
- Applications: the enterprise its own; county officers their county's enterprises'; city
  officers all. Officers of the policy's region decide (a city policy: city officers and the
  applicant's county officers).
- Tech insurance: an insurer records and sees its own policies; the enterprise sees its own;
  officers see their scope. Group schemes: officers define; the insurer confirms.
- Risk compensation: tech sub-branches (and banks enrolled in a fund) claim for their own
  defaulted loans and see their own claims; officers review (county officers: their
  county's borrowers); city officers record contributions and see every ledger.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.permissions import refusal, signed_in
from kejin.enterprises.permissions import ALL, NONE

#: Institution kinds that write tech insurance (科技保险) and claim risk compensation.
INSURER_KINDS = frozenset({"insurer"})
LENDER_KINDS = frozenset({"tech_sub_branch", "bank_branch", "micro_loan"})


def _institution_kind(user) -> str:
    institution = getattr(user, "institution", None) if signed_in(user) else None
    return getattr(institution, "kind", "") if institution is not None else ""


def _institution_user(user) -> bool:
    return signed_in(user) and user.is_institution_user and bool(user.institution_id)


def is_insurer(user) -> bool:
    """A user of an insurance institution."""
    return _institution_user(user) and _institution_kind(user) in INSURER_KINDS


def is_lender(user) -> bool:
    """A user of a lending institution (tech sub-branch, bank branch, micro-lender)."""
    return _institution_user(user) and _institution_kind(user) in LENDER_KINDS


# --- policies ---------------------------------------------------------------------------------


def policy_scope(*, user):
    """Which policies ``user`` may list (see the module docstring)."""
    if signed_in(user) and (user.is_officer or user.is_platform_admin):
        return ALL
    return Q(status__in=["published", "expired"])


@refusal(_("只有政府部门工作人员可以起草和管理政策。"))
def policy_can_manage(*, user, obj=None) -> bool:
    """Drafting, editing, simulating, publishing and expiring policy ``obj``: city officers
    any, county officers their county's (``obj.region``)."""
    if not signed_in(user):
        return False
    if user.is_city_officer:
        return True
    if user.is_county_officer:
        return obj is None or obj.region_id == user.county_id
    return False


@refusal(_("只有政府部门工作人员可以查看符合条件的企业。"))
def policy_can_find_enterprises(*, user, obj=None) -> bool:
    """ "Enterprises that qualify" and its export: officers (county officers see their
    county's enterprises only, through the enterprise scope)."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


@refusal(_("只有企业用户可以订阅政策和申报政策。"))
def policy_can_subscribe(*, user, obj=None) -> bool:
    """Subscribing to categories and "policies for me": enterprise users."""
    return signed_in(user) and user.is_enterprise_user and bool(user.enterprise_id)


# --- applications ------------------------------------------------------------------------------


def application_scope(*, user):
    """Which applications ``user`` may list, as field values on the application."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"enterprise__county_id": user.county_id}
    if user.is_enterprise_user and user.enterprise_id:
        return {"enterprise_id": user.enterprise_id}
    return NONE


@refusal(_("只有企业用户可以申报政策。"))
def application_can_submit(*, user, obj=None) -> bool:
    """Applying (and withdrawing, resubmitting) for one's own enterprise."""
    if not (signed_in(user) and user.is_enterprise_user and user.enterprise_id):
        return False
    return obj is None or obj.enterprise_id == user.enterprise_id


@refusal(_("只有政策所属地区的政府部门工作人员可以审核申报。"))
def application_can_decide(*, user, obj=None) -> bool:
    """Accepting, returning, rejecting, approving and recording payouts: city officers any;
    county officers their county's enterprises' applications to city or own-county policies."""
    if not signed_in(user):
        return False
    if user.is_city_officer:
        return True
    if not user.is_county_officer:
        return False
    if obj is None:
        return True
    region = obj.policy.region_id
    return obj.enterprise.county_id == user.county_id and region in (None, user.county_id)


# --- tech insurance ------------------------------------------------------------------------------


def insurance_scope(*, user):
    """Which insurance policies ``user`` may list."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"enterprise__county_id": user.county_id}
    if is_insurer(user):
        return {"insurer_id": user.institution_id}
    if user.is_enterprise_user and user.enterprise_id:
        return {"enterprise_id": user.enterprise_id}
    return NONE


@refusal(_("只有保险机构用户可以录入科技保险保单。"))
def insurance_can_record(*, user, obj=None) -> bool:
    """Recording (and correcting) a tech-insurance policy: its insurer's users."""
    return is_insurer(user) and (obj is None or obj.insurer_id == user.institution_id)


@refusal(_("只有市级部门工作人员可以设立统保方案。"))
def group_scheme_can_manage(*, user, obj=None) -> bool:
    """Defining a group scheme and listing its insured: city officers."""
    return signed_in(user) and user.is_city_officer


@refusal(_("只有承保机构可以确认统保承保。"))
def group_scheme_can_confirm(*, user, obj=None) -> bool:
    """Confirming cover: the scheme's insurer's users."""
    return is_insurer(user) and (obj is None or obj.insurer_id == user.institution_id)


def group_scheme_scope(*, user):
    """Which group schemes ``user`` may list: officers all, an insurer its own."""
    if not signed_in(user):
        return NONE
    if user.is_officer or user.is_platform_admin:
        return ALL
    if is_insurer(user):
        return {"insurer_id": user.institution_id}
    return NONE


# --- risk compensation fund ------------------------------------------------------------------------


def fund_scope(*, user):
    """Which funds ``user`` may see: officers and lenders all (the rules are public to the
    partners); the ledger's detail is the officers' (``fund_can_see_ledger``)."""
    if signed_in(user) and (user.is_officer or user.is_platform_admin or is_lender(user)):
        return ALL
    return NONE


@refusal(_("只有政府部门工作人员可以查看资金池流水。"))
def fund_can_see_ledger(*, user, obj=None) -> bool:
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


@refusal(_("只有市级部门工作人员可以登记资金池注资。"))
def fund_can_contribute(*, user, obj=None) -> bool:
    """Recording contributions (city and county budgets, institutions): city officers."""
    return signed_in(user) and user.is_city_officer


def claim_scope(*, user):
    """Which compensation claims ``user`` may list."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"enterprise__county_id": user.county_id}
    if is_lender(user):
        return {"institution_id": user.institution_id}
    return NONE


@refusal(_("只有合作银行可以为本机构的不良贷款申请风险补偿。"))
def claim_can_submit(*, user, obj=None) -> bool:
    """Claiming compensation for a loan (``obj``: the loan): its lender's users."""
    return is_lender(user) and (obj is None or obj.institution_id == user.institution_id)


@refusal(_("只有政府部门工作人员可以审核风险补偿申请。"))
def claim_can_decide(*, user, obj=None) -> bool:
    """Approving (and paying out), returning and rejecting a claim: city officers any,
    county officers their county's borrowers'."""
    if not signed_in(user):
        return False
    if user.is_city_officer:
        return True
    return user.is_county_officer and (obj is None or obj.enterprise.county_id == user.county_id)


# --- the pages' doors (menu entries ask these, so the menu cannot drift from the pages) ---------


@refusal(_("政策申报仅向企业用户和政府部门工作人员开放。"))
def application_can_browse(*, user, obj=None) -> bool:
    """The applications pages: enterprise users (their own), officers and platform admins."""
    return application_scope(user=user) != NONE


@refusal(_("您无权查看科技保险信息。"))
def insurance_can_browse(*, user, obj=None) -> bool:
    """The tech-insurance pages: insurers, enterprise users, officers, platform admins."""
    return insurance_scope(user=user) != NONE


@refusal(_("统保方案仅向政府部门工作人员和保险机构开放。"))
def group_scheme_can_browse(*, user, obj=None) -> bool:
    """The group-cover pages: officers, platform admins and insurers."""
    return group_scheme_scope(user=user) != NONE


@refusal(_("风险补偿资金池仅向政府部门工作人员和合作银行开放。"))
def fund_can_browse(*, user, obj=None) -> bool:
    """The fund pages: officers, platform admins and lenders."""
    return fund_scope(user=user) != NONE


@refusal(_("风险补偿申请仅向政府部门工作人员和合作银行开放。"))
def claim_can_browse(*, user, obj=None) -> bool:
    """The claims pages: officers, platform admins and lenders (their own claims)."""
    return claim_scope(user=user) != NONE
