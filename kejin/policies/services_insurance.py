"""Tech insurance writes: insurers record and correct policies; city officers define group
cover schemes (政府出资统保) and list the insured; the insurer confirms or declines cover.

Every write checks its permission first (``kejin.policies.permissions``), runs in one
transaction, is audited (``kejin.core.audit``) and tells who must act next on commit. A
refusal (permission, bad input, wrong state) raises before anything is written.

**Listing the insured** (:func:`group_scheme_list_insured`) takes the enterprises the
scheme's policy's live version finds eligible (``kejin.policies.evaluation.qualifying_ids``)
and adds those not on the list yet, one :class:`GroupMember` each at the premium per head.
It is idempotent: members already listed stay (even if they no longer qualify), nobody is
listed twice. **Budget rule**: when the version has a ``budget`` and the whole list would cost
more (members × premium per head), newcomers are added youngest enterprise first (latest
``founded_on``, then lowest id) only while the total stays within the budget; the rest are
reported as left out, never listed.

**Confirming cover** (:func:`group_scheme_confirm`) turns each chosen member still listed
into an :class:`InsurancePolicy` of the scheme's insurer (number ``TB<scheme>-<member>``,
the scheme's line, period and amounts) and marks it covered; members already covered or
declined are left as they are, so confirming twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.accounts.models import User
from kejin.core.audit import audit_record, audit_write, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.money import format_yuan
from kejin.core.permissions import require
from kejin.enterprises.models import Enterprise
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.models import Institution
from kejin.notifications.services import notification_send
from kejin.policies.choices import (
    GroupMemberStatus,
    GroupSchemeStatus,
    InsuranceLine,
    PolicyScheme,
    PolicyStatus,
)
from kejin.policies.evaluation import qualifying_ids
from kejin.policies.models import GroupMember, GroupScheme, InsurancePolicy, Policy
from kejin.policies.permissions import (
    group_scheme_can_confirm,
    group_scheme_can_manage,
    insurance_can_record,
)

#: The fields of an insurance policy an insurer writes (and the audit records).
POLICY_FIELDS = [
    "enterprise",
    "line",
    "number",
    "premium",
    "sum_insured",
    "starts_on",
    "ends_on",
]
AUDITED_POLICY = ["insurer", *POLICY_FIELDS]
SCHEME_AUDITED = [
    "policy",
    "name",
    "insurer",
    "line",
    "premium_per_head",
    "sum_insured_per_head",
    "starts_on",
    "ends_on",
    "status",
    "confirmed_at",
]
_CENT = Decimal("0.01")
_MAX_MONEY = Decimal("1e12")


# --- input cleaning -----------------------------------------------------------------------------


def _money(value: Any, errors: dict, name: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors[name] = [_("此项必填。")]
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors[name] = [_("请填写金额（元），如 50000。")]
        return None
    if not amount.is_finite() or amount <= 0 or amount >= _MAX_MONEY:
        errors[name] = [_("金额应大于 0 元，请核对后重填。")]
        return None
    return amount.quantize(_CENT)


def _date(value: Any, errors: dict, name: str) -> datetime.date | None:
    if value in (None, ""):
        errors[name] = [_("此项必填。")]
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = [_("请填写日期，格式如 2026-01-01。")]
        return None


def _text(value: Any, errors: dict, name: str, *, max_length: int) -> str:
    text = str(value or "").strip()
    if not text:
        errors[name] = [_("此项必填。")]
    elif len(text) > max_length:
        errors[name] = [_("不能超过 %(n)s 个字。") % {"n": max_length}]
    return text


def _line(value: Any, errors: dict) -> str:
    if value not in InsuranceLine.values:
        errors["line"] = [_("请选择险种。")]
    return str(value or "")


def _period(starts_on, ends_on, errors: dict) -> None:
    if starts_on and ends_on and starts_on > ends_on:
        errors["ends_on"] = [_("保险止期不能早于保险起期。")]


def insurance_enterprise_find(*, uscc: str = "", name: str = "") -> Enterprise:
    """The registered enterprise an insurer names: by its USCC, else by its exact full name
    (an insurer may reference any enterprise in the registry this way, but not browse them).
    ``ApplicationError.invalid`` on ``enterprise`` when none (or, by name, several) match."""
    uscc, name = (uscc or "").strip().upper(), (name or "").strip()
    if uscc:
        enterprise = Enterprise.objects.filter(uscc=uscc).first()
        if enterprise is None:
            raise ApplicationError.invalid(
                {
                    "enterprise": [
                        _("未找到统一社会信用代码为“%(uscc)s”的企业，请核对后重填。")
                        % {"uscc": uscc}
                    ]
                }
            )
        return enterprise
    if not name:
        raise ApplicationError.invalid(
            {"enterprise": [_("请填写投保企业的统一社会信用代码或企业全称。")]}
        )
    found = list(Enterprise.objects.filter(name=name)[:2])
    if not found:
        raise ApplicationError.invalid(
            {
                "enterprise": [
                    _("未找到名称为“%(name)s”的企业，请填写企业全称或统一社会信用代码。")
                    % {"name": name}
                ]
            }
        )
    if len(found) > 1:
        raise ApplicationError.invalid(
            {
                "enterprise": [
                    _("名称为“%(name)s”的企业不止一家，请填写统一社会信用代码。") % {"name": name}
                ]
            }
        )
    return found[0]


def _policy_fields_clean(
    data: Mapping[str, Any], *, insurer_id: int, exclude_pk: int | None = None
) -> dict[str, Any]:
    """The policy's fields from ``data`` (``uscc`` or ``enterprise_name`` name the
    enterprise); every problem at once as ``ApplicationError.invalid``."""
    errors: dict[str, list[str]] = {}
    enterprise = None
    try:
        enterprise = insurance_enterprise_find(
            uscc=str(data.get("uscc") or ""), name=str(data.get("enterprise_name") or "")
        )
    except ApplicationError as error:
        errors.update(error.fields)
    fields = {
        "enterprise": enterprise,
        "line": _line(data.get("line"), errors),
        "number": _text(data.get("number"), errors, "number", max_length=64),
        "premium": _money(data.get("premium"), errors, "premium"),
        "sum_insured": _money(data.get("sum_insured"), errors, "sum_insured", required=False),
        "starts_on": _date(data.get("starts_on"), errors, "starts_on"),
        "ends_on": _date(data.get("ends_on"), errors, "ends_on"),
    }
    _period(fields["starts_on"], fields["ends_on"], errors)
    if fields["number"] and "number" not in errors:
        taken = InsurancePolicy.objects.filter(insurer_id=insurer_id, number=fields["number"])
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["number"] = [
                _(
                    "本机构已录入保单号为“%(number)s”的保单，请核对保单号；如需修改原保单，请在原保单上更正。"
                )
                % {"number": fields["number"]}
            ]
    if errors:
        raise ApplicationError.invalid(errors)
    return fields


# --- insurance policies -------------------------------------------------------------------------


@transaction.atomic
def insurance_policy_record(
    *, user, data: Mapping[str, Any], ip_address: str | None = None
) -> InsurancePolicy:
    """An insurer's user records a tech-insurance policy of their institution. Audited."""
    require(insurance_can_record, user=user)
    fields = _policy_fields_clean(data, insurer_id=user.institution_id)
    policy = InsurancePolicy.objects.create(
        insurer_id=user.institution_id, recorded_by=user, **fields
    )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        instance=policy,
        after=model_snapshot(policy, AUDITED_POLICY),
        ip_address=ip_address,
    )
    return policy


