"""Writes of matching: the export of a policy's qualifying enterprises leaves an audit row
(a list of enterprises leaving the platform is a sensitive read)."""

from __future__ import annotations

from django.db import transaction

from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.policies.selectors_matching import QualifyingResult, policy_qualifying


def policy_qualifying_export(*, user, pk: int, ip_address: str | None = None) -> QualifyingResult:
    """The enterprises that qualify for policy ``pk`` (``policy_qualifying``: its checks),
    with an audit row of who exported how many, of which version, county and year."""
    result = policy_qualifying(user=user, pk=pk)
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ_SENSITIVE,
            instance=result.policy,
            after={
                "export": "qualifying_enterprises_csv",
                "version": result.policy.live_version_id,
                "count": result.count,
                "county": result.county_id,
                "year": result.year,
            },
            ip_address=ip_address,
        )
    return result
