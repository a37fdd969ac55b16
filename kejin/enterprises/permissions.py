"""Who may do what with enterprises, their profile (facts, certificates) and imports: the
only place in the enterprises app that decides it by role (the list's, 名单库, are in
``kejin.registry.permissions``).

Predicates are ``<entity>_can_<verb>(*, user, obj=None) -> bool`` over the role facts of
``User`` (``is_city_officer``, ``sees_whole_city``, ... each defined over the ``Role``
constants). ``obj`` is the enterprise (or the batch) acted on; None asks "on any at all"
(menus, buttons, list pages). Row scoping — which rows a list shows — is
``enterprise_scope`` here, applied by ``EnterpriseQuerySet.visible_to`` and every enterprise-owned
model's ``visible_to`` (``kejin.enterprises.querysets``). The table of roles and actions is in
docs/architecture.md ("Permissions") and tested in ``tests/test_permissions.py``.

Platform admins operate the platform: they see everything and keep the directory
(enterprises, certificates, imports), but the decisions that carry a department's
authority — annual facts recorded as department data — stay with the officers (the audit trail names a department for them).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kejin.core.permissions import refusal, signed_in

# What an enterprise's own administrator may change; the record's official facts (code, name,
# county, founding date, capital) are kept by officers.
ENTERPRISE_SELF_EDITABLE = frozenset(
    {
        "legal_representative",
        "address",
        "contact_phone",
        "business_scope",
        "industry",
        "size",
        "zone",
    }
)
OFFICER_EDITABLE = frozenset(
    {
        "uscc",
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
    }
)

# --- row scope ------------------------------------------------------------------------------

ALL = "all"
NONE = "none"
# A row scope: ``ALL``, ``NONE`` or the field values a row must have.
Scope = str | dict[str, object]


def enterprise_scope(*, user) -> Scope:
    """Which enterprises ``user`` may see: ``ALL``, ``NONE`` or the field values they must have.

    City officers and platform admins: all. County officers: their county (zones reporting
    to it included, since an enterprise's county is always the county, never the zone).
    Enterprise users: their own enterprise. Everyone else: none (institutions will see
    enterprises through demands routed and reports authorised to them, in later modules).
    """
    if not signed_in(user):
        return NONE
    if user.sees_whole_city:
        return ALL
    if user.is_county_officer:
        return {"county_id": user.county_id}
    if user.is_enterprise_user:
        return {"pk": user.enterprise_id}
    return NONE


def in_scope(scope: Scope, obj) -> bool:
    """Whether ``obj`` is within ``scope`` (``obj`` None: whether the scope holds anything)."""
    if not isinstance(scope, dict):
        return scope == ALL
    if obj is None:
        return True
    return all(getattr(obj, name) == value for name, value in scope.items())


def _in_county(user, enterprise) -> bool:
    return enterprise is not None and enterprise.county_id == user.county_id


# --- enterprises ----------------------------------------------------------------------------


def enterprise_can_view(*, user, obj=None) -> bool:
    """One enterprise (``obj``), as ``enterprise_scope`` says; None: any enterprise at all."""
    return in_scope(enterprise_scope(user=user), obj)


def enterprise_can_view_own(*, user, obj=None) -> bool:
    """The enterprise user's own record (the "企业信息" entry): enterprise admins and staff."""
    return signed_in(user) and user.is_enterprise_user and bool(user.enterprise_id)


@refusal(_("企业名录仅向市、县(市、区)工作人员和平台管理员开放。"))
def enterprise_can_browse(*, user, obj=None) -> bool:
    """The directory of enterprises (企业名录), its search and export: city and county
    officers and platform admins."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


def enterprise_can_create(*, user, obj=None) -> bool:
    """Registering an enterprise: city and county officers (a county officer in their own
    county) and platform admins."""
    return signed_in(user) and (user.sees_whole_city or user.is_county_officer)


def enterprise_can_change(*, user, obj=None) -> bool:
    """Changing ``obj``'s record: city officers and platform admins any, a county officer
    their county's, an enterprise administrator their own (contact and profile fields only,
    see ``enterprise_editable_fields``)."""
    if not signed_in(user) or obj is None:
        return False
    if user.sees_whole_city:
        return True
    if user.is_county_officer:
        return _in_county(user, obj)
    return user.is_enterprise_admin and obj.pk == user.enterprise_id


def enterprise_can_place_in_county(*, user, obj=None) -> bool:
    """Putting an enterprise in county ``obj`` (a Region): a county officer only their own."""
    if not signed_in(user):
        return False
    if user.is_county_officer:
        return obj is None or obj.pk == user.county_id
    return user.sees_whole_city


def enterprise_editable_fields(*, user, enterprise) -> frozenset[str]:
    """The fields ``user`` may set on ``enterprise`` (None: on a new enterprise); empty = read only."""
    if enterprise is None:
        return OFFICER_EDITABLE if enterprise_can_create(user=user) else frozenset()
    if not enterprise_can_change(user=user, obj=enterprise):
        return frozenset()
    return ENTERPRISE_SELF_EDITABLE if user.is_enterprise_user else OFFICER_EDITABLE


# --- profile: annual facts and certificates --------------------------------------------------


def annual_facts_can_report_for_department(*, user, obj=None) -> bool:
    """Recording ``obj``'s facts as department data: city officers, and the county's officers,
    who belong to a department (its code is the data's source)."""
    if not signed_in(user) or not user.department_id:
        return False
    if user.is_city_officer:
        return True
    return user.is_county_officer and (obj is None or _in_county(user, obj))


def annual_facts_can_self_report(*, user, obj=None) -> bool:
    """Self-reporting ``obj``'s facts: the enterprise's own administrator."""
    return (
        signed_in(user)
        and user.is_enterprise_admin
        and (obj is None or obj.pk == user.enterprise_id)
    )


def annual_facts_can_change(*, user, obj=None) -> bool:
    """Recording ``obj``'s annual facts at all (as department data or self-reported).
    Platform admins, enterprise staff and everyone else only read."""
    return annual_facts_can_report_for_department(
        user=user, obj=obj
    ) or annual_facts_can_self_report(user=user, obj=obj)


@refusal(_("证书与资质由市、县(市、区)工作人员登记，企业如需更正请联系主管部门。"))
def certificate_can_change(*, user, obj=None) -> bool:
    """Recording, changing and deleting ``obj``'s certificates.

    Certificates are official records (and a valid high-tech certificate qualifies an
    enterprise directly as a tech SME), so officers of its county, city officers and platform
    administrators keep them; enterprises read them.
    """
    if not signed_in(user):
        return False
    if user.sees_whole_city:
        return True
    return user.is_county_officer and (obj is None or _in_county(user, obj))


# --- imports --------------------------------------------------------------------------------


@refusal(_("只有市、县(市、区)工作人员和平台管理员可以导入企业数据。"))
def import_batch_can_create(*, user, obj=None) -> bool:
    """Uploading import files: city and county officers and platform admins."""
    return signed_in(user) and (user.sees_whole_city or user.is_county_officer)


def import_batch_scope(*, user) -> Scope:
    """Which batches ``user`` may see: ``ALL`` for city officers and platform admins, a county
    officer's the batches limited to their county (their own and their county colleagues'),
    ``NONE`` for everyone else."""
    if not import_batch_can_create(user=user):
        return NONE
    return ALL if user.sees_whole_city else {"county_id": user.county_id}


def import_batch_can_view(*, user, obj=None) -> bool:
    """Batch ``obj``, as ``import_batch_scope`` says; None: any batch at all."""
    return in_scope(import_batch_scope(user=user), obj)
