"""The inbox by kind (issue 12): the tabs count the unread of each kind in one grouped
query, ``?kind=`` shows one kind, and 全部标为已读 reads the kind shown in one UPDATE,
audited. The kinds follow from the events by what the areas declare in their panels."""

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.lib import panels
from qianshao.notify import kinds
from qianshao.notify.delivery import deliver_due
from qianshao.notify.models import InboxItem
from qianshao.notify.outbox import enqueue
from qianshao.testing import next_page

pytestmark = pytest.mark.django_db

# an event each area writes, and the kind it files under
EVENTS = {
    "warnings.issue": "warnings",
    "warnings.resend": "warnings",
    "warnings.chase": "chase",
    "hazards.report": "hazards",
    "hazards.assign": "hazards",
    "hazards.supervise": "chase",
    "hazards.answer_supervision": "chase",
    "disasters.report": "disasters",
    "disasters.zero_missing": "chase",
    "grid.role_assigned": "grid",
    "resources.transfer": "resources",
    "resources.supplies_expiry": "resources",
    "risks.patrol_missed": "risks",
    "incidents.order": "incidents",
    "incidents.spot": "incidents",
    "incidents.relay_due": "chase",
    "incidents.checkin_missing": "chase",
    "audit.anchor": "system",
    "test.notice": "system",
    "hazardsx.lookalike": "system",  # a prefix is a whole dotted part, not any text
}


def message(user, event="test.notice", subject="巡查提醒") -> InboxItem:
    with transaction.atomic():
        enqueue(event, subject=subject, body="请按时巡查。", link="/inbox/", users=[user])
    deliver_due()
    return InboxItem.objects.filter(user=user).latest("id")


def test_each_event_files_under_the_kind_its_area_declares():
    assert {event: panels.kind_of(event).name for event in EVENTS} == EVENTS
    names = [kind.name for kind in panels.inbox_kinds()]
    assert names == [
        *("warnings", "hazards", "chase", "disasters", "grid", "resources", "risks"),
        *("incidents", "system"),
    ]


def test_a_kind_as_a_filter_holds_exactly_the_events_of_that_kind(cast):
    user = cast.users["county"]
    items = {event: message(user, event) for event in EVENTS}
    for kind in panels.inbox_kinds():
        found = set(InboxItem.objects.filter(user=user).filter(kinds.of_kind(kind)))
        assert found == {items[e] for e, name in EVENTS.items() if name == kind.name}, kind


def test_the_tabs_count_the_unread_of_each_kind_and_a_tab_shows_its_kind(cast, client_for):
    user = cast.users["county"]
    message(user, "warnings.issue", "暴雨预警")
    message(user, "warnings.chase", "未叫应")
    read = message(user, "hazards.report", "已读的隐患")
    message(user, "hazards.report", "新隐患")
    client = client_for(user)
    client.post(f"/inbox/{read.pk}/read/")
    response = client.get("/inbox/")
    tabs = {kind.name: n for kind, n in response.context["tabs"]}
    assert tabs == {
        "warnings": 1,
        "hazards": 1,
        "chase": 1,
        "disasters": 0,
        "grid": 0,
        "resources": 0,
        "risks": 0,
        "incidents": 0,
        "system": 0,
    }
    html = response.content.decode()
    assert "全部 (3)" in html and "预警叫应 (1)" in html and "隐患 (1)" in html
    shown = client.get("/inbox/", {"kind": "hazards"}).content.decode()
    assert "新隐患" in shown and "已读的隐患" in shown
    assert "暴雨预警" not in shown and "未叫应" not in shown


def test_a_tabs_pages_keep_the_kind(cast, client_for):
    user = cast.users["village"]
    for n in range(31):
        message(user, "hazards.report", f"隐患{n}")
    message(user, "grid.role_assigned", "任命")
    html = client_for(user).get("/inbox/", {"kind": "hazards"}).content.decode()
    following = next_page(html)
    assert following["kind"] == "hazards" and following["cursor"]
    second = client_for(user).get("/inbox/", following).content.decode()
    assert "隐患0" in second and "任命" not in second


