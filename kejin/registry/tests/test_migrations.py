"""The list's models moved from the enterprises app to the registry app without moving data:
a database migrated before the move keeps its list, history, overrides, runs and results,
and its audit trail names the models where they now live."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.registry.models import (
    EvaluationRun,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
)

#: The enterprises migration that hands the list's models over to the registry app.
MOVE = ("enterprises", "0013_move_registry_to_its_app")

# Transactional: the migrations run on the test database itself (emptied afterwards like after
# every transactional test). Not serialized_rollback: after another transactional test's flush
# has recreated the content types, restoring the snapshot collides with them.
pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets, *, state_at):
    """Migrate the database to ``targets``; the models as of the migrations ``state_at``."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(state_at).apps


def test_a_database_migrated_before_the_move_keeps_its_list_and_audit_trail():
    # Given a database at the state just before the move, with the list filled in.
    graph = MigrationExecutor(connection).loader.graph
    (before,) = graph.node_map[MOVE].parents
    latest = graph.leaf_nodes()
    old = _migrate([before.key, ("registry", None)], state_at=[before.key])
    enterprise = EnterpriseFactory()
    officer = UserFactory()
    # (The default rows, unless a transactional test before this one emptied the database.)
    stage, _ = old.get_model("enterprises", "GrowthStage").objects.get_or_create(
        code="growth", defaults={"name": "成长期", "order": 2, "criteria": True}
    )
    label, _ = old.get_model("enterprises", "Label").objects.get_or_create(
        code="listing_reserve", defaults={"name": "上市后备", "criteria": None}
    )
    run = old.get_model("enterprises", "EvaluationRun").objects.create(
        year=2024, as_of=datetime.date(2024, 12, 31), status="done", changes=1
    )
    entry = old.get_model("enterprises", "RegistryEntry").objects.create(
        enterprise_id=enterprise.pk, on_list=True, stage=stage, since=datetime.date(2024, 12, 31)
    )
    entry.labels.add(label)
    old.get_model("enterprises", "RegistryEvent").objects.create(
        enterprise_id=enterprise.pk,
        kind="entry",
        happened_on=datetime.date(2024, 12, 31),
        to_value="在库",
        reason="符合入库条件",
        run=run,
    )
    override = old.get_model("enterprises", "RegistryOverride").objects.create(
        enterprise_id=enterprise.pk,
        kind="label",
        value=True,
        label=label,
        reason="上市辅导备案",
        created_by_id=officer.pk,
    )
    old.get_model("enterprises", "RecognitionResult").objects.create(
        enterprise_id=enterprise.pk, ruleset="tech_sme", year=2024, status="qualified", run=run
    )
    AuditEvent.objects.create(
        action="create",
        object_type="enterprises.registryoverride",
        object_id=str(override.pk),
        object_repr="上市辅导备案",
    )

    # When it is migrated to the latest state.
    _migrate(latest, state_at=latest)

    # Then the registry app's models read the same rows.
    entry = RegistryEntry.objects.get(enterprise=enterprise)
    assert (entry.on_list, entry.stage.code, entry.since) == (
        True,
        "growth",
        datetime.date(2024, 12, 31),
    )
    assert list(entry.labels.values_list("code", flat=True)) == ["listing_reserve"]
    event = RegistryEvent.objects.get(enterprise=enterprise)
    assert (event.kind, event.reason, event.run_id) == ("entry", "符合入库条件", run.pk)
    override = RegistryOverride.objects.get(enterprise=enterprise)
    assert (override.label.code, override.created_by, override.is_active) == (
        "listing_reserve",
        officer,
        True,
    )
    assert EvaluationRun.objects.get(pk=run.pk).changes == 1
    result = RecognitionResult.objects.get(enterprise=enterprise)
    assert (result.ruleset, result.status, result.run_id) == ("tech_sme", "qualified", run.pk)
    # And the audit trail names the model where it lives now.
    assert list(AuditEvent.objects.values_list("object_type", "object_id")) == [
        ("registry.registryoverride", str(override.pk))
    ]
