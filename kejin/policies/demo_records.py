"""The policies demo's records (see ``kejin.policies.demo``): tech-insurance policies of the
demo insurer, applications in every status with their history and payouts, a group cover
scheme with members (some covered, one declined), and the risk compensation fund with its
ledger, claims on financing's defaulted demo loans and the tech sub-branches' enrolments.

Every row is consistent with its model's docstring and constraints: an application's
events run submit → accept → approve → pay (or return, reject, withdraw) with the status
before and after, the working days each step took, the step's due date from
``kejin.policies.deadlines``; amounts come from the version's benefit formula with its caps
(``benefit_compute``); the paid ones have payouts adding up to the approved amount; the
ledger's ``balance_after`` runs entry by entry (never negative) and the fund's balance is
the last one. Without a defaulted demo loan of a tech sub-branch there are no claims (and
no recovery): the ledger then holds the contributions only.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.utils import timezone

from kejin.core.models import Region
from kejin.core.workdays import workdays_between
from kejin.enterprises.models import Enterprise
from kejin.financing.choices import LoanStatus
from kejin.financing.models import Loan
from kejin.financing.selectors import institution_npl_ratio
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.models import Institution
from kejin.policies.benefits import benefit_compute
from kejin.policies.choices import (
    ApplicationAction,
    ApplicationPeriod,
    ApplicationStatus,
    ApplicationStep,
    ClaimStatus,
    EnrolmentStatus,
    FundEntryKind,
    FundSource,
    GroupMemberStatus,
    GroupSchemeStatus,
    InsuranceLine,
    RejectReason,
)
from kejin.policies.deadlines import step_due
from kejin.policies.demo_specs import (
    GROUP_COVER,
    GUARANTEE_FEE,
    HIGH_TECH_AWARD,
    INCUBATOR_RENT,
    LISTING,
    PATENT_PLEDGE,
    RISK_COMPENSATION,
    TECH_INSURANCE,
    PolicySpec,
)
from kejin.policies.evaluation import enterprise_check, qualifying_ids
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
)
from kejin.policies.services_insurance import member_policy_number

CENT = Decimal("0.01")
ST = ApplicationStatus
INSURED_COUNT = 10
PERIOD_YEAR = "2025"

#: (policy, status): the demo applications; the demo enterprise makes the first of each
#: policy, the others go to enterprises the policy's rule finds eligible (a rejected one to
#: one it does not, when there is one).
APPLICATION_PLAN: tuple[tuple[PolicySpec, str], ...] = (
    (TECH_INSURANCE, ST.PAID),
    (TECH_INSURANCE, ST.SUBMITTED),
    (TECH_INSURANCE, ST.ACCEPTED),
    (TECH_INSURANCE, ST.APPROVED),
    (TECH_INSURANCE, ST.PAID),
    (TECH_INSURANCE, ST.RETURNED),
    (PATENT_PLEDGE, ST.SUBMITTED),
    (PATENT_PLEDGE, ST.APPROVED),
    (PATENT_PLEDGE, ST.PAID),
    (PATENT_PLEDGE, ST.REJECTED),
    (PATENT_PLEDGE, ST.WITHDRAWN),
    (GUARANTEE_FEE, ST.RETURNED),
    (GUARANTEE_FEE, ST.ACCEPTED),
    (GUARANTEE_FEE, ST.PAID),
    (LISTING, ST.SUBMITTED),
    (LISTING, ST.APPROVED),
    (LISTING, ST.REJECTED),
    (INCUBATOR_RENT, ST.WITHDRAWN),
    (INCUBATOR_RENT, ST.ACCEPTED),
    (INCUBATOR_RENT, ST.PAID),
    (HIGH_TECH_AWARD, ST.PAID),
)

_LINES = list(InsuranceLine.values)
_MILESTONES = ("shareholding", "ipo_accepted", "listed", "neeq")


@dataclass(frozen=True)
class RecordsDemoCounts:
    """What the records part of the demo holds after a run."""

    insurance_policies: int
    applications: int
    group_members: int
    group_covered: int
    fund_balance: Decimal
    claims: int
    claims_skipped: bool


def _cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# --- tech insurance ----------------------------------------------------------------------------


def _insured(enterprises: list[Enterprise], version) -> list[Enterprise]:
    """The demo enterprise, then enterprises the subsidy's rule finds eligible, then others."""
    eligible = set(qualifying_ids(version)) if version else set()
    first = enterprises[:1]
    rest = [e for e in enterprises[1:] if e.pk in eligible]
    rest += [e for e in enterprises[1:] if e.pk not in eligible]
    return (first + rest)[:INSURED_COUNT]


