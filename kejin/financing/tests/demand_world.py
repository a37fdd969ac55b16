"""The people around one demand, for the demand workflow's tests: its enterprise's user, an
institution it is routed to, the claimant (routed too), a guarantee company, the county's
officer, an institution it is not routed to — and ``demand_in_state`` to build a demand
directly in any state with the fields that state implies (no walking of the workflow)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import CLAIMED_STATUSES, DemandStatus, GuaranteeStatus
from kejin.financing.models import Demand, DemandRoute
from kejin.financing.tests.factories import DemandFactory

#: States in which the claimant still holds the demand or decided it.
HELD = CLAIMED_STATUSES | {DemandStatus.REJECTED, DemandStatus.CLOSED}


@dataclass
class World:
    county: object
    enterprise: object
    enterprise_user: object
    routed: object  # a user of an institution the demand is routed to
    claimant: object  # a user of the institution that claims it (routed too)
    guarantor: object  # a user of a financing guarantee company
    officer: object  # a county officer of the demand's county
    stranger: object  # a user of an institution the demand is not routed to

    def demand_in_state(
        self, status: str, guarantee: str = GuaranteeStatus.NONE, **fields
    ) -> Demand:
        """A demand in ``status`` (and guarantee step ``guarantee``) as the workflow leaves
        it there: routed to ``routed`` and ``claimant`` unless still submitted, held by the
        claimant in the claimed states, with its step times and due dates."""
        now = timezone.now()
        hour = datetime.timedelta(hours=1)
        values: dict = {
            "enterprise": self.enterprise,
            "status": status,
            "submitted_at": now - 10 * hour,
        }
        if status != DemandStatus.SUBMITTED:
            values.update(routed_at=now - 9 * hour, claim_due_on=now.date())
        if status in HELD:
            values.update(
                institution=self.claimant.institution,
                claimed_by=self.claimant,
                claimed_at=now - 8 * hour,
                contact_due_on=now.date(),
                decision_due_on=now.date(),
            )
        if status in (DemandStatus.CONTACTED, DemandStatus.UNDER_REVIEW, *_DECIDED):
            values["contacted_at"] = now - 7 * hour
        if status in (DemandStatus.UNDER_REVIEW, *_DECIDED):
            values["review_started_at"] = now - 6 * hour
        if status in _DECIDED:
            values["decided_at"] = now - 5 * hour
        if status in (DemandStatus.APPROVED, DemandStatus.DISBURSED, DemandStatus.CLOSED):
            values.update(approved_amount=Decimal("800000.00"), approved_rate=Decimal("3.850"))
        if status == DemandStatus.REJECTED:
            values.update(rejection_reason="collateral", rejection_text="抵质押物不足")
        if status == DemandStatus.DISBURSED:
            values["disbursed_at"] = now - 4 * hour
        if status in (DemandStatus.CLOSED, DemandStatus.WITHDRAWN, DemandStatus.EXPIRED):
            values["closed_at"] = now - 3 * hour
        if guarantee != GuaranteeStatus.NONE:
            values.update(guarantee_status=guarantee, guarantor=self.guarantor.institution)
        demand = DemandFactory(**{**values, **fields})
        if status != DemandStatus.SUBMITTED:
            for rank, user in enumerate((self.claimant, self.routed), start=1):
                DemandRoute.objects.create(
                    demand=demand,
                    institution=user.institution,
                    rank=rank,
                    score=Decimal("80.00"),
                    routed_at=now - 9 * hour,
                )
        return demand


_DECIDED = (
    DemandStatus.APPROVED,
    DemandStatus.REJECTED,
    DemandStatus.DISBURSED,
    DemandStatus.CLOSED,
)


def world_build() -> World:
    county = RegionFactory(code="330402", name="南湖区")
    enterprise = EnterpriseFactory(county=county)
    return World(
        county=county,
        enterprise=enterprise,
        enterprise_user=UserFactory(enterprise_admin=True, enterprise=enterprise),
        routed=UserFactory(institution_officer=True),
        claimant=UserFactory(institution_officer=True),
        guarantor=UserFactory(institution_officer=True, institution__kind="guarantee"),
        officer=UserFactory(county_officer=True, county=county),
        stranger=UserFactory(institution_officer=True),
    )
