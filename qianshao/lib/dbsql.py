"""The one module that holds database-specific SQL (SQLite and PostgreSQL).

- Materialised paths are compared in byte order: on PostgreSQL their columns use the "C"
  collation, whatever the database's default (a locale collation would sort '.' and '/'
  out of byte order and break subtree ranges). SQLite compares bytes already.
- The audit table refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) at the database
  level too (triggers), so even code that bypasses the model cannot rewrite history
  silently; only `flush` lifts them while it empties the database (audit's own `flush`).
"""

import datetime
import re
import weakref
from collections import defaultdict
from contextlib import contextmanager
from operator import itemgetter

from django.conf import settings
from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.db.models.expressions import RawSQL

PATH_COLUMNS = [("grid_cell", "path", 255), ("audit_auditrecord", "cell_path", 255)]

_SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS audit_append_only BEFORE UPDATE ON audit_auditrecord
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""
_PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditrecord;
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit_auditrecord
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""
_SQLITE_NO_DELETE = """
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_auditrecord
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""
_PG_NO_DELETE = """
DROP TRIGGER IF EXISTS audit_no_delete ON audit_auditrecord;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditrecord
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditrecord;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditrecord
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"""


def byte_order(columns: list[tuple[str, str, int]]):
    """A migration step giving path ``columns`` (table, column, length) byte order."""

    def apply(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, length in columns:
            schema_editor.execute(
                f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"'
            )

    return apply


byte_order_paths = byte_order(PATH_COLUMNS)


def leave_room(table: str, fillfactor: int):
    """A migration step (and its reverse) leaving ``100 - fillfactor`` % of each page of
    ``table`` free on PostgreSQL, for rows updated in place: an update that changes no
    indexed column then writes its new version on the same page and no index entry (a HOT
    update) — counters and a sweep's state column. SQLite has no such setting."""

    def setting(n: int):
        def apply(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {n})")

        return apply

    return setting(fillfactor), setting(100)


