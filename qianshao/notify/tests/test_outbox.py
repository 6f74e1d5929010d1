"""Writing notifications into the outbox: who gets what, once, inside the action."""

import pytest
from django.db import transaction
from django.db.models import CharField, F, Value

from qianshao.audit.models import AuditRecord
from qianshao.lib.errors import Conflict
from qianshao.notify.models import Channel, Message, Status, Webhook
from qianshao.notify.outbox import Notice, enqueue, enqueue_all
from qianshao.testing import appoint


def test_an_appointment_queues_an_inapp_message_and_an_sms(
    appointee, appoint_informant, sms_gateway
):
    assignment = appoint_informant(appointee)

    messages = {m.channel: m for m in Message.objects.filter(event="grid.role_assigned")}
    assert set(messages) == {Channel.INAPP, Channel.SMS}
    inapp, sms = messages[Channel.INAPP], messages[Channel.SMS]
    assert inapp.user == appointee.user
    assert sms.person == appointee
    assert sms.address == appointee.phone
    for message in (inapp, sms):
        assert message.status == Status.PENDING
        assert message.attempts == 0
        assert message.subject == "您已被任命为一村信息员"
        assert message.link == "/grid/450901100201/"
        assert message.payload == {
            "assignment": assignment.pk,
            "cell": "450901100201",
            "role": "informant",
        }
    assert sms_gateway.requests == []  # nothing is sent inside the action


def test_without_an_sms_gateway_no_sms_is_queued(appointee, appoint_informant, settings):
    settings.SMS_GATEWAY_URL = ""
    appoint_informant(appointee)
    assert list(Message.objects.values_list("channel", flat=True)) == [Channel.INAPP]


def test_a_person_without_a_login_gets_an_sms_but_no_inapp_message(
    cast, appoint_informant, sms_gateway
):
    person = appoint(cast.village, "member", name="周七", actor=cast.users["township"])
    appoint_informant(person)
    assert list(Message.objects.values_list("channel", "address")) == [(Channel.SMS, person.phone)]


def test_a_user_named_twice_gets_one_inapp_message(appointee):
    with transaction.atomic():
        ids = enqueue("test.event", subject="测试", people=[appointee], users=[appointee.user])
    assert len(ids) == 1
    assert Message.objects.get().user == appointee.user


def test_a_dedupe_key_queues_each_message_once(appointee, sms_gateway):
    def queue(key):
        with transaction.atomic():
            return enqueue(
                "warning.reminder", subject="请回复", people=[appointee], sms=True, dedupe_key=key
            )

    first = queue("warning-7|round-1")
    assert len(first) == 2
    assert queue("warning-7|round-1") == []
    assert Message.objects.count() == 2
    assert len(queue("warning-7|round-2")) == 2
    assert Message.objects.count() == 4


def test_webhooks_get_only_the_events_they_want(appointee, appoint_informant, settings):
    settings.SMS_GATEWAY_URL = ""
    wanted = Webhook.objects.create(
        name="区应急局", url="http://127.0.0.1:9/a", events=["grid.role_assigned"]
    )
    everything = Webhook.objects.create(name="大屏", url="http://127.0.0.1:9/b")
    Webhook.objects.create(name="其他", url="http://127.0.0.1:9/c", events=["hazard.reported"])
    Webhook.objects.create(name="停用", url="http://127.0.0.1:9/d", active=False)

    appoint_informant(appointee)

    hooks = set(Message.objects.filter(channel=Channel.WEBHOOK).values_list("webhook", "address"))
    assert hooks == {(wanted.pk, wanted.url), (everything.pk, everything.url)}


@pytest.mark.django_db(transaction=True)
def test_enqueue_refuses_to_run_outside_a_transaction(appointee):
    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        enqueue("test.event", subject="测试", people=[appointee])
    assert not Message.objects.exists()