def demo_insurance(
    *, rng: random.Random, enterprises: list[Enterprise], insurer_user, version
) -> list[InsurancePolicy]:
    """The demo insurer's 2025 policies for the insured enterprises (keyed by number)."""
    insurer_id = insurer_user.institution_id
    rows = []
    for index, enterprise in enumerate(_insured(enterprises, version)):
        start = datetime.date(2025, 1 + index % 9, 1)
        premium = Decimal(rng.randrange(20, 160) * 1000)
        rows.append(
            InsurancePolicy(
                insurer_id=insurer_id,
                enterprise=enterprise,
                line=_LINES[index % len(_LINES)],
                number=f"PICC-JX-2025-{index + 1:05d}",
                premium=premium,
                sum_insured=premium * rng.choice((40, 50, 80)),
                starts_on=start,
                ends_on=start.replace(year=start.year + 1) - datetime.timedelta(days=1),
                recorded_by=insurer_user,
            )
        )
    have = dict(
        InsurancePolicy.objects.filter(
            insurer_id=insurer_id, number__in=[r.number for r in rows]
        ).values_list("number", "pk")
    )
    InsurancePolicy.objects.bulk_create([r for r in rows if r.number not in have])
    return list(
        InsurancePolicy.objects.filter(
            insurer_id=insurer_id, number__in=[r.number for r in rows]
        ).order_by("number")
    )


# --- applications ------------------------------------------------------------------------------


def _period_key(version) -> str:
    return {
        ApplicationPeriod.YEAR: PERIOD_YEAR,
        ApplicationPeriod.QUARTER: f"{PERIOD_YEAR}Q4",
        ApplicationPeriod.ONCE: "once",
    }[version.period]


def _inputs(spec: PolicySpec, rng: random.Random, insurance: InsurancePolicy | None) -> dict:
    values: dict = {}
    for field in spec.inputs:
        name = field["name"]
        if name == "premium" and insurance is not None:
            values[name] = str(insurance.premium)
        elif name == "line" and insurance is not None:
            values[name] = insurance.line
        elif name == "milestone":
            values[name] = rng.choice(_MILESTONES)
        elif field["kind"] == "money":
            values[name] = str(
                _cents(Decimal(field["typical"]) * Decimal(rng.randrange(60, 140)) / 100)
            )
    return values


def _precheck(version, enterprise_id: int) -> dict:
    check = enterprise_check(version, enterprise_id)
    return {
        "status": check.status,
        "clauses": [{"text": c.text, "met": c.met} for c in check.clauses],
        "missing_facts": list(check.missing_facts),
    }


class _Walk:
    """One application's history as it is built (events in order, times moving on)."""

    def __init__(self, app: Application, at: datetime.datetime):
        self.app = app
        self.at = at
        self.events: list[ApplicationEvent] = []
        self.step_started = at

    def move(self, action, to_status, *, actor, after: datetime.timedelta, comment="", amount=None):
        previous = self.at
        self.at = self.at + after
        workdays = cast(
            int,
            workdays_between(
                timezone.localtime(previous).date(), timezone.localtime(self.at).date()
            ).value,
        )
        self.events.append(
            ApplicationEvent(
                application=self.app,
                action=action,
                from_status=self.app.status,
                to_status=to_status,
                actor=actor,
                comment=comment,
                amount=amount,
                step_workdays=workdays if action != ApplicationAction.SUBMIT else None,
                at=self.at,
            )
        )
        self.app.status = to_status

    def step(self, step: str, version) -> None:
        self.app.step = step
        self.app.step_started_at = self.at
        self.app.due_on = step_due(step, self.at, version).date

    def close(self) -> None:
        self.app.step = ""
        self.app.step_started_at = None
        self.app.due_on = None


_DAYS_AGO = {
    ST.SUBMITTED: (1, 9),
    ST.ACCEPTED: (6, 14),
    ST.RETURNED: (4, 10),
    ST.APPROVED: (16, 30),
    ST.REJECTED: (15, 40),
    ST.PAID: (40, 120),
    ST.WITHDRAWN: (5, 20),
}