def guard_audit(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(_SQLITE_GUARD)
    elif vendor == "postgresql":
        schema_editor.execute(_PG_GUARD)


def unguard_audit(apps, schema_editor) -> None:
    drop_audit_guard(schema_editor.connection)


def guard_audit_deletes(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(_SQLITE_NO_DELETE)
    elif vendor == "postgresql":
        schema_editor.execute(_PG_NO_DELETE)


def unguard_audit_deletes(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for sql in _drop_sql(schema_editor.connection, ["audit_no_delete", "audit_no_truncate"]):
            cursor.execute(sql)


_TRIGGERS = ["audit_append_only", "audit_no_delete", "audit_no_truncate"]


def _drop_sql(connection, triggers: list[str]) -> list[str]:
    if connection.vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {t}" for t in triggers if t != "audit_no_truncate"]
    if connection.vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {t} ON audit_auditrecord" for t in triggers]
    return []


def drop_audit_guard(connection) -> None:
    """Remove the triggers (for `flush`, and tests that play an attacker with database
    access)."""
    with connection.cursor() as cursor:
        for sql in _drop_sql(connection, _TRIGGERS):
            cursor.execute(sql)


def restore_audit_guard(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(_SQLITE_GUARD)
            cursor.execute(_SQLITE_NO_DELETE)
        elif connection.vendor == "postgresql":
            cursor.execute(_PG_GUARD)
            cursor.execute(_PG_NO_DELETE)


@contextmanager
def bulk_cache(connection, mb: int | None = None):
    """SQLite: the page cache of ``connection`` raised to ``mb`` (``SQLITE_BULK_CACHE_MB``
    unless said) for a bulk write (a fan-out of a hundred thousand rows into indexes larger
    than the everyday cache), and lowered again once its transaction commits — lowering it
    frees the pages, so a web process does not keep a bulk write's cache for its everyday
    reads. (One rolled back keeps it until the connection closes, at the end of its request
    or task.)"""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size=-{(mb or settings.SQLITE_BULK_CACHE_MB) * 1000}")

    def lower():
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size=-{settings.SQLITE_CACHE_MB * 1000}")

    try:
        yield
    finally:
        if connection.in_atomic_block:
            transaction.on_commit(lower, using=connection.alias)
        else:
            lower()


def insert_rows(
    connection,
    table: str,
    columns: list[str],
    rows: list[list],
    *,
    ignore_conflicts=False,
    binary=False,
) -> None:
    """Write many rows into ``table``: COPY on PostgreSQL, executemany on SQLite; with
    ``ignore_conflicts``, rows that break a unique constraint are skipped (executemany of
    INSERT … ON CONFLICT DO NOTHING on both: COPY cannot skip).

    Values must already be prepared for the database (Django's get_db_prep_save). With
    ``binary``, PostgreSQL's COPY is in its binary format, each column's type read from
    the catalog: the driver formats a row in a fifth of the time (a province's warning
    writes 70,000), but every value must then be of the Python type that the column's
    type takes (an int for an integer, a str for text, a datetime for a timestamp, a
    Decimal for a numeric …) where the text format would take any value whose text the
    column reads.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            types = _column_oids(cursor, quote(table), columns) if binary else None
            form = " (FORMAT BINARY)" if binary else ""
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN{form}") as copy:
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks}){conflicts}"
            cursor.executemany(sql, rows)


def _column_oids(cursor, table: str, columns: list[str]) -> list[int]:
    """The type oids of the columns of ``table`` (its quoted name; PostgreSQL), in their
    order: read each time, since a migration may change them."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute"
        " WHERE attrelid = CAST(%s AS regclass) AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    oids = dict(cursor.fetchall())
    return [oids[c] for c in columns]


def insert_new(
    connection, model, columns: list[str], keys: list[str], rows: list[list]
) -> list[tuple]:
    """Insert the ``rows`` whose ``keys`` (a unique constraint's columns, among
    ``columns``) are not in ``model``'s table yet; returns the keys of those this statement
    inserted. ``INSERT … ON CONFLICT (keys) DO NOTHING RETURNING keys``: the same statement
    on SQLite (3.35+) and PostgreSQL, safe under concurrency (a row another transaction
    inserted first is not returned, once that one commits). Values must already be
    prepared for the database."""
    return insert_returning(connection, model, columns, rows, keys, conflict=keys)


def insert_returning(
    connection,
    model,
    columns: list[str],
    rows: list[list],
    returning: list[str],
    *,
    conflict: list[str] | None = None,
    ignore_conflicts: bool = False,
) -> list[tuple]:
    """``INSERT INTO table (columns) … RETURNING returning`` of ``rows``: one statement
    (SQLite: one per 500 rows), the columns the database filled (an id) read back in it.
    ``conflict`` (a unique constraint's columns) skips the rows that would break it, as
    ``ignore_conflicts`` does any unique constraint's; skipped rows return nothing. Values
    must already be prepared for the database."""
    if not rows:
        return []
    connection = own(connection)
    key = ("suffix", connection.vendor, tuple(conflict or ()), ignore_conflicts, tuple(returning))
    suffix = _STATEMENTS.get(key)
    if suffix is None:
        quote = connection.ops.quote_name
        suffix = ""
        if conflict:
            suffix = f" ON CONFLICT ({', '.join(quote(k) for k in conflict)}) DO NOTHING"
        elif ignore_conflicts:
            suffix = " ON CONFLICT DO NOTHING"
        suffix += f" RETURNING {', '.join(quote(c) for c in returning)}"
        _keep(key, suffix)
    inserted = []
    # as the ORM's writes: an error marks the enclosing atomic block for rollback, so that
    # a caller who catches it cannot commit what went before it
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        for head, params in _values(connection, model, columns, rows, cursor):
            cursor.execute(head + suffix, params)
            inserted += [tuple(row) for row in cursor.fetchall()]
    return inserted


def insert_object(connection, obj, *, conflict: list[str] | None = None) -> bool:
    """Insert the model instance ``obj`` unless a row holds its ``conflict`` columns (a
    unique constraint) already: one ``INSERT … ON CONFLICT DO NOTHING RETURNING pk``, in
    place of a save that would break the transaction (PostgreSQL) or need a savepoint to
    survive it. Sets ``obj``'s pk and returns True when inserted; False leaves it unsaved.
    Without ``conflict``, ``save(force_insert=True)`` in one statement the ORM need not
    compile: a row that breaks a constraint raises, as the save would (docs/adr/0034).
    Fields are prepared as ``save()`` prepares them (``auto_now`` included); no signals.
    A primary key without a value is left to the database."""
    connection = own(connection)
    meta = obj._meta
    fields, row = [], []
    for field, plain in _plan(type(obj), connection.vendor):
        unset = field.primary_key and getattr(obj, field.attname) is None
        if unset and field.get_default() is None:
            continue  # left to the database
        fields.append(field)
        row.append(_prepared(field, plain, obj, connection))
    pk = meta.pk
    got = insert_returning(
        connection, type(obj), [f.column for f in fields], [row], [pk.column], conflict=conflict
    )
    if not got:
        return False
    setattr(obj, pk.attname, pk.to_python(got[0][0]))
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


# Fields whose preparation for the database gives back a value of the type named unchanged:
# text fields a str; keys (and keys to them) an int; on SQLite, integer fields an int too
# (PostgreSQL's backend wraps those in the column's own integer type for psycopg); and
# datetime fields an aware datetime, which on SQLite becomes its text in the connection's
# zone. Their own classes only: a subclass may prepare its values otherwise.
_TEXT_FIELDS = (models.CharField, models.TextField)
_KEY_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_INT_FIELDS = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)
_plans: dict = {}  # (model, vendor): its stored fields, each with its plain type or None


def _plan(model, vendor: str) -> list:
    found = _plans.get((model, vendor))
    if found is None:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        found = _plans[(model, vendor)] = [(f, _plain_type(f, vendor)) for f in fields]
    return found


def _plain_type(field, vendor: str):
    kind = type(field)
    if kind is models.ForeignKey:
        kind = type(field.target_field)
    if kind in _TEXT_FIELDS and type(field) is not models.ForeignKey:
        return str
    if kind is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        return datetime.datetime
    if kind in _KEY_FIELDS or (kind in _INT_FIELDS and vendor == "sqlite"):
        return int
    return None


def _prepared(field, plain, obj, connection):
    """``field.get_db_prep_save(field.pre_save(obj, True), connection)``, as ``save()``
    prepares a value — skipped where it would give the value back unchanged (a str of a
    text field, an int of a key or, on SQLite, of an integer field; not a bool; no
    ``pre_save`` of their own), and an aware datetime converted as SQLite's backend does,
    without its ten microseconds of checks. A row has dozens of fields, and every action
    inserts one."""
    if plain is not None:
        value = getattr(obj, field.attname)
        if type(value) is plain:
            if plain is not datetime.datetime:
                return value
            if value.utcoffset() is not None and settings.USE_TZ:  # aware, as stored
                if connection.vendor != "sqlite":
                    return value
                # SQLite's backend: the moment in the connection's zone, naive, as text
                return str(value.astimezone(connection.timezone).replace(tzinfo=None))
    return field.get_db_prep_save(field.pre_save(obj, True), connection)


# Statement texts (and parts of them) already put together, by what they are made of: the
# same few dozen shapes are written on every request. Bounded: emptied past a few thousand.
_STATEMENTS: dict[tuple, object] = {}
_STATEMENTS_MAX = 4096


def _keep(key: tuple, value) -> None:
    if len(_STATEMENTS) >= _STATEMENTS_MAX:
        _STATEMENTS.clear()
    _STATEMENTS[key] = value


def own(connection):
    """The thread's own connection wrapper for ``connection``: ``django.db.connection`` is
    a proxy that finds it again on every attribute read. A wrapper is its own."""
    if isinstance(connection, BaseDatabaseWrapper):
        return connection
    return connections[connection.alias]


def _values(connection, model, columns: list[str], rows: list[list], cursor):
    """``INSERT INTO table (columns) …`` of ``rows``, as (SQL, parameters) for ``cursor``
    to run one after another, each before the next is asked for. PostgreSQL: one statement
    whose rows come from one array per column (``SELECT * FROM unnest(…)``): a handful of
    parameters however many rows, so neither the driver nor the server parses thousands of
    placeholders; from ``COPIED_VALUES`` values on, from a temporary table the rows are
    copied into first (``_copied``). SQLite: VALUES lists of 500 rows, within its limit on
    parameters."""
    connection = own(connection)
    key = ("insert", connection.vendor, model._meta.db_table, tuple(columns))
    found = _STATEMENTS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        found = (quote(model._meta.db_table), ", ".join(quote(c) for c in columns))
        _keep(key, found)
    table, names = found
    copied = len(rows) * len(columns) >= COPIED_VALUES
    if connection.vendor == "postgresql" and (copied or _one_type_per_column(rows)):
        # a column holding one value in every row (every column, for one row) is sent
        # once, not as an array or a copied column of copies
        picked, scalars, varying = [], [], []
        for i, t in enumerate(column_types(connection, model, columns)):
            first = rows[0][i]
            if all(row[i] == first for row in rows):
                picked.append(f"CAST(%s AS {t})")
                scalars.append(first)
            else:
                picked.append(f"v.c{len(varying)}")
                varying.append((i, t))
        head = f"INSERT INTO {table} ({names}) SELECT {', '.join(picked)}"
        if copied and varying:
            yield from _copied(cursor, head, scalars, varying, rows)
        elif varying:
            arrays = ", ".join(f"CAST(%s AS {t}[])" for _, t in varying)
            names_v = ", ".join(f"c{n}" for n in range(len(varying)))
            lists = [[row[i] for row in rows] for i, _ in varying]
            yield f"{head} FROM unnest({arrays}) AS v({names_v})", scalars + lists
        else:  # rows all alike: as many as there are
            yield f"{head} FROM generate_series(1, %s)", [*scalars, len(rows)]
        return
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for at in range(0, len(rows), 500):
        chunk = rows[at : at + 500]
        yield (
            f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))}",
            [value for row in chunk for value in row],
        )


