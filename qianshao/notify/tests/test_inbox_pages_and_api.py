"""The in-app inbox, as a page and through the API: a user sees and reads their own
messages only; another user's message is a 404 whatever the reader's scope."""

import pytest
from django.db import transaction

from qianshao.audit.models import AuditRecord
from qianshao.notify.delivery import deliver_due
from qianshao.notify.models import InboxItem
from qianshao.notify.outbox import enqueue

pytestmark = pytest.mark.django_db


def message(user, subject="巡查提醒", link="/grid/450901100201/") -> InboxItem:
    """Queue an in-app message to ``user`` through the outbox and deliver it."""
    with transaction.atomic():
        enqueue("test.notice", subject=subject, body="请按时巡查。", link=link, users=[user])
    deliver_due()
    return InboxItem.objects.filter(user=user).latest("id")


def test_the_inbox_page_lists_the_users_own_messages_newest_first(cast, client_for):
    user = cast.users["village"]
    first = message(user, "第一条")
    second = message(user, "第二条")
    message(cast.users["township"], "别人的")
    html = client_for(user).get("/inbox/").content.decode()
    assert html.index("第二条") < html.index("第一条")
    assert "别人的" not in html
    assert f"/inbox/{first.pk}/read/" in html
    assert f"/inbox/{second.pk}/read/" in html


def test_an_empty_inbox_says_so(cast, client_for):
    html = client_for(cast.users["village"]).get("/inbox/").content.decode()
    assert "暂无消息" in html


def test_reading_a_message_marks_it_read_and_follows_its_link(cast, client_for):
    user = cast.users["village"]
    item = message(user)
    response = client_for(user).post(f"/inbox/{item.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/grid/450901100201/"
    item.refresh_from_db()
    assert item.read_at is not None
    record = AuditRecord.objects.filter(action="notify.mark_read").get()
    assert record.after == {"read": [item.pk]}


def test_a_message_without_a_link_returns_to_the_inbox(cast, client_for):
    user = cast.users["village"]
    item = message(user, link="")
    response = client_for(user).post(f"/inbox/{item.pk}/read/")
    assert response["Location"] == "/inbox/"


@pytest.mark.parametrize("link", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_a_link_that_leads_off_the_site_is_not_followed(cast, client_for, link):
    user = cast.users["village"]
    item = message(user, link=link)
    response = client_for(user).post(f"/inbox/{item.pk}/read/")
    assert response["Location"] == "/inbox/"


def test_reading_another_users_message_is_a_404_and_leaves_it_unread(cast, client_for):
    item = message(cast.users["village"])
    for username in ["county", "township", "admin"]:
        client = client_for(cast.users[username])
        assert client.post(f"/inbox/{item.pk}/read/").status_code == 404
        assert client.post(f"/api/v1/inbox/{item.pk}/read").status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_reading_is_a_post(cast, client_for):
    user = cast.users["village"]
    item = message(user)
    client = client_for(user)
    assert client.get(f"/inbox/{item.pk}/read/").status_code == 405
    assert client.get("/inbox/read-all/").status_code == 405
    item.refresh_from_db()
    assert item.read_at is None


def test_read_all_marks_only_the_users_own_unread_messages(cast, client_for):
    user = cast.users["village"]
    mine = [message(user), message(user)]
    theirs = message(cast.users["township"])
    response = client_for(user).post("/inbox/read-all/")
    assert response.status_code == 302
    assert all(InboxItem.objects.get(pk=i.pk).read_at for i in mine)
    assert InboxItem.objects.get(pk=theirs.pk).read_at is None


def test_the_unread_count_shows_on_every_page_until_read(cast, client_for):
    user = cast.users["village"]
    message(user)
    client = client_for(user)
    assert client.get("/inbox/").context["unread_count"] == 1
    client.post("/inbox/read-all/")
    assert client.get("/inbox/").context["unread_count"] == 0


def test_the_inbox_page_takes_the_same_queries_for_few_and_many_messages(
    cast, client_for, django_assert_max_num_queries
):
    user = cast.users["village"]
    client = client_for(user)
    message(user)
    client.get("/inbox/")
    with django_assert_max_num_queries(10) as few:
        client.get("/inbox/")
    for n in range(25):
        message(user, f"消息{n}")
    with django_assert_max_num_queries(len(few)):
        response = client.get("/inbox/")
    assert response.content.decode().count('/read/"') == 26


def test_the_api_lists_the_users_own_messages_as_a_page(cast, client_for):
    user = cast.users["village"]
    older = message(user, "旧")
    newer = message(user, "新")
    message(cast.users["county"], "别人的")
    body = client_for(user).get("/api/v1/inbox").json()
    assert body["count"] == 2
    assert [i["id"] for i in body["items"]] == [newer.pk, older.pk]
    item = body["items"][0]
    assert item["subject"] == "新"
    assert item["body"] == "请按时巡查。"
    assert item["link"] == "/grid/450901100201/"
    assert item["read_at"] is None


def test_the_api_lists_only_unread_messages_when_asked(cast, client_for):
    user = cast.users["village"]
    read = message(user, "已读")
    unread = message(user, "未读")
    client = client_for(user)
    assert client.post(f"/api/v1/inbox/{read.pk}/read").status_code == 200
    body = client.get("/api/v1/inbox", {"unread": "true"}).json()
    assert [i["id"] for i in body["items"]] == [unread.pk]


def test_reading_through_the_api_returns_the_message_read_once(cast, client_for):
    user = cast.users["village"]
    item = message(user)
    client = client_for(user)
    first = client.post(f"/api/v1/inbox/{item.pk}/read")
    assert first.status_code == 200
    assert first.json()["read_at"] is not None
    again = client.post(f"/api/v1/inbox/{item.pk}/read")
    assert again.status_code == 200
    assert again.json()["read_at"] == first.json()["read_at"]
    assert AuditRecord.objects.filter(action="notify.mark_read").count() == 1


def test_a_message_that_does_not_exist_is_a_404(cast, client_for):
    client = client_for(cast.users["village"])
    assert client.post("/inbox/999999/read/").status_code == 404
    assert client.post("/api/v1/inbox/999999/read").status_code == 404
