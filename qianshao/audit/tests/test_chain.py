"""The audit chain: built by real actions, verified by `audit verify`, tamper-evident.

Tests that tamper play an attacker with database access: they drop the append-only trigger
(``dbsql.drop_audit_guard``), rewrite rows with raw SQL and put the trigger back.
"""

import re
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from qianshao.audit import chain
from qianshao.audit.models import AppendOnlyError, AuditHead, AuditRecord
from qianshao.grid import actions
from qianshao.lib.dbsql import drop_audit_guard, restore_audit_guard

COLUMNS = [
    "action",
    "actor_id",
    "actor_label",
    "object_type",
    "object_id",
    "object_label",
    "cell_path",
    "before",
    "after",
    "note",
    "at",
    "prev_hash",
    "hash",
    "scheme",
]


def verify_output() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def assert_broken_at(seq: int) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", stdout=StringIO())
    message = str(caught.value)
    assert re.search(rf"BROKEN at record #{seq}\b", message), message
    return message


def raw_update(table: str, where: str, params: list, **columns) -> None:
    """Rewrite rows behind the application's back (the trigger is dropped meanwhile)."""
    assignments = ", ".join(f"{name} = %s" for name in columns)
    drop_audit_guard(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE {where}", [*columns.values(), *params]
            )
    finally:
        restore_audit_guard(connection)


