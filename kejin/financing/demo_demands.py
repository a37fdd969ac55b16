"""Demo demands in every state, with the events of their path through the workflow table,
their routes, deadlines (some overdue, escalated), collateral, and the loans of those
disbursed — in every status, with monthly repayments and a status history.

Each demand's path is a walk through ``kejin.financing.workflow.TRANSITIONS`` to its target
state (every event's from/to and actor kind is a row of the table); step durations are
realistic (claimed within hours to a few days, decided within two weeks…) and the last
step waits as long as the demand's age says, so that open demands past their working-day
deadline are flagged overdue (``overdue_step``) and some escalated. See
``kejin.financing.demo`` for seeding, idempotency and why nothing here is audited.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kejin.core.workdays import WorkdayCalendar
from kejin.enterprises.models import Enterprise
from kejin.financing.choices import (
    FINAL_STATUSES,
    IP_KINDS,
    LENDING_TYPES,
    CollateralKind,
    DeadlineStep,
    DemandAction,
    DemandStatus,
    GuaranteeStatus,
    LoanChannel,
    LoanStatus,
    PledgeType,
    ProductStatus,
    ProductType,
    RejectionReason,
    Urgency,
)
from kejin.financing.deadlines import step_limit
from kejin.financing.models import (
    Demand,
    DemandCollateral,
    DemandEvent,
    DemandRoute,
    Loan,
    LoanRepayment,
    LoanStatusEvent,
    Product,
)
from kejin.financing.routing import ROUTE_LIMIT
from kejin.financing.workflow import TRANSITIONS
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.models import Institution

S, A = DemandStatus, DemandAction
NUMBER_PREFIX = "RZDEMO"

#: How many demands end in each state (1,200 in all).
STATE_COUNTS: dict[str, int] = {
    S.SUBMITTED: 40,
    S.ROUTED: 120,
    S.CLAIMED: 80,
    S.CONTACTED: 90,
    S.UNDER_REVIEW: 110,
    S.APPROVED: 60,
    S.REJECTED: 130,
    S.DISBURSED: 220,
    S.CLOSED: 200,
    S.WITHDRAWN: 80,
    S.EXPIRED: 70,
}

#: The main path, and where withdrawals and expiries leave it.
_PATH = (A.SUBMIT, A.ROUTE, A.CLAIM, A.CONTACT, A.START_REVIEW, A.APPROVE, A.DISBURSE, A.CLOSE)
_PATH_TO = {
    S.SUBMITTED: 1,
    S.ROUTED: 2,
    S.CLAIMED: 3,
    S.CONTACTED: 4,
    S.UNDER_REVIEW: 5,
    S.APPROVED: 6,
    S.DISBURSED: 7,
    S.CLOSED: 8,
}
#: Hours each step usually takes after the previous one (low, high).
_STEP_HOURS: dict[str, tuple[float, float]] = {
    A.ROUTE: (0.01, 0.2),
    A.POOL: (0.01, 0.2),
    A.CLAIM: (1, 40),
    A.CONTACT: (1, 50),
    A.START_REVIEW: (12, 120),
    A.APPROVE: (48, 300),
    A.REJECT: (24, 300),
    A.DISBURSE: (48, 480),
    A.CLOSE: (24, 900),
    A.WITHDRAW: (6, 200),
    A.EXPIRE: (30, 120),
    A.REQUEST_GUARANTEE: (2, 48),
    A.GRANT_GUARANTEE: (24, 120),
    A.REFUSE_GUARANTEE: (24, 120),
    A.REFER: (2, 72),
}
_PURPOSES = (
    "购置研发设备",
    "新产品中试及量产的流动资金",
    "支付原材料采购款",
    "研发中心建设",
    "扩大生产线",
    "专利技术产业化",
    "承接大额订单的备货资金",
    "引进高端人才及研发投入",
)
_DEBTORS = ("浙江禾丰电子有限公司", "嘉兴港区精密机械有限公司", "上海临港智能装备有限公司")
_REJECTION_TEXT = {
    RejectionReason.CREDIT: "企业近两年存在多笔逾期记录，暂不符合准入要求。",
    RejectionReason.FINANCIALS: "企业上年度营业收入下降明显，现金流不足以覆盖还款。",
    RejectionReason.COLLATERAL: "提供的专利评估价值不足以覆盖申请额度。",
    RejectionReason.POLICY: "企业所属行业不在本产品支持范围内。",
    RejectionReason.MATERIALS: "多次催告后仍未提供近两年财务报表。",
    RejectionReason.AMOUNT: "申请额度超出本产品单户上限，建议调整金额后重新申请。",
    RejectionReason.ENTERPRISE_DECLINED: "企业表示已从其他渠道解决资金需求。",
    RejectionReason.OTHER: "经审贷会审议，暂不予支持。",
}


@dataclass
class _Walk:
    """A demand being walked to its target state."""

    demand: Demand
    at: datetime.datetime
    events: list[DemandEvent] = field(default_factory=list)
    routes: list[DemandRoute] = field(default_factory=list)


@dataclass(frozen=True)
class DemandsDemoCounts:
    demands: int
    events: int
    routes: int
    loans: int
    repayments: int


class _Builder:
    """Builds the demo demands (no database but the reads in ``__init__``)."""

    def __init__(self, *, rng, enterprises, products, institution, bank_user, enterprise_user):
        self.rnd = random.Random(rng.getrandbits(64))
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.calendar = WorkdayCalendar()
        self.limits = {step: step_limit(step) for step in DeadlineStep.values}
        self.enterprises = enterprises
        self.demo_institution = institution
        self.bank_user = bank_user
        self.enterprise_user = enterprise_user
        self.by_type: dict[str, list[Product]] = {}
        for product in products:
            if product.status == ProductStatus.PUBLISHED and product.product_type in LENDING_TYPES:
                self.by_type.setdefault(product.product_type, []).append(product)
        self.demo_products = [
            p for ps in self.by_type.values() for p in ps if p.institution_id == institution.pk
        ]
        self.guarantors = list(
            Institution.objects.filter(kind=InstitutionKind.GUARANTEE).order_by("pk")
        )

    # -- helpers --------------------------------------------------------------------------

    def _hours(self, action: str, scale: float = 1.0) -> datetime.timedelta:
        low, high = _STEP_HOURS[action]
        return datetime.timedelta(hours=self.rnd.uniform(low, high) * scale)

    def _due(self, start: datetime.datetime, step: str) -> datetime.date:
        return self.calendar.add(timezone.localtime(start).date(), self.limits[step]).date

    def _event(self, walk: _Walk, action: str, *, institution_id=None, actor=None, **extra) -> None:
        demand = walk.demand
        transition = TRANSITIONS[action] if action != A.SUBMIT else None
        from_status = "" if transition is None else demand.status
        to_status = S.SUBMITTED if transition is None else (transition.target or demand.status)
        walk.events.append(
            DemandEvent(
                demand=demand,
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                institution_id=institution_id,
                at=walk.at,
                **extra,
            )
        )
        demand.status = to_status

    def _step(self, walk: _Walk, action: str, scale: float = 1.0) -> None:
        walk.at = walk.at + self._hours(action, scale)

    # -- one demand ------------------------------------------------------------------------

    def demand(self, number: int, target: str, enterprise: Enterprise, mine: bool) -> _Walk:
        rnd = self.rnd
        product_type = rnd.choices(
            list(self.by_type),
            weights=[5 if t == ProductType.CREDIT_LOAN else 2 for t in self.by_type],
        )[0]
        preferred = [product_type]
        if rnd.random() < 0.3:
            preferred.append(rnd.choice([t for t in self.by_type if t != product_type]))
        amount = Decimal(max(5, round(10 ** rnd.uniform(0.7, 2.5))) * 100_000)  # 50万–3,000万
        demand = Demand(
            number=f"{NUMBER_PREFIX}{number:06d}",
            enterprise=enterprise,
            county_id=enterprise.county_id,
            amount=Decimal(amount),
            term_months=rnd.choice((6, 12, 12, 12, 24, 36)),
            purpose=rnd.choice(_PURPOSES),
            preferred_types=[str(t) for t in preferred],
            max_rate=None
            if rnd.random() < 0.5
            else Decimal(rnd.choice(("4.500", "5.000", "6.000", "7.500"))),
            urgency=rnd.choices(Urgency.values, weights=(6, 3, 1))[0],
            guarantor_ok=rnd.random() < 0.7,
            contact_name=rnd.choice(("王", "李", "张", "沈", "陆", "周"))
            + rnd.choice(("经理", "总", "会计")),
            contact_phone=f"13{rnd.randrange(10**9):09d}",
            status=S.SUBMITTED,
        )
        # How long the demand waits in its current step: long for finished ones, up to a
        # few working weeks for open ones (some then past their deadline).
        if target in FINAL_STATUSES or target in (S.DISBURSED, S.APPROVED):
            rest = datetime.timedelta(days=rnd.uniform(1, 420))
        elif target == S.SUBMITTED:  # routed within minutes: only the newest wait
            rest = datetime.timedelta(minutes=rnd.uniform(0, 8))
        else:
            rest = datetime.timedelta(days=rnd.choice((rnd.uniform(0, 1.5), rnd.uniform(0, 9))))
        walk = _Walk(demand=demand, at=self.now)
        self._walk(walk, target, product_type, mine)
        # Shift the whole path so that it ends ``rest`` before now.
        shift = self.now - rest - walk.at
        walk.at += shift
        for event in walk.events:
            event.at += shift
        for route in walk.routes:
            route.routed_at += shift
        for name in (
            "submitted_at",
            "routed_at",
            "claimed_at",
            "contacted_at",
            "review_started_at",
            "decided_at",
            "disbursed_at",
            "closed_at",
        ):
            value = getattr(demand, name)
            if value is not None:
                setattr(demand, name, value + shift)
        self._deadlines(walk)
        return walk

    def _walk(self, walk: _Walk, target: str, product_type: str, mine: bool) -> None:
        rnd, demand = self.rnd, walk.demand
        submitter = self.enterprise_user if mine else None
        demand.submitted_at = walk.at
        self._event(walk, A.SUBMIT, actor=submitter)
        if target == S.SUBMITTED:
            return
        if target == S.WITHDRAWN and rnd.random() < 0.2:
            self._step(walk, A.WITHDRAW)
            self._event(walk, A.WITHDRAW, actor=submitter)
            return
        self._step(walk, A.ROUTE)
        candidates = self._candidates(product_type, mine)
        pooled = rnd.random() < 0.15 or not candidates
        demand.routed_at = walk.at
        if pooled:
            demand.open_pool = True
            self._event(walk, A.POOL)
        else:
            self._route(walk, candidates, referral=False)
            self._event(walk, A.ROUTE)
        if target == S.EXPIRED:
            walk.at += datetime.timedelta(days=rnd.uniform(3, 12))
            self._event(walk, A.EXPIRE)
            return
        if target == S.WITHDRAWN and rnd.random() < 0.3:
            self._step(walk, A.WITHDRAW)
            self._event(walk, A.WITHDRAW, actor=submitter)
            return
        referred = target == S.ROUTED and rnd.random() < 0.12
        if target == S.ROUTED and not referred:
            return
        claimant = self._claimant(walk, candidates, product_type, mine)
        self._claim(walk, claimant)
        if referred:
            self._step(walk, A.CONTACT)
            demand.contacted_at = walk.at
            self._event(
                walk, A.CONTACT, institution_id=claimant.institution_id, actor=self._actor(claimant)
            )
            self._reject(walk, claimant)
            self._step(walk, A.REFER)
            routed = {r.institution_id for r in walk.routes}
            others = [
                p for p in self._candidates(product_type, False) if p.institution_id not in routed
            ]
            self._route(walk, others[:2], referral=True)
            demand.institution, demand.product, demand.claimed_by = None, None, None
            demand.open_pool = not others
            demand.routed_at = walk.at
            self._event(
                walk,
                A.REFER,
                actor=submitter,
                data={"institutions": [p.institution_id for p in others[:2]]},
            )
            demand.rejection_reason, demand.rejection_text = "", ""
            demand.claimed_at = demand.contacted_at = demand.decided_at = None
            return
        if target == S.CLAIMED:
            return
        if target in (S.WITHDRAWN, S.REJECTED) and rnd.random() < 0.3:
            self._end_early(walk, target, claimant, submitter)
            return
        self._step(walk, A.CONTACT)
        demand.contacted_at = walk.at
        self._event(
            walk, A.CONTACT, institution_id=claimant.institution_id, actor=self._actor(claimant)
        )
        if target == S.CONTACTED:
            return
        if target in (S.WITHDRAWN, S.REJECTED) and rnd.random() < 0.3:
            self._end_early(walk, target, claimant, submitter)
            return
        self._step(walk, A.START_REVIEW)
        demand.review_started_at = walk.at
        self._event(
            walk,
            A.START_REVIEW,
            institution_id=claimant.institution_id,
            actor=self._actor(claimant),
        )
        guarantee = demand.guarantor_ok and self.guarantors and rnd.random() < 0.2
        if guarantee:
            self._guarantee(walk, claimant, pending=target == S.UNDER_REVIEW and rnd.random() < 0.4)
        if target == S.UNDER_REVIEW:
            return
        if target in (S.WITHDRAWN, S.REJECTED):
            self._end_early(walk, target, claimant, submitter)
            return
        self._step(walk, A.APPROVE)
        demand.decided_at = walk.at
        demand.approved_amount = (
            demand.amount * Decimal(rnd.choice(("1", "1", "0.8", "0.6")))
        ).quantize(Decimal("1"))
        live = claimant.live_version
        rate = (
            live.rate_min + (live.rate_max - live.rate_min) * Decimal(rnd.randrange(0, 101)) / 100
            if live
            else Decimal("4.000")
        )
        demand.approved_rate = rate.quantize(Decimal("0.001"))
        self._event(
            walk,
            A.APPROVE,
            institution_id=claimant.institution_id,
            actor=self._actor(claimant),
            data={
                "approved_amount": str(demand.approved_amount),
                "approved_rate": str(demand.approved_rate),
            },
        )
        if target == S.APPROVED:
            return
        if target == S.CLOSED and rnd.random() < 0.1:  # approved, then the enterprise gave up
            self._step(walk, A.CLOSE)
            demand.closed_at = walk.at
            self._event(
                walk,
                A.CLOSE,
                institution_id=claimant.institution_id,
                actor=self._actor(claimant),
                text="企业已通过其他渠道解决资金需求，未提款。",
            )
            return
        self._step(walk, A.DISBURSE)
        demand.disbursed_at = walk.at
        self._event(
            walk, A.DISBURSE, institution_id=claimant.institution_id, actor=self._actor(claimant)
        )
        if target == S.DISBURSED:
            return
        self._step(walk, A.CLOSE)
        demand.closed_at = walk.at
        self._event(
            walk, A.CLOSE, institution_id=claimant.institution_id, actor=self._actor(claimant)
        )

    def _actor(self, product: Product):
        return self.bank_user if product.institution_id == self.demo_institution.pk else None

    def _candidates(self, product_type: str, mine: bool) -> list[Product]:
        """Up to ``ROUTE_LIMIT`` products of the type from distinct institutions (the demo
        institution's first for a quarter of the demands and for the demo enterprise)."""
        pool = list(self.by_type.get(product_type, []))
        self.rnd.shuffle(pool)
        own = [p for p in pool if p.institution_id == self.demo_institution.pk]
        if own and (mine or self.rnd.random() < 0.25):
            pool = own[:1] + [p for p in pool if p is not own[0]]
        picked, seen = [], set()
        for product in pool:
            if product.institution_id not in seen:
                picked.append(product)
                seen.add(product.institution_id)
            if len(picked) == ROUTE_LIMIT:
                break
        return picked

    def _route(self, walk: _Walk, products: list[Product], *, referral: bool) -> None:
        score = Decimal(self.rnd.randrange(82, 96))
        first = len(walk.routes)
        for rank, product in enumerate(products, start=first + 1):
            walk.routes.append(
                DemandRoute(
                    demand=walk.demand,
                    institution_id=product.institution_id,
                    product=product,
                    rank=rank,
                    score=score,
                    routed_at=walk.at,
                    referral=referral,
                )
            )
            score -= Decimal(self.rnd.randrange(2, 9))

    def _claimant(self, walk, candidates, product_type, mine) -> Product:
        if candidates and not walk.demand.open_pool:
            return candidates[0] if self.rnd.random() < 0.7 else self.rnd.choice(candidates)
        pool = self.by_type[product_type]
        own = [p for p in pool if p.institution_id == self.demo_institution.pk]
        return own[0] if own and mine else self.rnd.choice(pool)

    def _claim(self, walk: _Walk, claimant: Product) -> None:
        demand = walk.demand
        self._step(walk, A.CLAIM)
        demand.claimed_at = walk.at
        demand.institution_id = claimant.institution_id
        demand.product = claimant
        demand.claimed_by = self._actor(claimant)
        demand.open_pool = False
        self._event(
            walk, A.CLAIM, institution_id=claimant.institution_id, actor=self._actor(claimant)
        )

    def _reject(self, walk: _Walk, claimant: Product) -> None:
        demand = walk.demand
        self._step(walk, A.REJECT)
        reason = self.rnd.choice(RejectionReason.values)
        demand.rejection_reason, demand.rejection_text = (
            reason,
            _REJECTION_TEXT[RejectionReason(reason)],
        )
        demand.decided_at = walk.at
        self._event(
            walk,
            A.REJECT,
            institution_id=claimant.institution_id,
            actor=self._actor(claimant),
            reason=reason,
            text=demand.rejection_text,
        )

    def _end_early(self, walk, target, claimant, submitter) -> None:
        if target == S.REJECTED:
            self._reject(walk, claimant)
        else:
            self._step(walk, A.WITHDRAW)
            self._event(walk, A.WITHDRAW, actor=submitter, text="资金需求已通过其他渠道解决。")

    def _guarantee(self, walk: _Walk, claimant: Product, *, pending: bool) -> None:
        demand = walk.demand
        guarantor = self.rnd.choice(self.guarantors)
        demand.guarantor = guarantor
        self._step(walk, A.REQUEST_GUARANTEE)
        self._event(
            walk,
            A.REQUEST_GUARANTEE,
            institution_id=claimant.institution_id,
            actor=self._actor(claimant),
            data={"guarantor": guarantor.pk},
        )
        demand.guarantee_status = GuaranteeStatus.REQUESTED
        if pending:
            return
        self._step(walk, A.GRANT_GUARANTEE)
        self._event(walk, A.GRANT_GUARANTEE, institution_id=guarantor.pk)
        demand.guarantee_status = GuaranteeStatus.GRANTED

    def _deadlines(self, walk: _Walk) -> None:
        """The current steps' deadlines, whether one is overdue now, and an escalation
        (event and time) for overdue demands when the scan would have seen them."""
        demand = walk.demand
        if demand.routed_at:
            demand.claim_due_on = self._due(demand.routed_at, DeadlineStep.CLAIM)
        if demand.claimed_at:
            demand.contact_due_on = self._due(demand.claimed_at, DeadlineStep.CONTACT)
            demand.decision_due_on = self._due(demand.claimed_at, DeadlineStep.DECISION)
        step = ""
        if demand.status == S.ROUTED and demand.claim_due_on and demand.claim_due_on < self.today:
            step = DeadlineStep.CLAIM
        elif (
            demand.status == S.CLAIMED
            and demand.contact_due_on
            and demand.contact_due_on < self.today
        ):
            step = DeadlineStep.CONTACT
        elif (
            demand.status in (S.CONTACTED, S.UNDER_REVIEW)
            and demand.decision_due_on
            and demand.decision_due_on < self.today
        ):
            step = DeadlineStep.DECISION
        demand.overdue_step = step
        if step:
            due_on: dict[str, datetime.date | None] = {
                DeadlineStep.CLAIM: demand.claim_due_on,
                DeadlineStep.CONTACT: demand.contact_due_on,
                DeadlineStep.DECISION: demand.decision_due_on,
            }
            due = due_on[step]
            assert due is not None
            at = timezone.make_aware(
                datetime.datetime.combine(due + datetime.timedelta(days=1), datetime.time(2, 0))
            )
            if at < self.now and at > walk.events[-1].at:
                demand.escalated_at = at
                walk.events.append(
                    DemandEvent(
                        demand=demand,
                        action=A.ESCALATE,
                        from_status=demand.status,
                        to_status=demand.status,
                        institution_id=demand.institution_id,
                        reason=step,
                        at=at,
                    )
                )

    # -- loans -----------------------------------------------------------------------------

    def loan(self, demand: Demand) -> tuple[Loan, list[LoanRepayment], list[LoanStatusEvent]]:
        rnd = self.rnd
        product = demand.product
        assert product is not None and demand.disbursed_at is not None
        assert demand.approved_amount is not None and demand.approved_rate is not None
        assert demand.institution_id is not None
        product_type = product.product_type
        disbursed_on = timezone.localtime(demand.disbursed_at).date()
        term = demand.term_months
        maturity = _add_months(disbursed_on, term)
        amount = demand.approved_amount
        if demand.guarantee_status == GuaranteeStatus.GRANTED:
            pledge, numbers = PledgeType.GUARANTEE, []
        elif product_type == ProductType.IP_PLEDGE:
            pledge = PledgeType.IP
            numbers = [f"Y{disbursed_on.year}330000{rnd.randrange(10**6):06d}"]
        elif product_type == ProductType.RECEIVABLES_PLEDGE:
            pledge = PledgeType.RECEIVABLES
            numbers = [f"{disbursed_on:%Y%m%d}{rnd.randrange(10**12):012d}"]
        elif product_type == ProductType.GUARANTEE_LOAN:
            pledge, numbers = PledgeType.GUARANTEE, []
        elif product_type == ProductType.LOAN_GUARANTEE_INSURANCE:
            pledge, numbers = PledgeType.INSURANCE, []
        else:
            pledge, numbers = PledgeType.NONE, []
        if maturity <= self.today:
            status = LoanStatus.REPAID if rnd.random() < 0.85 else LoanStatus.DEFAULT
        else:
            status = rnd.choices(
                (LoanStatus.PERFORMING, LoanStatus.OVERDUE, LoanStatus.DEFAULT), weights=(80, 14, 6)
            )[0]
        amortising = rnd.random() < 0.4
        monthly_interest = (amount * demand.approved_rate / 1200).quantize(Decimal("0.01"))
        months = []
        month = 1
        while True:
            day = _add_months(disbursed_on, month)
            if day > min(self.today, maturity):
                break
            months.append(day)
            month += 1
        paid_months = len(months)
        if status == LoanStatus.OVERDUE:
            paid_months = max(0, paid_months - rnd.choice((1, 2)))
        elif status == LoanStatus.DEFAULT:
            paid_months = max(0, paid_months - rnd.choice((3, 4, 6)))
        loan = Loan(
            demand=demand,
            enterprise_id=demand.enterprise_id,
            institution_id=demand.institution_id,
            county_id=demand.county_id,
            contract_number=f"HT{demand.number}",
            product_type=product_type,
            amount=amount,
            rate=demand.approved_rate,
            term_months=term,
            pledge_type=pledge,
            pledge_numbers=numbers,
            guarantor_id=demand.guarantor_id if pledge == PledgeType.GUARANTEE else None,
            disbursed_on=disbursed_on,
            maturity_on=maturity,
            status=status,
            status_since=disbursed_on,
            outstanding=amount,
        )
        repayments = []
        outstanding = amount
        principal_each = (amount / term).quantize(Decimal("0.01"))
        for index, day in enumerate(months[:paid_months], start=1):
            principal = Decimal("0.00")
            if status == LoanStatus.REPAID and index == len(months):
                principal = outstanding
            elif amortising:
                principal = min(principal_each, outstanding)
            outstanding -= principal
            repayments.append(
                LoanRepayment(
                    loan=loan, paid_on=day, principal=principal, interest=monthly_interest
                )
            )
        if status == LoanStatus.REPAID and outstanding:
            repayments.append(
                LoanRepayment(
                    loan=loan, paid_on=maturity, principal=outstanding, interest=Decimal("0.00")
                )
            )
            outstanding = Decimal("0.00")
        loan.outstanding = outstanding
        events = [self._loan_event(loan, "", LoanStatus.PERFORMING, disbursed_on)]
        if status != LoanStatus.PERFORMING:
            missed = months[paid_months] if paid_months < len(months) else maturity
            since = min(missed + datetime.timedelta(days=1), self.today)
            if status == LoanStatus.REPAID:
                since = repayments[-1].paid_on if repayments else maturity
            elif status == LoanStatus.DEFAULT:
                overdue_on = since
                events.append(
                    self._loan_event(loan, LoanStatus.PERFORMING, LoanStatus.OVERDUE, overdue_on)
                )
                since = min(overdue_on + datetime.timedelta(days=90), self.today)
            loan.status_since = max(since, disbursed_on)
            previous = events[-1].to_status
            events.append(self._loan_event(loan, previous, status, loan.status_since))
        return loan, repayments, events

    def _loan_event(self, loan, from_status, to_status, on) -> LoanStatusEvent:
        return LoanStatusEvent(
            loan=loan,
            from_status=from_status,
            to_status=to_status,
            effective_on=on,
            channel=LoanChannel.DEMO,
            at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(17, 0))),
        )


