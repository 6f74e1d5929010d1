"""Delivering the outbox through the channel adapters, against a real HTTP gateway."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.lib.fakegateway import GARBLED
from qianshao.notify import channels, delivery, tasks
from qianshao.notify.models import Channel, Delivery, InboxItem, Message, Status, Webhook
from qianshao.testing import appoint

START = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    """Time stands still at START until the test moves it."""
    time_machine.move_to(START, tick=False)
    return time_machine


def sms_of(person) -> Message:
    return Message.objects.get(channel=Channel.SMS, person=person)


def test_inapp_delivery_puts_one_item_in_the_inbox(appointee, appoint_informant, settings):
    settings.SMS_GATEWAY_URL = ""
    appoint_informant(appointee)
    message = Message.objects.get(channel=Channel.INAPP)

    assert delivery.deliver(message.pk) == Status.SENT

    item = InboxItem.objects.get()
    assert item.user == appointee.user
    assert (item.subject, item.body, item.link) == (
        "您已被任命为一村信息员",
        message.body,
        "/grid/450901100201/",
    )
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.sent_at is not None
    assert list(message.deliveries.values_list("attempt", "ok")) == [(1, True)]


def test_inapp_redelivery_after_a_crash_keeps_one_inbox_item(
    appointee, appoint_informant, settings
):
    settings.SMS_GATEWAY_URL = ""
    appoint_informant(appointee)
    message = Message.objects.get(channel=Channel.INAPP)
    channels.send_inapp(message)  # a worker wrote the item, then died before marking it sent

    assert delivery.deliver(message.pk) == Status.SENT
    assert InboxItem.objects.filter(message=message).count() == 1


def test_a_delivered_message_is_not_delivered_again(appointee, appoint_informant, sms_gateway):
    appoint_informant(appointee)
    message = sms_of(appointee)

    assert delivery.deliver(message.pk) == Status.SENT
    assert delivery.deliver(message.pk) is None
    assert delivery.deliver_due() == 1  # the in-app one; the SMS is not sent twice

    assert len(sms_gateway.requests) == 1
    assert Delivery.objects.filter(message=message).count() == 1


def test_an_sms_is_posted_to_the_gateway_with_its_token(
    appointee, appoint_informant, sms_gateway, settings
):
    settings.BASE_URL = "https://qianshao.example.cn"
    appoint_informant(appointee)
    message = sms_of(appointee)

    assert delivery.deliver(message.pk) == Status.SENT

    [request] = sms_gateway.requests
    assert (request.method, request.path) == ("POST", "/sms/send")
    assert request.headers["Authorization"] == "Bearer gateway-token"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.json == {
        "id": str(message.uuid),
        "to": appointee.phone,
        "text": f"【前哨】您已被任命为一村信息员：{message.body} "
        "https://qianshao.example.cn/grid/450901100201/",
    }
    attempt = Delivery.objects.get(message=message)
    assert (attempt.attempt, attempt.ok, attempt.status_code) == (1, True, 200)
    assert attempt.response == '{"ok": true}'


def test_an_sms_without_a_site_address_carries_no_link(appointee, appoint_informant, sms_gateway):
    appoint_informant(appointee)
    delivery.deliver(sms_of(appointee).pk)
    assert "/grid/" not in sms_gateway.requests[0].json["text"]
    assert "Authorization" in sms_gateway.requests[0].headers


def test_a_server_error_is_retried_after_a_backoff(
    appointee, appoint_informant, sms_gateway, clock
):
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.fail_next(1, status=500, body="gateway busy")

    assert delivery.deliver(message.pk) == Status.PENDING
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.next_attempt_at == START + timedelta(seconds=30)
    assert message.last_error == "HTTP 500: gateway busy"
    assert message.claimed_at is None

    assert delivery.deliver(message.pk) is None  # not due yet
    assert delivery.deliver_due() == 1  # only the in-app message was due
    assert len(sms_gateway.requests) == 1

    clock.shift(timedelta(seconds=31))
    assert delivery.deliver_due() == 1

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 2, "")
    assert list(message.deliveries.values_list("attempt", "ok", "status_code")) == [
        (1, False, 500),
        (2, True, 200),
    ]
    first = message.deliveries.get(attempt=1)
    assert first.error == "HTTP 500: gateway busy"
    assert [r.json["id"] for r in sms_gateway.requests] == [str(message.uuid)] * 2


def test_the_backoff_doubles_up_to_an_hour(
    appointee, appoint_informant, sms_gateway, clock, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 20
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.fail_next(9, status=503)

    waits = []
    for _ in range(9):
        now = timezone.now()
        assert delivery.deliver(message.pk) == Status.PENDING
        message.refresh_from_db()
        waits.append(int((message.next_attempt_at - now).total_seconds()))
        clock.move_to(message.next_attempt_at, tick=False)
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert delivery.deliver(message.pk) == Status.SENT


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_client_error_fails_at_once(appointee, appoint_informant, sms_gateway, clock, status):
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.fail_next(1, status=status, body="bad number")

    assert delivery.deliver(message.pk) == Status.FAILED

    clock.shift(timedelta(days=1))
    delivery.deliver_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert message.last_error == f"HTTP {status}: bad number"
    assert len(sms_gateway.requests) == 1
    assert list(message.deliveries.values_list("ok", "status_code")) == [(False, status)]


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_a_transient_error_is_retried(appointee, appoint_informant, sms_gateway, clock, status):
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.fail_next(1, status=status)

    assert delivery.deliver(message.pk) == Status.PENDING
    clock.shift(timedelta(seconds=30))
    assert delivery.deliver(message.pk) == Status.SENT


def test_an_unreachable_gateway_is_retried(appointee, appoint_informant, sms_gateway, clock):
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.go_down()

    assert delivery.deliver(message.pk) == Status.PENDING
    message.refresh_from_db()
    assert "URLError" in message.last_error
    assert message.deliveries.get().status_code is None

    sms_gateway.come_back()
    clock.shift(timedelta(seconds=30))
    assert delivery.deliver(message.pk) == Status.SENT
    assert len(sms_gateway.requests) == 1


def test_a_dropped_connection_is_retried(appointee, appoint_informant, sms_gateway, clock):
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.fail_next(1, status=None)

    assert delivery.deliver(message.pk) == Status.PENDING
    clock.shift(timedelta(seconds=30))
    assert delivery.deliver(message.pk) == Status.SENT
    assert len(sms_gateway.requests) == 2


def test_an_answer_that_is_not_http_is_recorded_and_retried(
    appointee, appoint_informant, sms_gateway, clock
):
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.fail_next(1, status=GARBLED)

    assert delivery.deliver(message.pk) == Status.PENDING
    message.refresh_from_db()
    assert (message.attempts, message.claimed_at) == (1, None)
    assert message.deliveries.get().ok is False

    clock.shift(timedelta(seconds=30))
    assert delivery.deliver(message.pk) == Status.SENT


def test_a_gateway_address_that_is_not_a_url_fails_at_once(
    appointee, appoint_informant, sms_gateway, settings
):
    appoint_informant(appointee)
    settings.SMS_GATEWAY_URL = "sms.example.cn/send"  # the scheme was forgotten
    message = sms_of(appointee)

    assert delivery.deliver(message.pk) == Status.FAILED
    message.refresh_from_db()
    assert "sms.example.cn/send" in message.last_error
    assert message.deliveries.get().ok is False


def test_a_message_fails_after_the_last_allowed_attempt(
    appointee, appoint_informant, sms_gateway, clock, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.fail_next(5, status=500)

    statuses = []
    for _ in range(4):
        statuses.append(delivery.deliver(message.pk))
        clock.shift(timedelta(hours=1))
    assert statuses == [Status.PENDING, Status.PENDING, Status.FAILED, None]

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    assert list(message.deliveries.values_list("attempt", flat=True)) == [1, 2, 3]
    assert len(sms_gateway.requests) == 3


def test_an_sms_fails_when_no_gateway_is_configured_any_more(
    appointee, appoint_informant, sms_gateway, settings
):
    appoint_informant(appointee)
    settings.SMS_GATEWAY_URL = ""
    message = sms_of(appointee)

    assert delivery.deliver(message.pk) == Status.FAILED
    message.refresh_from_db()
    assert "QIANSHAO_SMS_URL" in message.last_error


def test_deliver_due_catches_up_on_what_was_queued_while_no_worker_ran(
    cast, appointee, appoint_informant, sms_gateway
):
    other = appoint(cast.village, "member", name="吴八", actor=cast.users["township"])
    appoint_informant(appointee)
    appoint_informant(other)
    assert Message.objects.filter(status=Status.PENDING).count() == 3

    assert delivery.deliver_due() == 3

    assert not Message.objects.exclude(status=Status.SENT).exists()
    assert sorted(r.json["to"] for r in sms_gateway.requests) == sorted(
        [appointee.phone, other.phone]
    )
    assert InboxItem.objects.get().user == appointee.user


@pytest.fixture
def signed_webhook(cast, gateway, settings):
    """A webhook registered by the administrator through the admin site."""
    settings.SMS_GATEWAY_URL = ""
    admin = Client()
    admin.force_login(cast.users["admin"])
    response = admin.post(
        "/admin/notify/webhook/add/",
        {
            "name": "县应急指挥平台",
            "url": f"{gateway.url}hooks/qianshao",
            "secret": "s3cret-for-hmac",
            "events": '["grid.role_assigned"]',
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    return Webhook.objects.get()


def test_a_webhook_is_posted_with_a_signature_made_with_its_secret(
    appointee, appoint_informant, gateway, signed_webhook
):
    assignment = appoint_informant(appointee)
    message = Message.objects.get(channel=Channel.WEBHOOK)

    assert delivery.deliver(message.pk) == Status.SENT

    [request] = gateway.requests
    assert request.path == "/hooks/qianshao"
    assert request.headers["X-Qianshao-Event"] == "grid.role_assigned"
    expected = hmac.new(b"s3cret-for-hmac", request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Qianshao-Signature"], f"sha256={expected}")
    body = json.loads(request.body)
    assert body["id"] == str(message.uuid)
    assert body["event"] == "grid.role_assigned"
    assert body["subject"] == "您已被任命为一村信息员"
    assert body["payload"] == {
        "assignment": assignment.pk,
        "cell": "450901100201",
        "role": "informant",
    }


def test_a_webhook_signature_does_not_verify_with_another_secret_or_body(
    appointee, appoint_informant, gateway, signed_webhook
):
    appoint_informant(appointee)
    delivery.deliver(Message.objects.get(channel=Channel.WEBHOOK).pk)
    [request] = gateway.requests
    signature = request.headers["X-Qianshao-Signature"]
    wrong_key = hmac.new(b"another", request.body, hashlib.sha256).hexdigest()
    wrong_body = hmac.new(b"s3cret-for-hmac", request.body + b" ", hashlib.sha256).hexdigest()
    assert signature not in (f"sha256={wrong_key}", f"sha256={wrong_body}")


def test_registering_a_webhook_is_audited_without_its_secret(signed_webhook, cast):
    record = AuditRecord.objects.get(action="admin.add", object_type="notify.webhook")
    assert record.actor == cast.users["admin"]
    assert record.after["name"] == "县应急指挥平台"
    assert "secret" not in record.after
    assert "s3cret-for-hmac" not in json.dumps(record.after)


def test_a_webhook_without_a_secret_is_not_signed(appointee, appoint_informant, gateway, settings):
    settings.SMS_GATEWAY_URL = ""
    Webhook.objects.create(name="大屏", url=f"{gateway.url}screen")
    appoint_informant(appointee)
    delivery.deliver(Message.objects.get(channel=Channel.WEBHOOK).pk)
    assert "X-Qianshao-Signature" not in gateway.requests[0].headers


@pytest.mark.django_db(transaction=True)
def test_a_claimed_message_is_not_delivered_twice_until_its_claim_is_stale(
    appointee, appoint_informant, sms_gateway, time_machine
):
    time_machine.move_to(START, tick=False)
    appoint_informant(appointee)
    message = sms_of(appointee)
    sms_gateway.hold()  # the first deliverer's request hangs at the gateway
    first: list = []

    def deliver_in_another_worker():
        try:
            first.append(delivery.deliver(message.pk))
        finally:
            connection.close()

    worker = threading.Thread(target=deliver_in_another_worker)
    worker.start()
    try:
        assert sms_gateway.wait_for(1)
        message.refresh_from_db()
        assert (message.status, message.claimed_at) == (Status.SENDING, START)

        assert delivery.deliver(message.pk) is None
        assert message.pk not in delivery.due_ids()
        stale = delivery.stale_claim()
        assert stale == timedelta(seconds=2 * settings.NOTIFY_TIMEOUT_SECONDS + 30)
        time_machine.shift(stale - timedelta(seconds=1))
        assert message.pk not in delivery.due_ids()
        assert len(sms_gateway.requests) == 1

        time_machine.shift(timedelta(seconds=2))  # the first deliverer looks dead now
        assert message.pk in delivery.due_ids()
        message.refresh_from_db()
        assert (message.status, message.claimed_at) == (Status.PENDING, None)
    finally:
        sms_gateway.release()
        worker.join(30)
    assert first == [Status.SENT]


@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_delivers_everything_due(appointee, appoint_informant, sms_gateway):
    appoint_informant(appointee)  # its deliver_messages task went to a queue nobody reads

    assert tasks.sweep_outbox.call_local() == 2

    assert not Message.objects.exclude(status=Status.SENT).exists()
    assert len(sms_gateway.requests) == 1
    assert InboxItem.objects.filter(user=appointee.user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_deliver_task_delivers_the_messages_it_is_given(
    appointee, appoint_informant, sms_gateway
):
    appoint_informant(appointee)
    sms = sms_of(appointee)

    tasks.deliver_messages.call_local([sms.pk])

    assert list(Message.objects.values_list("channel", "status").order_by("channel")) == [
        (Channel.INAPP, Status.PENDING),
        (Channel.SMS, Status.SENT),
    ]


def test_a_message_for_a_webhook_switched_off_after_queuing_is_dropped_not_posted(
    appointee, appoint_informant, gateway, signed_webhook
):
    appoint_informant(appointee)
    message = Message.objects.get(channel=Channel.WEBHOOK)
    signed_webhook.active = False
    signed_webhook.save()

    assert delivery.deliver(message.pk) == Status.FAILED

    assert gateway.requests == []
    message.refresh_from_db()
    assert "switched off" in message.last_error
