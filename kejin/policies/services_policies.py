"""Writes of policies: drafting, versions with their rules, publication, expiry,
attachments, subscriptions and the notices of a publication.

Officers (``policy_can_manage``: city officers any policy, county officers their county's)
draft a policy with its first version (``policy_create``), edit the draft
(``policy_update``), draft a new version of a published policy (``policy_revise``: a copy
of the live one, which stays in force), publish (``policy_publish``: the version is
activated through ``kejin.facts.rule_versions.rule_version_activate`` — its worked cases
must pass — and becomes ``live_version``) and expire it (``policy_expire``). Every move is
checked against ``kejin.policies.policy_workflow`` under the policy's row lock (409
``policy_state_conflict``, nothing changed), audited and recorded as a ``PolicyEvent``.

A publication queues the Celery task ``policies.notify_publication`` on commit; it runs
``policy_publication_notify``: the users of enterprises subscribed to one of the policy's
categories and of enterprises that qualify (``kejin.policies.evaluation.qualifying_ids``)
are told once per version — ``PolicyNotice`` is unique per (version, enterprise), so a
second run finds nobody new.

What is written is checked first by ``kejin.policies.policy_terms`` (a message per field:
the rule by the engine with the version's parameters, the benefit formula against the
catalogue and the version's inputs, amounts, codes, working-day limits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.attachments import attachments_check
from kejin.core.audit import audit_record, audit_write, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.core.values import text_parse
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import next_version_label, rule_version_activate
from kejin.notifications.services import notification_send
from kejin.policies.choices import PolicyAction, PolicyStatus
from kejin.policies.evaluation import qualifying_ids
from kejin.policies.models import (
    Policy,
    PolicyAttachment,
    PolicyCategory,
    PolicyEvent,
    PolicyNotice,
    PolicySubscription,
    PolicyVersion,
)
from kejin.policies.permissions import policy_can_manage, policy_can_subscribe
from kejin.policies.policy_terms import (
    COMMENT_MAX,
    POLICY_FIELDS,
    VERSION_COLUMNS,
    categories_clean,
    only_editable,
    policy_fields_clean,
    version_terms_clean,
)
from kejin.policies.policy_workflow import policy_state, policy_transition_check

POLICY_AUDITED = [
    "title",
    "doc_number",
    "issuers",
    "region",
    "summary",
    "full_text",
    "scheme",
    "valid_from",
    "valid_to",
    "status",
    "live_version",
    "published_at",
]
VERSION_AUDITED = ["version", "valid_from", *VERSION_COLUMNS, "status"]


# --- helpers ------------------------------------------------------------------------------


def _require_manage(actor, policy: Policy) -> None:
    """403 unless ``actor`` manages ``policy`` (a county officer: their county's)."""
    message = None
    if getattr(actor, "is_county_officer", False):
        message = _("县(市、区)工作人员只能管理本县(市、区)发布的政策。")
    require(policy_can_manage, user=actor, obj=policy, message=message)


def _draft(policy: Policy) -> PolicyVersion | None:
    """The policy's draft version (at most one), or None."""
    return policy.versions.filter(status=RuleVersionStatus.DRAFT).order_by("-pk").first()


def _state(policy: Policy, draft: PolicyVersion | None) -> str:
    return policy_state(status=policy.status, has_draft=draft is not None)


def _locked(policy: Policy) -> tuple[Policy, PolicyVersion | None]:
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    return locked, _draft(locked)


def _move_check(actor, policy: Policy, action: str) -> tuple[Policy, PolicyVersion | None]:
    """``policy`` locked and read afresh with its draft, once ``actor`` manages it (403) and
    its state allows ``action`` (409)."""
    _require_manage(actor, policy)
    policy, draft = _locked(policy)
    policy_transition_check(action=action, state=_state(policy, draft))
    return policy, draft


def _event(
    *, policy: Policy, version, action: str, from_status: str, actor, comment: str = "", at
) -> PolicyEvent:
    return PolicyEvent.objects.create(
        policy=policy,
        version=version,
        action=action,
        from_status=from_status,
        to_status=policy.status,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
        at=at,
    )


def _policy_snapshot(policy: Policy) -> dict:
    snapshot = model_snapshot(policy, POLICY_AUDITED)
    snapshot["categories"] = sorted(policy.categories.values_list("code", flat=True))
    return snapshot


def _version_snapshot(version: PolicyVersion) -> dict:
    snapshot = model_snapshot(version, VERSION_AUDITED)
    snapshot["counties"] = sorted(version.counties.values_list("pk", flat=True))
    return snapshot


def _audit_write(*, actor, instance: Policy | PolicyVersion, before: dict | None, ip_address):
    """The audit row of a write to a policy or a version (``before``: its snapshot; None:
    created)."""
    after = (
        _policy_snapshot(instance) if isinstance(instance, Policy) else _version_snapshot(instance)
    )
    audit_write(actor=actor, instance=instance, before=before, after=after, ip_address=ip_address)


def _write_policy(policy: Policy, fields: dict[str, Any]) -> None:
    fields = dict(fields)
    categories = fields.pop("categories", None)
    if "region" in fields:
        policy.region_id = fields.pop("region")
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    if categories is not None:
        policy.categories.set(categories)


def _write_version(version: PolicyVersion, terms: dict[str, Any], *, default_from) -> None:
    terms = dict(terms)
    counties = terms.pop("counties")
    effective = terms.pop("effective_from", None)
    version.valid_from = effective or default_from
    for name, value in terms.items():
        setattr(version, name, value)
    version.save()
    version.counties.set(counties)


def _terms_of(version: PolicyVersion) -> dict[str, Any]:
    """A version's terms as ``version_terms_clean`` takes them (the base of an edit)."""
    terms = {name: getattr(version, name) for name in VERSION_COLUMNS}
    terms["counties"] = list(version.counties.values_list("pk", flat=True))
    terms["effective_from"] = version.valid_from
    return terms


def _fields_of(policy: Policy) -> dict[str, Any]:
    fields = {name: getattr(policy, name) for name in POLICY_FIELDS if name != "categories"}
    fields["region"] = policy.region_id
    fields["categories"] = list(policy.categories.values_list("code", flat=True))
    return fields


def _effective_problems(terms: Mapping[str, Any], valid_from, valid_to) -> dict[str, list[str]]:
    """A version's first day must lie within the policy's validity."""
    day = terms.get("effective_from")
    if day is None:
        return {}
    if day < valid_from:
        return {
            "effective_from": [
                _("版本生效日期不能早于政策有效期起（%(day)s）。") % {"day": valid_from}
            ]
        }
    if valid_to is not None and day > valid_to:
        return {
            "effective_from": [
                _("版本生效日期不能晚于政策有效期止（%(day)s）。") % {"day": valid_to}
            ]
        }
    return {}


def _comparable(value: Any) -> Any:
    """A policy field's value as compared (categories by their codes)."""
    if isinstance(value, list):
        return [getattr(item, "code", item) for item in value]
    return value


def _comment(comment: Any) -> str:
    try:
        return text_parse(comment, max_length=COMMENT_MAX, multiline=True)
    except ValueError as error:
        raise ApplicationError.invalid({"comment": [str(error)]}) from error


# --- policies -----------------------------------------------------------------------------


@transaction.atomic
def policy_create(*, actor, data: Mapping[str, Any], ip_address: str | None = None) -> Policy:
    """Draft a policy with its version 1 (officers; a county officer only for their own
    county: ``region`` is then theirs by default). ``data``: ``POLICY_FIELDS`` and the
    version's terms (``VERSION_FIELDS``). Audited."""
    require(policy_can_manage, user=actor)
    only_editable(data)
    data = dict(data)
    if getattr(actor, "is_county_officer", False) and data.get("region") in (None, ""):
        data["region"] = actor.county_id
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    terms: dict[str, Any] = {}
    try:
        fields = policy_fields_clean(data)
    except ApplicationError as error:
        errors.update(error.fields)
    try:
        terms = version_terms_clean(data)
    except ApplicationError as error:
        errors.update(error.fields)
    if "region" in fields:
        _require_manage(actor, Policy(region_id=fields["region"]))
    if fields and terms:
        errors.update(_effective_problems(terms, fields["valid_from"], fields["valid_to"]))
    if errors:
        raise ApplicationError.invalid(errors)
    now = timezone.now()
    policy = Policy(status=PolicyStatus.DRAFT, created_by=actor)
    _write_policy(policy, fields)
    version = PolicyVersion(policy=policy, version="1", created_by=actor)
    _write_version(version, terms, default_from=policy.valid_from)
    _audit_write(actor=actor, instance=policy, before=None, ip_address=ip_address)
    _audit_write(actor=actor, instance=version, before=None, ip_address=ip_address)
    _event(
        policy=policy,
        version=version,
        action=PolicyAction.CREATE,
        from_status="",
        actor=actor,
        at=now,
    )
    return policy


@transaction.atomic
def policy_update(
    *, actor, policy: Policy, data: Mapping[str, Any], ip_address: str | None = None
) -> PolicyVersion:
    """Change a policy's draft (officers who manage it): before the first publication the
    policy's own fields and its draft version; after it (a new version being drafted) the
    version's terms only — the published document is not rewritten (its fields sent
    unchanged are no change). Only the given fields change. Returns the draft version. Audited."""
    _require_manage(actor, policy)
    only_editable(data)
    policy, draft = _locked(policy)
    policy_transition_check(action=PolicyAction.EDIT, state=_state(policy, draft))
    assert draft is not None
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    given = {k: v for k, v in data.items() if k in POLICY_FIELDS}
    if given:
        try:
            fields = policy_fields_clean(given, base=_fields_of(policy))
        except ApplicationError as error:
            errors.update(error.fields)
        if policy.published_at is not None:
            current = _fields_of(policy)
            for name in given:
                if name in fields and _comparable(fields[name]) != _comparable(current[name]):
                    errors[name] = [
                        _("已发布的政策不能修改政策文本和基本信息；如需变更，请另行起草新政策。")
                    ]
            fields = {}
        elif "region" in fields and fields["region"] != policy.region_id:
            _require_manage(actor, Policy(region_id=fields["region"]))
    try:
        terms = version_terms_clean(data, base=_terms_of(draft))
    except ApplicationError as error:
        errors.update(error.fields)
    else:
        errors.update(
            _effective_problems(
                terms,
                fields.get("valid_from", policy.valid_from),
                fields.get("valid_to", policy.valid_to),
            )
        )
    if errors:
        raise ApplicationError.invalid(errors)
    now = timezone.now()
    if fields:
        before = _policy_snapshot(policy)
        _write_policy(policy, {k: v for k, v in fields.items() if k in given})
        _audit_write(actor=actor, instance=policy, before=before, ip_address=ip_address)
    before = _version_snapshot(draft)
    default_from = policy.valid_from if policy.published_at is None else timezone.localdate()
    _write_version(draft, terms, default_from=default_from)
    _audit_write(actor=actor, instance=draft, before=before, ip_address=ip_address)
    _event(
        policy=policy,
        version=draft,
        action=PolicyAction.EDIT,
        from_status=policy.status,
        actor=actor,
        at=now,
    )
    return draft


@transaction.atomic
def policy_revise(*, actor, policy: Policy, ip_address: str | None = None) -> PolicyVersion:
    """Draft a new version of a published policy: a copy of the live one (rule, targeting,
    parameters, formula, caps, inputs, worked cases) taking effect from today unless edited;
    the live version stays in force until the new one is published. Audited."""
    policy, draft = _move_check(actor, policy, PolicyAction.REVISE)
    live = policy.live_version
    assert live is not None
    terms = _terms_of(live)
    terms["effective_from"] = max(timezone.localdate(), live.valid_from)
    version = PolicyVersion(
        policy=policy, version=next_version_label(policy.versions.all()), created_by=actor
    )
    _write_version(version, terms, default_from=timezone.localdate())
    _audit_write(actor=actor, instance=version, before=None, ip_address=ip_address)
    _event(
        policy=policy,
        version=version,
        action=PolicyAction.REVISE,
        from_status=policy.status,
        actor=actor,
        at=timezone.now(),
    )
    return version


@transaction.atomic
def policy_publish(
    *, actor, policy: Policy, comment: str = "", ip_address: str | None = None
) -> Policy:
    """Publish the draft version (officers who manage the policy): it is activated — its
    worked cases must pass (``worked_cases_fail``, 400) when it has a rule — and becomes the
    live version, retiring the one before; the policy is published. On commit the task
    ``policies.notify_publication`` tells the subscribed and the qualifying enterprises,
    once per version. Audited."""
    policy, draft = _move_check(actor, policy, PolicyAction.PUBLISH)
    assert draft is not None
    comment = _comment(comment)
    today = timezone.localdate()
    if policy.valid_to is not None and policy.valid_to < today:
        raise ApplicationError.invalid(
            {"valid_to": [_("政策有效期已于 %(day)s 截止，不能发布。") % {"day": policy.valid_to}]}
        )
    now = timezone.now()
    from_status = policy.status
    before = _policy_snapshot(policy)
    version = rule_version_activate(version=draft, actor=actor, ip_address=ip_address)
    policy.status = PolicyStatus.PUBLISHED
    policy.live_version = version
    if policy.published_at is None:
        policy.published_at = now
    policy.save(update_fields=["status", "live_version", "published_at", "updated_at"])
    _audit_write(actor=actor, instance=policy, before=before, ip_address=ip_address)
    _event(
        policy=policy,
        version=version,
        action=PolicyAction.PUBLISH,
        from_status=from_status,
        actor=actor,
        comment=comment,
        at=now,
    )
    version_id = version.pk

    def notify_publication() -> None:
        from kejin.policies.tasks_publishing import policy_notify_publication_task

        policy_notify_publication_task.delay(version_id=version_id)

    # robust: a failed notice run is logged (and may be run again); the publication stands.
    transaction.on_commit(notify_publication, robust=True)
    return policy


@transaction.atomic
def policy_expire(
    *, actor, policy: Policy, comment: str = "", ip_address: str | None = None
) -> Policy:
    """End a published policy for good (officers who manage it): its status becomes expired
    (the public still reads it, marked 已失效); a draft version pending is left as it is,
    never to be published. Audited."""
    policy, draft = _move_check(actor, policy, PolicyAction.EXPIRE)
    comment = _comment(comment)
    now = timezone.now()
    from_status = policy.status
    before = _policy_snapshot(policy)
    policy.status = PolicyStatus.EXPIRED
    policy.save(update_fields=["status", "updated_at"])
    _audit_write(actor=actor, instance=policy, before=before, ip_address=ip_address)
    _event(
        policy=policy,
        version=policy.live_version,
        action=PolicyAction.EXPIRE,
        from_status=from_status,
        actor=actor,
        comment=comment,
        at=now,
    )
    return policy


@transaction.atomic
def policy_attachments_add(
    *, actor, policy: Policy, files: Sequence, ip_address: str | None = None
) -> list[PolicyAttachment]:
    """Attach files (the signed document, forms) to a policy that is not expired (officers
    who manage it): each a PDF, JPG or PNG of at most 10 MB
    (``kejin.core.attachments.attachments_check``), nothing stored if one is refused.
    Audited."""
    _require_manage(actor, policy)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.status == PolicyStatus.EXPIRED:
        policy_transition_check(action=PolicyAction.EDIT, state=_state(policy, None))
    checked = attachments_check(files)
    if not checked:
        raise ApplicationError.invalid({"attachments": [_("请选择要上传的文件。")]})
    rows = []
    for item in checked:
        row = PolicyAttachment.objects.create(
            policy=policy,
            file=item.file,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=row,
            after={"policy": policy.pk, "name": row.name, "size": row.size, "sha256": row.sha256},
            ip_address=ip_address,
        )
        rows.append(row)
    return rows


# --- subscriptions ------------------------------------------------------------------------


@transaction.atomic
def policy_subscriptions_set(
    *, actor, categories: Sequence[str], ip_address: str | None = None
) -> list[str]:
    """Set the categories the actor's enterprise subscribes to (enterprise users): those
    not given are unsubscribed. Returns the codes subscribed, in the categories' order.
    Audited when something changed."""
    require(policy_can_subscribe, user=actor)
    try:
        wanted = categories_clean(list(categories or []))
    except ValueError as error:
        raise ApplicationError.invalid({"categories": [str(error)]}) from error
    enterprise_id = actor.enterprise_id
    current = set(
        PolicySubscription.objects.filter(enterprise_id=enterprise_id).values_list(
            "category__code", flat=True
        )
    )
    codes = {c.code for c in wanted}
    PolicySubscription.objects.filter(enterprise_id=enterprise_id).exclude(
        category__code__in=codes
    ).delete()
    PolicySubscription.objects.bulk_create(
        [
            PolicySubscription(enterprise_id=enterprise_id, category=c)
            for c in wanted
            if c.code not in current
        ],
        ignore_conflicts=True,
    )
    if current != codes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=actor.enterprise,
            before={"policy_subscriptions": sorted(current)},
            after={"policy_subscriptions": sorted(codes)},
            ip_address=ip_address,
        )
    return [code for code in PolicyCategory.objects.values_list("code", flat=True) if code in codes]


