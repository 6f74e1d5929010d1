"""The bulk statements of ``lib.dbsql`` on the database under test (SQLite or PostgreSQL):
what they write and return, for one row, for rows with a column that never varies (sent
once on PostgreSQL), and for more rows than one SQLite statement takes."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from qianshao.intake.models import Submission
from qianshao.lib.dbsql import add_to_counters, among, insert_new, insert_object, update_rows
from qianshao.resources.models import Tally
from qianshao.workflow.models import StepTaken

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def at(dt: datetime):
    return connection.ops.adapt_datetimefield_value(dt)


def claim(rows: list[list]) -> set[tuple]:
    with transaction.atomic():
        found = insert_new(
            connection, StepTaken, ["subject", "step", "at"], ["subject", "step"], rows
        )
    return set(found)


def test_insert_new_returns_only_the_rows_it_inserted():
    assert claim([["a:1", "s", at(AT)]]) == {("a:1", "s")}
    # 1,200 rows: three SQLite statements; "at" the same in every row but one
    rows = [[f"a:{n}", "s", at(AT)] for n in range(1200)]
    rows[7][2] = at(datetime(2027, 1, 1, tzinfo=UTC))
    assert claim(rows) == {(f"a:{n}", "s") for n in range(1200) if n != 1}
    assert StepTaken.objects.count() == 1200
    assert StepTaken.objects.get(subject="a:7").at == datetime(2027, 1, 1, tzinfo=UTC)
    assert StepTaken.objects.get(subject="a:8").at == AT
    assert claim(rows) == set()


def test_insert_new_of_rows_that_differ_in_one_column_only():
    rows = [["b:1", f"step:{n}", at(AT)] for n in range(3)]
    assert claim(rows) == {("b:1", "step:0"), ("b:1", "step:1"), ("b:1", "step:2")}
    assert sorted(StepTaken.objects.values_list("step", flat=True)) == [
        "step:0",
        "step:1",
        "step:2",
    ]


def test_add_to_counters_creates_then_adds():
    keys = ["path", "figure", "key"]
    with transaction.atomic():
        add_to_counters(connection, Tally, keys, [("36", "teams", "", 5)])
        rows = [(f"36.{n:04d}", "teams", "", 2) for n in range(700)] + [("36", "teams", "", -3)]
        add_to_counters(connection, Tally, keys, rows)
        add_to_counters(connection, Tally, keys, [("36.0001", "teams", "", 4)])
    assert Tally.objects.get(path="36").n == 2
    assert Tally.objects.get(path="36.0001").n == 6
    assert Tally.objects.get(path="36.0699").n == 2
    assert Tally.objects.count() == 701


def test_update_rows_sets_each_row_its_own_values():
    with transaction.atomic():
        add_to_counters(
            connection, Tally, ["path", "figure", "key"], [(str(n), "f", "", 1) for n in range(900)]
        )
    ids = dict(Tally.objects.values_list("path", "pk"))
    with transaction.atomic():
        update_rows(
            connection,
            Tally,
            ["key", "n"],
            [[f"k{n % 3}", n * 10, ids[str(n)]] for n in range(0, 900, 2)],
        )
    found = {p: (k, n) for p, k, n in Tally.objects.values_list("path", "key", "n")}
    assert found["4"] == ("k1", 40)
    assert found["898"] == ("k1", 8980)
    assert found["5"] == ("", 1)
    assert sum(1 for k, _n in found.values() if k) == 450


def test_among_selects_the_ids_given():
    with transaction.atomic():
        add_to_counters(
            connection,
            Tally,
            ["path", "figure", "key"],
            [(str(n), "f", "", n) for n in range(3000)],
        )
    wanted = list(Tally.objects.filter(n__gte=1500).values_list("pk", flat=True))
    got = Tally.objects.filter(among(connection, "pk", wanted))
    assert sorted(got.values_list("n", flat=True)) == list(range(1500, 3000))
    assert not Tally.objects.filter(among(connection, "pk", [])).exists()


def test_add_to_counters_sums_a_key_given_twice_and_mixed_number_types():
    from decimal import Decimal

    keys = ["path", "figure", "key"]
    with transaction.atomic():
        add_to_counters(connection, Tally, keys, [("9", "f", "", 2), ("9", "f", "", 3)])
        add_to_counters(connection, Tally, keys, [("9", "f", "", Decimal(1)), ("8", "f", "", 4)])
    assert dict(Tally.objects.values_list("path", "n")) == {"9": 6, "8": 4}


def test_a_value_longer_than_its_column_is_never_cut():
    """PostgreSQL refuses it, as a VALUES list would; SQLite keeps text of any length."""
    from django.db import DataError

    rows = [["s" * 101, "step", at(AT)], ["t", "step", at(AT)]]
    if connection.vendor == "postgresql":
        with pytest.raises(DataError), transaction.atomic():
            claim(rows)
        assert not StepTaken.objects.exists()
    else:
        claim(rows)
        assert StepTaken.objects.filter(subject="s" * 101).exists()


def test_a_write_that_fails_dooms_its_block_as_the_orm_does():
    """A write refused by a constraint marks its atomic block for rollback, as a failed
    ``save()`` does: a caller who catches the error cannot commit what came before it."""
    key = uuid.uuid4()

    def write():
        insert_object(connection, Submission(uuid=key, kind="t", object_type="", object_id=""))

    with transaction.atomic():
        write()
        with pytest.raises(IntegrityError):
            write()
        assert connection.needs_rollback
    assert not Submission.objects.filter(uuid=key).exists()
    with transaction.atomic():
        rows = [["dbsql:a", "s", at(AT)], ["dbsql:b", "s", at(AT)]]
        insert_new(connection, StepTaken, ["subject", "step", "at"], ["subject", "step"], rows)
        second = StepTaken.objects.get(subject="dbsql:b").pk
        with pytest.raises(IntegrityError):  # "b" renamed "a": the pair is taken
            update_rows(connection, StepTaken, ["subject"], [["dbsql:a", second]])
        assert connection.needs_rollback
    assert not StepTaken.objects.filter(subject__startswith="dbsql:").exists()


def test_many_counters_are_added_as_a_few_are_and_twice_in_one_transaction():
    """Past ``COPIED_VALUES`` values PostgreSQL adds them through a temporary table: the
    same counters as one by one, and a second such write in the transaction works too."""
    from qianshao.lib.dbsql import COPIED_VALUES

    keys = ["path", "figure", "key"]
    many = [(f"44.{n:05d}", "teams", "", 1) for n in range(COPIED_VALUES // 4 + 10)]
    with transaction.atomic():
        add_to_counters(connection, Tally, keys, [("44.00003", "teams", "", 5)])
        add_to_counters(connection, Tally, keys, many)
        add_to_counters(connection, Tally, keys, [*many, ("44.00003", "teams", "", 1)])
    assert Tally.objects.count() == len(many)
    assert Tally.objects.get(path="44.00003").n == 8
    assert Tally.objects.get(path=many[-1][0]).n == 2


@pytest.mark.parametrize("exclusive", [False, True])
def test_reserved_ids_are_new_and_the_next_insert_comes_after_them(exclusive):
    from qianshao.lib.dbsql import reserve_ids

    table = Tally._meta.db_table
    before = Tally.objects.create(path="1", figure="f", key="").pk
    with transaction.atomic():
        ids = reserve_ids(connection, table, 5, exclusive=exclusive)
    assert len(set(ids)) == 5 and min(ids) > before
    if exclusive or connection.vendor == "sqlite":
        assert ids == list(range(ids[0], ids[0] + 5))
    after = Tally.objects.create(path="2", figure="f", key="").pk
    assert after > max(ids)


def test_insert_object_prepares_every_field_as_save_does():
    """The values insert_object skips preparing (a str of a text field, an int of a key or,
    on SQLite, of an integer field) are those a save would have written unchanged; every
    other value (a choice, a bool, a date, JSON, None) goes through the field."""
    from django.apps import apps
    from django.core.exceptions import ValidationError
    from django.db.models import JSONField

    from qianshao.lib.dbsql import _plain_type, _prepared

    samples = {
        str: "甲镇",
        int: 7,
        bool: True,
        type(None): None,
        datetime: datetime(2026, 12, 6, 8, 30, tzinfo=UTC),
    }
    checked = skipped = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            for value in samples.values():
                obj = model()
                try:
                    setattr(obj, field.attname, value)
                    expected = field.get_db_prep_save(field.pre_save(obj, True), connection)
                except (TypeError, ValueError, AttributeError, ValidationError):
                    continue  # a value this field cannot take
                stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                if isinstance(field, JSONField) or stamped:
                    continue  # prepared afresh each time (a wrapper, the moment)
                plain = _plain_type(field, connection.vendor)
                got = _prepared(field, plain, obj, connection)
                assert (type(got), got) == (type(expected), expected), (model, field, value)
                checked += 1
                skipped += plain is type(value)
    assert checked > 1000 and skipped > 200  # many fields, many of them skipped


@pytest.mark.parametrize("binary", [False, True])
def test_insert_rows_writes_every_kind_of_value_as_given(binary):
    """COPY (PostgreSQL; text, or binary with the columns' types from the catalog) and
    executemany (SQLite; ``binary`` changes nothing) write the same rows: text with the
    characters COPY's text format escapes, NULLs, JSON, a uuid and aware datetimes."""
    from qianshao.lib.dbsql import insert_rows
    from qianshao.notify.models import Message

    columns = ["uuid", "event", "channel", "address", "subject", "body", "link", "action"]
    columns += ["payload", "dedupe_key", "status", "attempts", "next_attempt_at"]
    columns += ["created_at", "last_error"]
    fields = {f.column: f for f in Message._meta.concrete_fields}
    texts = ["甲\t乙", "a\\N", "行一\n行二\r", "\\", ""]
    given = []
    for n, text in enumerate(texts):
        values = {
            "uuid": uuid.uuid4(),
            "event": f"e{n}",
            "channel": "inapp",
            "address": text,
            "subject": text or "空",
            "body": text,
            "link": "",
            "action": "",
            "payload": {"n": n, "文": text},
            "dedupe_key": None if n % 2 else f"k{n}",
            "status": "pending",
            "attempts": n,
            "next_attempt_at": AT,
            "created_at": AT,
            "last_error": text,
        }
        given.append(values)
    rows = [[fields[c].get_db_prep_save(v[c], connection) for c in columns] for v in given]
    with transaction.atomic():
        insert_rows(connection, Message._meta.db_table, columns, rows, binary=binary)
    written = {m.event: m for m in Message.objects.filter(event__startswith="e")}
    assert len(written) == len(texts)
    for n, values in enumerate(given):
        m = written[f"e{n}"]
        assert [getattr(m, c) for c in columns] == [values[c] for c in columns]


def test_a_binary_copy_refuses_a_value_of_the_wrong_type_and_writes_nothing():
    """In binary, a value is not read from its text: a str for an integer column fails the
    write (and its transaction) instead of being stored as something else."""
    from qianshao.lib.dbsql import insert_rows

    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")
    table = Tally._meta.db_table
    with pytest.raises(TypeError), transaction.atomic():
        insert_rows(
            connection, table, ["path", "figure", "key", "n"], [["1", "f", "", "7"]], binary=True
        )
    assert not Tally.objects.exists()


def test_many_rows_are_inserted_and_returned_as_one_is_with_every_value_and_conflict():
    """Past ``COPIED_VALUES`` values PostgreSQL copies the rows into a temporary table and
    inserts from there: each value arrives as it does in a row sent alone (a uuid, a
    choice, JSON text as an object, a time, a null, text with quotes, backslashes and a
    tab), a row whose key is taken is skipped and returns no id, and a second such insert
    in the same transaction works too."""
    from qianshao.lib.dbsql import COPIED_VALUES, insert_returning
    from qianshao.notify.models import Channel, Message, Status

    columns = ["uuid", "event", "channel", "user_id", "person_id", "webhook_id", "address"]
    columns += ["subject", "body", "link", "action", "payload", "dedupe_key", "status"]
    columns += ["attempts", "next_attempt_at", "created_at", "last_error"]
    native = connection.features.has_native_uuid_field
    body = '正文 "引号" \\ 反斜杠\t制表'

    def row(n: int, key: str | None) -> list:
        made = uuid.UUID(int=n + 1)
        return [
            made if native else made.hex,
            "dbsql.many",
            Channel.SMS,
            None,
            None,
            None,
            f"139{n:08d}",
            f"主题 {n}",
            body,
            f"/x/{n}/",
            "",
            json.dumps({"n": n, "名": "值"}, ensure_ascii=False),
            key,
            Status.PENDING,
            n % 3,
            at(AT),
            at(AT),
            "",
        ]

    count = COPIED_VALUES // len(columns) + 10
    with transaction.atomic():
        (alone,) = insert_returning(connection, Message, columns, [row(0, "dbsql:1")], ["id"])
        many = [row(n, f"dbsql:{n}" if n % 2 else None) for n in range(1, count + 1)]
        got = insert_returning(connection, Message, columns, many, ["id"], ignore_conflicts=True)
        more = [row(n, None) for n in range(count + 1, 2 * count + 1)]
        again = insert_returning(connection, Message, columns, more, ["id"])
    assert len(got) == count - 1, "the row whose key was taken is skipped"
    assert len(again) == count and not {alone, *got} & set(again)
    by_address = {m.address: m for m in Message.objects.filter(event="dbsql.many")}
    assert len(by_address) == 2 * count, "the first row and every other but the skipped one"
    assert by_address[f"139{0:08d}"].uuid == uuid.UUID(int=1), "the first row, sent alone"
    for n in (2, 3, count, 2 * count):
        m = by_address[f"139{n:08d}"]
        assert m.uuid == uuid.UUID(int=n + 1) and m.channel == Channel.SMS
        assert (m.subject, m.body, m.link) == (f"主题 {n}", body, f"/x/{n}/")
        assert m.payload == {"n": n, "名": "值"} and m.person_id is None
        assert m.dedupe_key == (f"dbsql:{n}" if n % 2 and n <= count else None)
        assert (m.status, m.attempts, m.next_attempt_at) == (Status.PENDING, n % 3, AT)


def test_rows_all_alike_are_each_inserted():
    """Rows with the same value in every column (a message sent twice) are as many rows:
    on PostgreSQL, where a column alike in every row is sent once, not one row for all."""
    from qianshao.lib.dbsql import insert_returning
    from qianshao.notify.models import Message

    columns = ["uuid", "event", "channel", "address", "subject", "body", "link", "action"]
    columns += ["payload", "status", "attempts", "next_attempt_at", "created_at", "last_error"]
    made = uuid.UUID(int=7)
    row = [made if connection.features.has_native_uuid_field else made.hex, "dbsql.alike"]
    row += ["sms", "13900000000", "主题", "", "", "", "{}", "pending", 0, at(AT), at(AT), ""]
    with transaction.atomic():
        ids = insert_returning(connection, Message, columns, [row, row, row], ["id"])
    assert len(set(ids)) == 3
    assert Message.objects.filter(event="dbsql.alike").count() == 3
