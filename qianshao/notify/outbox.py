"""Writing notifications into the outbox, inside the action's transaction.

The worker delivers them after the transaction commits (``tasks.deliver_messages``) and a
periodic sweep retries whatever is still due, so a stopped worker loses nothing.
"""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from qianshao.lib.dbsql import insert_rows, reserve_ids
from qianshao.lib.settled import Settled
from qianshao.notify.models import Channel, Message, Status, Webhook


@dataclass
class Notice:
    """One event told to people (in-app, and SMS when ``sms``), users and webhooks.

    ``dedupe_key`` makes it idempotent: a message already queued under the same key,
    channel and recipient is not queued again.
    """

    event: str
    subject: str
    body: str = ""
    link: str = ""
    people: Iterable = ()
    users: Iterable = ()
    payload: dict | None = None
    sms: bool = False
    dedupe_key: str | None = None

    def messages(self, hooks: list[Webhook]) -> list[Message]:
        common = {
            "event": self.event,
            "subject": self.subject[:200],
            "body": self.body,
            "link": self.link,
            "payload": self.payload or {},
        }
        messages = []
        seen_users: set[int] = set()
        for person in self.people:
            if person.user_id and person.user_id not in seen_users:
                seen_users.add(person.user_id)
                messages.append(
                    Message(
                        channel=Channel.INAPP,
                        user_id=person.user_id,
                        person_id=person.pk,
                        address=str(person.user_id),
                        **common,
                    )
                )
            if self.sms and settings.SMS_GATEWAY_URL:
                messages.append(
                    Message(
                        channel=Channel.SMS, person_id=person.pk, address=person.phone, **common
                    )
                )
        for user in self.users:
            if user.pk not in seen_users:
                seen_users.add(user.pk)
                messages.append(
                    Message(channel=Channel.INAPP, user=user, address=str(user.pk), **common)
                )
        for hook in hooks:
            if hook.wants(self.event):
                messages.append(
                    Message(channel=Channel.WEBHOOK, webhook=hook, address=hook.url, **common)
                )
        if self.dedupe_key:
            for message in messages:
                message.dedupe_key = f"{self.dedupe_key}|{message.channel}|{message.address}"[:200]
        return messages


def enqueue(
    event: str,
    *,
    subject: str,
    body: str = "",
    link: str = "",
    people: Iterable = (),
    users: Iterable = (),
    payload: dict | None = None,
    sms: bool = False,
    dedupe_key: str | None = None,
) -> list[int]:
    """Queue one ``Notice`` (see its fields); returns the ids of the new messages."""
    notice = Notice(event, subject, body, link, people, users, payload, sms, dedupe_key)
    return enqueue_all([notice])


def enqueue_all(notices: Iterable[Notice]) -> list[int]:
    """Queue several notices in one insert, delivered by one task after the transaction
    commits. Returns the ids of the new messages."""
    if not connection.in_atomic_block:
        raise RuntimeError("notifications are queued inside the action's transaction")
    hooks = _webhooks.get()
    messages = [m for notice in notices for m in notice.messages(hooks)]
    keys = [m.dedupe_key for m in messages if m.dedupe_key]
    taken = set()
    if keys:
        taken = set(
            Message.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
        )
    fresh = []
    for message in messages:
        if message.dedupe_key:
            if message.dedupe_key in taken:
                continue
            taken.add(message.dedupe_key)  # a key named twice in this call: the first
        fresh.append(message)
    if not fresh:
        return []
    for message in fresh:
        message.uuid = uuid.uuid4()
    if keys:
        # an insert that ignores conflicts returns no ids: reserve them (a key taken
        # meanwhile by another transaction skips that row; the task finds nothing there)
        ids = reserve_ids(connection, Message._meta.db_table, len(fresh))
        for message, pk in zip(fresh, ids, strict=True):
            message.pk = pk
        Message.objects.bulk_create(fresh, ignore_conflicts=True)
    else:
        Message.objects.bulk_create(fresh)
        ids = [message.pk for message in fresh]
    transaction.on_commit(lambda: _schedule(ids))
    return ids


@dataclass
class Letter:
    """One person's copy of a message sent to many: what differs from person to person."""

    person_id: int
    user_id: int | None
    phone: str
    link: str = ""
    sms_link: str = ""  # where the SMS points, when not ``link`` (a one-tap answer)
    payload: dict | None = None  # added to the common payload


def enqueue_letters(
    event: str,
    letters: list[Letter],
    *,
    subject: str,
    body: str = "",
    payload: dict | None = None,
    sms: bool = False,
    inapp: bool = True,
) -> list[int]:
    """Queue one message per letter and channel — in-app to those with a login (when
    ``inapp``), SMS when ``sms`` — for fan-outs of many thousands: the same rows and the
    same delivery as ``enqueue``, written in bulk with reserved ids instead of one model
    object each. No dedupe key: the caller writes each letter once."""
    if not connection.in_atomic_block:
        raise RuntimeError("notifications are queued inside the action's transaction")
    sms = sms and bool(settings.SMS_GATEWAY_URL)
    common = payload or {}
    shared = json.dumps(common)
    rows = []  # (channel, user, person, address, link, payload): the rest is one value each
    for letter in letters:
        own = _merged(shared, letter.payload) if letter.payload else shared
        if inapp and letter.user_id:
            user = letter.user_id
            rows.append((Channel.INAPP, user, letter.person_id, str(user), letter.link, own))
        if sms:
            link = letter.sms_link or letter.link
            rows.append((Channel.SMS, None, letter.person_id, letter.phone, link, own))
    if not rows:
        return []
    ids = reserve_ids(connection, Message._meta.db_table, len(rows))
    now = timezone.now()
    fixed = {
        name: Message._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in [
            ("event", event),
            ("subject", subject[:200]),
            ("body", body),
            ("status", Status.PENDING),
            ("attempts", 0),
            ("next_attempt_at", now),
            ("created_at", now),
            ("last_error", ""),
        ]
    }
    # JSON goes in as its text and uuids as the database keeps them (a uuid type, or hex):
    # the field's own preparation costs more than the insert at this size
    native = connection.features.has_native_uuid_field
    columns = ["id", "uuid", "channel", "user_id", "person_id", "address", "link", "payload"]
    values = list(fixed.values())
    insert_rows(
        connection,
        Message._meta.db_table,
        [*columns, *fixed],
        [
            [pk, uuid.uuid4() if native else uuid.uuid4().hex, *row, *values]
            for pk, row in zip(ids, rows, strict=True)
        ],
    )
    transaction.on_commit(lambda: _schedule(ids))
    return ids


def _merged(shared: str, own: dict) -> str:
    """The JSON of the common payload (``shared``, already JSON) with ``own``'s keys added:
    written as text, since it is done once per letter (a later key wins, as in a dict)."""
    extra = json.dumps(own)
    return extra if shared == "{}" else f"{shared[:-1]}, {extra[1:]}"


def _active_webhooks() -> list[Webhook]:
    return list(Webhook.objects.filter(active=True))


_webhooks = Settled(_active_webhooks).forget_on(Webhook)


TASK_SIZE = 1000  # messages handed to one delivery task


def _schedule(ids: list[int]) -> None:
    from qianshao.notify.tasks import deliver_messages

    for first in range(0, len(ids), TASK_SIZE):
        deliver_messages(ids[first : first + TASK_SIZE])
