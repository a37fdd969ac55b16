"""Reads of matching and impact simulation, always for an acting user.

- ``policies_for_me``: the published policies the enterprise user's enterprise qualifies
  for, the near misses and the unknown (403 for anyone else).
- ``policy_check``: one published policy against the user's enterprise, clause by clause.
- ``policy_qualifying``: the enterprises that qualify for a policy's live version, for
  officers (a county officer: the county's), computed over the facts frame in chunks and
  kept ``QUALIFYING_CACHE_SECONDS`` so that paging and exporting do not recompute.
- ``version_simulation``: a version's impact against the live one, for those who may
  manage the policy.

Order of checks: 404 (a policy or version the user may not see) before 403 before 400.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.enterprises.eligibility import facts_data_year
from kejin.enterprises.models import Enterprise
from kejin.enterprises.permissions import ALL
from kejin.policies.choices import PolicyStatus
from kejin.policies.evaluation import qualifying_ids
from kejin.policies.matching import (
    ForMeResult,
    PolicyMatch,
    policies_for_enterprise,
    policy_check_for_enterprise,
)
from kejin.policies.models import Policy, PolicyVersion
from kejin.policies.permissions import (
    policy_can_find_enterprises,
    policy_can_manage,
    policy_can_subscribe,
    policy_scope,
)
from kejin.policies.simulation import SimulationResult, version_simulate

#: How long the ids of a policy's qualifying enterprises are kept for paging and export.
QUALIFYING_CACHE_SECONDS = 300


def policy_get(*, user, pk: int) -> Policy:
    """A policy ``user`` may see (404 otherwise), with its live version."""
    policy = Policy.objects.visible_to(user).select_related("live_version").filter(pk=pk).first()
    if policy is None:
        raise ApplicationError.not_found()
    return policy


def _live(policy: Policy, what: str) -> PolicyVersion:
    if policy.live_version is None or policy.status != PolicyStatus.PUBLISHED:
        raise ApplicationError(
            ErrorCode.POLICY_STATE_CONFLICT,
            _("政策“%(title)s”尚未发布或已失效，无法%(what)s。")
            % {"title": policy.title, "what": what},
        )
    return policy.live_version


def policies_for_me(*, user) -> ForMeResult:
    """ "Policies I qualify for": the user's enterprise's (403 for anyone else)."""
    require(policy_can_subscribe, user=user)
    return policies_for_enterprise(enterprise_id=user.enterprise_id)


def policy_check(*, user, pk: int) -> tuple[Policy, PolicyMatch]:
    """Policy ``pk`` against the user's enterprise (404 if not visible, 403 if not an
    enterprise user, 409 if it is not in force)."""
    policy = policy_get(user=user, pk=pk)
    require(policy_can_subscribe, user=user, obj=policy)
    _live(policy, _("判断是否符合条件"))
    return policy, policy_check_for_enterprise(policy=policy, enterprise_id=user.enterprise_id)


@dataclass
class QualifyingRow:
    """One enterprise that qualifies, as the list and the export show it."""

    id: int
    uscc: str
    name: str
    county: str
    tier: str


@dataclass
class QualifyingResult:
    """The enterprises that qualify for a policy's live version: ids ascending, the year."""

    policy: Policy
    ids: list[int]
    year: int
    county_id: int | None

    @property
    def count(self) -> int:
        return len(self.ids)

    def rows(self, ids: list[int]) -> list[QualifyingRow]:
        """The enterprises with ``ids`` (a page of ``self.ids``), county and growth stage."""
        enterprises = (
            Enterprise.objects.filter(pk__in=ids)
            .select_related("county", "registry_entry__stage")
            .order_by("pk")
        )
        rows = []
        for enterprise in enterprises:
            entry = getattr(enterprise, "registry_entry", None)
            stage = entry.stage if entry is not None else None
            rows.append(
                QualifyingRow(
                    enterprise.pk,
                    enterprise.uscc,
                    enterprise.name,
                    enterprise.county.name,
                    stage.name if stage is not None else _("未评价"),
                )
            )
        return rows


def policy_qualifying(*, user, pk: int) -> QualifyingResult:
    """The enterprises that qualify for policy ``pk`` (404 if the user may not see it, 403
    if they may not look for enterprises, 409 if it is not in force); a county officer sees
    the county's only."""
    policy = policy_get(user=user, pk=pk)
    require(policy_can_find_enterprises, user=user, obj=policy)
    version = _live(policy, _("查找符合条件的企业"))
    county = user.county_id if user.is_county_officer and not user.sees_whole_city else None
    year = facts_data_year()
    activated = version.activated_at.timestamp() if version.activated_at else 0
    key = f"policies:qualifying:{version.pk}:{activated}:{county}:{year}"
    ids = cache.get(key)
    if ids is None:
        ids = qualifying_ids(version, county_id=county, year=year)
        cache.set(key, ids, QUALIFYING_CACHE_SECONDS)
    return QualifyingResult(policy, ids, year, county)


def version_get(*, user, pk: int) -> PolicyVersion:
    """A version of a policy ``user`` may see (404 otherwise), its policy loaded: officers
    see every version, others only the live version of a published policy."""
    versions = PolicyVersion.objects.filter(pk=pk, policy__in=Policy.objects.visible_to(user))
    if policy_scope(user=user) is not ALL:
        versions = versions.filter(live_for__isnull=False)
    version = versions.select_related("policy", "policy__live_version").first()
    if version is None:
        raise ApplicationError.not_found()
    return version


def version_simulation(
    *, user, pk: int, parameter: str | None = None, value=None
) -> tuple[PolicyVersion, SimulationResult]:
    """Version ``pk`` (with ``parameter`` changed to ``value``, not saved) against its
    policy's live version (404 if not visible, 403 unless the user may manage the policy,
    400 for a bad parameter or value); a county officer's over the county's enterprises."""
    version = version_get(user=user, pk=pk)
    require(policy_can_manage, user=user, obj=version.policy)
    if parameter is not None and (value is None or str(value).strip() == ""):
        raise ApplicationError.invalid({"value": [_("请填写新的参数值。")]})
    live = version.policy.live_version
    # A county officer simulates over the county's enterprises (the ones they may see).
    county = user.county_id if user.is_county_officer and not user.sees_whole_city else None
    result = version_simulate(
        version=version, current=live, parameter=parameter or None, value=value, county_id=county
    )
    return version, result
