"""Who may do what with credit information: the only place in the credit app that decides it
by role.

Predicates are ``<entity>_can_<verb>(*, user, obj=None) -> bool`` over the role facts of
``User``; ``obj`` is the object acted on (None: "on any at all", for menus and buttons).

- The data catalogue (categories and their fields) is readable by every signed-in user and
  kept by city officers (officers add categories and fields without code).
- A data-provider department delivers the categories whose source department is its own,
  and sees those records and batches; city officers and platform admins see every batch.
- Credit records are sensitive. ``credit_record_scope`` says which rows a user may list: an
  enterprise its own, a county officer its county's, a city officer or platform admin all, a
  data provider its department's categories. Institutions see none here: they read records
  only inside a report the enterprise authorised, through the report access function.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kejin.core.permissions import refusal, signed_in
from kejin.enterprises.permissions import ALL, NONE, enterprise_scope, in_scope


@refusal(_("请先登录。"))
def credit_category_can_view(*, user, obj=None) -> bool:
    """The catalogue of record categories: every signed-in user (it says what is collected)."""
    return signed_in(user)


@refusal(_("只有市级部门工作人员可以维护信用数据目录。"))
def credit_category_can_edit(*, user, obj=None) -> bool:
    """Adding and changing categories and their fields: city officers."""
    return signed_in(user) and user.is_city_officer


@refusal(_("只有该类数据的来源部门可以报送数据。"))
def credit_batch_can_create(*, user, obj=None) -> bool:
    """Delivering a batch of category ``obj``: a data provider of its source department
    (``obj`` None: a data provider at all)."""
    if not (signed_in(user) and user.is_data_provider and user.department_id):
        return False
    return obj is None or obj.department_id == user.department_id


def credit_batch_scope(*, user) -> str | dict:
    """Which batches ``user`` may see: all for city officers and platform admins, its own
    department's for a data provider, none for anyone else."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_data_provider and user.department_id:
        return {"department_id": user.department_id}
    return NONE


def credit_record_scope(*, user) -> str | dict:
    """Which credit records ``user`` may list (see the module docstring)."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"enterprise__county_id": user.county_id}
    if user.is_enterprise_user:
        return {"enterprise_id": user.enterprise_id}
    if user.is_data_provider and user.department_id:
        return {"category__department_id": user.department_id}
    return NONE


# --- scoring ---


@refusal(_("信用档案仅向企业本身和政府工作人员开放。"))
def credit_profile_can_view(*, user, obj=None) -> bool:
    """An enterprise's credit profile (records by category, indicators, score, history):
    the enterprise itself and officers (``obj``: the enterprise; None: any at all) — the
    enterprises ``user`` may see (``enterprise_scope``; institutions and data providers see
    none: they read consented reports)."""
    return in_scope(enterprise_scope(user=user), obj)


@refusal(_("评分卡仅向市、县(市、区)工作人员和平台管理员开放。"))
def scorecard_can_view(*, user, obj=None) -> bool:
    """Scorecard versions, their points, metrics, previews and monitoring: officers and
    platform admins."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


@refusal(_("只有市级部门工作人员可以修改、训练和启用评分卡。"))
def scorecard_can_edit(*, user, obj=None) -> bool:
    """Drafting a version (edited points, a trained scorecard) and activating one: city
    officers (the scorecard carries the department's authority, as the list's rules do)."""
    return signed_in(user) and user.is_city_officer


# --- disputes ---
#
# An enterprise's admin disputes its own current records, withdraws an open dispute and
# answers an upheld one; every user of the enterprise sees its disputes. The record's source
# department (its data providers) sees and resolves the disputes about its records. Officers
# see the disputes in their scope and the overdue ones; platform admins see all and resolve
# none (the decision carries the department's authority).


def credit_dispute_scope(*, user) -> str | dict:
    """Which disputes ``user`` may see: its enterprise's, its department's (data provider),
    its county's (county officer), all (city officers, platform admins)."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"enterprise__county_id": user.county_id}
    if user.is_enterprise_user and user.enterprise_id:
        return {"enterprise_id": user.enterprise_id}
    if user.is_data_provider and user.department_id:
        return {"department_id": user.department_id}
    return NONE


@refusal(_("只有企业用户、数据源部门、市县工作人员和平台管理员可以查看信用异议。"))
def credit_dispute_can_browse(*, user, obj=None) -> bool:
    """The dispute list: whoever has a dispute scope."""
    return credit_dispute_scope(user=user) != NONE


@refusal(_("只有企业管理员可以对本企业的信用记录提出异议。"))
def credit_dispute_can_open(*, user, obj=None) -> bool:
    """Disputing record ``obj``: the admin of the enterprise the record is about."""
    if not (signed_in(user) and user.is_enterprise_admin and user.enterprise_id):
        return False
    return obj is None or obj.enterprise_id == user.enterprise_id


@refusal(_("只有该记录的来源部门可以处理异议。"))
def credit_dispute_can_resolve(*, user, obj=None) -> bool:
    """Correcting, removing or upholding the record of dispute ``obj``: a data provider of
    the dispute's department."""
    if not (signed_in(user) and user.is_data_provider and user.department_id):
        return False
    return obj is None or obj.department_id == user.department_id


