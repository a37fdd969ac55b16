"""Re-evaluation of the list: entries, stages, labels, history of changes only, overrides."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from kejin.accounts.tests.factories import UserFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.registry.evaluation import NOWHERE, Computed, registry_decide, registry_reevaluate
from kejin.registry.models import (
    EvaluationRun,
    Label,
    RecognitionResult,
    RegistryEntry,
    RegistryEvent,
    RegistryOverride,
)

pytestmark = pytest.mark.django_db

# A tech SME: 30 % tech staff (20), R&D 6 % of revenue (50) → 70 points.
QUALIFYING = {
    "employees": 100,
    "tech_staff": 30,
    "revenue": Decimal("10000000"),
    "total_assets": Decimal("50000000"),
    "total_cost": Decimal("9000000"),
    "rd_expense": Decimal("600000"),
    "ip_class1": 0,
    "ip_class2": 0,
}


def _enterprise_with_facts(founded=datetime.date(2022, 3, 1), **facts):
    enterprise = EnterpriseFactory(founded_on=founded)
    AnnualFacts.objects.create(enterprise=enterprise, year=2024, **{**QUALIFYING, **facts})
    return enterprise


def _events(enterprise):
    return list(
        RegistryEvent.objects.filter(enterprise=enterprise)
        .order_by("id")
        .values_list("kind", "to_value", "rule")
    )


def test_first_run_puts_a_qualifying_enterprise_on_the_list_with_its_reasons():
    enterprise = _enterprise_with_facts()
    run = registry_reevaluate(year=2024)

    entry = RegistryEntry.objects.get(enterprise=enterprise)
    assert entry.on_list is True
    assert entry.stage.code == "startup"
    assert set(entry.labels.values_list("code", flat=True)) == {"tech_sme"}
    assert entry.since == timezone.localdate()
    assert _events(enterprise) == [
        ("entry", "在库", "labels"),
        ("stage_change", "初创期", "stage:startup"),
        ("label_added", "科技型中小企业", "label:tech_sme"),
    ]
    result = RecognitionResult.objects.get(enterprise=enterprise, ruleset="tech_sme")
    assert (result.status, result.score) == ("qualified", 70)
    assert run.status == "done"
    assert run.enterprises == 1
    assert run.summary == {
        "entry": 1,
        "stage_change": 1,
        "label_added": 1,
        "recognition_changed": 2,
    }


def test_second_run_without_changes_records_nothing():
    enterprise = _enterprise_with_facts()
    registry_reevaluate(year=2024)
    run = registry_reevaluate(year=2024)
    assert run.changes == 0
    assert len(_events(enterprise)) == 3


def test_changed_facts_record_only_the_change():
    enterprise = _enterprise_with_facts()
    registry_reevaluate(year=2024)
    AnnualFacts.objects.filter(enterprise=enterprise).update(
        revenue=Decimal("30000000"), rd_expense=Decimal("1800000")
    )
    registry_reevaluate(year=2024)
    assert _events(enterprise)[3:] == [("stage_change", "成长期", "stage:growth")]


def test_losing_the_only_label_exits_the_list():
    enterprise = _enterprise_with_facts()
    registry_reevaluate(year=2024)
    AnnualFacts.objects.filter(enterprise=enterprise).update(tech_staff=5)
    registry_reevaluate(year=2024)
    assert _events(enterprise)[3:] == [
        ("exit", "", "labels"),
        ("label_removed", "", "label:tech_sme"),
    ]
    assert RegistryEntry.objects.get(enterprise=enterprise).on_list is False


def test_officer_override_wins_until_lifted():
    enterprise = _enterprise_with_facts(tech_staff=5)  # does not qualify
    officer = UserFactory()
    reserve = Label.objects.get(code="listing_reserve")
    override = RegistryOverride.objects.create(
        enterprise=enterprise,
        kind="label",
        label=reserve,
        value=True,
        reason="列入2024年上市后备企业",
        created_by=officer,
    )
    registry_reevaluate(year=2024)
    entry = RegistryEntry.objects.get(enterprise=enterprise)
    assert entry.on_list is True
    event = RegistryEvent.objects.get(enterprise=enterprise, kind="label_added")
    assert (event.reason, event.officer, event.rule) == ("列入2024年上市后备企业", officer, "")

    registry_reevaluate(year=2024)  # still respected
    assert RegistryEntry.objects.get(enterprise=enterprise).on_list is True

    override.lifted_at = timezone.now()
    override.save()
    registry_reevaluate(year=2024)
    assert RegistryEntry.objects.get(enterprise=enterprise).on_list is False


def test_enterprise_without_facts_has_no_stage_and_is_not_on_the_list():
    enterprise = EnterpriseFactory()
    registry_reevaluate(year=2024)
    entry = RegistryEntry.objects.get(enterprise=enterprise)
    assert (entry.on_list, entry.stage) == (False, None)
    assert (
        RecognitionResult.objects.get(enterprise=enterprise, ruleset="tech_sme").status
        == "undetermined"
    )


def test_chunked_run_gives_the_same_result_as_one_chunk():
    enterprises = [_enterprise_with_facts() for _ in range(5)]
    registry_reevaluate(year=2024, chunk_size=2)
    assert RegistryEntry.objects.filter(on_list=True).count() == 5
    assert RegistryEvent.objects.filter(enterprise__in=enterprises, kind="entry").count() == 5


def test_a_new_data_year_with_the_same_result_updates_the_recorded_year():
    enterprise = _enterprise_with_facts()
    AnnualFacts.objects.create(enterprise=enterprise, year=2025, **QUALIFYING)
    registry_reevaluate(year=2024)
    registry_reevaluate(year=2025)
    result = RecognitionResult.objects.get(enterprise=enterprise, ruleset="tech_sme")
    assert (result.status, result.year) == ("qualified", 2025)


# --- runs: one at a time, started by the service, dead workers detected -------------------


def _run_start(actor, year=2024, **kwargs):
    from kejin.registry.services import registry_run_start

    return registry_run_start(actor=actor, year=year, **kwargs)


def test_the_service_creates_the_run_passes_its_id_to_the_task_and_audits_the_start(
    django_capture_on_commit_callbacks,
):
    from kejin.core.models import AuditEvent

    enterprise = _enterprise_with_facts()
    officer = UserFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = _run_start(officer, ip_address="10.0.0.9")
    assert (run.pk, run.year, run.status, run.triggered_by) == (
        EvaluationRun.objects.get().pk,
        2024,
        "queued",
        officer,
    )
    audit = AuditEvent.objects.get(object_type="registry.evaluationrun")
    assert (audit.actor, audit.action, audit.object_id, audit.ip_address) == (
        officer,
        "create",
        str(run.pk),
        "10.0.0.9",
    )
    assert audit.after == {
        "year": 2024,
        "as_of": "2024-12-31",
        "status": "queued",
        "triggered_by": officer.pk,
    }
    assert len(callbacks) == 1
    assert RegistryEvent.objects.count() == 0  # nothing runs before the commit

    callbacks[0]()

    run.refresh_from_db()
    assert (run.status, run.enterprises) == ("done", 1)
    assert run.heartbeat_at is not None
    assert all(e.run_id == run.pk for e in RegistryEvent.objects.filter(enterprise=enterprise))


def test_a_second_delivery_of_the_task_does_nothing():
    from kejin.registry.tasks import registry_reevaluate_task

    _enterprise_with_facts()
    run = EvaluationRun.objects.create(year=2024, as_of=datetime.date(2024, 12, 31))
    assert registry_reevaluate_task(run_id=run.pk) == run.pk
    events = RegistryEvent.objects.count()

    assert registry_reevaluate_task(run_id=run.pk) == run.pk

    assert RegistryEvent.objects.count() == events
    assert EvaluationRun.objects.get().status == "done"


def test_the_database_holds_one_active_run_at_most():
    from django.db import IntegrityError, transaction

    EvaluationRun.objects.create(year=2024, as_of=datetime.date(2024, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRun.objects.create(year=2023, as_of=datetime.date(2023, 12, 31), status="running")
    # Finished runs do not hold the slot.
    EvaluationRun.objects.create(year=2022, as_of=datetime.date(2022, 12, 31), status="done")
    EvaluationRun.objects.create(year=2022, as_of=datetime.date(2022, 12, 31), status="failed")
    assert EvaluationRun.objects.count() == 3


def test_a_start_while_a_run_is_active_is_run_in_progress_and_changes_nothing(
    django_capture_on_commit_callbacks,
):
    from kejin.core.errors import ApplicationError
    from kejin.core.models import AuditEvent

    active = EvaluationRun.objects.create(
        year=2023, as_of=datetime.date(2023, 12, 31), status="running"
    )
    EvaluationRun.objects.filter(pk=active.pk).update(heartbeat_at=timezone.now())
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ApplicationError) as refused,
    ):
        _run_start(UserFactory())

    assert (refused.value.code, refused.value.status) == ("run_in_progress", 409)
    assert refused.value.message.startswith(f"评价批次 #{active.pk}（2023年度）正在进行，开始于")
    assert callbacks == []
    assert list(EvaluationRun.objects.values_list("pk", "status")) == [(active.pk, "running")]
    assert not AuditEvent.objects.filter(object_type="registry.evaluationrun").exists()


def test_a_run_whose_worker_died_is_marked_failed_and_no_longer_blocks(
    django_capture_on_commit_callbacks,
):
    from kejin.registry.evaluation import RUN_STALE_AFTER

    dead = EvaluationRun.objects.create(
        year=2023, as_of=datetime.date(2023, 12, 31), status="running"
    )
    beaten = timezone.now() - RUN_STALE_AFTER - datetime.timedelta(minutes=1)
    EvaluationRun.objects.filter(pk=dead.pk).update(heartbeat_at=beaten)

    with django_capture_on_commit_callbacks(execute=True):
        run = _run_start(UserFactory())

    dead.refresh_from_db()
    assert (dead.status, dead.error) == (
        "failed",
        "工作进程已停止响应（超过30分钟无心跳），本批次已标记为失败。",
    )
    assert dead.finished_at is not None
    assert EvaluationRun.objects.get(pk=run.pk).status == "done"


def test_a_queued_run_never_picked_up_is_stale_from_its_start_and_shown_failed(client):
    from kejin.registry.evaluation import RUN_STALE_AFTER

    lost = EvaluationRun.objects.create(year=2023, as_of=datetime.date(2023, 12, 31))
    EvaluationRun.objects.filter(pk=lost.pk).update(
        started_at=timezone.now() - RUN_STALE_AFTER - datetime.timedelta(seconds=1)
    )
    client.force_login(UserFactory())

    page = client.get("/registry/runs/")

    assert page.status_code == 200
    assert EvaluationRun.objects.get(pk=lost.pk).status == "failed"
    # A queued run younger than the staleness limit is waiting, not dead.
    fresh = EvaluationRun.objects.create(year=2024, as_of=datetime.date(2024, 12, 31))
    client.get("/registry/runs/")
    assert EvaluationRun.objects.get(pk=fresh.pk).status == "queued"


# --- the year offered ---------------------------------------------------------------------


def test_the_default_year_is_the_latest_with_data_for_most_enterprises():
    from kejin.registry.evaluation import registry_latest_data_year

    for _ in range(4):
        _enterprise_with_facts()  # 2024
    early = EnterpriseFactory()
    AnnualFacts.objects.create(enterprise=early, year=2025, **QUALIFYING)  # 1 of 4: too few

    assert registry_latest_data_year() == 2024

    for enterprise in list(AnnualFacts.objects.filter(year=2024))[:1]:
        AnnualFacts.objects.create(enterprise=enterprise.enterprise, year=2025, **QUALIFYING)
    assert registry_latest_data_year() == 2025  # 2 of 4: half


def test_without_any_facts_the_default_year_is_last_year():
    from kejin.registry.evaluation import registry_latest_data_year

    assert registry_latest_data_year() == timezone.localdate().year - 1


# --- preview, and exits that say why --------------------------------------------------------


def test_preview_lists_entries_and_exits_with_reasons_and_writes_nothing():
    from kejin.registry.evaluation import registry_preview

    stays = _enterprise_with_facts()
    leaves = _enterprise_with_facts()
    registry_reevaluate(year=2024)
    AnnualFacts.objects.create(enterprise=stays, year=2025, **QUALIFYING)
    newcomer = EnterpriseFactory(founded_on=datetime.date(2022, 3, 1))
    AnnualFacts.objects.create(enterprise=newcomer, year=2025, **QUALIFYING)
    before = (
        RegistryEvent.objects.count(),
        list(RegistryEntry.objects.values_list("enterprise_id", "on_list")),
        EvaluationRun.objects.count(),
    )

    preview = registry_preview(year=2025)

    assert (preview.year, preview.enterprises, preview.with_data) == (2025, 3, 2)
    assert preview.entries == [(newcomer.pk, "具有名单标签：科技型中小企业")]
    assert preview.exits == [
        (
            leaves.pk,
            "不再具有任何名单标签：科技型中小企业（科技型中小企业评价：数据不足；无2025年度数据）",
        )
    ]
    assert (preview.counts["entry"], preview.counts["exit"]) == (1, 1)
    after = (
        RegistryEvent.objects.count(),
        list(RegistryEntry.objects.values_list("enterprise_id", "on_list")),
        EvaluationRun.objects.count(),
    )
    assert after == before

    run = registry_reevaluate(year=2025)

    recorded = list(
        RegistryEvent.objects.filter(run=run, kind__in=["entry", "exit"])
        .order_by("enterprise_id")
        .values_list("enterprise_id", "reason")
    )
    assert recorded == sorted(preview.entries + preview.exits)
    assert RegistryEvent.objects.get(run=run, enterprise=leaves, kind="label_removed").reason == (
        "不再符合“科技型中小企业”判定规则（科技型中小企业评价：数据不足；无2025年度数据）"
    )


# --- the one decision: overrides one by one, then a run, record nothing more ---------------


STAGES = {
    code: SimpleNamespace(code=code, name=name, order=order)
    for order, (code, name) in enumerate(
        [("startup", "初创期"), ("growth", "成长期"), ("mature", "成熟期")]
    )
}
LABELS = {
    code: SimpleNamespace(code=code, name=name, order=order)
    for order, (code, name) in enumerate(
        [("tech_sme", "科技型中小企业"), ("high_tech", "高新技术企业"), ("reserve", "上市后备")]
    )
}
OFFICER = SimpleNamespace(username="officer")

computed_strategy = st.builds(
    Computed,
    stage=st.sampled_from([None, *STAGES]),
    labels=st.frozensets(st.sampled_from(list(LABELS))),
)
# An operation: set an override on a target (kind, target, value), or lift the one there.
operation_strategy = st.tuples(
    st.sampled_from(["set", "lift"]),
    st.sampled_from(["membership", "stage", *[f"label:{code}" for code in LABELS]]),
    st.booleans(),
    st.sampled_from(list(STAGES)),
)


def _override(target: str, value: bool, stage: str, n: int) -> SimpleNamespace:
    kind = target.split(":")[0]
    return SimpleNamespace(
        kind=kind,
        value=True if kind == "stage" else value,
        stage=STAGES[stage] if kind == "stage" else None,
        label=LABELS[target.split(":")[1]] if kind == "label" else None,
        reason=f"调整{n}",
        created_by=OFFICER,
        lift_reason="",
    )


def _partial(computed: Computed, current, lifted=None) -> Computed:
    """What an override's immediate effect judges by: the entry as it stands, and the rules
    for the lifted override's target only (as ``kejin.registry.services._entry_apply`` does)."""
    stage, labels = current.stage, set(current.labels)
    if lifted is not None and lifted.kind == "stage":
        stage = computed.stage
    elif lifted is not None and lifted.kind == "label":
        code = lifted.label.code
        (labels.add if code in computed.labels else labels.discard)(code)
    return Computed(stage, frozenset(labels))