@transaction.atomic
def insurance_policy_correct(
    *,
    user,
    policy: InsurancePolicy,
    data: Mapping[str, Any],
    ip_address: str | None = None,
) -> InsurancePolicy:
    """The insurer corrects one of its policies (every field again); the audit keeps what
    changed, before and after. Nothing changed: nothing is written."""
    require(insurance_can_record, user=user, obj=policy)
    locked = InsurancePolicy.objects.select_for_update().get(pk=policy.pk)
    fields = _policy_fields_clean(data, insurer_id=locked.insurer_id, exclude_pk=locked.pk)
    before = model_snapshot(locked, AUDITED_POLICY)
    for name, value in fields.items():
        setattr(locked, name, value)
    after = model_snapshot(locked, AUDITED_POLICY)
    if after != before:
        locked.save()
        audit_write(actor=user, instance=locked, before=before, after=after, ip_address=ip_address)
    return locked


# --- group cover --------------------------------------------------------------------------------


def _scheme_conflict(message: str) -> ApplicationError:
    return ApplicationError(ErrorCode.POLICY_STATE_CONFLICT, message, status=409)


def group_cover_policies():
    """The policies a group scheme may be defined under: published ``group_cover`` ones."""
    return Policy.objects.published().filter(scheme=PolicyScheme.GROUP_COVER)


