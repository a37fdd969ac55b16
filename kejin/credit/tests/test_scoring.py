"""Scorecard versions (default, drafted, activated) and batch scoring of every enterprise."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.facts.choices import RuleVersionStatus
from kejin.credit.models import CreditScore, CreditScoreHistory, ScorecardVersion
from kejin.credit.scoring.batch import credit_scores_recompute
from kejin.credit.scoring.scorecards import EXPERT_SCENARIOS
from kejin.credit.scoring.services import (
    scorecard_activate,
    scorecard_default_install,
    scorecard_draft_create,
    scorecard_statistical_save,
)
from kejin.credit.tests.scoring_factories import record
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.rules.versions import version_activate_file

AS_OF = datetime.date(2026, 6, 30)


def test_the_default_expert_scorecard_passes_its_worked_cases():
    assert version_activate_file(EXPERT_SCENARIOS).id == "jiaxing_expert"


@pytest.mark.django_db
def test_default_install_is_active_once():
    first = scorecard_default_install()
    again = scorecard_default_install()
    assert first.pk == again.pk
    assert (first.status, first.version, first.kind) == ("active", 1, "expert")
    assert ScorecardVersion.objects.count() == 1


@pytest.mark.django_db
def test_batch_scoring_writes_new_scores_then_only_changes(django_assert_max_num_queries):
    scorecard = scorecard_default_install()
    clean, listed = EnterpriseFactory.create_batch(2)
    record(clean, "tax_rating", datetime.date(2026, 4, 1), rating_year=2025, rating="A")
    record(listed, "dishonest_debtor", datetime.date(2026, 1, 5), case_no="1", performance="none")

    with django_assert_max_num_queries(12):
        counts = credit_scores_recompute(as_of=AS_OF)

    assert (counts.scored, counts.created, counts.changed, counts.unchanged) == (2, 2, 0, 0)
    scores = {s.enterprise_id: s for s in CreditScore.objects.all()}
    assert (scores[clean.pk].score, scores[clean.pk].grade) == (Decimal("560.00"), "BBB")
    assert scores[clean.pk].reasons == [
        "patents",
        "social_insurance_headcount",
        "social_insurance_trend",
    ]
    assert (scores[listed.pk].score, scores[listed.pk].grade) == (Decimal("250.00"), "C")
    assert scores[listed.pk].reasons == ["on_dishonesty_list", "tax_rating", "patents"]
    assert scores[listed.pk].scorecard_id == scorecard.pk
    assert CreditScoreHistory.objects.count() == 2

    again = credit_scores_recompute(as_of=AS_OF)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 2)
    assert CreditScoreHistory.objects.count() == 2

    record(clean, "patent", datetime.date(2026, 2, 1), patent_no="P1", status="valid")
    changed = credit_scores_recompute(as_of=AS_OF, enterprise_ids=[clean.pk])
    assert (changed.scored, changed.created, changed.changed) == (1, 0, 1)
    assert CreditScore.objects.get(enterprise=clean).score == Decimal("570.00")
    history = list(
        CreditScoreHistory.objects.filter(enterprise=clean)
        .order_by("id")
        .values_list("score", flat=True)
    )
    assert history == [Decimal("560.00"), Decimal("570.00")]


@pytest.mark.django_db
def test_nothing_is_scored_without_an_active_scorecard():
    EnterpriseFactory()
    counts = credit_scores_recompute(as_of=AS_OF)
    assert (counts.scored, counts.scorecard_id) == (0, None)
    assert not CreditScore.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_officer_drafts_edited_points_and_activates_them_rescoring_everyone():
    officer = UserFactory()  # a city officer
    active = scorecard_default_install()
    enterprise = EnterpriseFactory()
    record(enterprise, "tax_rating", datetime.date(2026, 4, 1), rating_year=2025, rating="A")

    draft = scorecard_draft_create(
        base=active,
        acting_user=officer,
        points={"tax_rating": {0: 80}},
        grade_mins={"BBB": 570},
        note="提高A级纳税人得分",
    )

    assert (draft.version, draft.status) == (2, "draft")
    assert draft.document["indicators"][1]["bands"][0] == {"values": ["A"], "points": 80}
    event = AuditEvent.objects.get(object_type="credit.scorecardversion", object_id=str(draft.pk))
    assert event.before == {"based_on": 1, "tax_rating[0]": 60, "grade.BBB": 550}
    assert event.after["tax_rating[0]"] == 80 and event.after["status"] == "draft"

    scorecard_activate(version=draft, acting_user=officer)

    active.refresh_from_db()
    draft.refresh_from_db()
    assert (active.status, draft.status, draft.activated_by) == ("retired", "active", officer)
    score = CreditScore.objects.get(enterprise=enterprise)  # rescored on commit
    assert (score.scorecard_id, score.score, score.grade) == (draft.pk, Decimal("580.00"), "A")


@pytest.mark.django_db
@pytest.mark.parametrize("trait", ["county_officer", "enterprise_admin", "institution_manager"])
def test_only_city_officers_draft_and_activate(trait):
    active = scorecard_default_install()
    user = UserFactory(**{trait: True})
    with pytest.raises(ApplicationError) as caught:
        scorecard_draft_create(base=active, acting_user=user, points={"tax_rating": {0: 80}})
    assert caught.value.code == "permission_denied"
    assert caught.value.message == "只有市级部门工作人员可以修改、训练和启用评分卡。"
    draft = scorecard_draft_create(base=active, acting_user=UserFactory(), points={})
    with pytest.raises(ApplicationError):
        scorecard_activate(version=draft, acting_user=user)
    assert list(ScorecardVersion.objects.order_by("version").values_list("status", flat=True)) == [
        "active",
        "draft",
    ]
    assert AuditEvent.objects.filter(actor=user).count() == 0


@pytest.mark.django_db
def test_activating_twice_or_over_unknown_facts_is_refused():
    officer = UserFactory()
    active = scorecard_default_install()
    with pytest.raises(ApplicationError) as caught:
        scorecard_activate(version=active, acting_user=officer)
    assert (caught.value.code, caught.value.status) == ("version_not_draft", 409)
    assert caught.value.message == "只能启用草稿版本；该版本的状态是“现行”。"

    csv_trained = scorecard_statistical_save(
        document={
            "id": "from_csv",
            "title": "CSV",
            "reference": "test",
            "valid_from": "2026-01-01",
            "facts": ["age"],
            "base_points": 600,
            "indicators": [
                {"id": "age", "label": "age", "value": {"var": "age"}, "bands": [{"points": 1}]}
            ],
        },
        metrics={"auc": 0.8},
    )
    with pytest.raises(ApplicationError) as caught:
        scorecard_activate(version=csv_trained, acting_user=officer)
    assert caught.value.code == "invalid"
    assert "age" in caught.value.message
    assert ScorecardVersion.objects.get(status=RuleVersionStatus.ACTIVE).pk == active.pk


@pytest.mark.django_db
def test_demo_scoring_trains_a_statistical_draft_and_scores_everyone():
    import random

    from kejin.credit.demo_scoring import STATISTICAL_CODE, demo_scoring

    rng = random.Random(7)
    enterprises = EnterpriseFactory.create_batch(120)
    for enterprise in enterprises:
        rating = rng.choice("AABBMCD")
        record(enterprise, "tax_rating", datetime.date(2025, 4, 1), rating_year=2024, rating=rating)
        for n in range(rng.choice([0, 0, 0, 1, 2])):
            record(
                enterprise,
                "penalty_market",
                datetime.date(2024, 3, 1 + n),
                severity=rng.choice(["general", "serious"]),
            )
    result = demo_scoring(rng_seed=3)

    assert result.expert.status == "active"
    assert result.statistical is not None
    assert (result.statistical.code, result.statistical.status) == (STATISTICAL_CODE, "draft")
    assert result.statistical.metrics["train_rows"] + result.statistical.metrics["test_rows"] == 120
    facts = set(result.statistical.document["facts"])
    assert facts <= {
        "credit.tax_rating",
        "credit.penalties_3y_serious",
        "credit.penalties_3y_general",
    }
    assert result.counts.scored == 120
    assert CreditScore.objects.count() == 120

    again = demo_scoring(rng_seed=3)
    assert again.statistical.pk == result.statistical.pk
    assert (again.counts.created, again.counts.changed) == (0, 0)


@pytest.mark.django_db
def test_commands_train_from_a_csv_and_score_nightly(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    german = Path(__file__).parent / "fixtures" / "german-credit" / "german_credit.csv"
    out = io.StringIO()
    call_command("credit_scorecard_train", csv=german, target="creditability", stdout=out)
    version = ScorecardVersion.objects.get(code="german_credit")
    assert (version.kind, version.status, version.version) == ("statistical", "draft", 1)
    assert out.getvalue().startswith(f"已保存草稿 {version}（#{version.pk}）：留出样本 AUC ")
    assert version.metrics["auc"] >= 0.77

    with pytest.raises(CommandError, match="没有现行评分卡"):
        call_command("credit_score", stdout=io.StringIO())
    EnterpriseFactory.create_batch(2)
    out = io.StringIO()
    call_command("credit_score", install_default=True, as_of="2026-06-30", stdout=out)
    expert = ScorecardVersion.objects.get(code="jiaxing_expert")
    assert out.getvalue().strip() == f"评分卡 #{expert.pk}：评分 2 家，新增 2，变化 0，未变 0。"
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,0\n2,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match="只有一类结果"):
        call_command("credit_scorecard_train", csv=bad, target="y", stdout=io.StringIO())