# PostgreSQL: from this many values (rows times columns) on, rows are copied into a
# temporary table and inserted from there. The driver writes a COPY's rows in C, where it
# quotes each element of the arrays of ``unnest`` in Python: a chase's 3,736 notices to
# the dispatchers (18 columns) took 178 ms as arrays and 81 ms copied (medians of eight,
# in turns, each rolled back); a province's 30,000 cells' counters 0.2 s and 0.08 s. The
# temporary table's few milliseconds of catalog work are not worth it for a handful.
COPIED_VALUES = 8000


def _copied(cursor, head: str, scalars: list, varying: list[tuple[int, str]], rows):
    """``_values``'s statement for many rows on PostgreSQL: the ``varying`` columns of the
    rows (their indexes and types) copied (COPY, in the text format: any value whose text
    the column reads) into a temporary table, the insert made from it, the table dropped
    once it has run."""
    cursor.execute("DROP TABLE IF EXISTS pg_temp.qianshao_rows_in")  # left by a failed one
    typed = ", ".join(f"c{n} {t}" for n, (_, t) in enumerate(varying))
    cursor.execute(f"CREATE TEMPORARY TABLE qianshao_rows_in ({typed})")
    names_v = ", ".join(f"c{n}" for n in range(len(varying)))
    row_of = itemgetter(*(i for i, _ in varying))
    with cursor.cursor.copy(f"COPY qianshao_rows_in ({names_v}) FROM STDIN") as copy:
        if len(varying) == 1:
            for row in rows:
                copy.write_row((row_of(row),))
        else:
            for row in rows:
                copy.write_row(row_of(row))
    yield f"{head} FROM qianshao_rows_in AS v", scalars
    cursor.execute("DROP TABLE qianshao_rows_in")


