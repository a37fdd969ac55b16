"""Scorecard versions became stored rule versions without losing data: a database migrated
before keeps its versions (same ids), its scores and score history pointing at them; a long
or multi-line reference becomes one line and is kept whole in the note; versions activated
before worked cases gated activation are marked ``pre_existing``."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kejin.credit.models import CreditScore, CreditScoreHistory, ScorecardVersion
from kejin.enterprises.tests.factories import EnterpriseFactory

BEFORE = ("credit", "0004_reports_consent_and_read_log")
AFTER = ("credit", "0005_scorecard_rule_versions")

# Transactional: the migrations run on the test database itself (see the registry's test).
pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets, *, state_at):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(state_at).apps


def test_scorecard_versions_scores_and_history_survive_the_move_to_rule_versions():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate([BEFORE], state_at=[BEFORE])
    enterprise = EnterpriseFactory()
    Version = old.get_model("credit", "ScorecardVersion")
    document = {"id": "jiaxing_expert", "title": "专家版", "facts": [], "base_points": 500}
    long_reference = "《嘉兴市科技金融改革创新试验区实施方案》\n保障措施(四)；" + "依" * 300
    retired = Version.objects.create(
        code="jiaxing_expert",
        version=1,
        title="专家版",
        kind="expert",
        status="retired",
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 3, 1),
        reference="《实施方案》\n保障措施(四)",
        document=document,
        note="默认专家评分卡",
    )
    active = Version.objects.create(
        code="jiaxing_expert",
        version=2,
        title="专家版",
        kind="expert",
        status="active",
        valid_from=datetime.date(2026, 3, 1),
        reference=long_reference,
        document=document,
    )
    draft = Version.objects.create(
        code="jiaxing_expert",
        version=3,
        title="专家版",
        kind="expert",
        status="draft",
        valid_from=datetime.date(2026, 6, 1),
        reference="《实施方案》",
        document=document,
    )
    now = timezone.now()
    old.get_model("credit", "CreditScore").objects.create(
        enterprise_id=enterprise.pk,
        scorecard_id=active.pk,
        score="560.00",
        grade="BBB",
        as_of=datetime.date(2026, 6, 30),
        computed_at=now,
    )
    History = old.get_model("credit", "CreditScoreHistory")
    for version, score in ((retired, "550.00"), (active, "560.00")):
        History.objects.create(
            enterprise_id=enterprise.pk,
            scorecard_id=version.pk,
            score=score,
            grade="BBB",
            as_of=datetime.date(2026, 6, 30),
            computed_at=now,
        )

    _migrate(latest, state_at=latest)

    versions = {v.version: v for v in ScorecardVersion.objects.all()}
    assert {n: (v.pk, v.status, v.pre_existing) for n, v in versions.items()} == {
        1: (retired.pk, "retired", True),
        2: (active.pk, "active", True),
        3: (draft.pk, "draft", False),
    }
    assert versions[1].reference == "《实施方案》 保障措施(四)"
    assert versions[1].note == "默认专家评分卡\n\n依据：《实施方案》\n保障措施(四)"
    assert len(versions[2].reference) == 255 and versions[2].reference.endswith("依…")
    assert versions[2].note == f"依据：{long_reference}"
    assert (versions[3].reference, versions[3].note) == ("《实施方案》", "")
    assert all(v.worked_cases == [] and v.parameters == {} for v in versions.values())
    assert versions[2].get_status_display() == "已启用"
    assert CreditScore.objects.get(enterprise=enterprise).scorecard_id == active.pk
    assert list(
        CreditScoreHistory.objects.order_by("id").values_list("scorecard_id", flat=True)
    ) == [retired.pk, active.pk]
