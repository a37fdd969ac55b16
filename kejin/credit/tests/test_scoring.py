"""Scorecard versions (default, drafted, activated) and batch scoring of every enterprise."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.credit.models import CreditScore, CreditScoreHistory, ScorecardVersion
from kejin.credit.scoring.batch import credit_scores_recompute
from kejin.credit.scoring.scorecards import EXPERT_SCENARIOS
from kejin.credit.scoring.services import (
    scorecard_activate,
    scorecard_default_install,
    scorecard_draft_create,
    scorecard_statistical_save,
    scorecard_worked_cases_update,
)
from kejin.credit.tests.scoring_factories import record
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.choices import RuleVersionStatus
from kejin.rules.versions import version_activate_file

AS_OF = datetime.date(2026, 6, 30)


def test_the_default_expert_scorecard_passes_its_worked_cases():
    assert version_activate_file(EXPERT_SCENARIOS).id == "jiaxing_expert"


@pytest.mark.django_db
def test_default_install_is_active_once_through_its_worked_cases():
    first = scorecard_default_install()
    again = scorecard_default_install()
    assert first.pk == again.pk
    assert (first.status, first.version, first.kind) == ("active", 1, "expert")
    assert ScorecardVersion.objects.count() == 1
    assert first.valid_from == timezone.localdate()  # in force from its activation
    cases = {c["name"]: c for c in first.worked_cases}
    assert len(cases) == 7
    clean = cases["守信的典型企业：A级纳税人、25人参保、人数稳定、1项专利，600分A级"]
    assert clean["facts"]["credit.tax_rating"] == "A"
    assert (clean["expect"]["score"], clean["expect"]["grade"]) == (600.0, "A")
    dishonest = cases["失信被执行人：扣250分，首要原因是失信名单"]
    assert dishonest["facts"]["credit.on_dishonesty_list"] is True
    assert (dishonest["expect"]["score"], dishonest["expect"]["grade"]) == (350.0, "C")
    missing = cases["新企业：没有纳税信用等级和参保记录，得缺失档的0分"]
    assert missing["facts"]["credit.tax_rating"] is None
    assert missing["facts"]["credit.social_insurance_headcount"] is None
    assert (missing["expect"]["score"], missing["expect"]["grade"]) == (510.0, "B")
    events = AuditEvent.objects.filter(object_type="credit.scorecardversion").order_by("id")
    assert [(e.action, e.after.get("status")) for e in events] == [
        ("create", "draft"),
        ("update", "active"),
    ]


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


@pytest.mark.django_db
def test_an_officer_drafts_edited_points_restates_the_worked_cases_and_activates(
    django_capture_on_commit_callbacks,
):
    officer = UserFactory()  # a city officer
    active = scorecard_default_install()
    in_force_since = timezone.localdate() - datetime.timedelta(days=30)
    ScorecardVersion.objects.filter(pk=active.pk).update(valid_from=in_force_since)
    active.refresh_from_db()
    enterprise = EnterpriseFactory()
    record(enterprise, "tax_rating", datetime.date(2026, 4, 1), rating_year=2025, rating="A")
    credit_scores_recompute()

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
    # The base's cases carried over, expecting the score and grade the base gave.
    assert [c["facts"] for c in draft.worked_cases] == [c["facts"] for c in active.worked_cases]
    assert [c["expect"] for c in draft.worked_cases] == [
        {"score": 600.0, "grade": "A"},
        {"score": 670.0, "grade": "AAA"},
        {"score": 350.0, "grade": "C"},
        {"score": 510.0, "grade": "B"},
        {"score": 360.0, "grade": "C"},
        {"score": 490.0, "grade": "B"},
        {"score": 310.0, "grade": "C"},
    ]

    # The edited points change what the cases give: activation is refused, nothing changes.
    audit_count = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        scorecard_activate(version=draft, acting_user=officer)
    assert (caught.value.code, caught.value.status) == ("worked_cases_fail", 400)
    assert caught.value.fields["worked_cases"][:2] == [
        "算例“守信的典型企业：A级纳税人、25人参保、人数稳定、1项专利，600分A级”："
        "应为600.0，实际为620.0。",
        "算例“最好的企业：每项都在最好的档，670分AAA级，没有扣分原因”：应为670.0，实际为690.0。",
    ]
    assert len(caught.value.fields["worked_cases"]) == 5  # D rating and no rating unchanged
    active.refresh_from_db()
    draft.refresh_from_db()
    assert (active.status, active.valid_to, draft.status) == ("active", None, "draft")
    assert AuditEvent.objects.count() == audit_count
    assert CreditScore.objects.get(enterprise=enterprise).scorecard_id == active.pk

    restated = [(620.0, "AA"), (690.0, "AAA"), (370.0, "C"), (510.0, "B"), (360.0, "C")]
    restated += [(510.0, "B"), (330.0, "C")]
    scorecard_worked_cases_update(
        version=draft,
        acting_user=officer,
        worked_cases=[
            {**case, "expect": {"score": score, "grade": grade}}
            for case, (score, grade) in zip(draft.worked_cases, restated, strict=True)
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_activate(version=draft, acting_user=officer)

    active.refresh_from_db()
    draft.refresh_from_db()
    today = timezone.localdate()
    assert (active.status, active.valid_to) == ("retired", today - datetime.timedelta(days=1))
    assert (draft.status, draft.valid_from, draft.activated_by) == ("active", today, officer)
    *_, retired_event, activated_event = AuditEvent.objects.filter(action="update").order_by("id")
    assert (retired_event.before["status"], retired_event.after["status"]) == ("active", "retired")
    assert (activated_event.before["status"], activated_event.after["status"]) == (
        "draft",
        "active",
    )
    score = CreditScore.objects.get(enterprise=enterprise)  # rescored on commit
    assert (score.scorecard_id, score.score, score.grade) == (draft.pk, Decimal("580.00"), "A")
    # Score history keeps pointing at the version that gave each score.
    assert list(
        CreditScoreHistory.objects.filter(enterprise=enterprise)
        .order_by("id")
        .values_list("scorecard_id", flat=True)
    ) == [active.pk, draft.pk]


@pytest.mark.django_db
def test_worked_cases_are_restated_only_on_drafts_in_the_stored_shape():
    officer = UserFactory()
    active = scorecard_default_install()
    draft = scorecard_draft_create(base=active, acting_user=officer, points={})
    before = list(draft.worked_cases)
    with pytest.raises(ApplicationError) as caught:
        scorecard_worked_cases_update(
            version=draft,
            acting_user=officer,
            worked_cases=[
                {"name": "甲", "facts": {"credit.tax_rating": "A"}, "expect": {"score": 1}},
                {"name": "甲", "facts": {"credit.nothing": 1}, "expect": {}},
            ],
        )
    assert caught.value.code == "invalid"
    assert caught.value.fields["worked_cases"] == [
        "算例名称“甲”重复。",
        "算例“甲”使用了评分表没有的指标：credit.nothing",
        "算例“甲”没有预期结果。",
    ]
    draft.refresh_from_db()
    assert draft.worked_cases == before
    with pytest.raises(ApplicationError) as caught:
        scorecard_worked_cases_update(version=active, acting_user=officer, worked_cases=before)
    assert (caught.value.code, caught.value.status) == ("version_not_draft", 409)
    assert caught.value.message == "版本 1 已是“已启用”状态，只有草稿可以启用或修改。"

    # A draft without worked cases cannot be activated.
    scorecard_worked_cases_update(version=draft, acting_user=officer, worked_cases=[])
    with pytest.raises(ApplicationError) as caught:
        scorecard_activate(version=draft, acting_user=officer)
    assert caught.value.code == "worked_cases_fail"
    assert ScorecardVersion.objects.get(status=RuleVersionStatus.ACTIVE).pk == active.pk


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
    assert caught.value.message == "版本 1 已是“已启用”状态，只有草稿可以启用或修改。"

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