def _one_type_per_column(rows: list[list]) -> bool:
    """Does each column hold values of one Python type (None aside)? The driver sends an
    array of one type only; rows that mix (an int among Decimals) go as VALUES lists."""
    for column in zip(*rows, strict=True):
        if len({type(v) for v in column if v is not None}) > 1:
            return False
    return True


def column_types(connection, model, columns: list[str]) -> list[str]:
    """The database types of ``model``'s ``columns`` (by column name), for casts. A
    ``varchar(n)`` is cast as ``varchar``: a cast to the length would cut a longer value
    short where the column refuses it."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    return [re.sub(r"^varchar\(\d+\)$", "varchar", fields[c].db_type(connection)) for c in columns]


def reserve_ids(connection, table: str, count: int, *, exclusive: bool = False) -> list[int]:
    """``count`` new ids of ``table``'s ``id`` column, to insert rows with (so that bulk
    writes know their ids without reading them back). Runs in the writing transaction.

    PostgreSQL: from the column's sequence, one ``nextval`` per id, so that other writers
    of the table go on meanwhile (the sequence named once, in a materialized CTE: as an
    argument of ``nextval`` it is looked up again for every id, at nine times the cost);
    with ``exclusive``, the table is locked against other writers until the transaction
    ends (``SHARE ROW EXCLUSIVE``: readers read on; the writers of a table rarely written,
    such as the grid's cells, wait) and the sequence is moved past all the ids at once.
    SQLite: the transaction holds the write lock from its start (``transaction_mode``
    IMMEDIATE), so the ids after the highest ever used are ours; ``sqlite_sequence`` is
    moved past them, as AUTOINCREMENT would.
    """
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("ids are reserved inside the writing transaction")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and exclusive:
            # no other writer can take an id now: every INSERT waits for the lock, and
            # every reserve_ids of this table is exclusive
            cursor.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT setval(s, nextval(s) + %s - 1) FROM "
                "(SELECT pg_get_serial_sequence(%s, 'id')::regclass AS s) AS q",
                [count, table],
            )
            last = cursor.fetchone()[0]
            return list(range(last - count + 1, last + 1))
        if connection.vendor == "postgresql":
            cursor.execute(
                "WITH q AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS s)"
                " SELECT nextval(q.s) FROM q, generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # one statement: move the table's sequence on and read where it now stands
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, "
            f"(SELECT coalesce(max(id), 0) FROM {quote(table)})) + %s "
            "WHERE name = %s RETURNING seq",
            [count, table],
        )
        row = cursor.fetchone()
        if row is None:  # no row was ever inserted: the table has no sequence yet
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {quote(table)}")
            last = cursor.fetchone()[0] + count
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last])
        else:
            last = row[0]
        start = last - count + 1
    return list(range(start, last + 1))


def new_uuid_sql(connection) -> str:
    """An SQL expression giving a new random UUID for a ``UUIDField`` column: version 4 on
    PostgreSQL; on SQLite 128 random bits as the 32 hex digits the column keeps (shaped as
    version 4 it costs five times as much, and nothing reads the version)."""
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


def json_sql(connection, text_sql: str) -> str:
    """An SQL expression storing the JSON text ``text_sql`` in a ``JSONField`` column."""
    return f"CAST({text_sql} AS jsonb)" if connection.vendor == "postgresql" else text_sql


def among(connection, field: str, ids: list[int]) -> Q:
    """``field IN ids`` for thousands of integer ids: on PostgreSQL one array parameter
    (``IN (SELECT unnest(…))``), which neither the driver nor the server parses as
    thousands of placeholders; elsewhere Django's ``__in``."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(CAST(%s AS bigint[]))", [list(ids)])})
    return Q(**{f"{field}__in": ids})


def plain_rows(queryset) -> list[tuple]:
    """The rows of a ``values_list`` queryset as the database driver returns them, without
    Django's per-row conversions: for grouped reads of tens of thousands of plain values
    (text, integers), where those conversions cost more than the query."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class Columns:
    """The columns of ``model`` under the table alias ``alias`` in a hand-written SELECT,
    and the instance built from a row's share of them as the ORM builds it (the backend's
    and the fields' converters applied, the instance marked as read from the database).
    For the few reads every request makes (its token, its user's posts, the people a
    report tells), where compiling the ORM's statement costs far more than running it
    (docs/adr/0034). ``defer``: fields left out of the SELECT, read when first asked for,
    as the ORM's ``defer()`` leaves them."""

    def __init__(self, model, alias: str, *, defer: tuple[str, ...] = ()):
        self.model, self.alias = model, alias
        self.fields = [f for f in model._meta.concrete_fields if f.name not in defer]
        if len(self.fields) != len(model._meta.concrete_fields) - len(defer):
            raise ValueError(f"{model.__name__} has no such field among {defer}")
        self.names = [f.attname for f in self.fields]
        self.pk_at = self.fields.index(model._meta.pk)
        self._sql: dict[str, str] = {}
        self._converters_of: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self, connection) -> str:
        """The columns' list, ``alias."column", …``."""
        found = self._sql.get(connection.vendor)
        if found is None:
            quote = connection.ops.quote_name
            found = ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)
            self._sql[connection.vendor] = found
        return found

    def build(self, connection, values):
        """The instance of ``values`` (this model's share of a row, in its columns' order),
        or None where the primary key is NULL (a LEFT JOIN that found nothing).
        ``connection``: the thread's own wrapper, not the proxy ``django.db.connection``."""
        if values[self.pk_at] is None:
            return None
        values = list(values)
        for at, column, converters in self._converters(connection):
            value = values[at]
            for convert in converters:
                value = convert(value, column, connection)
            values[at] = value
        return self.model.from_db(connection.alias, self.names, values)

    def _converters(self, connection) -> list:
        """The converters of each column that has any, found once per connection (each
        thread has its own)."""
        found = self._converters_of.get(connection)
        if found is None:
            found = []
            for at, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                converters = connection.ops.get_db_converters(column)
                converters += field.get_db_converters(connection)
                if converters:
                    found.append((at, column, converters))
            self._converters_of[connection] = found
        return found


