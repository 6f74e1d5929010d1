"""Set-up rows written directly, as the benches load a province (not measured)."""

from django.db import connection, transaction

from qianshao.lib.dbsql import bulk_cache, insert_rows

CHUNK = 50_000


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
