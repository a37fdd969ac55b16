"""Reads of policies, always for an acting user (visitors included).

``policy_list`` / ``policy_get`` go through ``Policy.objects.visible_to`` (``policy_scope``:
published and expired policies for everyone, visitors too; drafts for officers); a policy
outside the scope is a 404. ``policy_view`` splits a policy into its live version, its draft
and every version; attachments follow their policy's visibility.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.models import Region
from kejin.facts.choices import RuleVersionStatus
from kejin.policies.choices import PolicyScheme, PolicyStatus
from kejin.policies.models import (
    Policy,
    PolicyAttachment,
    PolicyCategory,
    PolicyEvent,
    PolicySubscription,
    PolicyVersion,
)
from kejin.policies.models.policies import PolicyQuerySet
from kejin.policies.permissions import policy_can_subscribe

#: ``region`` filter value of city-wide policies (no region).
CITY_WIDE = "city"
SEARCH_MAX = 100


def _search(queryset: PolicyQuerySet, text: str) -> PolicyQuerySet:
    """Policies whose title, 文号, summary, full text or an issuing department contains every
    word of ``text`` (case-insensitive substring match).

    Substring (``icontains``), not PostgreSQL full-text search: Chinese is written without
    spaces between words, and PostgreSQL's ``tsvector`` parsers split text at spaces and
    punctuation only, so "研发补助" inside "企业研发补助办法" would never be a token of its own
    (that needs a Chinese segmenter such as zhparser, which the deployment does not have).
    Spaces in ``text`` separate words that must all occur. Issuers are a JSON list: matched
    as stored, also in its ``\\uXXXX``-escaped form (SQLite keeps JSON ASCII-escaped)."""
    for word in text.split()[:10]:
        escaped = json.dumps(word)[1:-1]
        match = (
            Q(title__icontains=word)
            | Q(doc_number__icontains=word)
            | Q(summary__icontains=word)
            | Q(full_text__icontains=word)
            | Q(issuers__icontains=word)
        )
        if escaped != word:
            match |= Q(issuers__icontains=escaped)
        queryset = queryset.filter(match)
    return queryset


def policy_list(*, user, filters: Mapping | None = None) -> QuerySet[Policy]:
    """Policies ``user`` may see (visitors: published and expired), newest publication
    first, with their categories. ``filters``: ``q`` (search, see ``_search``), ``category``
    (code), ``scheme``, ``status``, ``region`` (a county's code, or ``city`` for city-wide
    policies), ``issuer`` (part of an issuing department's name). An unknown value is
    ``invalid`` (400) naming the filter."""
    filters = filters or {}
    queryset = (
        Policy.objects.visible_to(user)
        .select_related("region", "live_version")
        .prefetch_related("categories")
        .order_by("-published_at", "-updated_at", "-pk")
    )
    errors: dict[str, list[str]] = {}
    category = (filters.get("category") or "").strip()
    if category:
        if not PolicyCategory.objects.filter(code=category).exists():
            errors["category"] = [_("政策类别“%(code)s”不存在。") % {"code": category}]
        queryset = queryset.filter(categories__code=category)
    scheme = (filters.get("scheme") or "").strip()
    if scheme:
        if scheme not in PolicyScheme.values:
            errors["scheme"] = [_("兑现方式“%(code)s”不存在。") % {"code": scheme}]
        queryset = queryset.filter(scheme=scheme)
    status = (filters.get("status") or "").strip()
    if status:
        if status not in PolicyStatus.values:
            errors["status"] = [_("状态“%(code)s”不存在。") % {"code": status}]
        queryset = queryset.filter(status=status)
    region = (filters.get("region") or "").strip()
    if region == CITY_WIDE:
        queryset = queryset.filter(region__isnull=True)
    elif region:
        if not Region.objects.filter(code=region).exists():
            errors["region"] = [_("区划代码“%(code)s”不存在。") % {"code": region}]
        queryset = queryset.filter(region__code=region)
    issuer = (filters.get("issuer") or "").strip()[:SEARCH_MAX]
    if issuer:
        escaped = json.dumps(issuer)[1:-1]
        queryset = queryset.filter(Q(issuers__icontains=issuer) | Q(issuers__icontains=escaped))
    text = (filters.get("q") or "").strip()[:SEARCH_MAX]
    if text:
        queryset = _search(queryset, text)
    if errors:
        raise ApplicationError.invalid(errors)
    return queryset.distinct() if category else queryset


def policy_get(*, user, pk) -> Policy:
    """One policy ``user`` may see, with its versions (newest first, counties loaded),
    history, attachments and categories; 404 otherwise."""
    policy = (
        Policy.objects.visible_to(user)
        .select_related("region", "live_version", "created_by")
        .prefetch_related(
            "categories",
            "attachments",
            Prefetch(
                "versions",
                queryset=PolicyVersion.objects.prefetch_related("counties").order_by("-pk"),
            ),
            Prefetch(
                "events",
                queryset=PolicyEvent.objects.select_related("actor", "version").order_by(
                    "at", "pk"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if policy is None:
        raise ApplicationError.not_found()
    return policy


@dataclass(frozen=True)
class PolicyView:
    """What a page or the API shows of one policy: the live version, the draft one (the
    first draft, or a new version of a published policy), and every version newest first."""

    policy: Policy
    live: PolicyVersion | None
    draft: PolicyVersion | None
    versions: list[PolicyVersion]

    @property
    def current(self) -> PolicyVersion:
        """The terms to show first to those who edit: the draft, else the live version."""
        return self.draft or self.live or self.versions[0]


def policy_view(policy: Policy) -> PolicyView:
    """``policy`` (from ``policy_get``) split into its live and draft versions."""
    versions = list(policy.versions.all())
    live = next((v for v in versions if v.pk == policy.live_version_id), None)
    draft = next((v for v in versions if v.status == RuleVersionStatus.DRAFT), None)
    return PolicyView(policy, live, draft, versions)


def policy_attachment_get(*, user, policy_id, pk) -> PolicyAttachment:
    """An attachment of a policy ``user`` may see (published and expired: everyone; drafts:
    officers); 404 otherwise."""
    attachment = (
        PolicyAttachment.objects.filter(policy__in=Policy.objects.visible_to(user))
        .filter(policy_id=policy_id, pk=pk)
        .first()
    )
    if attachment is None:
        raise ApplicationError.not_found()
    return attachment


def policy_categories() -> QuerySet[PolicyCategory]:
    """Every category, in order (reference data: public)."""
    return PolicyCategory.objects.order_by("order", "code")


def policy_subscription_codes(*, user) -> list[str]:
    """The categories the user's enterprise subscribes to (codes, in order); empty for
    anyone who cannot subscribe."""
    if not policy_can_subscribe(user=user):
        return []
    return list(
        PolicySubscription.objects.filter(enterprise_id=user.enterprise_id)
        .order_by("category__order", "category__code")
        .values_list("category__code", flat=True)
    )
