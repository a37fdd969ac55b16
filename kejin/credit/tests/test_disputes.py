"""The dispute (异议) workflow through its services: each transition, each refusal with its
exact message and nothing changed, deadlines in Chinese working days, the overdue scan."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory, RegionFactory
from kejin.core.workdays import WorkdayCalendar
from kejin.credit import disputes
from kejin.credit.fact_source import CREDIT_DISPUTE_SOURCE
from kejin.credit.models import CreditRecord, Dispute, DisputeAttachment
from kejin.credit.tests.dispute_factories import CreditRecordFactory, tax_rating_category
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    """A tax department with its data provider, an enterprise with its admin and staff, and
    one current tax-rating record of the enterprise (rated C)."""
    tax = DepartmentFactory(code="jx-tax", name="国家税务总局嘉兴市税务局", kind="data_provider")
    category = tax_rating_category(department=tax)
    record = CreditRecordFactory(category=category, source_record_id="SW-2025-00001")
    enterprise = record.enterprise
    return {
        "category": category,
        "record": record,
        "enterprise": enterprise,
        "admin": UserFactory(enterprise_admin=True, enterprise=enterprise),
        "staff": UserFactory(enterprise_staff=True, enterprise=enterprise),
        "provider": UserFactory(data_provider=True, department=tax),
        "other_provider": UserFactory(data_provider=True, department=DepartmentFactory()),
    }


def _open(world, **kwargs) -> Dispute:
    return disputes.dispute_open(
        record=world["record"],
        reason=kwargs.pop("reason", "2024年度已补缴税款，评价应为B级。"),
        acting_user=kwargs.pop("acting_user", world["admin"]),
        **kwargs,
    )


def _state() -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        list(Dispute.objects.order_by("pk").values()),
        list(CreditRecord.objects.order_by("pk").values("pk", "version", "status", "data")),
        DisputeAttachment.objects.count(),
        AuditEvent.objects.count(),
    )


def _refused(call, code: str, message: str, fields: dict | None = None) -> None:
    before = _state()
    with pytest.raises(ApplicationError) as raised:
        call()
    assert (raised.value.code, raised.value.message) == (code, message)
    if fields is not None:
        assert raised.value.fields == fields
    assert _state() == before


# --- opening ------------------------------------------------------------------------------


def test_enterprise_admin_disputes_its_record_with_a_deadline_of_20_working_days(world):
    attachment = SimpleUploadedFile("完税证明.pdf", PDF, content_type="application/pdf")

    dispute = _open(world, attachments=[attachment], ip_address="10.0.0.8")

    today = timezone.localdate()
    expected = WorkdayCalendar().add(today, 20)
    assert (dispute.status, dispute.deadline, dispute.deadline_workdays) == (
        "open",
        expected.date,
        20,
    )
    assert dispute.deadline_approximate is expected.approximate
    assert (dispute.enterprise, dispute.department.code, dispute.filed_by) == (
        world["enterprise"],
        "jx-tax",
        world["admin"],
    )
    [stored] = dispute.attachments.all()
    assert (stored.name, stored.size, stored.content_type, stored.stage) == (
        "完税证明.pdf",
        len(PDF),
        "application/pdf",
        "filing",
    )
    assert stored.file.read() == PDF
    [event] = AuditEvent.objects.filter(object_type="credit.dispute")
    assert (event.action, event.actor, event.ip_address) == ("create", world["admin"], "10.0.0.8")
    assert event.after["status"] == "open"
    assert event.after["reason"] == "2024年度已补缴税款，评价应为B级。"
    assert event.after["attachments"] == ["完税证明.pdf"]
    assert disputes.record_dispute_states([world["record"]])[world["record"].pk].under_dispute


def test_deadline_counts_working_days_across_national_day_2026():
    # Filed on Thursday 24 September 2026: Mid-Autumn (25 Sep) and National Day (1–7 Oct)
    # are holidays, Saturday 10 October is a working day.
    filed = timezone.make_aware(datetime.datetime(2026, 9, 24, 16, 30))

    deadline = disputes.dispute_deadline(filed_at=filed, workdays=20)

    assert (deadline.date, deadline.approximate) == (datetime.date(2026, 10, 29), False)


def test_deadline_per_category_from_settings(world, settings):
    settings.CREDIT_DISPUTE_DEADLINE_WORKDAYS = 15
    settings.CREDIT_DISPUTE_DEADLINE_WORKDAYS_BY_CATEGORY = {"tax_rating": 10}
    assert disputes.dispute_deadline_workdays(world["category"]) == 10
    settings.CREDIT_DISPUTE_DEADLINE_WORKDAYS_BY_CATEGORY = {}
    assert disputes.dispute_deadline_workdays(world["category"]) == 15


@pytest.mark.parametrize("who", ["staff", "provider"])
def test_only_the_enterprise_admin_may_dispute(world, who):
    _refused(
        lambda: _open(world, acting_user=world[who]),
        "permission_denied",
        "只有企业管理员可以对本企业的信用记录提出异议。",
    )


def test_another_enterprise_admin_may_not_dispute_the_record(world):
    stranger = UserFactory(enterprise_admin=True)
    _refused(
        lambda: _open(world, acting_user=stranger),
        "permission_denied",
        "只有企业管理员可以对本企业的信用记录提出异议。",
    )


def test_a_second_open_dispute_on_the_record_is_refused(world):
    first = _open(world)
    _refused(
        lambda: _open(world, reason="再次提出"),
        "dispute_already_open",
        f"该记录已有处理中的异议（{timezone.localdate():%Y-%m-%d}提出，处理期限"
        f"{first.deadline.isoformat()}），请等待来源部门处理。",
    )


def test_the_database_allows_one_open_dispute_per_record(world):
    from django.db import IntegrityError, transaction

    first = _open(world)
    duplicate = Dispute(
        record=first.record,
        enterprise=first.enterprise,
        department=first.department,
        reason="x",
        deadline=first.deadline,
        deadline_workdays=20,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_superseded_version_cannot_be_disputed(world):
    CreditRecord.objects.filter(pk=world["record"].pk).update(status="superseded")
    _refused(
        lambda: _open(world),
        "record_not_current",
        "该记录已不是当前有效版本（已被更正或删除），请对当前有效的记录提出异议。",
    )


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("  ", "请填写异议理由：哪一项数据有误、正确的情况是什么，以及依据。"),
        (
            "评级\u202e有误",
            "第3个字符是不可见的控制字符（U+202E RIGHT-TO-LEFT OVERRIDE），请删除后重新填写"
            "（从其他软件复制的文字常带有这类字符）。",
        ),
        ("长" * 2001, "不能超过2000个字。"),
    ],
)
def test_the_reason_is_required_clean_text(world, reason, message):
    _refused(
        lambda: _open(world, reason=reason),
        "invalid",
        "提交的数据有误，请按提示修改后重试。",
        {"reason": [message]},
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [SimpleUploadedFile("说明.docx", b"PK\x03\x04")],
            "附件“说明.docx”的格式不支持，请上传PDF、JPG或PNG文件。",
        ),
        (
            [SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf")],
            "附件“证明.pdf”的内容不是有效的PDF文件，请检查后重新上传。",
        ),
        (
            [SimpleUploadedFile("扫描件.png", PNG + b"\x00" * (10 * 2**20))],
            "附件“扫描件.png”超过10 MB，请压缩或拆分后重新上传。",
        ),
        (
            [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(6)],
            "最多上传5个附件，本次选择了6个。",
        ),
    ],
)
def test_attachments_are_checked_before_anything_is_stored(world, files, message):
    _refused(
        lambda: _open(world, attachments=files),
        "invalid",
        "提交的数据有误，请按提示修改后重试。",
        {"attachments": [message]},
    )


# --- resolving ----------------------------------------------------------------------------


def test_the_department_corrects_the_record_with_a_new_version(world):
    dispute = _open(world)
    record = world["record"]

    resolved = disputes.dispute_resolve_correct(
        dispute=dispute,
        data={"rating_year": "2024", "rating": "B", "evaluation_date": "2025-04-30"},
        note="经核实已于评价前补缴，更正为B级。",
        acting_user=world["provider"],
    )

    record.refresh_from_db()
    new = resolved.corrected_record
    assert (record.status, record.version) == ("superseded", 1)
    assert (new.status, new.version, new.source_record_id, new.enterprise) == (
        "current",
        2,
        "SW-2025-00001",
        world["enterprise"],
    )
    assert (new.data, new.event_date) == (
        {"rating_year": 2024, "rating": "B", "evaluation_date": "2025-04-30"},
        datetime.date(2025, 4, 30),
    )
    assert (resolved.status, resolved.resolved_by, resolved.resolution_note) == (
        "corrected",
        world["provider"],
        "经核实已于评价前补缴，更正为B级。",
    )
    events = AuditEvent.objects.order_by("pk")
    assert [(e.object_type, e.action, e.actor) for e in events] == [
        ("credit.dispute", "create", world["admin"]),
        ("credit.creditrecord", "update", world["provider"]),
        ("credit.creditrecord", "create", world["provider"]),
        ("credit.dispute", "update", world["provider"]),
    ]
    assert events[1].after == {"status": "superseded"}
    assert events[3].before["status"] == "open"
    assert events[3].after["status"] == "corrected"
    assert events[3].after["corrected_record"] == new.pk
    states = disputes.record_dispute_states([record, new])
    assert {pk: s.status for pk, s in states.items()} == {
        record.pk: "corrected",
        new.pk: "corrected",
    }


def test_a_correction_is_checked_against_the_category_fields(world):
    dispute = _open(world)
    _refused(
        lambda: disputes.dispute_resolve_correct(
            dispute=dispute,
            data={"rating_year": "2024", "rating": "E", "evaluation_date": "2099-01-01"},
            note="更正",
            acting_user=world["provider"],
        ),
        "invalid",
        "提交的数据有误，请按提示修改后重试。",
        {
            "data.rating": ["信用等级：应为以下之一：A、B、M、C、D。"],
            "data.evaluation_date": ["评价日期：日期不能晚于今天。"],
        },
    )


def test_a_correction_identical_to_the_record_is_refused(world):
    dispute = _open(world)
    _refused(
        lambda: disputes.dispute_resolve_correct(
            dispute=dispute,
            data=dict(world["record"].data),
            note="更正",
            acting_user=world["provider"],
        ),
        "invalid",
        "提交的数据有误，请按提示修改后重试。",
        {"data": ["更正后的内容与原记录相同，请修改需要更正的数据项。"]},
    )


def test_the_department_removes_the_record(world):
    dispute = _open(world)

    resolved = disputes.dispute_resolve_remove(
        dispute=dispute, note="重复报送，予以删除。", acting_user=world["provider"]
    )

    world["record"].refresh_from_db()
    assert world["record"].status == "removed"
    assert (resolved.status, resolved.resolution_note) == ("removed", "重复报送，予以删除。")
    assert [(e.object_type, e.after) for e in AuditEvent.objects.order_by("pk")][1] == (
        "credit.creditrecord",
        {"status": "removed"},
    )


def test_upheld_with_an_annotation_the_enterprise_answers_once(world):
    dispute = _open(world)

    upheld = disputes.dispute_uphold(
        dispute=dispute,
        annotation="评价时存在欠税记录，维持C级。",
        acting_user=world["provider"],
    )
    answered = disputes.dispute_reply(
        dispute=upheld,
        reply="欠税已于2025年5月补缴完毕。",
        attachments=[SimpleUploadedFile("缴款书.png", PNG)],
        acting_user=world["admin"],
    )

    assert (answered.status, answered.resolution_note, answered.reply, answered.replied_by) == (
        "upheld",
        "评价时存在欠税记录，维持C级。",
        "欠税已于2025年5月补缴完毕。",
        world["admin"],
    )
    world["record"].refresh_from_db()
    assert world["record"].status == "current"
    state = disputes.record_dispute_states([world["record"]])[world["record"].pk]
    assert (state.status, state.annotation, state.reply, state.under_dispute) == (
        "upheld",
        "评价时存在欠税记录，维持C级。",
        "欠税已于2025年5月补缴完毕。",
        False,
    )
    assert [a.stage for a in answered.attachments.all()] == ["reply"]
    _refused(
        lambda: disputes.dispute_reply(dispute=answered, reply="补充", acting_user=world["admin"]),
        "dispute_already_replied",
        f"该异议已于{timezone.localtime(answered.replied_at):%Y-%m-%d %H:%M}答复，每个异议只能答复一次。",
    )


def test_an_open_dispute_cannot_be_answered(world):
    dispute = _open(world)
    _refused(
        lambda: disputes.dispute_reply(dispute=dispute, reply="说明", acting_user=world["admin"]),
        "dispute_not_upheld",
        "只有“维持原记录”的异议可以答复，该异议目前为“处理中”。",
    )


@pytest.mark.parametrize("who", ["admin", "staff", "other_provider"])
def test_only_the_source_department_resolves(world, who):
    dispute = _open(world)
    for resolve in (
        lambda: disputes.dispute_resolve_remove(
            dispute=dispute, note="删除", acting_user=world[who]
        ),
        lambda: disputes.dispute_uphold(dispute=dispute, annotation="维持", acting_user=world[who]),
        lambda: disputes.dispute_resolve_correct(
            dispute=dispute,
            data={"rating_year": 2024, "rating": "B", "evaluation_date": "2025-04-30"},
            note="更正",
            acting_user=world[who],
        ),
    ):
        _refused(resolve, "permission_denied", "只有该记录的来源部门可以处理异议。")


def test_an_already_resolved_dispute_cannot_be_resolved_or_withdrawn_again(world):
    dispute = disputes.dispute_uphold(
        dispute=_open(world), annotation="维持", acting_user=world["provider"]
    )
    message = (
        f"该异议已于{timezone.localtime(dispute.resolved_at):%Y-%m-%d %H:%M}办结（维持原记录），"
        "不能再处理或撤回。"
    )
    _refused(
        lambda: disputes.dispute_resolve_remove(
            dispute=dispute, note="删除", acting_user=world["provider"]
        ),
        "dispute_closed",
        message,
    )
    _refused(
        lambda: disputes.dispute_withdraw(dispute=dispute, acting_user=world["admin"]),
        "dispute_closed",
        message,
    )


def test_the_enterprise_withdraws_an_open_dispute_and_may_dispute_again(world):
    dispute = _open(world)

    withdrawn = disputes.dispute_withdraw(dispute=dispute, acting_user=world["admin"])

    assert withdrawn.status == "withdrawn"
    assert disputes.record_dispute_states([world["record"]]) == {}
    assert _open(world, reason="补充材料后重新提出").status == "open"


def test_staff_may_not_withdraw(world):
    dispute = _open(world)
    _refused(
        lambda: disputes.dispute_withdraw(dispute=dispute, acting_user=world["staff"]),
        "permission_denied",
        "只有企业管理员可以答复或撤回本企业的异议。",
    )


# --- overdue ------------------------------------------------------------------------------


def test_the_scan_flags_overdue_disputes_once_and_counts_working_days(world):
    dispute = _open(world)
    # Given a dispute filed on 24 September 2026, due 29 October 2026.
    Dispute.objects.filter(pk=dispute.pk).update(
        filed_at=timezone.make_aware(datetime.datetime(2026, 9, 24, 10, 0)),
        deadline=datetime.date(2026, 10, 29),
    )
    in_time = CreditRecordFactory(category=world["category"], enterprise=world["enterprise"])
    _open({**world, "record": in_time})
    audit_before = AuditEvent.objects.count()

    assert disputes.disputes_overdue_flag(today=datetime.date(2026, 10, 29)) == 0
    assert disputes.disputes_overdue_flag(today=datetime.date(2026, 11, 3)) == 1
    assert disputes.disputes_overdue_flag(today=datetime.date(2026, 11, 3)) == 0

    dispute.refresh_from_db()
    assert dispute.overdue_flagged_at is not None
    [event] = AuditEvent.objects.order_by("pk")[audit_before:]
    assert (event.actor, event.actor_username, event.before) == (
        None,
        "system",
        {"overdue_flagged_at": None},
    )
    timing = disputes.dispute_timing(dispute, today=datetime.date(2026, 11, 3))
    assert (timing.days_left, timing.days_overdue, timing.is_overdue) == (None, 3, True)
    on_deadline = disputes.dispute_timing(dispute, today=datetime.date(2026, 10, 29))
    assert (on_deadline.days_left, on_deadline.days_overdue) == (0, None)
    before_holiday = disputes.dispute_timing(dispute, today=datetime.date(2026, 9, 30))
    assert before_holiday.days_left == 17
    city = UserFactory()
    assert list(disputes.disputes_overdue(user=city, today=datetime.date(2026, 11, 3))) == [dispute]


def test_a_resolved_dispute_is_not_flagged(world):
    dispute = _open(world)
    Dispute.objects.filter(pk=dispute.pk).update(deadline=datetime.date(2026, 10, 29))
    disputes.dispute_uphold(dispute=dispute, annotation="维持", acting_user=world["provider"])

    assert disputes.disputes_overdue_flag(today=datetime.date(2026, 11, 3)) == 0


def test_the_scan_command_reports_the_count(world, capsys):
    from django.core.management import call_command

    dispute = _open(world)
    Dispute.objects.filter(pk=dispute.pk).update(deadline=datetime.date(2026, 10, 29))

    call_command("credit_disputes_scan", "--date", "2026-11-03")
    call_command("credit_disputes_scan", "--date", "2026-11-03")

    assert capsys.readouterr().out.splitlines() == [
        "已标记逾期异议 1 件（2026-11-03）。",
        "已标记逾期异议 0 件（2026-11-03）。",
    ]


# --- reads --------------------------------------------------------------------------------


def test_record_dispute_states_take_one_query(world, django_assert_num_queries):
    records = [world["record"]]
    for _ in range(5):
        record = CreditRecordFactory(category=world["category"], enterprise=world["enterprise"])
        _open({**world, "record": record})
        records.append(record)

    with django_assert_num_queries(1):
        states = disputes.record_dispute_states(records)

    assert sorted(states) == sorted(r.pk for r in records[1:])
    assert disputes.disputes_open_counts(enterprise_ids=[world["enterprise"].pk]) == {
        world["enterprise"].pk: 5
    }


def test_who_sees_which_disputes(world):
    dispute = _open(world)
    county = UserFactory(county_officer=True, county=world["enterprise"].county)
    other_county = UserFactory(
        county_officer=True, county=RegionFactory(code="330481", name="海宁市")
    )
    institution = UserFactory(institution_manager=True)

    seen = {
        who: list(Dispute.objects.visible_to(user))
        for who, user in [
            ("admin", world["admin"]),
            ("staff", world["staff"]),
            ("provider", world["provider"]),
            ("other_provider", world["other_provider"]),
            ("county", county),
            ("other_county", other_county),
            ("city", UserFactory()),
            ("institution", institution),
            ("stranger", UserFactory(enterprise_admin=True)),
        ]
    }

    assert seen == {
        "admin": [dispute],
        "staff": [dispute],
        "provider": [dispute],
        "other_provider": [],
        "county": [dispute],
        "other_county": [],
        "city": [dispute],
        "institution": [],
        "stranger": [],
    }


def test_open_disputes_are_a_fact_rules_can_name(world):
    """Given two open disputes of one enterprise and another enterprise without any, the
    facts frame's ``credit.disputes_open`` counts them (0 where none), so a rule can name it."""
    other = EnterpriseFactory()
    for _ in range(2):
        record = CreditRecordFactory(category=world["category"], enterprise=world["enterprise"])
        _open({**world, "record": record})
    low, high = sorted((world["enterprise"].pk, other.pk))

    frame = CREDIT_DISPUTE_SOURCE.fetch(
        first_id=low, last_id=high, as_of=datetime.date(2026, 12, 5), year=2025
    )

    counts = dict(zip(frame["enterprise_id"], frame["credit.disputes_open"], strict=True))
    assert counts[world["enterprise"].pk] == 2
    assert counts[other.pk] == 0
