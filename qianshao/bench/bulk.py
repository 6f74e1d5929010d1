"""Set-up rows written directly, as the benches load a province (not measured)."""

from contextlib import contextmanager

from django.db import connection, transaction

from qianshao.lib.dbsql import bulk_cache, insert_rows

CHUNK = 50_000
REBUILD_CACHE_MB = 1024  # SQLite's page cache while an index is built again (set-up)


def write(model, columns: list[str], rows, chunk: int = CHUNK) -> None:
    """``rows`` into ``model``'s table, in chunks of ``chunk``, each in a transaction with
    the bulk page cache (SQLite; ``lib.dbsql.bulk_cache``)."""
    found = []
    for row in rows:
        found.append(row)
        if len(found) == chunk:
            with transaction.atomic(), bulk_cache(connection):
                insert_rows(connection, model._meta.db_table, columns, found)
            found = []
    if found:
        with transaction.atomic(), bulk_cache(connection):
            insert_rows(connection, model._meta.db_table, columns, found)


@contextmanager
def indexes_built_after(model):
    """While a bench loads a million rows into ``model``'s table, its plain indexes are
    set aside, and built again from the loaded rows afterwards — as one would load a
    database being moved, at a fraction of the cost of keeping each index up row by row
    (its key order is not the rows'). The same indexes, with the same definitions, are
    there afterwards; those behind a constraint (the primary key, a unique column or a
    unique constraint) are kept throughout, so the load is checked as it goes."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                [table],
            )
        else:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = CAST(%s AS regclass) AND NOT x.indisunique"
                " AND NOT x.indisprimary ORDER BY i.relname",
                [quote(table)],
            )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield  # a load that fails leaves them out: its temporary database is dropped anyway
    with (
        transaction.atomic(),
        bulk_cache(connection, REBUILD_CACHE_MB),
        connection.cursor() as cursor,
    ):
        for _, sql in indexes:
            cursor.execute(sql)