@pytest.mark.parametrize("bad", ["nope", "warnings.issue", "<b>x</b>"])
def test_an_unknown_kind_is_a_400_naming_kind(cast, client_for, bad):
    user = cast.users["village"]
    item = message(user)
    client = client_for(user)
    response = client.get("/inbox/", {"kind": bad})
    assert response.status_code == 400
    assert 'data-field="kind"' in response.content.decode()
    response = client.post("/inbox/read-all/", {"kind": bad})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.read_at is None  # nothing half-done
    api = client.get("/api/v1/inbox", {"kind": bad})
    assert api.status_code == 400
    assert api.json()["field"] == "kind"


def test_reading_a_kind_reads_only_that_kind_in_one_update_and_one_audit_record(cast, client_for):
    user = cast.users["county"]
    warnings = [message(user, "warnings.issue"), message(user, "warnings.relay")]
    chase = message(user, "warnings.chase")
    theirs = message(cast.users["township"], "warnings.issue")
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/inbox/read-all/", {"kind": "warnings"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/?kind=warnings"
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len([sql for sql in updates if "notify_inboxitem" in sql]) == 1
    assert all(InboxItem.objects.get(pk=i.pk).read_at for i in warnings)
    assert InboxItem.objects.get(pk=chase.pk).read_at is None
    assert InboxItem.objects.get(pk=theirs.pk).read_at is None
    record = AuditRecord.objects.get(action="notify.mark_read")
    assert record.after == {"read": [i.pk for i in warnings], "kind": "warnings"}
    assert record.actor_id == user.pk
    # again: nothing left to read in that kind, nothing written
    client.post("/inbox/read-all/", {"kind": "warnings"})
    assert AuditRecord.objects.filter(action="notify.mark_read").count() == 1


def test_the_read_all_button_names_the_kind_shown(cast, client_for):
    user = cast.users["village"]
    message(user, "hazards.report")
    client = client_for(user)
    assert "将“隐患”全部标为已读" in client.get("/inbox/", {"kind": "hazards"}).content.decode()
    # nothing unread in the kind shown: no button
    assert "标为已读</button>" not in client.get("/inbox/", {"kind": "grid"}).content.decode()


def test_the_unread_counts_are_one_grouped_query(cast, django_assert_num_queries):
    user = cast.users["county"]
    for event in EVENTS:
        message(user, event)
    with django_assert_num_queries(1) as captured:
        counts = kinds.unread_counts(InboxItem.objects.filter(user=user))
    assert "GROUP BY" in captured.captured_queries[0]["sql"]
    assert counts == {
        "warnings": 2,
        "chase": 6,
        "hazards": 2,
        "disasters": 1,
        "grid": 1,
        "resources": 2,
        "risks": 1,
        "incidents": 2,
        "system": 3,
    }


def test_the_unread_counts_read_the_index_not_the_table(cast):
    """As an inbox holds them after a while: most read, a few not. PostgreSQL plans from
    the table's statistics (taken here as autovacuum takes them): with none, every index of
    the user's rows looks alike to it."""
    user = cast.users["county"]
    for _ in range(3):
        message(user, "warnings.issue")
    InboxItem.objects.filter(user=user).update(read_at=timezone.now())
    message(user, "warnings.issue")
    query = InboxItem.objects.filter(user=user, read_at__isnull=True)
    query = query.values_list("event").annotate(n=Count("pk")).order_by()
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {InboxItem._meta.db_table}")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "inbox_unread_by_event" in plan, plan
    assert "Seq Scan" not in plan and "SCAN notify_inboxitem" not in plan, plan
    if connection.vendor == "sqlite":
        assert "COVERING INDEX" in plan, plan


def test_the_api_filters_by_kind_and_lists_the_kinds_with_their_unread(cast, client_for):
    user = cast.users["village"]
    issue = message(user, "warnings.issue", "预警")
    message(user, "hazards.report", "隐患")
    client = client_for(user)
    body = client.get("/api/v1/inbox", {"kind": "warnings"}).json()
    assert [i["id"] for i in body["items"]] == [issue.pk]
    assert body["items"][0]["kind"] == "warnings"
    assert body["items"][0]["button"] == "查看"
    found = client.get("/api/v1/inbox/kinds").json()
    assert [k["name"] for k in found] == [k.name for k in panels.inbox_kinds()]
    assert {k["name"]: k["unread"] for k in found}["warnings"] == 1
    assert {k["name"]: k["label"] for k in found}["chase"] == "督办/催办"