def _application(
    *, rng, spec, status, policy, enterprise, submitter, officer, insurance, now, rejected_reason
):
    version = policy.live_version
    inputs = _inputs(spec, rng, insurance)
    money_fields = {f["name"] for f in spec.inputs if f["kind"] == "money"}
    benefit = benefit_compute(
        version,
        facts={},
        inputs={k: Decimal(v) if k in money_fields else v for k, v in inputs.items()},
        already={},
    )
    precheck = _precheck(version, enterprise.pk)
    if precheck["status"] != "eligible":
        rejected_reason = (RejectReason.NOT_ELIGIBLE, "经核查，企业不符合本政策申报条件。")
    submitted_at = now - datetime.timedelta(
        days=rng.randint(*_DAYS_AGO[status]), hours=rng.randint(0, 6)
    )
    app = Application(
        policy=policy,
        version=version,
        enterprise=enterprise,
        period_key=_period_key(version),
        status=ST.SUBMITTED,
        inputs=inputs,
        precheck=precheck,
        amount_computed=benefit.amount,
        insurance_policy=insurance,
        submitted_at=submitted_at,
        submitted_by=submitter,
    )
    walk = _Walk(app, submitted_at)
    walk.events.append(
        ApplicationEvent(
            application=app,
            action=ApplicationAction.SUBMIT,
            from_status="",
            to_status=ST.SUBMITTED,
            actor=submitter,
            amount=benefit.amount,
            at=submitted_at,
        )
    )
    walk.step(ApplicationStep.ACCEPT, version)
    days = datetime.timedelta(days=1)
    if status == ST.WITHDRAWN:
        walk.move(
            ApplicationAction.WITHDRAW,
            ST.WITHDRAWN,
            actor=submitter,
            after=days * 2,
            comment="企业申请撤回，拟下年度再申报。",
        )
        walk.close()
    elif status == ST.RETURNED:
        walk.move(
            ApplicationAction.RETURN,
            ST.RETURNED,
            actor=officer,
            after=days * 2,
            comment="请补充上传付款凭证（银行回单）扫描件。",
        )
        walk.close()
        app.officer_comment = "请补充上传付款凭证（银行回单）扫描件。"
    elif status != ST.SUBMITTED:
        walk.move(
            ApplicationAction.ACCEPT, ST.ACCEPTED, actor=officer, after=days * rng.randint(1, 2)
        )
        walk.step(ApplicationStep.DECIDE, version)
        if status == ST.REJECTED:
            walk.move(
                ApplicationAction.REJECT,
                ST.REJECTED,
                actor=officer,
                after=days * rng.randint(3, 8),
                comment=rejected_reason[1],
            )
            app.reject_reason, app.officer_comment = rejected_reason
            app.decided_by, app.decided_at = officer, walk.at
            walk.close()
        elif status in (ST.APPROVED, ST.PAID):
            approved = benefit.amount if benefit.amount is not None else Decimal(50_000)
            walk.move(
                ApplicationAction.APPROVE,
                ST.APPROVED,
                actor=officer,
                after=days * rng.randint(3, 8),
                amount=approved,
                comment="经审核，按测算金额核定。",
            )
            app.amount_approved = approved
            app.decided_by, app.decided_at = officer, walk.at
            walk.step(ApplicationStep.PAY, version)
            if status == ST.PAID:
                walk.move(
                    ApplicationAction.PAY,
                    ST.PAID,
                    actor=officer,
                    after=days * rng.randint(3, 7),
                    amount=approved,
                    comment="资金已拨付至企业基本账户。",
                )
                app.amount_paid = approved
                walk.close()
    return walk


def _enterprise_queue(enterprises, eligible: set[int]) -> tuple[list, list]:
    good = [e for e in enterprises[1:] if e.pk in eligible]
    poor = [e for e in enterprises[1:] if e.pk not in eligible]
    return good + poor, poor + good


