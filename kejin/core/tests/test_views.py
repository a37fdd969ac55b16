"""Pages of the core app (holiday schedules, audit log) and its admin.

Who may do what: city officers and platform admins enter schedules and read the audit log;
county officers see the schedules; enterprise, institution and data-provider users see
neither. After every refused write the database is asserted unchanged.
"""

import datetime
from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent, HolidaySchedule, HolidayScheduleDay, Region
from kejin.core.services import holiday_schedule_save

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 29)
REFUSED_AUDIT_ROLES = [
    "county_officer",
    "enterprise_admin",
    "enterprise_staff",
    "institution_manager",
    "institution_officer",
    "data_provider",
]
# A HYPOTHETICAL 2027 schedule (we do not know the real notice), typed as an officer would.
SCHEDULE_TEXT = """
# 一、元旦
2027-01-01~2027-01-03 holiday 元旦
# 二、春节
2027-02-05~2027-02-13 holiday 春节
2027-02-14 workday 春节
2027-02-20 上班 春节
"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield TODAY


def login(client, **traits):
    user = UserFactory(**traits)
    client.force_login(user)
    return user


def schedule_state():
    return (
        list(HolidaySchedule.objects.values_list("year", "notice", "entered_by")),
        list(HolidayScheduleDay.objects.values_list("date", "kind", "name")),
        AuditEvent.objects.count(),
    )


def enter_2027(actor):
    return holiday_schedule_save(
        actor=actor,
        year=2027,
        notice="假设的2027年通知",
        days=[(date(2027, 2, 5), "holiday", "春节"), (date(2027, 2, 14), "workday", "春节")],
    )


class TestHolidayScheduleList:
    def test_shows_where_each_coming_year_comes_from_and_warns_for_fallback(self, client, today):
        login(client)  # a city officer

        response = client.get(reverse("core:holiday_schedule_list"))

        assert response.status_code == 200
        page = response.content.decode()
        assert [row["year"] for row in response.context["coming"]] == [2026, 2027, 2028]
        assert [row["source"] for row in response.context["coming"]] == [
            "library",
            "fallback",
            "fallback",
        ]
        assert "2027年节假日安排尚未录入，按周一至周五计算；截止日期可能不准确。" in page
        assert "2028年节假日安排尚未录入，按周一至周五计算；截止日期可能不准确。" in page
        assert reverse("core:holiday_schedule_edit", args=[2027]) in page
        assert reverse("core:holiday_schedule_edit", args=[2026]) not in page
        assert response.context["next_year"] == 2027

    def test_an_entered_year_shows_its_notice_and_who_entered_it(self, client, today):
        officer = UserFactory(full_name="张敏")
        enter_2027(officer)
        login(client)

        response = client.get(reverse("core:holiday_schedule_list"))

        assert [row["source"] for row in response.context["coming"]] == [
            "library",
            "schedule",
            "fallback",
        ]
        page = response.content.decode()
        assert "2027年节假日安排尚未录入" not in page
        assert "假设的2027年通知" in page
        assert "张敏" in page
        (schedule,) = response.context["schedules"]
        assert (schedule.holiday_count, schedule.workday_count) == (1, 1)
        # "Enter" now opens the first year still missing.
        assert response.context["next_year"] == 2028

    def test_queries_do_not_grow_with_the_schedules(
        self, client, today, django_assert_max_num_queries
    ):
        officer = login(client)
        for year in (2027, 2028, 2029, 2030):
            holiday_schedule_save(
                actor=officer,
                year=year,
                notice=f"{year}年通知",
                days=[(date(year, 1, 1), "holiday", "元旦")],
            )

        with django_assert_max_num_queries(8):
            response = client.get(reverse("core:holiday_schedule_list"))

        assert len(response.context["schedules"]) == 4

    def test_a_county_officer_sees_the_list_without_edit_links(self, client, today):
        login(client, county_officer=True)

        response = client.get(reverse("core:holiday_schedule_list"))

        assert response.status_code == 200
        assert response.context["can_edit"] is False
        assert reverse("core:holiday_schedule_edit", args=[2027]) not in response.content.decode()

    @pytest.mark.parametrize("trait", ["enterprise_admin", "institution_manager", "data_provider"])
    def test_others_get_403(self, client, trait):
        login(client, **{trait: True})

        response = client.get(reverse("core:holiday_schedule_list"))

        assert response.status_code == 403
        assert "节假日安排仅向市、县(市、区)工作人员和平台管理员开放。" in response.content.decode()

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        response = client.get(reverse("core:holiday_schedule_list"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


class TestHolidayScheduleEdit:
    url = reverse("core:holiday_schedule_edit", args=[2027])

    def test_an_officer_enters_a_schedule(self, client):
        officer = login(client)

        response = client.post(self.url, {"notice": "假设的2027年通知", "days": SCHEDULE_TEXT})

        assert response.status_code == 302
        assert response.url == reverse("core:holiday_schedule_list")
        schedule = HolidaySchedule.objects.get(year=2027)
        assert (schedule.notice, schedule.entered_by) == ("假设的2027年通知", officer)
        days = list(schedule.days.values_list("date", "kind", "name"))
        assert days[:3] == [
            (date(2027, 1, 1), "holiday", "元旦"),
            (date(2027, 1, 2), "holiday", "元旦"),
            (date(2027, 1, 3), "holiday", "元旦"),
        ]
        assert len(days) == 3 + 9 + 2
        assert days[-2:] == [
            (date(2027, 2, 14), "workday", "春节"),
            (date(2027, 2, 20), "workday", "春节"),
        ]
        event = AuditEvent.objects.get()
        assert (event.action, event.actor, event.object_type) == (
            "create",
            officer,
            "core.holidayschedule",
        )
        assert event.ip_address == "127.0.0.1"
        follow = client.get(response.url)
        assert "已保存2027年节假日安排，共14天。" in follow.content.decode()

    def test_the_form_shows_the_entered_schedule_to_edit(self, client):
        officer = login(client, platform_admin=True)
        enter_2027(officer)

        response = client.get(self.url)

        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial == {
            "notice": "假设的2027年通知",
            "days": "2027-02-05 放假 春节\n2027-02-14 上班 春节",
        }

    def test_each_problem_names_its_line_and_nothing_is_written(self, client):
        login(client)
        text = "\n".join(
            [
                "2027-02-06 holiday 春节",
                "2027-02-10 workday 春节",
                "2027-02-30 holiday 春节",
                "2027-02-07 rest 春节",
                "2028-01-01 holiday 元旦",
                "2027-02-06 holiday 春节",
                "2027-02-08",
            ]
        )

        response = client.post(self.url, {"notice": "通知", "days": text})

        assert response.status_code == 200
        assert response.context["form"].errors["days"] == [
            "第2行：2027-02-10 是星期三，调休上班日只能是星期六或星期日。",
            "第3行：日期“2027-02-30”无效，请按“2027-02-06”的格式填写。",
            "第4行：类型“rest”无法识别，应为“放假”或“上班”（调休上班）。",
            "第5行：日期 2028-01-01 不在2027年内。",
            "第6行：日期 2027-02-06 重复（与第1行相同）。",
            "第7行：应写作“日期 类型 节日”，例如“2027-02-06 放假 春节”。",
        ]
        assert "第2行：2027-02-10 是星期三" in response.content.decode()
        assert schedule_state() == ([], [], 0)

    def test_a_schedule_without_holidays_is_refused(self, client):
        login(client)

        response = client.post(self.url, {"notice": "通知", "days": "2027-02-14 workday 春节"})

        assert response.context["form"].errors["days"] == ["至少录入一个放假日期。"]
        assert schedule_state() == ([], [], 0)

    def test_a_year_the_library_knows_is_refused(self, client):
        login(client)
        url = reverse("core:holiday_schedule_edit", args=[2026])

        assert "2026年的节假日安排已内置于日历库，无需录入。" in client.get(url).content.decode()
        response = client.post(url, {"notice": "通知", "days": "2026-10-01 holiday 国庆节"})

        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            "2026年的节假日安排已内置于日历库（2004–2026年），无需录入；只需录入2027年及以后的年份。"
        ]
        assert schedule_state() == ([], [], 0)

    @pytest.mark.parametrize(
        "trait", ["county_officer", "enterprise_admin", "institution_officer", "data_provider"]
    )
    def test_other_roles_get_403_and_nothing_is_written(self, client, trait):
        enter_2027(UserFactory())
        before = schedule_state()
        login(client, **{trait: True})

        page = client.get(self.url)
        response = client.post(self.url, {"notice": "改掉", "days": "2027-03-01 holiday 假"})
        new_year = client.post(
            reverse("core:holiday_schedule_edit", args=[2028]),
            {"notice": "新增", "days": "2028-01-01 holiday 元旦"},
        )

        assert (page.status_code, response.status_code, new_year.status_code) == (403, 403, 403)
        assert "只有市级部门工作人员和平台管理员可以录入节假日安排。" in response.content.decode()
        assert schedule_state() == before

    def test_anonymous_posts_change_nothing(self, client):
        response = client.post(self.url, {"notice": "通知", "days": "2027-02-05 holiday 春节"})

        assert response.status_code == 302
        assert schedule_state() == ([], [], 0)


def make_event(**fields):
    """An audit event as a service would have written it (the trail has no page to write it)."""
    defaults = {
        "actor_username": "someone",
        "action": "update",
        "object_type": "enterprises.enterprise",
        "object_id": "1",
        "object_repr": "嘉兴测试科技有限公司",
    }
    defaults.update(fields)
    return AuditEvent.objects.create(**defaults)


class TestAuditList:
    url = reverse("core:audit_list")

    @pytest.mark.parametrize("traits", [{}, {"platform_admin": True}])
    def test_city_officers_and_platform_admins_see_the_trail_with_diffs(self, client, traits):
        login(client, **traits)
        event = make_event(before={"name": "旧名称"}, after={"name": "新名称"})

        response = client.get(self.url)

        assert response.status_code == 200
        page = response.content.decode()
        assert f'data-event-id="{event.pk}"' in page
        assert '<del class="kejin-pre">旧名称</del>' in page
        assert '<ins class="kejin-pre">新名称</ins>' in page
        assert reverse("core:audit_detail", args=[event.pk]) in page

    def test_a_list_change_shows_the_items_removed_and_added(self, client):
        login(client)
        make_event(
            object_type="core.holidayschedule",
            before={"days": ["2027-02-05 holiday 春节", "2027-02-14 workday 春节"]},
            after={"days": ["2027-02-05 holiday 春节", "2027-02-20 workday 春节"]},
        )

        page = client.get(self.url).content.decode()

        assert "<del>2027-02-14 workday 春节</del>" in page
        assert "<ins>2027-02-20 workday 春节</ins>" in page
        assert "<del>2027-02-05 holiday 春节</del>" not in page

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"actor": "wang"}, ["wang-update"]),
            ({"action": "create"}, ["li-create"]),
            ({"object_type": "core.holidayschedule"}, ["li-create"]),
            ({"object_id": "7"}, ["wang-update"]),
            ({"date_from": "2026-11-02"}, ["li-create"]),
            ({"date_to": "2026-11-01"}, ["wang-update"]),
            ({"date_from": "2026-11-01", "date_to": "2026-11-02"}, ["li-create", "wang-update"]),
            ({"action": "create", "actor": "wang"}, []),
        ],
    )
    def test_filters(self, client, query, expected):
        login(client)
        shanghai = datetime.timezone(datetime.timedelta(hours=8))
        wang = make_event(actor_username="wang", object_id="7", object_repr="wang-update")
        li = make_event(
            actor_username="li",
            action="create",
            object_type="core.holidayschedule",
            object_id="3",
            object_repr="li-create",
        )
        AuditEvent.objects.filter(pk=wang.pk).update(
            created_at=datetime.datetime(2026, 11, 1, 23, 30, tzinfo=shanghai)
        )
        AuditEvent.objects.filter(pk=li.pk).update(
            created_at=datetime.datetime(2026, 11, 2, 0, 30, tzinfo=shanghai)
        )

        response = client.get(self.url, query)

        assert response.status_code == 200
        assert [row["event"].object_repr for row in response.context["rows"]] == expected

    def test_an_invalid_filter_is_reported_and_ignored(self, client):
        login(client)
        make_event()

        response = client.get(self.url, {"date_from": "2026-11-05", "date_to": "2026-11-01"})

        assert len(response.context["rows"]) == 1
        assert "截止日期不能早于起始日期。" in response.content.decode()

    def test_pages_of_fifty_and_bounded_queries(self, client, django_assert_max_num_queries):
        login(client)
        AuditEvent.objects.bulk_create(
            AuditEvent(actor_username="bulk", action="update", object_type="x.y", object_id=str(n))
            for n in range(60)
        )

        with django_assert_max_num_queries(8):
            first = client.get(self.url)
        second = client.get(self.url, {"page": 2, "actor": "bulk"})

        assert len(first.context["rows"]) == 50
        assert len(second.context["rows"]) == 10
        assert "actor=bulk" in second.content.decode()  # page links keep the filters
        assert [row["event"].object_id for row in second.context["rows"]][-1] == "0"

    @pytest.mark.parametrize("trait", REFUSED_AUDIT_ROLES)
    def test_everyone_else_gets_403(self, client, trait):
        login(client, **{trait: True})
        event = make_event()

        listing = client.get(self.url)
        detail = client.get(reverse("core:audit_detail", args=[event.pk]))

        assert (listing.status_code, detail.status_code) == (403, 403)
        assert "只有平台管理员和市级部门工作人员可以查看审计日志。" in listing.content.decode()
        assert "旧名称" not in detail.content.decode()

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        assert client.get(self.url).status_code == 302


class TestAuditDetail:
    def test_shows_every_field_before_and_after(self, client):
        login(client)
        event = make_event(
            before={"name": "旧名称", "size": "small"},
            after={"name": "新名称", "size": "medium"},
            ip_address="10.1.2.3",
        )

        response = client.get(reverse("core:audit_detail", args=[event.pk]))

        assert response.status_code == 200
        page = response.content.decode()
        for text in ["旧名称", "新名称", "小型", "中型", "10.1.2.3", "企业名称", "企业规模"]:
            assert text in page
        # Fields by label, choices by label, the object by its kind: no column names or ids.
        assert [row["label"] for row in response.context["row"]["changes"]] == [
            "企业名称",
            "企业规模",
        ]
        assert response.context["row"]["kind"] == "企业"
        for raw in (">size<", ">small<", "enterprises.enterprise", "#1<"):
            assert raw not in page

    def test_an_unknown_event_is_404(self, client):
        login(client)

        assert client.get(reverse("core:audit_detail", args=[999999])).status_code == 404


class TestAdmin:
    def test_a_platform_admin_enters_a_schedule_through_the_same_rules(self, client):
        admin_user = login(client, platform_admin=True)
        data = {
            "year": "2027",
            "notice": "假设的2027年通知",
            "days-TOTAL_FORMS": "3",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2027-02-05",
            "days-0-kind": "holiday",
            "days-0-name": "春节",
            "days-1-date": "2027-02-14",
            "days-1-kind": "workday",
            "days-1-name": "春节",
        }

        response = client.post(reverse("admin:core_holidayschedule_add"), data)

        assert response.status_code == 302
        schedule = HolidaySchedule.objects.get(year=2027)
        assert schedule.entered_by == admin_user
        assert list(schedule.days.values_list("date", "kind")) == [
            (date(2027, 2, 5), "holiday"),
            (date(2027, 2, 14), "workday"),
        ]
        event = AuditEvent.objects.get()
        assert (event.action, event.object_type) == ("create", "core.holidayschedule")

    def test_the_admin_puts_each_problem_on_its_row_and_writes_nothing(self, client):
        login(client, platform_admin=True)
        data = {
            "year": "2027",
            "notice": "通知",
            "days-TOTAL_FORMS": "2",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2027-02-05",
            "days-0-kind": "holiday",
            "days-0-name": "春节",
            "days-1-date": "2027-02-10",
            "days-1-kind": "workday",
            "days-1-name": "春节",
        }

        response = client.post(reverse("admin:core_holidayschedule_add"), data)

        assert response.status_code == 200
        (formset,) = response.context["inline_admin_formsets"]
        assert formset.formset.forms[1].non_field_errors() == [
            "2027-02-10 是星期三，调休上班日只能是星期六或星期日。"
        ]
        assert schedule_state() == ([], [], 0)

    def test_the_admin_refuses_a_library_year(self, client):
        login(client, platform_admin=True)
        data = {
            "year": "2025",
            "notice": "通知",
            "days-TOTAL_FORMS": "1",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2025-10-01",
            "days-0-kind": "holiday",
            "days-0-name": "国庆节",
        }

        response = client.post(reverse("admin:core_holidayschedule_add"), data)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["year"] == [
            "2025年的节假日安排已内置于日历库（2004–2026年），无需录入；只需录入2027年及以后的年份。"
        ]
        assert schedule_state() == ([], [], 0)

    def test_the_audit_trail_is_read_only_in_the_admin(self, client):
        login(client, platform_admin=True)
        event = make_event()

        changelist = client.get(reverse("admin:core_auditevent_changelist"), {"action": "update"})
        add = client.get(reverse("admin:core_auditevent_add"))
        delete = client.post(
            reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}
        )
        change = client.post(
            reverse("admin:core_auditevent_change", args=[event.pk]), {"object_repr": "改掉"}
        )

        assert changelist.status_code == 200
        assert (add.status_code, delete.status_code, change.status_code) == (403, 403, 403)
        event.refresh_from_db()
        assert event.object_repr == "嘉兴测试科技有限公司"
        assert AuditEvent.objects.count() == 1

    def test_reference_data_edited_in_the_admin_is_audited(self, client):
        admin_user = login(client, platform_admin=True)
        region = Region.objects.get(code="330402")

        response = client.post(
            reverse("admin:core_region_change", args=[region.pk]),
            {
                "code": "330402",
                "name": "南湖区（测试）",
                "level": "county",
                "parent": str(region.parent_id or ""),
                "reports_to": "",
            },
        )

        assert response.status_code == 302
        region.refresh_from_db()
        assert region.name == "南湖区（测试）"
        event = AuditEvent.objects.get(object_type="core.region")
        assert (event.actor, event.action) == (admin_user, "update")
        assert (event.before, event.after) == ({"name": "南湖区"}, {"name": "南湖区（测试）"})

    @pytest.mark.parametrize(
        "name", ["core_region_changelist", "core_industry_changelist", "core_department_changelist"]
    )
    def test_reference_lists_search(self, client, name):
        login(client, platform_admin=True)

        response = client.get(reverse(f"admin:{name}"), {"q": "嘉兴"})

        assert response.status_code == 200
