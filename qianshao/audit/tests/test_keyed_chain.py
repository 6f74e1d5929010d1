"""The chain is keyed (docs/adr/0017): someone who can write the database but lacks the key
cannot rewrite a record and recompute the rest; records written before keying still verify,
sealed by one keyed record, and no unkeyed record may follow a keyed one."""

import hashlib
import json
from datetime import UTC

import pytest
from django.conf import settings
from django.db import connection, transaction

from qianshao.audit import chain
from qianshao.audit.models import AuditHead, AuditRecord, Scheme
from qianshao.lib.dbsql import drop_audit_guard, restore_audit_guard


def plain_sha256(record: AuditRecord) -> str:
    """A record's hash as the chain made it before keying: what an attacker can compute."""
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


def rewrite_from(seq: int, *, note: str | None = None, scheme: str | None = None) -> None:
    """Play an attacker with database access but no key: change record ``seq`` (its note),
    then recompute it and every later hash with plain SHA-256, relink, and move the head."""
    records = list(AuditRecord.objects.filter(seq__gte=seq).order_by("seq"))
    prev = AuditRecord.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
    prev = prev or chain.GENESIS
    drop_audit_guard(connection)
    try:
        with connection.cursor() as cursor:
            for record in records:
                if record.seq == seq and note is not None:
                    record.note = note
                record.prev_hash = prev
                record.scheme = scheme or record.scheme
                record.hash = plain_sha256(record)
                cursor.execute(
                    "UPDATE audit_auditrecord SET note = %s, prev_hash = %s, hash = %s,"
                    " scheme = %s WHERE seq = %s",
                    [record.note, record.prev_hash, record.hash, record.scheme, record.seq],
                )
                prev = record.hash
    finally:
        restore_audit_guard(connection)
    AuditHead.objects.filter(pk=1).update(last_seq=records[-1].seq, last_hash=prev)


def unkeyed_chain(count: int) -> list[AuditRecord]:
    """``count`` records as the chain wrote them before it was keyed, and the head on them."""
    records, prev = [], chain.GENESIS
    for seq in range(1, count + 1):
        record = chain._record(
            chain.Entry(actor=None, action="test.old", object_type="x", after={"n": seq}),
            seq,
            chain.timezone.now(),
            prev,
        )
        record.scheme = Scheme.SHA256
        record.hash = plain_sha256(record)
        record.save()
        records.append(record)
        prev = record.hash
    AuditHead.objects.update_or_create(pk=1, defaults={"last_seq": count, "last_hash": prev})
    return records


def append_one(action="test.new") -> AuditRecord:
    with transaction.atomic():
        return chain.append(actor=None, action=action, object_type="x", object_id="1")


def test_new_records_are_keyed(chain_with_an_ended_term):
    assert set(AuditRecord.objects.values_list("scheme", flat=True)) == {Scheme.HMAC_SHA256}
    ended = chain_with_an_ended_term
    assert ended.hash != plain_sha256(ended)


@pytest.mark.parametrize("scheme", [None, Scheme.SHA256], ids=["as-keyed", "as-unkeyed"])
def test_a_record_changed_and_the_rest_rehashed_without_the_key_is_named(
    chain_with_an_ended_term, scheme
):
    ended = chain_with_an_ended_term
    rewrite_from(ended.seq, note="无事发生", scheme=scheme)

    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_seq) == (False, ended.seq)
    assert verdict.checked == ended.seq - 1


def test_a_chain_rehashed_from_its_first_record_without_the_key_is_refused(
    chain_with_an_ended_term,
):
    rewrite_from(1, note="无事发生", scheme=Scheme.SHA256)

    verdict = chain.verify()
    assert not verdict.ok
    assert verdict.reason == "unkeyed records are not sealed by a keyed record"


def test_the_chain_does_not_verify_with_another_key(chain_with_an_ended_term, settings):
    settings.AUDIT_KEY = b"another key, as on a machine set up wrongly"
    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_seq) == (False, 1)
    assert verdict.reason == "its contents do not match its hash"


def test_records_from_before_keying_verify_once_sealed(db, caplog):
    old = unkeyed_chain(4)
    caplog.set_level("INFO", logger="qianshao.audit")

    seal_seq = chain.seal_unkeyed(AuditRecord, AuditHead, settings.AUDIT_KEY)
    append_one()

    assert seal_seq == 5
    seal = AuditRecord.objects.get(seq=5)
    assert (seal.action, seal.scheme, seal.prev_hash) == (
        chain.SEAL,
        Scheme.HMAC_SHA256,
        old[-1].hash,
    )
    assert seal.before == {"seq": 4, "hash": old[-1].hash}
    assert f"unkeyed records end at 4:{old[-1].hash}" in caplog.text
    assert chain.verify() == chain.Verdict(True, 6, unkeyed=4)


def test_sealing_an_empty_chain_writes_nothing(db):
    assert chain.seal_unkeyed(AuditRecord, AuditHead, settings.AUDIT_KEY) is None
    assert not AuditRecord.objects.exists()


def test_unkeyed_records_without_their_seal_are_refused(db):
    unkeyed_chain(3)
    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_seq) == (False, 4)
    assert verdict.reason == "unkeyed records are not sealed by a keyed record"


def test_a_keyed_record_after_unkeyed_ones_must_be_their_seal(db):
    unkeyed_chain(3)
    append_one()
    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_seq) == (False, 4)
    assert verdict.reason == "the first keyed record after unkeyed ones is not their seal"


def test_an_unkeyed_record_after_keyed_ones_is_named(db):
    unkeyed_chain(2)
    chain.seal_unkeyed(AuditRecord, AuditHead, settings.AUDIT_KEY)
    append_one()
    with transaction.atomic():
        forged = chain.append(actor=None, action="test.forged", object_type="x")
    rewrite_from(forged.seq, scheme=Scheme.SHA256)

    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_seq) == (False, forged.seq)
    assert verdict.reason == "an unkeyed record after keyed ones"


def test_a_record_of_an_unknown_scheme_is_named(chain_with_an_ended_term):
    seq = chain_with_an_ended_term.seq
    drop_audit_guard(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditrecord SET scheme = 'none' WHERE seq = %s", [seq])
    finally:
        restore_audit_guard(connection)
    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_seq) == (False, seq)
    assert verdict.reason == "its hashing scheme 'none' is unknown"