def policy_subscribe(*, actor, category: str, ip_address: str | None = None) -> list[str]:
    """Subscribe the actor's enterprise to one more category (enterprise users)."""
    require(policy_can_subscribe, user=actor)
    current = list(
        PolicySubscription.objects.filter(enterprise_id=actor.enterprise_id).values_list(
            "category__code", flat=True
        )
    )
    return policy_subscriptions_set(
        actor=actor, categories=[*current, category], ip_address=ip_address
    )


def policy_unsubscribe(*, actor, category: str, ip_address: str | None = None) -> list[str]:
    """Unsubscribe the actor's enterprise from one category (enterprise users)."""
    require(policy_can_subscribe, user=actor)
    current = PolicySubscription.objects.filter(enterprise_id=actor.enterprise_id).values_list(
        "category__code", flat=True
    )
    return policy_subscriptions_set(
        actor=actor, categories=[c for c in current if c != category], ip_address=ip_address
    )


#: Enterprises (and their users) handled per query when a publication is announced: well
#: under SQLite's limit of bound variables, with 100,000 qualifying enterprises in mind.
NOTICE_BATCH = 2000


# --- notices of a publication ---------------------------------------------------------------


def _subscribed_ids(policy: Policy) -> set[int]:
    """Enterprises subscribed to one of the policy's categories (a county's policy: only
    that county's)."""
    subscriptions = PolicySubscription.objects.filter(category__in=policy.categories.all())
    if policy.region_id is not None:
        subscriptions = subscriptions.filter(enterprise__county_id=policy.region_id)
    return set(subscriptions.values_list("enterprise_id", flat=True))


