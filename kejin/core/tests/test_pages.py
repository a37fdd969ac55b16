"""Pages users meet, core side: the audit log as people read it (one presenter for every
page that shows the trail) and the holiday schedule entered in Chinese."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.models import AuditEvent, HolidaySchedule
from kejin.core.tests.factories import IndustryFactory, RegionFactory
from kejin.core.ui.audit import audit_rows
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def counties():
    city = RegionFactory(code="330400", name="嘉兴市", level="city")
    return (
        RegionFactory(code="330402", name="南湖区", level="county", parent=city),
        RegionFactory(code="330411", name="秀洲区", level="county", parent=city),
    )


def _changes(row) -> dict[str, tuple[str, str]]:
    return {change["label"]: (change["before"], change["after"]) for change in row["changes"]}


class TestAuditPresenter:
    def test_fields_by_label_references_by_name_choices_amounts_and_yes_no(self, counties):
        nanhu, xiuzhou = counties
        officer = UserFactory(username="wang", full_name="王芳")
        enterprise = EnterpriseFactory(county=nanhu, name="嘉兴星河智能科技有限公司")
        audit_record(
            actor=officer,
            action=AuditAction.UPDATE,
            instance=enterprise,
            before={"county": nanhu.pk, "size": "small", "registered_capital": "5000000.00"},
            after={"county": xiuzhou.pk, "size": "medium", "registered_capital": "1234567890.00"},
        )

        (row,) = audit_rows(AuditEvent.objects.select_related("actor"))

        assert (row["actor"], row["actor_name"], row["action"]) == ("wang", "王芳", "修改")
        assert (row["kind"], row["name"]) == ("企业", "嘉兴星河智能科技有限公司")
        assert _changes(row) == {
            "所在县(市、区)": ("南湖区", "秀洲区"),
            "企业规模": ("小型", "中型"),
            "注册资本": ("500.00 万元", "12.35 亿元"),
        }

    def test_times_are_shown_in_shanghai(self):
        enterprise = EnterpriseFactory()
        event = audit_record(actor=None, action=AuditAction.UPDATE, instance=enterprise)
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=datetime.datetime(2026, 11, 1, 16, 30, tzinfo=datetime.UTC)
        )

        (row,) = audit_rows(AuditEvent.objects.all())

        assert row["when"] == "2026-11-02 00:30:00"
        assert (row["actor"], row["actor_name"]) == ("系统", "")

    def test_an_enterprises_own_record_is_named_by_the_enterprise(self):
        enterprise = EnterpriseFactory(name="嘉兴云帆软件有限公司")
        facts = AnnualFacts.objects.create(enterprise=enterprise, year=2025, key_field=True)
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            instance=facts,
            after=model_snapshot(facts, ["enterprise", "year", "key_field", "revenue"]),
        )

        (row,) = audit_rows(AuditEvent.objects.all())

        assert row["kind"] == "企业年度数据"
        assert row["name"] == "嘉兴云帆软件有限公司 2025年"
        changes = _changes(row)
        assert changes["企业"] == ("", "嘉兴云帆软件有限公司")
        assert changes["核心技术属于国家重点支持的高新技术领域"] == ("", "是")
        assert changes["销售收入"] == ("", "—")

    def test_a_record_since_deleted_keeps_the_name_it_had(self):
        enterprise = EnterpriseFactory(name="已注销科技有限公司")
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            instance=enterprise,
            after=model_snapshot(enterprise),
        )
        enterprise.delete()

        (row,) = audit_rows(AuditEvent.objects.all())

        assert row["name"] == "已注销科技有限公司"
        labels = [change["label"] for change in row["changes"]]
        # The row's own id and its automatic timestamps are no change anyone made.
        assert "ID" not in labels and "id" not in labels and "创建时间" not in labels
        assert "企业名称" in labels

    def test_a_page_of_events_costs_a_bounded_number_of_queries(
        self, counties, django_assert_max_num_queries
    ):
        nanhu, xiuzhou = counties
        industry = IndustryFactory()
        for _n in range(20):
            enterprise = EnterpriseFactory(county=nanhu, industry=industry)
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                instance=enterprise,
                before={"county": nanhu.pk, "industry": industry.pk},
                after={"county": xiuzhou.pk, "industry": industry.pk},
            )

        # The events, their objects, the regions and the industries named in them.
        with django_assert_max_num_queries(4):
            rows = audit_rows(AuditEvent.objects.select_related("actor"))

        assert len(rows) == 20
        assert {_changes(row)["所在县(市、区)"] for row in rows} == {("南湖区", "秀洲区")}

    def test_the_audit_log_page_names_the_object_it_is_filtered_to(self, client):
        enterprise = EnterpriseFactory(name="嘉兴星河智能科技有限公司")
        audit_record(actor=None, action=AuditAction.UPDATE, instance=enterprise, after={})
        client.force_login(UserFactory())

        response = client.get(
            reverse("core:audit_list"),
            {"object_type": "enterprises.enterprise", "object_id": str(enterprise.pk)},
        )

        html = response.content.decode()
        assert 'data-testid="audit-object-filter">当前对象：企业 · 嘉兴星河智能科技有限公司' in html
        assert f"#{enterprise.pk}" not in html
        assert "enterprises.enterprise" not in html.split("<main", 1)[1].split("<form", 1)[0]


class TestHolidayEntryInChinese:
    url = reverse("core:holiday_schedule_edit", args=[2027])

    def test_the_entry_page_speaks_chinese(self, client):
        client.force_login(UserFactory())

        response = client.get(self.url)

        form = response.context["form"]
        assert form.fields["days"].widget.attrs["placeholder"] == (
            "2027-01-01 放假 元旦\n2027-02-06 放假 春节\n2027-02-14 上班 春节"
        )
        assert "类型为“放假”或“上班”" in str(form.fields["days"].help_text)
        for english in ("holiday", "workday"):
            assert english not in str(form.fields["days"].help_text)

    def test_chinese_words_and_dates_are_understood(self, client):
        client.force_login(UserFactory())

        response = client.post(
            self.url,
            {
                "notice": "国务院办公厅关于2027年部分节假日安排的通知",
                "days": "2027年2月6日至2027年2月8日 放假 春节\n2027-02-14 上班 春节",
            },
        )

        assert response.status_code == 302
        schedule = HolidaySchedule.objects.get(year=2027)
        assert list(schedule.days.values_list("date", "kind", "name")) == [
            (datetime.date(2027, 2, 6), "holiday", "春节"),
            (datetime.date(2027, 2, 7), "holiday", "春节"),
            (datetime.date(2027, 2, 8), "holiday", "春节"),
            (datetime.date(2027, 2, 14), "workday", "春节"),
        ]
        # Opened again, the schedule reads in the same words.
        again = client.get(self.url)
        assert again.context["form"].initial["days"] == (
            "2027-02-06 放假 春节\n2027-02-07 放假 春节\n2027-02-08 放假 春节\n2027-02-14 上班 春节"
        )


def test_money_large_amounts_read_in_yiyuan_on_the_pages():
    from django.template import Context, Template

    rendered = Template("{% load kejin_tags %}{{ a|yuan }}|{{ b|yuan }}|{{ c|yuan }}").render(
        Context(
            {"a": Decimal("99999999.999"), "b": Decimal("1234567890"), "c": Decimal("9999.999")}
        )
    )

    # The unit is chosen after rounding: 99,999,999.999 元 is "1.00 亿元", not "10,000.00 万元".
    assert rendered == "1.00 亿元|12.35 亿元|1.00 万元"


def test_the_admin_shows_the_trail_through_the_same_presenter(client, counties):
    nanhu, xiuzhou = counties
    enterprise = EnterpriseFactory(county=nanhu, name="嘉兴星河智能科技有限公司")
    event = audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        instance=enterprise,
        before={"county": nanhu.pk},
        after={"county": xiuzhou.pk},
    )
    client.force_login(UserFactory(platform_admin=True))

    changelist = client.get(reverse("admin:core_auditevent_changelist")).content.decode()
    detail = client.get(reverse("admin:core_auditevent_change", args=[event.pk])).content.decode()

    assert '<td class="field-shown_kind">企业</td>' in changelist
    assert '<td class="field-shown_object">嘉兴星河智能科技有限公司</td>' in changelist
    assert "所在县(市、区)" in detail
    assert '<del class="kejin-pre">南湖区</del>' in detail
    assert '<ins class="kejin-pre">秀洲区</ins>' in detail


def test_a_user_is_named_as_a_user_whether_or_not_they_work_for_an_enterprise():
    enterprise = EnterpriseFactory(name="嘉兴云帆软件有限公司")
    officer = UserFactory(username="city-officer", full_name="王芳")
    staff = UserFactory(
        username="yunfan", full_name="李雷", enterprise_staff=True, enterprise=enterprise
    )
    for user in (officer, staff):
        audit_record(actor=user, action=AuditAction.PASSWORD_CHANGE, instance=user)

    rows = audit_rows(AuditEvent.objects.order_by("id"))

    assert [(row["kind"], row["name"]) for row in rows] == [("用户", "王芳"), ("用户", "李雷")]


def test_the_admin_change_list_names_a_page_of_objects_in_bounded_queries(
    client, django_assert_max_num_queries
):
    client.force_login(UserFactory(platform_admin=True))
    url = reverse("admin:core_auditevent_changelist")
    client.get(url)  # warm the session and content types
    for _n in range(3):
        audit_record(actor=None, action=AuditAction.UPDATE, instance=EnterpriseFactory())
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _n in range(20):
        audit_record(actor=None, action=AuditAction.UPDATE, instance=EnterpriseFactory())

    with django_assert_max_num_queries(len(few)):
        response = client.get(url)

    assert response.content.decode().count('<td class="field-shown_object">') == 23
