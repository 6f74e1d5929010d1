"""Appending to the audit chain and verifying it.

Each record's hash is SHA-256 over the previous hash and a canonical JSON of the record's
fields, so changing, removing or reordering any stored record breaks the chain from there on.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from qianshao.audit.models import AuditHead, AuditRecord

GENESIS = "0" * 64


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data, the way it will read back from the database."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False), parse_float=_number)


def _number(text: str) -> float | int:
    # PostgreSQL's jsonb writes 1e+20 back as 100000000000000000000, which reads as an int;
    # floats that large are always whole, so store them as the int they will read back as.
    number = float(text)
    return int(number) if abs(number) >= 1e16 and number.is_integer() else number


def _digest(record: AuditRecord) -> str:
    body = {
        "seq": record.seq,
        "at": record.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": record.actor_id,
        "actor_label": record.actor_label,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "object_label": record.object_label,
        "cell_path": record.cell_path,
        "before": record.before,
        "after": record.after,
        "note": record.note,
        "prev": record.prev_hash,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    person = getattr(actor, "person", None)  # a missing reverse one-to-one reads as None
    return f"{actor.get_username()} {person.name}" if person else actor.get_username()


@dataclass
class Entry:
    """What one audit record says (see ``append``)."""

    actor: Any
    action: str
    obj: Any = None
    object_type: str = ""
    object_id: str = ""
    label: str = ""
    cell_path: str = ""
    before: Any = None
    after: Any = None
    note: str = ""


def append(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    label: str = "",
    cell_path: str = "",
    before: Any = None,
    after: Any = None,
    note: str = "",
) -> AuditRecord:
    """Append one record; must run inside the action's transaction."""
    entry = Entry(actor, action, obj, object_type, object_id, label, cell_path, before, after, note)
    return append_all([entry])[0]


def append_all(entries: list[Entry]) -> list[AuditRecord]:
    """Append a record for each entry, in order, with one read and one move of the head:
    for work done in bulk (a sweep), as if each had been appended alone."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.append must run inside the action's transaction")
    last_seq, last_hash = _locked_head()
    records = []
    at = timezone.now()
    for entry in entries:
        record = _record(entry, last_seq + 1, at, last_hash)
        last_seq, last_hash = record.seq, record.hash
        records.append(record)
    if not records:
        return []
    if len(records) == 1:
        records[0].save(force_insert=True)
    else:
        AuditRecord.objects.bulk_create(records)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_HEAD} SET last_seq = %s, last_hash = %s WHERE id = 1",
            [last_seq, last_hash],
        )
    return records


def _record(entry: Entry, seq: int, at, prev_hash: str) -> AuditRecord:
    object_type, object_id, label = entry.object_type, entry.object_id, entry.label
    if entry.obj is not None:
        object_type = object_type or entry.obj._meta.label_lower
        object_id = object_id or str(entry.obj.pk)
        label = label or str(entry.obj)
    record = AuditRecord(
        seq=seq,
        at=at,
        actor=entry.actor,
        actor_label=actor_label(entry.actor)[:100],
        action=entry.action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_label=label[:200],
        cell_path=entry.cell_path,
        before=canonical(entry.before),
        after=canonical(entry.after),
        note=entry.note,
        prev_hash=prev_hash,
    )
    record.hash = _digest(record)
    return record


_HEAD = connection.ops.quote_name(AuditHead._meta.db_table)


def _locked_head() -> tuple[int, str]:
    """The tip, its row locked until the transaction ends (SQLite's writer holds the whole
    database already). Every action appends: this read is plain SQL, not a queryset."""
    lock = (
        f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    )
    sql = f"SELECT last_seq, last_hash FROM {_HEAD} WHERE id = 1{lock}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:
            AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
            cursor.execute(sql)
            row = cursor.fetchone()
    return row[0], row[1]


@dataclass
class Verdict:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


@dataclass
class _Tip:
    """How far a walk has come: the last intact record's seq and hash."""

    seq: int = 0
    hash: str = GENESIS


def verify(batch: int = 5000) -> Verdict:
    """Walk the chain in order; name the first record whose hash or link is wrong.

    The head is read after the walk: a record and the head's move to it commit together, so
    records appended while the walk ran are either walked or beyond the head read, and a
    live system is never reported broken.
    """
    tip = _Tip()
    with transaction.atomic():
        broken = _walk(tip, batch)
        if broken:
            return broken
        head = AuditHead.objects.filter(pk=1).first()
        head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS)
        if head_seq > tip.seq:  # appended during the walk; visible now that the head is
            broken = _walk(tip, batch, upto=head_seq)
            if broken:
                return broken
        if (head_seq, head_hash) != (tip.seq, tip.hash):
            return Verdict(
                False,
                tip.seq,
                tip.seq + 1,
                f"chain ends at #{tip.seq} but its head says #{head_seq}",
            )
    return Verdict(True, tip.seq)


def _walk(tip: _Tip, batch: int, upto: int | None = None) -> Verdict | None:
    """Check the records after ``tip`` (up to ``upto``), moving ``tip`` along."""
    records = AuditRecord.objects.order_by("seq")
    if upto is not None:
        records = records.filter(seq__lte=upto)
    while page := list(records.filter(seq__gt=tip.seq)[:batch]):
        for record in page:
            reason = _check(record, tip.seq + 1, tip.hash)
            if reason:
                return Verdict(False, tip.seq, tip.seq + 1, reason)
            tip.seq, tip.hash = record.seq, record.hash
    return None


def _check(record: AuditRecord, expected_seq: int, expected_prev: str) -> str:
    if record.seq != expected_seq:
        return f"record #{expected_seq} is missing (next stored is #{record.seq})"
    if record.prev_hash != expected_prev:
        return "its link to the previous record does not match"
    if _digest(record) != record.hash:
        return "its contents do not match its hash"
    return ""