@refusal(_("只有企业管理员可以答复或撤回本企业的异议。"))
def credit_dispute_can_answer(*, user, obj=None) -> bool:
    """Answering an upheld dispute ``obj`` or withdrawing an open one: the admin of its
    enterprise."""
    if not (signed_in(user) and user.is_enterprise_admin and user.enterprise_id):
        return False
    return obj is None or obj.enterprise_id == user.enterprise_id


@refusal(_("只有市、县(市、区)工作人员和平台管理员可以查看逾期异议。"))
def credit_dispute_can_view_overdue(*, user, obj=None) -> bool:
    """The overdue disputes: city officers and platform admins (all), county officers (their
    county)."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


@refusal(_("只有该记录的来源部门可以更正或删除记录。"))
def credit_record_can_correct(*, user, obj=None) -> bool:
    """A new version of record ``obj``, or its removal: a data provider of the record's
    category's department."""
    if not (signed_in(user) and user.is_data_provider and user.department_id):
        return False
    return obj is None or obj.category.department_id == user.department_id


# --- reports ---
# Consented reports (信用报告): an institution (a licensed credit agency is an institution of
# kind 征信机构) asks an enterprise for a report; the enterprise's administrator grants or
# refuses, and may revoke a grant; with a valid grant the institution reads the report, only
# through ``kejin.credit.reports.credit_report_for``, which logs every read. Requests and the
# read log are seen by the two parties (the enterprise's administrator, the institution's
# users) and, for oversight, by city officers and platform admins.


def report_request_scope(*, user) -> str | dict:
    """Which report requests (and reads) ``user`` may see (see above)."""
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_enterprise_admin and user.enterprise_id:
        return {"enterprise_id": user.enterprise_id}
    if user.is_institution_user and user.institution_id:
        return {"institution_id": user.institution_id}
    return NONE


@refusal(_("信用报告查询授权仅向企业管理员、金融机构和市级部门工作人员开放。"))
def report_request_can_browse(*, user, obj=None) -> bool:
    """The list of report requests (and, with ``obj``, one request): its parties and city
    officers / platform admins."""
    scope = report_request_scope(user=user)
    if scope == NONE:
        return False
    if isinstance(scope, str) or obj is None:  # ALL
        return True
    return all(getattr(obj, name) == value for name, value in scope.items())


@refusal(_("只有金融机构（含征信机构）的工作人员可以申请查询企业信用报告。"))
def report_request_can_create(*, user, obj=None) -> bool:
    """Asking an enterprise (``obj``) for a report: institution managers and officers."""
    return signed_in(user) and user.is_institution_user and bool(user.institution_id)


@refusal(_("只有被查询企业的企业管理员可以授权或拒绝查询申请。"))
def report_request_can_decide(*, user, obj=None) -> bool:
    """Granting or refusing request ``obj`` (None: any): the enterprise's administrator."""
    if not (signed_in(user) and user.is_enterprise_admin and user.enterprise_id):
        return False
    return obj is None or obj.enterprise_id == user.enterprise_id


@refusal(_("只有被查询企业的企业管理员可以撤销授权。"))
def report_grant_can_revoke(*, user, obj=None) -> bool:
    """Revoking the grant of request ``obj``: the enterprise's administrator."""
    return report_request_can_decide(user=user, obj=obj)


@refusal(_("只有提出申请的金融机构可以查阅该信用报告。"))
def report_can_read(*, user, obj=None) -> bool:
    """Reading the report of request ``obj`` (validity of the grant aside): users of the
    requesting institution. The access function also requires a valid grant (else 404)."""
    if not (signed_in(user) and user.is_institution_user and user.institution_id):
        return False
    return obj is None or obj.institution_id == user.institution_id


@refusal(_("信用报告查询记录仅向企业管理员、金融机构和市级部门工作人员开放。"))
def report_read_can_browse(*, user, obj=None) -> bool:
    """The read log: the enterprise's administrator (who read its reports), an institution's
    users (its own reads), city officers and platform admins."""
    return report_request_can_browse(user=user, obj=obj)


# --- ingestion ---


@refusal(_("只有数据源部门工作人员、市级部门工作人员和平台管理员可以查看信用数据批次。"))
def credit_batch_can_view(*, user, obj=None) -> bool:
    """The ingestion pages (batches, their rejects and quality): data providers (their
    department's batches), city officers and platform admins (all). ``obj``: a batch."""
    scope = credit_batch_scope(user=user)
    if scope == NONE:
        return False
    if obj is None or not isinstance(scope, dict):
        return True  # ALL
    return obj.department_id == scope["department_id"]