def policy_publication_notify(*, version_id: int) -> int:
    """Tell the users of the enterprises subscribed to one of the policy's categories and of
    those that qualify under version ``version_id`` that it is published, each enterprise
    once per version (``PolicyNotice``'s unique key; the notification key too). Returns how
    many enterprises were newly told (0 on a re-run). Nothing for a version no longer live."""
    with transaction.atomic():
        version = (
            PolicyVersion.objects.select_for_update()
            .select_related("policy")
            .filter(pk=version_id)
            .first()
        )
        if version is None:
            return 0
        policy = version.policy
        if policy.status != PolicyStatus.PUBLISHED or policy.live_version_id != version.pk:
            return 0
        subscribed = _subscribed_ids(policy)
        qualifying = set(qualifying_enterprise_ids(version, county_id=policy.region_id))
        reasons = dict.fromkeys(qualifying, PolicyNotice.Reason.QUALIFIES)
        reasons.update(dict.fromkeys(subscribed, PolicyNotice.Reason.SUBSCRIBED))
        if not reasons:
            return 0
        told = set(
            PolicyNotice.objects.filter(version=version).values_list("enterprise_id", flat=True)
        )
        new = sorted(set(reasons) - told)
        PolicyNotice.objects.bulk_create(
            [PolicyNotice(version=version, enterprise_id=pk, reason=reasons[pk]) for pk in new],
            ignore_conflicts=True,
            batch_size=NOTICE_BATCH,
        )
        users = get_user_model().objects.filter(is_active=True).order_by("pk")
        for start in range(0, len(new), NOTICE_BATCH):
            notification_send(
                recipients=list(users.filter(enterprise_id__in=new[start : start + NOTICE_BATCH])),
                kind="policy_published",
                key=f"policy:{policy.pk}:v{version.pk}:published",
                title=_("新政策发布：%(title)s") % {"title": policy.title},
                body=policy.summary[:500],
                url=reverse("policies:policy_detail", args=[policy.pk]),
            )
        return len(new)


def qualifying_enterprise_ids(version: PolicyVersion, *, county_id: int | None) -> list[int]:
    """The enterprises ``version``'s rule finds eligible (``kejin.policies.evaluation``; a
    county's policy: that county's only); an empty facts frame qualifies nobody."""
    return qualifying_ids(version, county_id=county_id)
