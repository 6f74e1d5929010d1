"""Set-up rows written directly, as the benches load a province (not measured)."""

from django.db import connection, transaction

from qianshao.lib.dbsql import insert_rows

CHUNK = 50_000


def write(model, columns: list[str], rows, chunk: int = CHUNK) -> None:
    """``rows`` into ``model``'s table, in chunks of ``chunk``, each in a transaction."""
    found = []
    for row in rows:
        found.append(row)
        if len(found) == chunk:
            with transaction.atomic():
                insert_rows(connection, model._meta.db_table, columns, found)
            found = []
    if found:
        with transaction.atomic():
            insert_rows(connection, model._meta.db_table, columns, found)