def read_joined(connection, sql: str, params: list, columns: list[Columns]) -> list[list]:
    """Run the hand-written SELECT ``sql``, whose columns are those of ``columns`` in their
    order, and return for each row its instances, one per ``Columns``."""
    connection = own(connection)  # not a proxy of it: built below for each object
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        instances, at = [], 0
        for part in columns:
            instances.append(part.build(connection, row[at : at + len(part)]))
            at += len(part)
        found.append(instances)
    return found


def update_rows(connection, model, columns: list[str], rows: list[list]) -> None:
    """Set ``columns`` of many rows of ``model``'s table, each row its values then its
    primary key. PostgreSQL: one ``UPDATE … FROM unnest(…)`` of one array per column.
    SQLite: one statement run for each row (executemany), where a bulk CASE … WHEN would
    cost more to build than to run. Values must already be prepared for the database."""
    if not rows:
        return
    connection = own(connection)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = column_types(connection, model, [*columns, model._meta.pk.column])
            arrays = ", ".join(f"CAST(%s AS {t}[])" for t in types)
            names = ", ".join([*(quote(c) for c in columns), pk])
            sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) "
                f"WHERE {table}.{pk} = v.{pk}",
                [[row[i] for row in rows] for i in range(len(columns) + 1)],
            )
            return
        sets = ", ".join(f"{quote(c)} = %s" for c in columns)
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)