def _add_months(day: datetime.date, months: int) -> datetime.date:
    from kejin.financing.services_loans import add_months

    return add_months(day, months)


def _targets() -> list[str]:
    return [state for state, count in STATE_COUNTS.items() for _ in range(count)]


@transaction.atomic
def demo_demands(
    *,
    rng: random.Random,
    enterprises: list[Enterprise],
    products: list[Product],
    institution: Institution,
    bank_user,
    enterprise_user,
) -> DemandsDemoCounts:
    """Create the demo demands not there yet (numbers ``RZDEMO000001``…) with their events,
    routes and collateral, and the loans of the disbursed ones with their repayments and
    history. ``enterprises[0]`` (the demo enterprise) gets one demand in every state and
    ``institution`` (the demo tech sub-branch) a share of the routes and claims, acted by
    ``bank_user``. Returns what exists afterwards."""
    builder = _Builder(
        rng=rng,
        enterprises=enterprises,
        products=products,
        institution=institution,
        bank_user=bank_user,
        enterprise_user=enterprise_user,
    )
    rnd = builder.rnd
    own = list(STATE_COUNTS)  # the demo enterprise: one demand in each state
    others = _targets()
    for state in own:
        others.remove(state)
    rnd.shuffle(others)
    plan = [(state, enterprises[0], True) for state in own] + [
        (state, rnd.choice(enterprises), False) for state in others
    ]
    walks = [
        builder.demand(n, state, enterprise, mine)
        for n, (state, enterprise, mine) in enumerate(plan, start=1)
    ]
    existing = set(
        Demand.objects.filter(number__startswith=NUMBER_PREFIX).values_list("number", flat=True)
    )
    walks = [w for w in walks if w.demand.number not in existing]
    demands = [w.demand for w in walks]
    for demand in demands:
        demand.clean_fields(
            exclude=["enterprise", "county", "institution", "product", "claimed_by", "guarantor"]
        )
    Demand.objects.bulk_create(demands, batch_size=500)
    collaterals = []
    for walk in walks:
        demand = walk.demand
        for preferred in demand.preferred_types:
            if preferred == ProductType.IP_PLEDGE:
                kind = rnd.choice(sorted(IP_KINDS))
                collaterals.append(
                    DemandCollateral(
                        demand=demand,
                        kind=kind,
                        number=f"ZL{rnd.randrange(2015, 2025)}1{rnd.randrange(10**7):07d}.{rnd.randrange(10)}",
                        amount=(demand.amount * Decimal("1.5")).quantize(Decimal("1")),
                        description="发明专利" if kind == CollateralKind.PATENT else "",
                    )
                )
            elif preferred == ProductType.RECEIVABLES_PLEDGE:
                collaterals.append(
                    DemandCollateral(
                        demand=demand,
                        kind=CollateralKind.RECEIVABLES,
                        debtor=rnd.choice(_DEBTORS),
                        amount=(demand.amount * Decimal("1.3")).quantize(Decimal("1")),
                    )
                )
    DemandCollateral.objects.bulk_create(collaterals, batch_size=1000)
    DemandEvent.objects.bulk_create([e for w in walks for e in w.events], batch_size=1000)
    DemandRoute.objects.bulk_create([r for w in walks for r in w.routes], batch_size=1000)
    loans, repayments, history = [], [], []
    for walk in walks:
        demand = walk.demand
        if demand.disbursed_at is None:
            continue
        loan, paid, events = builder.loan(demand)
        loans.append(loan)
        repayments.extend(paid)
        history.extend(events)
    Loan.objects.bulk_create(loans, batch_size=500)
    for repayment in repayments:
        repayment.loan_id = repayment.loan.pk
    for event in history:
        event.loan_id = event.loan.pk
    LoanRepayment.objects.bulk_create(repayments, batch_size=1000)
    LoanStatusEvent.objects.bulk_create(history, batch_size=1000)
    demo = Demand.objects.filter(number__startswith=NUMBER_PREFIX)
    return DemandsDemoCounts(
        demands=demo.count(),
        events=DemandEvent.objects.filter(demand__in=demo).count(),
        routes=DemandRoute.objects.filter(demand__in=demo).count(),
        loans=Loan.objects.filter(demand__in=demo).count(),
        repayments=LoanRepayment.objects.filter(loan__demand__in=demo).count(),
    )