def demo_applications(
    *, rng, enterprises, policies: dict[str, Policy], insurance, officer, enterprise_user, now
) -> int:
    """Write the planned applications not there yet (keyed by policy, enterprise, period)."""
    own = enterprises[0]
    by_enterprise = {p.enterprise_id: p for p in insurance}
    insured = [e for e in enterprises if e.pk in by_enterprise]
    queues: dict[str, tuple[list, list]] = {}
    used: dict[str, set[int]] = {}
    first_of: set[str] = set()
    walks: list[_Walk] = []
    payouts: list[Payout] = []
    existing = set(
        Application.objects.filter(policy__in=policies.values()).values_list(
            "policy_id", "enterprise_id", "period_key", "status"
        )
    )
    for index, (spec, status) in enumerate(APPLICATION_PLAN):
        policy = policies[spec.title]
        version = policy.live_version
        if spec.title not in queues:
            eligible = set(qualifying_ids(version))
            queues[spec.title] = _enterprise_queue(enterprises, eligible)
            used[spec.title] = set()
        good, poor = queues[spec.title]
        pool = insured if spec is TECH_INSURANCE else poor if status == ST.REJECTED else good
        if spec.title not in first_of:
            first_of.add(spec.title)
            enterprise = own
        else:
            enterprise = next(
                (e for e in pool if e.pk not in used[spec.title] and e.pk != own.pk), None
            )
            if enterprise is None:  # a small demo registry: fewer applications
                continue
        used[spec.title].add(enterprise.pk)
        key = (policy.pk, enterprise.pk, _period_key(version), status)
        if key in existing:
            continue
        walk = _application(
            rng=random.Random(f"{index}:{enterprise.pk}"),
            spec=spec,
            status=status,
            policy=policy,
            enterprise=enterprise,
            submitter=enterprise_user if enterprise.pk == own.pk else None,
            officer=officer,
            insurance=by_enterprise.get(enterprise.pk) if spec is TECH_INSURANCE else None,
            now=now,
            rejected_reason=(RejectReason.MATERIALS, "经核查，申报材料中的付款凭证与实际不符。"),
        )
        walks.append(walk)
    Application.objects.bulk_create([w.app for w in walks])
    for walk in walks:
        for event in walk.events:
            event.application = walk.app
        if walk.app.status == ST.PAID:
            payouts.append(
                Payout(
                    application=walk.app,
                    amount=walk.app.amount_paid,
                    paid_on=timezone.localtime(walk.at).date(),
                    voucher=f"JXCZ-{timezone.localtime(walk.at):%Y%m%d}-{walk.app.pk:05d}",
                    recorded_by=officer,
                )
            )
    ApplicationEvent.objects.bulk_create([e for w in walks for e in w.events])
    Payout.objects.bulk_create(payouts)
    return Application.objects.filter(policy__in=policies.values()).count()


# --- group cover -----------------------------------------------------------------------------

SCHEME_NAME = "2025年度科技型初创企业产品研发责任保险统保"
NEXT_SCHEME_NAME = "2026年度科技型初创企业关键研发设备保险统保（筹备）"


