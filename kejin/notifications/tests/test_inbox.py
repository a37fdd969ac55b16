"""The inbox: sending once on commit, emailing once, pages, badge and API."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.notifications.models import Notification
from kejin.notifications.services import notification_send, notifications_email

pytestmark = pytest.mark.django_db


def send(capture, recipients, key="demand:1:claimed", title="需求已被认领", url=""):
    with capture(execute=True):
        notification_send(
            recipients=recipients, kind="demand", key=key, title=title, body="正文", url=url
        )


# --- sending and email ----------------------------------------------------------------------


def test_sent_twice_reaches_each_user_once_and_is_emailed_once(django_capture_on_commit_callbacks):
    with_mail = UserFactory(email="a@example.cn")
    without_mail = UserFactory(email="")
    send(django_capture_on_commit_callbacks, [with_mail, without_mail], url="/financing/")
    send(django_capture_on_commit_callbacks, [with_mail, without_mail], url="/financing/")

    assert Notification.objects.filter(key="demand:1:claimed").count() == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (["a@example.cn"], "需求已被认领")
    assert message.body == "正文\n\n查看详情：/financing/"
    assert Notification.objects.get(recipient=with_mail).emailed_at is not None
    assert Notification.objects.get(recipient=without_mail).emailed_at is None


def test_nothing_is_sent_for_a_write_that_rolled_back(django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.cn")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notification_send(recipients=[user], kind="demand", key="k", title="t")
        raise RuntimeError
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_a_failed_email_is_given_back_and_sent_by_a_later_call(django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.cn")
    # A real SMTP connection to a closed port: the send fails, the inbox still gets it.
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=9,
        EMAIL_TIMEOUT=2,
    ):
        send(django_capture_on_commit_callbacks, [user])
    note = Notification.objects.get()
    assert note.emailed_at is None
    assert notifications_email(ids=[note.pk]) == 1
    assert notifications_email(ids=[note.pk]) == 0
    assert len(mail.outbox) == 1


# --- pages ----------------------------------------------------------------------------------


def test_inbox_lists_only_my_messages_and_opening_one_marks_it_read(
    client, django_capture_on_commit_callbacks
):
    me, other = UserFactory(), UserFactory()
    send(
        django_capture_on_commit_callbacks, [me], key="a", title="甲", url="/financing/monitoring/"
    )
    send(django_capture_on_commit_callbacks, [me], key="b", title="乙")
    send(django_capture_on_commit_callbacks, [other], key="c", title="丙")
    client.force_login(me)

    html = client.get(reverse("notifications:list")).content.decode()
    assert html.count('data-testid="notification"') == 2
    assert "丙" not in html
    mine = Notification.objects.get(recipient=me, key="a")
    response = client.post(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/financing/monitoring/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    unread = client.get(reverse("notifications:list") + "?unread=1").content.decode()
    assert unread.count('data-testid="notification"') == 1

    theirs = Notification.objects.get(recipient=other)
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_message_never_redirects_off_site(client):
    me = UserFactory()
    note = Notification.objects.create(
        recipient=me, kind="x", key="x", title="x", url="https://evil.example/"
    )
    client.force_login(me)
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_read_all_marks_only_mine(client):
    me, other = UserFactory(), UserFactory()
    for key in ("a", "b"):
        Notification.objects.create(recipient=me, kind="x", key=key, title=key)
    Notification.objects.create(recipient=other, kind="x", key="a", title="a")
    client.force_login(me)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "已将 2 条消息标为已读。" in response.content.decode()
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


def test_badge_counts_unread_and_is_empty_when_none(client):
    me = UserFactory()
    client.force_login(me)
    assert client.get(reverse("notifications:badge")).content.decode().strip() == ""
    for key in ("a", "b", "c"):
        Notification.objects.create(recipient=me, kind="x", key=key, title=key)
    Notification.objects.filter(key="c").update(read_at="2026-11-01T00:00:00+08:00")
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert 'data-testid="unread-badge"' in badge and ">2</span>" in badge
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'hx-get="/notifications/badge/"' in page  # the navbar loads it
    client.logout()
    assert client.get(reverse("notifications:badge")).content == b""


def test_inbox_query_count_does_not_grow(client, django_assert_max_num_queries):
    me = UserFactory()
    client.force_login(me)
    Notification.objects.create(recipient=me, kind="x", key="0", title="0")
    with django_assert_max_num_queries(6):
        client.get(reverse("notifications:list"))
    Notification.objects.bulk_create(
        Notification(recipient=me, kind="x", key=str(n), title=str(n)) for n in range(1, 20)
    )
    with django_assert_max_num_queries(6):
        client.get(reverse("notifications:list"))


# --- API ------------------------------------------------------------------------------------


def test_api_list_count_read_and_read_all(client):
    me, other = UserFactory(), UserFactory()
    a = Notification.objects.create(recipient=me, kind="x", key="a", title="甲")
    Notification.objects.create(recipient=me, kind="x", key="b", title="乙")
    theirs = Notification.objects.create(recipient=other, kind="x", key="a", title="丙")
    client.force_login(me)

    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 2 and {r["title"] for r in body["results"]} == {"甲", "乙"}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    read = client.post(f"/api/v1/notifications/{a.pk}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    missing = client.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_needs_a_signed_in_caller(client):
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