def _scheme_fields_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    policy = None
    policy_id = data.get("policy")
    if policy_id in (None, ""):
        errors["policy"] = [_("请选择所依据的统保政策。")]
    else:
        policy = Policy.objects.filter(pk=getattr(policy_id, "pk", policy_id)).first()
        if (
            policy is None
            or policy.scheme != PolicyScheme.GROUP_COVER
            or policy.status != PolicyStatus.PUBLISHED
            or policy.live_version_id is None
        ):
            errors["policy"] = [_("请选择一项已发布的政府统保政策。")]
            policy = None
    insurer = None
    insurer_id = data.get("insurer")
    if insurer_id in (None, ""):
        errors["insurer"] = [_("请选择承保机构。")]
    else:
        insurer = Institution.objects.filter(
            pk=getattr(insurer_id, "pk", insurer_id), kind=InstitutionKind.INSURER
        ).first()
        if insurer is None:
            errors["insurer"] = [_("承保机构应是平台上的保险机构，请重新选择。")]
    fields = {
        "policy": policy,
        "name": _text(data.get("name"), errors, "name", max_length=128),
        "insurer": insurer,
        "line": _line(data.get("line"), errors),
        "premium_per_head": _money(data.get("premium_per_head"), errors, "premium_per_head"),
        "sum_insured_per_head": _money(
            data.get("sum_insured_per_head"), errors, "sum_insured_per_head", required=False
        ),
        "starts_on": _date(data.get("starts_on"), errors, "starts_on"),
        "ends_on": _date(data.get("ends_on"), errors, "ends_on"),
    }
    _period(fields["starts_on"], fields["ends_on"], errors)
    if errors:
        raise ApplicationError.invalid(errors)
    return fields


@transaction.atomic
def group_scheme_create(
    *, user, data: Mapping[str, Any], ip_address: str | None = None
) -> GroupScheme:
    """A city officer defines a group scheme (draft) under a published group-cover policy:
    name, insurer, line, premium and sum insured per head, period. Audited."""
    require(group_scheme_can_manage, user=user)
    fields = _scheme_fields_clean(data)
    scheme = GroupScheme.objects.create(created_by=user, **fields)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        instance=scheme,
        after=model_snapshot(scheme, SCHEME_AUDITED),
        ip_address=ip_address,
    )
    return scheme


@dataclass(frozen=True)
class Listing:
    """What listing the insured did: ``added`` newcomers, ``already`` members before,
    ``left_out`` eligible enterprises the budget could not take, the list's ``total``
    premium and the version's ``budget`` (None: no budget)."""

    added: int
    already: int
    left_out: int
    total: Decimal
    budget: Decimal | None

    @property
    def members(self) -> int:
        return self.already + self.added

    @property
    def over_budget(self) -> bool:
        return self.left_out > 0


def _locked_scheme(scheme: GroupScheme) -> GroupScheme:
    return (
        GroupScheme.objects.select_for_update(of=("self",))
        .select_related("policy__live_version", "insurer")
        .get(pk=scheme.pk)
    )


@transaction.atomic
def group_scheme_list_insured(
    *, user, scheme: GroupScheme, year: int | None = None, ip_address: str | None = None
) -> Listing:
    """List the insured of a draft scheme (see the module docstring: idempotent, within the
    budget, youngest enterprises first when it binds). ``year``: the facts' year."""
    require(group_scheme_can_manage, user=user, obj=scheme)
    locked = _locked_scheme(scheme)
    if locked.status != GroupSchemeStatus.DRAFT:
        raise _scheme_conflict(
            _("统保方案当前为“%(status)s”状态，名单已确定，不能再调整。")
            % {"status": locked.get_status_display()}
        )
    version = locked.policy.live_version
    if version is None or locked.policy.status != PolicyStatus.PUBLISHED:
        raise _scheme_conflict(_("所依据的统保政策已不在有效期内，不能列入名单。"))
    eligible = set(qualifying_ids(version, year=year))
    listed = set(locked.members.values_list("enterprise_id", flat=True))
    newcomers = list(
        Enterprise.objects.filter(pk__in=eligible - listed)
        .order_by("-founded_on", "pk")
        .values_list("pk", flat=True)
    )
    premium = Decimal(locked.premium_per_head)
    total = premium * len(listed)
    budget = Decimal(version.budget) if version.budget is not None else None
    taken: list[int] = []
    for enterprise_id in newcomers:
        if budget is not None and total + premium > budget:
            break
        taken.append(enterprise_id)
        total += premium
    GroupMember.objects.bulk_create(
        [GroupMember(scheme=locked, enterprise_id=pk, premium=premium) for pk in taken]
    )
    if taken:
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            instance=locked,
            before={"members": len(listed)},
            after={"members": len(listed) + len(taken), "added": sorted(taken)},
            ip_address=ip_address,
        )
    return Listing(
        added=len(taken),
        already=len(listed),
        left_out=len(newcomers) - len(taken),
        total=total,
        budget=budget,
    )


def _insurer_users(institution_id: int):
    return User.objects.filter(institution_id=institution_id, is_active=True)