def demo_group_scheme(*, policy: Policy, insurer_user, officer, now) -> tuple[int, int]:
    """A confirmed scheme (members youngest first within the budget; two thirds covered,
    one declined, the rest still listed) and next year's draft without members."""
    version = policy.live_version
    assert version is not None, "a published demo policy has a live version"
    scheme = GroupScheme.objects.filter(name=SCHEME_NAME).first()
    if scheme is None:
        scheme = GroupScheme.objects.create(
            policy=policy,
            name=SCHEME_NAME,
            insurer_id=insurer_user.institution_id,
            line=InsuranceLine.RD_LIABILITY,
            premium_per_head=Decimal(3000),
            sum_insured_per_head=Decimal(500_000),
            starts_on=datetime.date(2025, 7, 1),
            ends_on=datetime.date(2026, 6, 30),
            status=GroupSchemeStatus.DRAFT,
            created_by=officer,
        )
        premium = Decimal(scheme.premium_per_head)
        room = int(Decimal(version.budget) // premium) if version.budget is not None else None
        ids = list(
            Enterprise.objects.filter(pk__in=qualifying_ids(version))
            .order_by("-founded_on", "pk")
            .values_list("pk", flat=True)[:room]
        )
        members = GroupMember.objects.bulk_create(
            [GroupMember(scheme=scheme, enterprise_id=pk, premium=premium) for pk in ids]
        )
        covered = members[: len(members) * 2 // 3]
        for member in covered:
            member.insurance_policy = InsurancePolicy.objects.create(
                insurer_id=scheme.insurer_id,
                enterprise_id=member.enterprise_id,
                line=scheme.line,
                number=member_policy_number(scheme, member),
                premium=member.premium,
                sum_insured=scheme.sum_insured_per_head,
                starts_on=scheme.starts_on,
                ends_on=scheme.ends_on,
                recorded_by=insurer_user,
            )
            member.status = GroupMemberStatus.COVERED
        if len(members) > len(covered):
            members[-1].status = GroupMemberStatus.DECLINED
        GroupMember.objects.bulk_update(members, ["insurance_policy", "status"])
        if members:
            scheme.status = GroupSchemeStatus.CONFIRMED if covered else GroupSchemeStatus.OPEN
            scheme.confirmed_at = _at(datetime.date(2025, 6, 26)) if covered else None
            scheme.save(update_fields=["status", "confirmed_at"])
    if not GroupScheme.objects.filter(name=NEXT_SCHEME_NAME).exists():
        GroupScheme.objects.create(
            policy=policy,
            name=NEXT_SCHEME_NAME,
            insurer_id=insurer_user.institution_id,
            line=InsuranceLine.RD_EQUIPMENT,
            premium_per_head=Decimal(2500),
            sum_insured_per_head=Decimal(1_000_000),
            starts_on=datetime.date(2026, 7, 1),
            ends_on=datetime.date(2027, 6, 30),
            created_by=officer,
        )
    listed = GroupMember.objects.filter(scheme__name=SCHEME_NAME)
    return listed.count(), listed.filter(status=GroupMemberStatus.COVERED).count()


# --- risk compensation fund -------------------------------------------------------------------

FUND_NAME = "嘉兴市科技支行信贷风险补偿资金池"
FUND_START = datetime.date(2024, 3, 15)


def _contributions(regions) -> list[tuple[datetime.date, dict]]:
    return [
        (
            FUND_START,
            {"source": FundSource.CITY, "amount": Decimal(30_000_000), "memo": "市级财政首期注资"},
        ),
        (
            datetime.date(2024, 4, 10),
            {
                "source": FundSource.COUNTY,
                "region": regions.get("330402"),
                "amount": Decimal(10_000_000),
                "memo": "南湖区财政配套注资",
            },
        ),
        (
            datetime.date(2024, 5, 20),
            {
                "source": FundSource.COUNTY,
                "region": regions.get("330481"),
                "amount": Decimal(5_000_000),
                "memo": "海宁市财政配套注资",
            },
        ),
        (
            datetime.date(2025, 3, 18),
            {
                "source": FundSource.CITY,
                "amount": Decimal(15_000_000),
                "memo": "市级财政2025年度追加注资",
            },
        ),
    ]


def demo_fund(*, policy: Policy, officer, now) -> tuple[CompensationFund, int, bool]:
    """The fund with its ledger, claims and enrolments (written once, keyed by name)."""
    fund = CompensationFund.objects.filter(name=FUND_NAME).first()
    if fund is not None:
        return fund, fund.claims.count(), not fund.claims.exists()
    version = policy.live_version
    assert version is not None, "a published demo policy has a live version"
    fund = CompensationFund.objects.create(name=FUND_NAME, policy=policy, balance=Decimal(0))
    regions = {r.code: r for r in Region.objects.filter(code__in=["330402", "330481"])}
    entries: list[tuple[datetime.date, int, dict]] = [
        (day, 0, data) for day, data in _contributions(regions)
    ]
    loans = list(
        Loan.objects.filter(
            status=LoanStatus.DEFAULT,
            institution__kind=InstitutionKind.TECH_SUB_BRANCH,
            outstanding__gt=0,
        )
        .select_related("institution", "enterprise")
        .order_by("pk")[:2]
    )
    share = Decimal(str(version.parameters["share"]["value"]))
    granted: dict[tuple[int, int], Decimal] = {}
    claims = []
    for index, loan in enumerate(loans):
        submitted_day = max(loan.status_since, datetime.date(2024, 9, 1)) + datetime.timedelta(
            days=10
        )
        submitted_at = _at(
            min(submitted_day, timezone.localdate(now) - datetime.timedelta(days=20))
        )
        decided_at = submitted_at + datetime.timedelta(days=9)
        loss = Decimal(loan.outstanding)
        key = (loan.institution_id, decided_at.year)
        benefit = benefit_compute(
            version,
            facts={},
            inputs={"principal_loss": loss},
            already={"institution_year": granted.get(key, Decimal(0))},
        )
        amount = benefit.amount or Decimal(0)
        granted[key] = granted.get(key, Decimal(0)) + amount
        recovered = _cents(loss * Decimal("0.2")) if index == 0 else Decimal(0)
        returned = _cents(recovered * amount / loss) if recovered else Decimal(0)
        claim = CompensationClaim.objects.create(
            fund=fund,
            version=version,
            loan=loan,
            institution=loan.institution,
            enterprise=loan.enterprise,
            principal_loss=loss,
            share=share,
            amount_claimed=amount,
            amount_approved=amount,
            recovered=recovered,
            returned_to_fund=returned,
            status=ClaimStatus.APPROVED,
            explanation=benefit.as_dict(),
            due_on=step_due("claim_review", submitted_at, version).date,
            officer_comment="经审核，符合补偿条件，按本金损失的50%核准补偿。",
            submitted_at=submitted_at,
            decided_by=officer,
            decided_at=decided_at,
        )
        claims.append(claim)
        if amount > 0:
            entries.append(
                (
                    timezone.localtime(decided_at).date(),
                    1,
                    {
                        "kind": FundEntryKind.PAYOUT,
                        "institution": loan.institution,
                        "claim": claim,
                        "amount": amount,
                        "memo": f"代偿：{loan.contract_number}",
                    },
                )
            )
        if returned > 0:
            day = timezone.localtime(decided_at).date() + datetime.timedelta(days=60)
            entries.append(
                (
                    min(day, timezone.localdate(now)),
                    2,
                    {
                        "kind": FundEntryKind.RECOVERY,
                        "institution": loan.institution,
                        "claim": claim,
                        "amount": returned,
                        "memo": f"追偿回收按比例返还：{loan.contract_number}",
                    },
                )
            )
    balance = Decimal(0)
    rows = []
    for day, _order, data in sorted(entries, key=lambda e: (e[0], e[1])):
        kind = data.pop("kind", FundEntryKind.CONTRIBUTION)
        balance += -data["amount"] if kind == FundEntryKind.PAYOUT else data["amount"]
        rows.append(
            FundEntry(
                fund=fund, kind=kind, balance_after=balance, on=day, recorded_by=officer, **data
            )
        )
    for row in rows:  # one by one: ``at`` (auto) and id follow the ledger's order
        row.save()
    fund.balance = balance
    fund.save(update_fields=["balance"])
    pause = Decimal(str(version.parameters["npl_pause_ratio"]["value"]))
    enrolments = []
    for institution in Institution.objects.filter(kind=InstitutionKind.TECH_SUB_BRANCH).order_by(
        "pk"
    ):
        ratio = institution_npl_ratio(institution.pk)
        paused = ratio is not None and ratio > pause
        enrolments.append(
            FundEnrolment(
                fund=fund,
                institution=institution,
                status=EnrolmentStatus.PAUSED if paused else EnrolmentStatus.ACTIVE,
                since=timezone.localdate(now) if paused else FUND_START,
                npl_ratio=ratio,
                checked_at=now,
            )
        )
    FundEnrolment.objects.bulk_create(enrolments)
    return fund, len(claims), not claims


def demo_policy_records(
    *, rng, enterprises, policies: dict[str, Policy], officer, enterprise_user, insurer_user
) -> RecordsDemoCounts:
    """Every record of the policies demo (see the module docstring)."""
    now = timezone.now()
    insurance = demo_insurance(
        rng=rng,
        enterprises=enterprises,
        insurer_user=insurer_user,
        version=policies[TECH_INSURANCE.title].live_version,
    )
    applications = demo_applications(
        rng=rng,
        enterprises=enterprises,
        policies=policies,
        insurance=insurance,
        officer=officer,
        enterprise_user=enterprise_user,
        now=now,
    )
    members, covered = demo_group_scheme(
        policy=policies[GROUP_COVER.title], insurer_user=insurer_user, officer=officer, now=now
    )
    fund, claims, skipped = demo_fund(
        policy=policies[RISK_COMPENSATION.title], officer=officer, now=now
    )
    return RecordsDemoCounts(
        insurance_policies=InsurancePolicy.objects.filter(
            insurer_id=insurer_user.institution_id
        ).count(),
        applications=applications,
        group_members=members,
        group_covered=covered,
        fund_balance=fund.balance,
        claims=claims,
        claims_skipped=skipped,
    )
