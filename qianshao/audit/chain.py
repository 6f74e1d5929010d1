"""Appending to the audit chain and verifying it.

Each record's hash is an HMAC-SHA256, keyed with ``settings.AUDIT_KEY`` (kept outside the
database), over the previous hash and a canonical JSON of the record's fields, so changing,
removing or reordering any stored record breaks the chain from there on, and nobody without
the key can recompute it. Records written before the chain was keyed keep their plain
SHA-256 and are sealed by one keyed record; no unkeyed record may follow (docs/adr/0017).
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from qianshao.audit.models import AuditHead, AuditRecord, Scheme
from qianshao.lib.dbsql import insert_object

GENESIS = "0" * 64
SEAL = "audit.keyed"  # the first keyed record after unkeyed ones
log = logging.getLogger("qianshao.audit")


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data, the way it will read back from the database."""
    if value is None:  # most records' ``before``
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False), parse_float=_number)


def _number(text: str) -> float | int:
    # PostgreSQL's jsonb writes 1e+20 back as 100000000000000000000, which reads as an int;
    # floats that large are always whole, so store them as the int they will read back as.
    number = float(text)
    return int(number) if abs(number) >= 1e16 and number.is_integer() else number


def _digest(record: AuditRecord, key: bytes | None = None) -> str:
    """The record's hash by its own scheme; ``key`` defaults to settings.AUDIT_KEY."""
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
    if record.scheme == Scheme.SHA256:
        return hashlib.sha256(_text(body)).hexdigest()
    body["scheme"] = record.scheme
    return hmac.new(key or settings.AUDIT_KEY, _text(body), hashlib.sha256).hexdigest()


def _text(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


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
    """Append a record for each entry, in order, with one read of the head and one insert
    (which moves the head): for work done in bulk (a sweep), as if each had been appended
    alone."""
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
    # the head moves with them: a trigger (migration audit 0004) sets it to the last written
    if len(records) == 1:  # every action appends one: written without the ORM's compiler
        insert_object(connection, records[0])
    else:
        AuditRecord.objects.bulk_create(records)
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
        scheme=Scheme.HMAC_SHA256,
    )
    record.hash = _digest(record)
    return record


def seal_unkeyed(record_model, head_model, key: bytes) -> int | None:
    """Seal a chain written before keying: append one keyed record (``SEAL``) naming the
    unkeyed head, and log that head. Run once, by the migration that keys the chain (its
    historical models are passed in). Returns the seal's seq, or None for an empty chain."""
    head = head_model.objects.filter(pk=1).first()
    if head is None or head.last_seq == 0:
        return None
    old = {"seq": head.last_seq, "hash": head.last_hash}
    seal = record_model(
        seq=head.last_seq + 1,
        at=timezone.now(),
        actor_id=None,
        actor_label=actor_label(None),
        action=SEAL,
        object_type="audit.chain",
        object_id=str(head.last_seq),
        object_label="",
        cell_path="",
        before=old,
        after=None,
        note="records up to this one's predecessor are hashed with plain SHA-256",
        prev_hash=head.last_hash,
        scheme=Scheme.HMAC_SHA256,
    )
    seal.hash = _digest(seal, key)
    seal.save(force_insert=True)
    head_model.objects.filter(pk=1).update(last_seq=seal.seq, last_hash=seal.hash)
    log.info("audit chain keyed: unkeyed records end at %s:%s", old["seq"], old["hash"])
    return seal.seq


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
    unkeyed: int = 0  # intact records written before the chain was keyed


@dataclass
class _Tip:
    """How far a walk has come: the last intact record's seq and hash, and how many
    records before the first keyed one (all of them while none is keyed)."""

    seq: int = 0
    hash: str = GENESIS
    unkeyed: int = 0

    @property
    def keyed(self) -> bool:
        return self.seq > self.unkeyed


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
    if tip.seq and not tip.keyed:
        return Verdict(
            False, tip.seq, tip.seq + 1, "unkeyed records are not sealed by a keyed record"
        )
    return Verdict(True, tip.seq, unkeyed=tip.unkeyed)


def _walk(tip: _Tip, batch: int, upto: int | None = None) -> Verdict | None:
    """Check the records after ``tip`` (up to ``upto``), moving ``tip`` along."""
    records = AuditRecord.objects.order_by("seq")
    if upto is not None:
        records = records.filter(seq__lte=upto)
    while page := list(records.filter(seq__gt=tip.seq)[:batch]):
        for record in page:
            reason = _check(record, tip)
            if reason:
                return Verdict(False, tip.seq, tip.seq + 1, reason)
            if not tip.keyed and record.scheme == Scheme.SHA256:
                tip.unkeyed = record.seq
            tip.seq, tip.hash = record.seq, record.hash
    return None


def _check(record: AuditRecord, tip: _Tip) -> str:
    if record.seq != tip.seq + 1:
        return f"record #{tip.seq + 1} is missing (next stored is #{record.seq})"
    if record.prev_hash != tip.hash:
        return "its link to the previous record does not match"
    if record.scheme not in Scheme.values:
        return f"its hashing scheme {record.scheme!r} is unknown"
    if record.scheme == Scheme.SHA256 and tip.keyed:
        return "an unkeyed record after keyed ones"
    if record.scheme != Scheme.SHA256 and tip.seq and not tip.keyed and record.action != SEAL:
        return "the first keyed record after unkeyed ones is not their seal"
    if _digest(record) != record.hash:
        return "its contents do not match its hash"
    return ""