@settings(max_examples=300, deadline=None)
@given(computed=computed_strategy, operations=st.lists(operation_strategy, max_size=12))
def test_overrides_applied_one_by_one_then_a_run_record_nothing_more(computed, operations):
    decide = {"stages": STAGES, "labels": LABELS}
    current = registry_decide(computed=computed, overrides=(), current=NOWHERE, **decide).placement
    active: dict[str, SimpleNamespace] = {}
    for n, (op, target, value, stage) in enumerate(operations):
        if op == "set" and target not in active:
            active[target] = _override(target, value, stage, n)
            decision = registry_decide(
                computed=_partial(computed, current),
                overrides=active.values(),
                current=current,
                **decide,
            )
        elif op == "lift" and target in active:
            lifted = active.pop(target)
            lifted.lift_reason = f"解除{n}"
            decision = registry_decide(
                computed=_partial(computed, current, lifted),
                overrides=active.values(),
                current=current,
                lifted=lifted,
                lifted_by=OFFICER,
                **decide,
            )
        else:
            continue
        current = decision.placement

    run = registry_decide(computed=computed, overrides=active.values(), current=current, **decide)

    assert run.events == ()
    assert run.placement == current


def test_the_decision_explains_each_change_by_its_rule_override_or_lifting():
    reserve = _override("label:reserve", True, "startup", 1)
    decision = registry_decide(
        computed=Computed("growth", frozenset(), {"tech_sme": "科技型中小企业评价：不符合"}),
        overrides=[reserve],
        current=registry_decide(
            computed=Computed("startup", frozenset({"tech_sme"})),
            overrides=(),
            current=NOWHERE,
            stages=STAGES,
            labels=LABELS,
        ).placement,
        stages=STAGES,
        labels=LABELS,
    )

    assert decision.placement == type(NOWHERE)(True, "growth", frozenset({"reserve"}))
    assert [(e.kind, e.from_value, e.to_value, e.reason, e.rule) for e in decision.events] == [
        ("stage_change", "初创期", "成长期", "按成长阶段规则判定为成长期", "stage:growth"),
        ("label_added", "", "上市后备", "调整1", ""),
        (
            "label_removed",
            "科技型中小企业",
            "",
            "不再符合“科技型中小企业”判定规则（科技型中小企业评价：不符合）",
            "label:tech_sme",
        ),
    ]
    assert decision.events[1].officer is OFFICER


