"""Writing notifications into the outbox, inside the action's transaction.

The worker delivers them after the transaction commits (``delivery.deliver_messages``) and a
periodic sweep retries whatever is still due, so a stopped worker loses nothing.
"""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from qianshao.lib.dbsql import insert_returning, json_sql, new_uuid_sql
from qianshao.lib.settled import Settled
from qianshao.notify.delivery import deliver_messages
from qianshao.notify.models import Channel, Message, Status, Webhook


@dataclass
class Notice:
    """One event told to people (in-app, and SMS when ``sms``), users and webhooks.

    ``dedupe_key`` makes it idempotent: a message already queued under the same key,
    channel and recipient is not queued again. Each channel shows the link its own way —
    the SMS as a URL after the text, in-app as a button labelled ``action`` (查看 when
    blank) — so a body that tells the reader what to tap names the button, and the SMS says
    it in ``sms_body`` (the body when blank).
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
    sms_body: str = ""
    action: str = ""

    def messages(self, hooks: list[Webhook]) -> list["Row"]:
        """The rows this notice becomes: one per recipient and channel."""
        rows: list[Row] = []

        def add(channel, address, user_id=None, person_id=None, webhook_id=None):
            key = f"{self.dedupe_key}|{channel}|{address}"[:200] if self.dedupe_key else None
            rows.append(Row(channel, address, user_id, person_id, webhook_id, key, self))

        seen_users: set[int] = set()
        for person in self.people:
            if person.user_id and person.user_id not in seen_users:
                seen_users.add(person.user_id)
                add(Channel.INAPP, str(person.user_id), person.user_id, person.pk)
            if self.sms and settings.SMS_GATEWAY_URL:
                add(Channel.SMS, person.phone, person_id=person.pk)
        for user in self.users:
            if user.pk not in seen_users:
                seen_users.add(user.pk)
                add(Channel.INAPP, str(user.pk), user.pk)
        for hook in hooks:
            if hook.wants(self.event):
                add(Channel.WEBHOOK, hook.url, webhook_id=hook.pk)
        return rows


@dataclass
class Row:
    """One message of a notice, as it is written: a channel and a recipient."""

    channel: str
    address: str
    user_id: int | None
    person_id: int | None
    webhook_id: int | None
    dedupe_key: str | None
    notice: Notice

    @property
    def body(self) -> str:
        return (self.channel == Channel.SMS and self.notice.sms_body) or self.notice.body

    @property
    def action(self) -> str:
        return self.notice.action if self.channel == Channel.INAPP else ""


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
    sms_body: str = "",
    action: str = "",
) -> list[int]:
    """Queue one ``Notice`` (see its fields); returns the ids of the new messages."""
    notice = Notice(
        event, subject, body, link, people, users, payload, sms, dedupe_key, sms_body, action
    )
    return enqueue_all([notice])


def enqueue_all(notices: Iterable[Notice]) -> list[int]:
    """Queue several notices in one insert, delivered by one task after the transaction
    commits. Returns the ids of the new messages."""
    if not connection.in_atomic_block:
        raise RuntimeError("notifications are queued inside the action's transaction")
    hooks = _webhooks.get()
    messages = [m for notice in notices for m in notice.messages(hooks)]
    # a key named twice in this call: the first; a key queued before: skipped by the
    # insert itself (ON CONFLICT DO NOTHING), however many keys a sweep names
    named: set[str] = set()
    fresh = []
    for message in messages:
        if message.dedupe_key:
            if message.dedupe_key in named:
                continue
            named.add(message.dedupe_key)
        fresh.append(message)
    if not fresh:
        return []
    ids = _insert(fresh, ignore_conflicts=bool(named))
    transaction.on_commit(lambda: _schedule(ids))
    return ids


COLUMNS = ["uuid", "event", "channel", "user_id", "person_id", "webhook_id", "address"]
COLUMNS += ["subject", "body", "link", "action", "payload", "dedupe_key", "status", "attempts"]
COLUMNS += ["next_attempt_at", "created_at", "last_error"]


def _insert(messages: list[Row], *, ignore_conflicts: bool) -> list[int]:
    """Write ``messages`` in one statement (SQLite: one per 500), their ids read back in it
    (``RETURNING id``): a model save prepares every field of every row, at many times the
    cost, and a sweep may write thousands. With ``ignore_conflicts``, a dedupe key taken
    meanwhile by another transaction skips its row, and no id comes back for it."""
    native = connection.features.has_native_uuid_field
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        [
            uuid.uuid4() if native else uuid.uuid4().hex,
            m.notice.event,
            m.channel,
            m.user_id,
            m.person_id,
            m.webhook_id,
            m.address,
            m.notice.subject[:200],
            m.body,
            m.notice.link,
            str(m.action)[:20],
            json.dumps(m.notice.payload or {}),
            m.dedupe_key,
            Status.PENDING,
            0,
            now,
            now,
            "",
        ]
        for m in messages
    ]
    written = insert_returning(
        connection, Message, COLUMNS, rows, ["id"], ignore_conflicts=ignore_conflicts
    )
    return sorted(pk for (pk,) in written)


def enqueue_query(
    event: str,
    rows: QuerySet | tuple[str, list],
    *,
    subject: str,
    body: str = "",
    link: str = "",
    payload: dict | None = None,
    ref_as: str | None = None,
    sms: bool = False,
    inapp: bool = True,
    sms_body: str = "",
    action: str = "",
) -> list[int]:
    """Queue one message per row of ``rows`` and channel — in-app to those with a login
    (when ``inapp``), SMS when ``sms`` — written by the database itself (INSERT … SELECT),
    for fan-outs of many thousands: the same rows and the same delivery as ``enqueue``.

    ``rows`` is a queryset's ``values()``, or a hand-written SELECT (its SQL and
    parameters), with ``to_person``, ``to_user``, ``to_phone``, ``sms_link`` (the SMS's
    own link, or NULL for ``link``) and ``ref`` (an id put in the payload under
    ``ref_as``). No dedupe key: the caller queues each row once. The SMS says
    ``sms_body`` (the body when blank), the in-app message's button ``action`` (``Notice``).
    Returns the ids of the new messages.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notifications are queued inside the action's transaction")
    select, select_params = rows if isinstance(rows, tuple) else rows.query.sql_with_params()
    common = json.dumps(payload or {})
    prefix, payload_sql = common, "%s"
    if ref_as:
        prefix = common[:-1] + (", " if common != "{}" else "") + json.dumps(ref_as) + ": "
        payload_sql = "%s || CAST(r.ref AS TEXT) || '}'"
    # as _insert prepares them: texts, an int and the time adapted once (every report
    # queues its notice here: the fields' own preparation cost more than the statement)
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def fixed(text: str, label: str) -> list:
        return [str(subject)[:200], str(text), str(label)[:20], Status.PENDING, 0, now, now, ""]

    channels = []
    if inapp:
        channels.append(
            (Channel.INAPP, "r.to_user", "CAST(r.to_user AS TEXT)", "%s", True, body, action)
        )
    if sms and settings.SMS_GATEWAY_URL:
        channels.append(
            (Channel.SMS, "NULL", "r.to_phone", "COALESCE(r.sms_link, %s)", False, sms_body, "")
        )
    quote = connection.ops.quote_name
    ids: list[int] = []
    with connection.cursor() as cursor:
        for channel, user_sql, address_sql, link_sql, needs_login, text, label in channels:
            sql = (
                f"INSERT INTO {quote(Message._meta.db_table)} (uuid, event, channel, user_id,"
                " person_id, address, link, payload, subject, body, action, status, attempts,"
                " next_attempt_at, created_at, last_error)"
                f" SELECT {new_uuid_sql(connection)}, %s, %s, {user_sql}, r.to_person,"
                f" {address_sql}, {link_sql}, {json_sql(connection, payload_sql)},"
                " %s, %s, %s, %s, %s, %s, %s, %s"
                f" FROM ({select}) r"
                + (" WHERE r.to_user IS NOT NULL" if needs_login else "")
                + " RETURNING id"
            )
            values = fixed(text or body, label)
            cursor.execute(sql, [event, channel, link, prefix, *values, *select_params])
            ids += [row[0] for row in cursor.fetchall()]
    if ids:
        transaction.on_commit(lambda: _schedule(ids))
    return ids


def _active_webhooks() -> list[Webhook]:
    return list(Webhook.objects.filter(active=True))


_webhooks = Settled(_active_webhooks).forget_on(Webhook)


TASK_SIZE = 2000  # messages handed to one delivery task


def _schedule(ids: list[int]) -> None:
    for first in range(0, len(ids), TASK_SIZE):
        deliver_messages(ids[first : first + TASK_SIZE])