@transaction.atomic
def group_scheme_open(*, user, scheme: GroupScheme, ip_address: str | None = None) -> GroupScheme:
    """Fix the list (draft → open): the insurer is told to confirm cover. A scheme without
    members cannot be opened."""
    require(group_scheme_can_manage, user=user, obj=scheme)
    locked = _locked_scheme(scheme)
    if locked.status != GroupSchemeStatus.DRAFT:
        raise _scheme_conflict(
            _("统保方案当前为“%(status)s”状态，只有草稿可以确定名单。")
            % {"status": locked.get_status_display()}
        )
    if not locked.members.exists():
        raise _scheme_conflict(_("统保名单为空，请先列入参保企业再确定名单。"))
    before = model_snapshot(locked, SCHEME_AUDITED)
    locked.status = GroupSchemeStatus.OPEN
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        instance=locked,
        before={"status": before["status"]},
        after={"status": locked.status},
        ip_address=ip_address,
    )
    count = locked.members.count()
    notification_send(
        recipients=_insurer_users(locked.insurer_id),
        kind="group_scheme_open",
        key=f"group_scheme:{locked.pk}:open",
        title=_("统保方案“%(name)s”名单已确定，请确认承保") % {"name": locked.name},
        body=_("共 %(count)s 户，保费合计 %(total)s。")
        % {
            "count": count,
            "total": format_yuan(Decimal(locked.premium_per_head) * count),
        },
        url=reverse("policies:insurance_scheme_detail", args=[locked.pk]),
    )
    return locked


def _chosen_members(locked: GroupScheme, member_ids: Iterable[int] | None):
    members = GroupMember.objects.select_for_update().filter(scheme=locked)
    if member_ids is not None:
        wanted = {int(pk) for pk in member_ids}
        found = set(members.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - found:
            raise ApplicationError.invalid(
                {"members": [_("所选企业不在本统保方案的名单中，请刷新后重选。")]}
            )
        members = members.filter(pk__in=wanted)
    return members


def _confirmable(locked: GroupScheme) -> None:
    if locked.status == GroupSchemeStatus.DRAFT:
        raise _scheme_conflict(_("统保名单尚未确定，暂不能确认承保。"))


def member_policy_number(scheme: GroupScheme, member: GroupMember) -> str:
    """The number of a member's policy: from the scheme and the member (``TB0007-000123``)."""
    return f"TB{scheme.pk:04d}-{member.pk:06d}"


@transaction.atomic
def group_scheme_confirm(
    *,
    user,
    scheme: GroupScheme,
    member_ids: Iterable[int] | None = None,
    ip_address: str | None = None,
) -> list[InsurancePolicy]:
    """The insurer confirms cover for the listed members ``member_ids`` (None: all): each
    gets an insurance policy and is marked covered, and the scheme becomes confirmed — all
    in one transaction. Members already covered or declined are left as they are (confirming
    twice changes nothing). Returns the policies created."""
    require(group_scheme_can_confirm, user=user, obj=scheme)
    locked = _locked_scheme(scheme)
    _confirmable(locked)
    members = list(
        _chosen_members(locked, member_ids).filter(status=GroupMemberStatus.LISTED).order_by("pk")
    )
    policies = []
    for member in members:
        policy = InsurancePolicy.objects.create(
            insurer_id=locked.insurer_id,
            enterprise_id=member.enterprise_id,
            line=locked.line,
            number=member_policy_number(locked, member),
            premium=member.premium,
            sum_insured=locked.sum_insured_per_head,
            starts_on=locked.starts_on,
            ends_on=locked.ends_on,
            recorded_by=user,
        )
        member.insurance_policy = policy
        member.status = GroupMemberStatus.COVERED
        policies.append(policy)
    GroupMember.objects.bulk_update(members, ["insurance_policy", "status"])
    if members:
        before = model_snapshot(locked, SCHEME_AUDITED)
        if locked.status != GroupSchemeStatus.CONFIRMED:
            locked.status = GroupSchemeStatus.CONFIRMED
            locked.confirmed_at = timezone.now()
            locked.save(update_fields=["status", "confirmed_at", "updated_at"])
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            instance=locked,
            before={"status": before["status"]},
            after={
                "status": locked.status,
                "covered": sorted(m.enterprise_id for m in members),
                "policies": [p.number for p in policies],
            },
            ip_address=ip_address,
        )
    return policies


@transaction.atomic
def group_scheme_decline(
    *,
    user,
    scheme: GroupScheme,
    member_ids: Iterable[int],
    ip_address: str | None = None,
) -> int:
    """The insurer declines cover for listed members (marked declined; covered ones stay
    covered). Returns how many were declined."""
    require(group_scheme_can_confirm, user=user, obj=scheme)
    locked = _locked_scheme(scheme)
    _confirmable(locked)
    members = list(_chosen_members(locked, member_ids).filter(status=GroupMemberStatus.LISTED))
    for member in members:
        member.status = GroupMemberStatus.DECLINED
    GroupMember.objects.bulk_update(members, ["status"])
    if members:
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            instance=locked,
            before=None,
            after={"declined": sorted(m.enterprise_id for m in members)},
            ip_address=ip_address,
        )
    return len(members)