def test_the_command_evaluates_the_latest_year_with_data_and_refuses_during_a_run():
    import io

    from django.core.management import CommandError, call_command

    _enterprise_with_facts()
    out = io.StringIO()

    call_command("registry_reevaluate", stdout=out)

    run = EvaluationRun.objects.get()
    assert (run.year, run.status) == (2024, "done")
    assert out.getvalue().startswith(f"评价批次 #{run.pk}（2024年度）：1 家企业，")

    EvaluationRun.objects.create(year=2023, as_of=datetime.date(2023, 12, 31))
    with pytest.raises(CommandError, match=r"（2023年度）正在进行"):
        call_command("registry_reevaluate", "--year", "2024", stdout=io.StringIO())
    assert EvaluationRun.objects.count() == 2


database_operation = st.tuples(
    st.sampled_from(["set", "lift"]),
    st.sampled_from([0, 1]),  # which enterprise: one qualifying, one not
    st.sampled_from(["membership", "stage", "label:tech_sme", "label:listing_reserve"]),
    st.booleans(),
    st.sampled_from(["startup", "growth", "mature"]),
)


@settings(max_examples=25, deadline=None)
@given(operations=st.lists(database_operation, min_size=1, max_size=6))
def test_overrides_through_the_services_then_a_run_record_nothing_more(operations):
    from django.db import transaction

    from kejin.registry import services
    from kejin.registry.models import GrowthStage

    with transaction.atomic():
        officer = UserFactory()
        enterprises = [_enterprise_with_facts(), _enterprise_with_facts(tech_staff=5)]
        registry_reevaluate(year=2024)
        for op, which, target, value, stage in operations:
            enterprise = enterprises[which]
            kind, _sep, label = target.partition(":")
            active = RegistryOverride.objects.filter(
                enterprise=enterprise,
                kind=kind,
                label__code=label or None,
                lifted_at__isnull=True,
            ).first()
            if op == "set" and active is None:
                services.registry_override_create(
                    actor=officer,
                    enterprise=enterprise,
                    kind=kind,
                    value=value,
                    stage=GrowthStage.objects.get(code=stage) if kind == "stage" else None,
                    label=Label.objects.get(code=label) if label else None,
                    reason="人工调整",
                )
            elif op == "lift" and active is not None:
                services.registry_override_lift(actor=officer, override=active, reason="解除")
        before = [
            (e.on_list, e.stage_id, sorted(e.labels.values_list("code", flat=True)))
            for e in RegistryEntry.objects.order_by("enterprise_id")
        ]

        run = registry_reevaluate(year=2024)

        assert RegistryEvent.objects.filter(run=run).count() == 0
        assert [
            (e.on_list, e.stage_id, sorted(e.labels.values_list("code", flat=True)))
            for e in RegistryEntry.objects.order_by("enterprise_id")
        ] == before
        transaction.set_rollback(True)


def test_a_worker_whose_run_was_taken_for_dead_stops_and_leaves_it_failed():
    """The run's lease (kejin.ingest.leases): a worker that comes back after its run was
    failed for a stale heartbeat may neither renew it nor finish it as done."""
    from kejin.ingest.leases import LeaseLost
    from kejin.registry.evaluation import (
        RUN_LEASE,
        RUN_STALE_AFTER,
        _beat,
        evaluation_run_create,
        evaluation_run_fail_stale,
    )

    run = evaluation_run_create(year=2024, status="running")
    EvaluationRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - RUN_STALE_AFTER - datetime.timedelta(seconds=1)
    )
    assert evaluation_run_fail_stale() == 1

    with pytest.raises(LeaseLost):
        _beat(run)
    with pytest.raises(LeaseLost):
        RUN_LEASE.finish(run.pk, status="done")

    run.refresh_from_db()
    assert (run.status, run.error) == (
        "failed",
        "工作进程已停止响应（超过30分钟无心跳），本批次已标记为失败。",
    )
