"""Delivering queued messages: claim, send through the channel adapter, record the attempt."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from qianshao.notify.channels import ADAPTERS, DeliveryError
from qianshao.notify.models import Delivery, Message, Status
from qianshao.notify.signals import message_sent

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


def stale_claim() -> timedelta:
    """How long a claim may stand before the sweep takes the message back: an attempt
    takes at most the request timeout, so a claim older than two of them (and a margin)
    was left by a worker that died. A message in flight then may be posted twice; it
    carries its uuid, by which the gateway drops the second (README: SMS contract)."""
    return timedelta(seconds=2 * settings.NOTIFY_TIMEOUT_SECONDS + 30)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_BACKOFF)


@db_task()
def deliver_messages(ids: list[int]) -> None:
    """The worker's task for messages just queued (``outbox`` hands them over on commit)."""
    for message_id in ids:
        deliver(message_id)


def deliver(message_id: int) -> str | None:
    """Deliver one message if it is due and nobody else holds it; return its new status."""
    now = timezone.now()
    claimed = Message.objects.filter(
        pk=message_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now)
    if claimed != 1:
        return None
    message = Message.objects.select_related("person", "webhook").get(pk=message_id)
    attempt = message.attempts + 1
    started = timezone.now()
    try:
        sent = ADAPTERS[message.channel](message)
    except Exception as exc:  # a bug or an outage in an adapter must not strand the message
        if not isinstance(exc, DeliveryError):
            log.exception(
                "message %s: unexpected error in the %s adapter", message.pk, message.channel
            )
            exc = DeliveryError(f"{type(exc).__name__}: {exc}")
        _record(message, attempt, started, ok=False, status_code=exc.status_code, error=str(exc))
        give_up = exc.permanent or attempt >= settings.NOTIFY_MAX_ATTEMPTS
        status = Status.FAILED if give_up else Status.PENDING
        Message.objects.filter(pk=message.pk).update(
            status=status,
            attempts=attempt,
            last_error=str(exc)[:2000],
            claimed_at=None,
            next_attempt_at=timezone.now() + backoff(attempt),
        )
        log.warning("message %s attempt %s failed: %s", message.pk, attempt, exc)
        return status
    _record(
        message, attempt, started, ok=True, status_code=sent.status_code, response=sent.response
    )
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENT,
        attempts=attempt,
        sent_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )
    message_sent.send(sender=Message, message=message)
    return Status.SENT


def _record(message, attempt, started, *, ok, status_code=None, response="", error=""):
    Delivery.objects.create(
        message=message,
        attempt=attempt,
        started_at=started,
        finished_at=timezone.now(),
        ok=ok,
        status_code=status_code,
        response=response[:2000],
        error=error[:2000],
    )


def due_ids(limit: int = 500) -> list[int]:
    """Messages to deliver now, after releasing claims left by a worker that died."""
    now = timezone.now()
    Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - stale_claim()).update(
        status=Status.PENDING, claimed_at=None
    )
    return list(
        Message.objects.filter(Q(status=Status.PENDING) & Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def deliver_due(limit: int = 500) -> int:
    delivered = 0
    for message_id in due_ids(limit):
        if deliver(message_id) == Status.SENT:
            delivered += 1
    return delivered
