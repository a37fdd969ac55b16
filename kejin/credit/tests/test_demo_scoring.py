"""The demo's loan outcomes carry signal: a small demo (the demo record generator over a few
hundred enterprises, seeded) trains a statistical scorecard that ranks held-out borrowers
well, and the trained card passes its own worked cases to be activated.

The trainer observes the indicators a year before the demo's day and takes the outcomes
from the loans' last twelve months (``loan_outcomes_frame``): the records must reach back
before the observation date for the indicators known then to carry the hidden risk."""

from __future__ import annotations

import datetime
import random

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import Department
from kejin.credit.catalogue import credit_catalogue_load_default
from kejin.credit.demo_records import credit_records_demo
from kejin.credit.demo_scoring import STATISTICAL_CODE, demo_scoring
from kejin.credit.models import RecordCategory
from kejin.credit.scoring.outcomes import TARGET, loan_outcomes_frame
from kejin.credit.scoring.services import scorecard_activate
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)
OBSERVATION = datetime.date(2025, 11, 28)  # what demo_scoring observes for TODAY
ENTERPRISES = 500


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _small_demo(seed: int, django_capture_on_commit_callbacks) -> None:
    credit_catalogue_load_default()
    departments = set(RecordCategory.objects.values_list("department__code", flat=True))
    for code in sorted(departments):
        UserFactory(data_provider=True, department=Department.objects.get(code=code))
    enterprises = EnterpriseFactory.create_batch(ENTERPRISES)
    with django_capture_on_commit_callbacks(execute=True):
        credit_records_demo(enterprises=enterprises, rng=random.Random(seed), today=TODAY)


def test_a_small_demo_trains_a_scorecard_with_held_out_auc_of_at_least_065(
    django_capture_on_commit_callbacks,
):
    _small_demo(2017, django_capture_on_commit_callbacks)

    frame = loan_outcomes_frame(observation=OBSERVATION)
    # What was known at the observation date varies with the hidden risk.
    assert 200 <= len(frame) <= 300  # about half the enterprises borrow
    assert 0.05 <= frame[TARGET].mean() <= 0.25  # some of them default
    assert frame["credit.tax_rating"].notna().all()
    assert frame["credit.social_insurance_trend"].notna().mean() > 0.9
    assert frame["credit.overdue_loans_24m"].sum() > 0

    result = demo_scoring(rng_seed=2017, today=TODAY)

    trained = result.statistical
    assert trained is not None and trained.code == STATISTICAL_CODE
    assert trained.metrics["auc"] >= 0.65, trained.metrics
    assert trained.metrics["train_rows"] + trained.metrics["test_rows"] == len(frame)
    assert "credit.tax_rating" in trained.document["facts"]
    # The trained card's worked cases are held-out rows; it passes its own gate.
    assert len(trained.worked_cases) == 3
    activated = scorecard_activate(version=trained, acting_user=UserFactory())
    assert activated.status == "active"
    result.expert.refresh_from_db()
    assert result.expert.status == "retired"
