"""The policies demo data: ≥ 20 published policies whose live versions pass their worked
cases, every application status with a consistent history and payouts, tech-insurance
policies and a group scheme, a fund whose ledger adds up (never negative) to its balance;
running ``demo_data`` twice changes nothing."""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from kejin.accounts.models import User
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import rule_version_check_cases
from kejin.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
    FundEntryKind,
    GroupMemberStatus,
    PolicyStatus,
)
from kejin.policies.demo_specs import POLICY_SPECS
from kejin.policies.models import (
    Application,
    ApplicationEvent,
    CompensationClaim,
    CompensationFund,
    FundEnrolment,
    FundEntry,
    GroupMember,
    GroupScheme,
    InsurancePolicy,
    Payout,
    Policy,
    PolicyEvent,
    PolicySubscription,
    PolicyVersion,
)

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "policies": sorted(Policy.objects.values_list("title", "status", "live_version_id")),
        "versions": PolicyVersion.objects.count(),
        "events": PolicyEvent.objects.count(),
        "subscriptions": PolicySubscription.objects.count(),
        "applications": sorted(
            Application.objects.values_list("policy_id", "enterprise_id", "period_key", "status")
        ),
        "application_events": ApplicationEvent.objects.count(),
        "payouts": Payout.objects.count(),
        "insurance": sorted(InsurancePolicy.objects.values_list("insurer_id", "number")),
        "schemes": sorted(GroupScheme.objects.values_list("name", "status")),
        "members": GroupMember.objects.count(),
        "funds": sorted(CompensationFund.objects.values_list("name", "balance")),
        "entries": FundEntry.objects.count(),
        "claims": CompensationClaim.objects.count(),
        "enrolments": FundEnrolment.objects.count(),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``demo_data`` run twice on a small registry (once per module)."""
    with django_db_blocker.unblock():
        from django.conf import settings
        from django.db import transaction

        settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
        with transaction.atomic():
            out = StringIO()
            call_command("demo_data", enterprises=60, stdout=out)
            first = snapshot()
            call_command("demo_data", enterprises=60, stdout=StringIO())
            second = snapshot()
            yield first, second, out.getvalue()
            transaction.set_rollback(True)


def test_running_twice_changes_nothing(demo):
    first, second, output = demo
    assert first == second
    assert "insurer_officer" in output and "已发布政策" in output


def test_policies_in_every_state_with_categories(demo):
    titles = [s.title for s in POLICY_SPECS]
    policies = Policy.objects.filter(title__in=titles)
    counts = Counter(policies.values_list("status", flat=True))
    assert counts[PolicyStatus.PUBLISHED] >= 20
    assert counts[PolicyStatus.DRAFT] == 2 and counts[PolicyStatus.EXPIRED] == 1
    assert not policies.filter(categories__isnull=True).exists()
    assert policies.exclude(region=None).count() >= 6
    assert Policy.objects.published().count() == counts[PolicyStatus.PUBLISHED]
    assert PolicySubscription.objects.exists()


def test_every_live_version_passes_its_worked_cases(demo):
    for policy in Policy.objects.published().select_related("live_version"):
        version = policy.live_version
        assert version.status == RuleVersionStatus.ACTIVE and version.activated_at
        if version.needs_worked_cases:
            assert version.worked_cases, policy.title
            rule_version_check_cases(version)
        for spec in version.parameters.values():
            assert spec["reference"], policy.title


def test_applications_in_every_status_with_a_consistent_history(demo):
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(ApplicationStatus.values)
    for app in Application.objects.prefetch_related("events", "payouts"):
        events = list(app.events.order_by("at", "id"))
        assert events[0].action == ApplicationAction.SUBMIT
        assert events[-1].to_status == app.status
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status and after.at >= before.at
        paid = sum((p.amount for p in app.payouts.all()), Decimal(0))
        assert paid == app.amount_paid
        if app.status == ApplicationStatus.PAID:
            assert paid == app.amount_approved > 0
        if app.status in (
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.ACCEPTED,
            ApplicationStatus.APPROVED,
        ):
            assert app.due_on and app.step
        else:
            assert app.due_on is None and not app.step
        assert app.precheck["status"] in ("eligible", "ineligible", "unknown")
    subsidy = Application.objects.filter(insurance_policy__isnull=False)
    assert subsidy.exists()
    assert all(a.insurance_policy.enterprise_id == a.enterprise_id for a in subsidy)
    own = User.objects.get(username="enterprise_admin").enterprise
    assert Application.objects.filter(enterprise=own).count() >= 4


def test_insurance_and_group_cover(demo):
    insurer = User.objects.get(username="insurer_officer")
    assert insurer.institution.kind == "insurer"
    assert InsurancePolicy.objects.filter(insurer=insurer.institution).count() >= 10
    scheme = GroupScheme.objects.order_by("pk").first()
    members = scheme.members.all()
    if members:
        covered = members.filter(status=GroupMemberStatus.COVERED)
        assert covered.count() and not covered.filter(insurance_policy=None).exists()
        budget = scheme.policy.live_version.budget
        assert scheme.premium_per_head * members.count() <= budget


def test_the_ledger_adds_up_and_never_goes_negative(demo):
    fund = CompensationFund.objects.get()
    balance = Decimal(0)
    entries = list(fund.entries.order_by("at", "id"))
    for entry in entries:
        balance += -entry.amount if entry.kind == FundEntryKind.PAYOUT else entry.amount
        assert entry.balance_after == balance >= 0
    assert fund.balance == entries[-1].balance_after
    totals = dict(fund.entries.values_list("kind").annotate(total=Sum("amount")))
    assert fund.balance == (
        totals.get(FundEntryKind.CONTRIBUTION, 0)
        - totals.get(FundEntryKind.PAYOUT, 0)
        + totals.get(FundEntryKind.RECOVERY, 0)
    )
    for claim in fund.claims.all():
        paid = claim.entries.filter(kind=FundEntryKind.PAYOUT).aggregate(s=Sum("amount"))["s"]
        share = (claim.principal_loss * claim.share).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert paid == claim.amount_approved <= share
    assert fund.enrolments.count() >= 1
    assert fund.claims.count() >= 1  # financing's demo has defaulted loans
    assert fund.entries.filter(kind=FundEntryKind.RECOVERY).count() == 1