def test_messages_are_handed_to_the_worker_only_when_the_action_commits(
    appointee, appoint_informant, sms_gateway, empty_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appoint_informant(appointee)
        assert empty_queue.pending_count() == 0
    assert empty_queue.pending_count() == 0  # not yet run: the transaction has not committed

    for callback in callbacks:
        callback()

    tasks = empty_queue.pending()
    assert [task.name for task in tasks] == ["deliver_messages"]
    ids = sorted(Message.objects.values_list("id", flat=True))
    assert sorted(tasks[0].args[0]) == ids


def test_a_failed_action_queues_nothing(cast, appointee, appoint_informant, sms_gateway):
    appoint_informant(appointee)
    count, audited = Message.objects.count(), AuditRecord.objects.count()
    with pytest.raises(Conflict, match="已担任"):
        appoint_informant(appointee)  # the same role again: refused
    assert Message.objects.count() == count
    assert AuditRecord.objects.count() == audited


def test_the_webhook_list_is_cached_until_a_save_or_the_minute_is_up(appointee, settings):
    """Another process switching a webhook off (here: an update that sends no signal) is seen
    when the cache expires; a save in this process is seen at once."""
    from qianshao.lib.settled import SECONDS
    from qianshao.notify.outbox import _webhooks

    settings.SMS_GATEWAY_URL = ""
    hook = Webhook.objects.create(name="大屏", url="http://127.0.0.1:9/b")

    def hooks_told():
        with transaction.atomic():
            ids = enqueue("test.event", subject="测试", people=[appointee])
        return set(
            Message.objects.filter(pk__in=ids, channel=Channel.WEBHOOK).values_list(
                "webhook", flat=True
            )
        )

    assert hooks_told() == {hook.pk}
    Webhook.objects.filter(pk=hook.pk).update(active=False)
    assert hooks_told() == {hook.pk}, "cached: another process's change is not seen yet"
    _webhooks._at -= SECONDS + 1  # the minute is up
    assert hooks_told() == set()

    hook.active = True
    hook.save()
    assert hooks_told() == {hook.pk}, "a save in this process is seen at once"


def test_notices_queued_together_are_one_insert_and_one_task(
    cast, appointee, sms_gateway, empty_queue, django_capture_on_commit_callbacks
):
    other = appoint(cast.village, "member", name="李四")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        ids = enqueue_all(
            [
                Notice("test.one", "第一条", people=[appointee], sms=True),
                Notice("test.two", "第二条", people=[other], sms=True, dedupe_key="two"),
                Notice("test.two", "第二条", people=[other], sms=True, dedupe_key="two"),  # again
            ]
        )
    assert len(callbacks) == 1
    [task] = empty_queue.pending()
    assert sorted(task.args[0]) == sorted(ids)
    queued = Message.objects.filter(pk__in=ids)
    assert sorted(queued.values_list("event", "channel", "person_id")) == [
        ("test.one", Channel.INAPP, appointee.pk),
        ("test.one", Channel.SMS, appointee.pk),
        ("test.two", Channel.SMS, other.pk),  # no login: no in-app message
    ]


def test_a_notice_written_by_the_database_has_the_fields_enqueue_writes(appointee, sms_gateway):
    """``enqueue_query`` (INSERT … SELECT, with its fixed values prepared by hand) writes the
    in-app and SMS messages that ``enqueue`` writes for the same person: every field but
    the row's own id, uuid and times, which are of the moment."""
    from qianshao.grid.models import Person
    from qianshao.notify.outbox import enqueue_query

    told = {
        "subject": "长" * 250,  # cut to the column's 200, as enqueue cuts it
        "body": "内容\t第二行\n",
        "link": "/hazards/YH1/",
        "payload": {"hazard": "YH1", "n": 2},
        "sms": True,
        "action": "受理",
    }
    rows = Person.objects.filter(pk=appointee.pk).values(
        to_person=F("pk"),
        to_user=F("user_id"),
        to_phone=F("phone"),
        sms_link=Value(None, output_field=CharField()),
    )
    with transaction.atomic():
        enqueue("by.python", people=[appointee], **told)
        enqueue_query("by.database", rows, **told)
    mutable = {"id", "uuid", "event", "created_at", "next_attempt_at"}
    fields = [f.attname for f in Message._meta.concrete_fields if f.attname not in mutable]

    def written(event):
        return {
            m.channel: {name: getattr(m, name) for name in fields}
            for m in Message.objects.filter(event=event)
        }

    python, database = written("by.python"), written("by.database")
    assert set(python) == {Channel.INAPP, Channel.SMS}
    assert database == python
    for m in Message.objects.all():
        assert m.next_attempt_at == m.created_at and m.status == Status.PENDING