def raw_delete(where: str, params: list) -> None:
    """Delete records behind the application's back (the triggers are dropped meanwhile)."""
    drop_audit_guard(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM audit_auditrecord WHERE {where}", params)
    finally:
        restore_audit_guard(connection)


def db_value(column: str, value):
    field = next(f for f in AuditRecord._meta.concrete_fields if f.column == column)
    return field.get_db_prep_save(value, connection)


def tampered(record: AuditRecord, column: str, cast):
    changed = {
        "action": "grid.nothing_happened",
        "actor_id": cast.users["outsider"].pk,
        "actor_label": "outsider 无名氏",
        "object_type": "grid.cell",
        "object_id": "999999",
        "object_label": "别处",
        "cell_path": cast.other_county.path,
        "before": {"end": None, "tampered": True},
        "after": {"end": "2099-01-01"},
        "note": "无事发生",
        "at": record.at.replace(year=record.at.year - 1),
        "prev_hash": "f" * 64,
        "hash": "e" * 64,
        "scheme": "sha256",
    }[column]
    assert changed != getattr(record, column)
    return db_value(column, changed)


def test_a_chain_built_by_real_actions_verifies(chain_with_an_ended_term):
    count = AuditRecord.objects.count()
    assert count > 10
    assert verify_output().strip() == f"audit chain intact: {count} records"
    head = AuditHead.objects.get(pk=1)
    last = AuditRecord.objects.order_by("-seq").first()
    assert (head.last_seq, head.last_hash) == (last.seq, last.hash) == (count, last.hash)


def test_each_record_links_to_the_one_before(chain_with_an_ended_term):
    records = list(AuditRecord.objects.order_by("seq"))
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert records[0].prev_hash == chain.GENESIS
    for previous, record in zip(records, records[1:], strict=False):
        assert record.prev_hash == previous.hash


def test_an_action_writes_who_what_and_before_after(chain_with_an_ended_term, cast):
    ended = chain_with_an_ended_term
    assert ended.actor == cast.users["township"]
    assert ended.actor_label == "township township人"
    assert ended.object_type == "grid.roleassignment"
    assert ended.cell_path == cast.village.path
    assert ended.before["end"] is None
    assert ended.after["end"] is not None
    assert ended.note == "调离本村"


@pytest.mark.parametrize("column", COLUMNS)
def test_tampering_with_any_stored_field_is_named_by_its_seq(
    chain_with_an_ended_term, cast, column
):
    ended = chain_with_an_ended_term
    raw_update(
        "audit_auditrecord", "seq = %s", [ended.seq], **{column: tampered(ended, column, cast)}
    )
    assert AuditRecord.objects.filter(seq__gt=ended.seq).exists()  # a middle record

    message = assert_broken_at(ended.seq)
    assert f"{ended.seq - 1} records before it are intact" in message


def test_a_record_rewritten_with_a_fresh_hash_breaks_the_next_link(chain_with_an_ended_term):
    ended = chain_with_an_ended_term
    ended.note = "无事发生"
    forged = chain._digest(ended)
    raw_update("audit_auditrecord", "seq = %s", [ended.seq], note="无事发生", hash=forged)

    message = assert_broken_at(ended.seq + 1)
    assert "link to the previous record" in message


def test_deleting_a_middle_record_is_named(chain_with_an_ended_term):
    ended = chain_with_an_ended_term
    raw_delete("seq = %s", [ended.seq])

    message = assert_broken_at(ended.seq)
    assert "missing" in message


def test_deleting_the_last_record_shows_as_a_head_mismatch(chain_with_an_ended_term):
    last = AuditRecord.objects.order_by("-seq").first().seq
    raw_delete("seq = %s", [last])

    message = assert_broken_at(last)
    assert f"chain ends at #{last - 1} but its head says #{last}" in message


def test_swapping_two_records_contents_is_named(chain_with_an_ended_term):
    first, second = chain_with_an_ended_term.seq - 3, chain_with_an_ended_term.seq
    rows = {
        r.seq: {c: db_value(c, getattr(r, c)) for c in COLUMNS}
        for r in AuditRecord.objects.filter(seq__in=[first, second])
    }
    raw_update("audit_auditrecord", "seq = %s", [first], hash="0" * 64)  # hashes are unique
    raw_update("audit_auditrecord", "seq = %s", [second], **rows[first])
    raw_update("audit_auditrecord", "seq = %s", [first], **rows[second])

    assert_broken_at(first)


def test_reordering_records_by_swapping_their_seqs_is_named(chain_with_an_ended_term):
    seq = chain_with_an_ended_term.seq
    raw_update("audit_auditrecord", "seq = %s", [seq], seq=-1)
    raw_update("audit_auditrecord", "seq = %s", [seq - 1], seq=seq)
    raw_update("audit_auditrecord", "seq = %s", [-1], seq=seq - 1)

    assert_broken_at(seq - 1)


@pytest.mark.parametrize(
    "change",
    [{"last_hash": "f" * 64}, {"last_seq": 3}, {"last_seq": 10_000}],
    ids=["hash", "seq-back", "seq-ahead"],
)
def test_tampering_with_the_head_is_detected(chain_with_an_ended_term, change):
    count = AuditRecord.objects.count()
    AuditHead.objects.filter(pk=1).update(**change)

    message = assert_broken_at(count + 1)
    assert "head says" in message


def test_verify_walks_the_chain_in_pages(chain_with_an_ended_term):
    count = AuditRecord.objects.count()
    assert chain.verify(batch=2) == chain.Verdict(True, count)
    seq = chain_with_an_ended_term.seq
    raw_update("audit_auditrecord", "seq = %s", [seq], note="无事发生")
    assert chain.verify(batch=2) == chain.Verdict(
        False, seq - 1, seq, "its contents do not match its hash"
    )


@pytest.mark.parametrize(
    "value",
    [1e100, -2.5e20, 1e16, 1e-7, 0.1, 106.123456789, 2**70, "１２３", None, [1, {"a": []}]],
)
def test_any_json_value_reads_back_as_it_was_hashed(db, value):
    with transaction.atomic():
        chain.append(actor=None, action="test.value", object_type="x", after={"v": value})
    assert chain.verify().ok
    assert AuditRecord.objects.get().after == chain.canonical({"v": value})


def test_an_empty_chain_verifies(db):
    assert verify_output().strip() == "audit chain intact: 0 records"


class TestAppendOnly:
    def test_the_model_refuses_to_save_an_existing_record(self, chain_with_an_ended_term):
        record = AuditRecord.objects.get(seq=chain_with_an_ended_term.seq)
        record.note = "无事发生"
        with pytest.raises(AppendOnlyError):
            record.save()
        assert AuditRecord.objects.get(seq=record.seq).note == "调离本村"

    def test_the_model_never_overwrites_a_record_even_without_the_trigger(
        self, chain_with_an_ended_term
    ):
        ended = chain_with_an_ended_term
        stored = AuditRecord.objects.get(seq=ended.seq)
        copy = AuditRecord(
            **{f.attname: getattr(stored, f.attname) for f in AuditRecord._meta.concrete_fields}
        )
        copy.note = "无事发生"
        drop_audit_guard(connection)
        try:
            with pytest.raises(IntegrityError), transaction.atomic():
                copy.save()
        finally:
            restore_audit_guard(connection)
        assert AuditRecord.objects.get(seq=ended.seq).note == "调离本村"

    def test_the_model_refuses_delete(self, chain_with_an_ended_term):
        with pytest.raises(AppendOnlyError):
            chain_with_an_ended_term.delete()
        assert AuditRecord.objects.filter(seq=chain_with_an_ended_term.seq).exists()

    def test_the_queryset_refuses_update_and_delete(self, chain_with_an_ended_term):
        count = AuditRecord.objects.count()
        with pytest.raises(AppendOnlyError):
            AuditRecord.objects.filter(action="grid.end_term").update(note="无事发生")
        with pytest.raises(AppendOnlyError):
            AuditRecord.objects.all().delete()
        with pytest.raises(AppendOnlyError), transaction.atomic():
            AuditRecord.objects.bulk_update([chain_with_an_ended_term], ["note"])
        assert AuditRecord.objects.count() == count
        assert AuditRecord.objects.get(action="grid.end_term").note == "调离本村"

    def test_the_database_refuses_a_raw_update(self, chain_with_an_ended_term):
        seq = chain_with_an_ended_term.seq
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE audit_auditrecord SET note = 'x' WHERE seq = %s", [seq])
        assert AuditRecord.objects.get(seq=seq).note == "调离本村"
        verify_output()

    def test_the_database_refuses_a_raw_delete(self, chain_with_an_ended_term):
        count = AuditRecord.objects.count()
        for sql in [
            f"DELETE FROM audit_auditrecord WHERE seq = {chain_with_an_ended_term.seq}",
            "DELETE FROM audit_auditrecord",
        ]:
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        assert AuditRecord.objects.count() == count
        verify_output()

    def test_the_database_refuses_a_delete_that_bypasses_the_model(self, chain_with_an_ended_term):
        count = AuditRecord.objects.count()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditRecord.objects.filter(seq__gt=3)._raw_delete(connection.alias)
        assert AuditRecord.objects.count() == count

    def test_the_admin_offers_no_delete(self, chain_with_an_ended_term, cast, client_for):
        admin = client_for(cast.users["admin"])
        seq, count = chain_with_an_ended_term.seq, AuditRecord.objects.count()
        page = admin.get("/admin/audit/auditrecord/")
        assert page.status_code == 200 and b"delete_selected" not in page.content
        response = admin.post(f"/admin/audit/auditrecord/{seq}/delete/", {"post": "yes"})
        assert response.status_code == 403
        assert AuditRecord.objects.count() == count

    def test_the_database_refuses_emptying_the_table_at_once(self, chain_with_an_ended_term):
        # PostgreSQL's TRUNCATE; SQLite's is an unqualified DELETE (its truncate optimisation)
        empty = (
            "TRUNCATE audit_auditrecord"
            if connection.vendor == "postgresql"
            else "DELETE FROM audit_auditrecord"
        )
        count = AuditRecord.objects.count()
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(empty)
        assert AuditRecord.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_chain_and_leaves_it_guarded(cast):
    assert AuditRecord.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditRecord.objects.exists()
    with transaction.atomic():
        chain.append(actor=None, action="test.after_flush", object_type="x")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditrecord")
    assert AuditRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_append_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        chain.append(actor=None, action="test.nothing", object_type="x", object_id="1")
    assert not AuditRecord.objects.exists()


def run_in_threads(count: int, work) -> list[BaseException]:
    """Run ``work(index)`` in ``count`` threads started together; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index):
        try:
            barrier.wait(10)
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_actions_keep_the_chain_intact(cast):
    before = AuditRecord.objects.count()

    def register_people(index):
        for n in range(5):
            actions.create_person(
                None, name=f"并发{index}-{n}", phone=f"1360000{index:02d}{n:02d}", cell=cast.village
            )

    assert run_in_threads(8, register_people) == []

    assert AuditRecord.objects.count() == before + 40
    seqs = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + 41))
    assert verify_output().strip() == f"audit chain intact: {before + 40} records"


@pytest.mark.django_db(transaction=True)
def test_verifying_while_actions_append_reports_an_intact_chain(cast):
    stop = threading.Event()
    verdicts: list[chain.Verdict] = []

    def work(index):
        if index == 0:
            for _ in range(15):
                verdicts.append(chain.verify(batch=3))
            stop.set()
            return
        n = 0
        while not stop.is_set() and n < 200:
            actions.create_person(
                None, name=f"并发{index}-{n}", phone=f"135{index:04d}{n:04d}", cell=cast.village
            )
            n += 1

    assert run_in_threads(3, work) == []
    assert [v for v in verdicts if not v.ok] == []
    verify_output()


def test_appending_in_bulk_links_each_record_as_if_appended_alone(chain_with_an_ended_term):
    head = AuditHead.objects.get(pk=1)
    entries = [
        chain.Entry(actor=None, action="test.bulk", object_type="x", object_id=str(i), after=i)
        for i in range(3)
    ]
    with transaction.atomic():
        records = chain.append_all(entries)
    assert [r.seq for r in records] == [head.last_seq + 1, head.last_seq + 2, head.last_seq + 3]
    assert records[0].prev_hash == head.last_hash
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    stored = AuditRecord.objects.filter(action="test.bulk").order_by("seq")
    assert [(r.object_id, r.after, r.hash) for r in stored] == [
        (str(i), i, records[i].hash) for i in range(3)
    ]
    assert AuditHead.objects.get(pk=1).last_seq == records[-1].seq
    assert chain.verify().ok


def test_appending_nothing_in_bulk_leaves_the_head_alone(chain_with_an_ended_term):
    head = AuditHead.objects.values_list("last_seq", "last_hash").get(pk=1)
    with transaction.atomic():
        assert chain.append_all([]) == []
    assert AuditHead.objects.values_list("last_seq", "last_hash").get(pk=1) == head