def add_to_counters(
    connection,
    model,
    keys: list[str],
    rows: list[tuple],
    counters: tuple = ("n",),
    *,
    summed: bool = False,
) -> None:
    """Add each row's last values to the ``counters`` named by its keys, creating them at
    need; rows naming one counter twice are summed first (``summed``: the caller already
    gives one row per counter, as a ``Counter``'s items do).

    ``INSERT … ON CONFLICT (keys) DO UPDATE SET n = n + excluded.n``: the same statement
    on SQLite (3.24+) and PostgreSQL (9.5+).
    """
    if not rows:
        return
    # one row per key: a statement may not move one counter twice (PostgreSQL refuses it)
    width = len(keys)
    if not summed and len({tuple(row[:width]) for row in rows}) < len(rows):
        by_key: dict[tuple, list] = defaultdict(lambda: [0] * len(counters))
        for row in rows:
            sums = by_key[tuple(row[:width])]
            for i, n in enumerate(row[width:]):
                sums[i] += n
        rows = [(*key, *sums) for key, sums in by_key.items()]
    connection = own(connection)
    key = ("upsert", connection.vendor, model._meta.db_table, tuple(keys), tuple(counters))
    found = _STATEMENTS.get(key)
    if found is None:  # every report moves its counters: the text is put together once
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        conflict = ", ".join(quote(k) for k in keys)
        add = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in counters)
        found = (table, f"ON CONFLICT ({conflict}) DO UPDATE SET {add}")
        _keep(key, found)
    table, upsert = found
    with connection.cursor() as cursor:
        for head, params in _values(connection, model, [*keys, *counters], rows, cursor):
            cursor.execute(f"{head} {upsert}", params)


def refuse_updates(table: str):
    """A migration step (and its reverse) making ``table`` refuse UPDATE at the database
    level (a trigger), for a log whose entries are corrected by new entries, never edited —
    even by code that bypasses the model. Deletes stay with the model's rules (the test
    database is emptied between tests)."""
    name = f"{table}_no_update"

    def apply(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )

    def reverse(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")

    return apply, reverse


class NullsFirstIndex(models.Index):
    """An index of ``fields`` whose first ``nulls_first`` columns are read NULL first
    (``ASC NULLS FIRST``): SQLite's ascending order already (where an index cannot say
    NULLS FIRST), PostgreSQL's only when the index says so."""

    def __init__(self, *, fields: list[str], nulls_first: int, name: str):
        super().__init__(fields=fields, name=name)
        self.nulls_first = nulls_first

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        copy = models.Index(fields=self.fields, name=self.name)
        copy.fields_orders = [
            (name, "NULLS FIRST" if i < self.nulls_first else order)
            for i, (name, order) in enumerate(self.fields_orders)
        ]
        return copy.create_sql(model, schema_editor, using=using, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "nulls_first": self.nulls_first}
