"""Writing many cells at once.

An import of a province writes ~23,000 rows; Django's bulk_create spends most of that time
preparing each field of each row. Here each column's default and conversion is decided
once, rows are written level by level so that children can name their parents' ids, and
the writing itself is the database's fastest way (lib/dbsql.insert_rows; docs/adr/0004).
"""

from operator import itemgetter

from django.db import connection
from django.db.models import JSONField
from django.utils import timezone

from qianshao.grid.models import Cell
from qianshao.lib.dbsql import insert_rows


def insert_cells(planned: list[dict]) -> dict[str, int]:
    """Insert ``planned`` cells (dicts of field values), parents first.

    A plan names an existing parent by ``parent_id`` and one created here by ``parent_code``.
    Returns the new ids by code. Runs inside the caller's transaction.
    """
    fields = [f for f in Cell._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    defaults = {f.attname: _default(f) for f in fields} | {"created_at": now, "updated_at": now}
    row_of = itemgetter(*[f.attname for f in fields])
    json_fields = [(i, f) for i, f in enumerate(fields) if isinstance(f, JSONField)]
    ids: dict[str, int] = {}
    for level in sorted({p["level"] for p in planned}):
        batch = [p for p in planned if p["level"] == level]
        rows = []
        for plan in batch:
            values = defaults | plan
            if plan["parent_code"]:
                values["parent_id"] = ids[plan["parent_code"]]
            row = list(row_of(values))
            for i, field in json_fields:
                if row[i] is not None:
                    row[i] = field.get_db_prep_save(row[i], connection)
            rows.append(row)
        insert_rows(connection, Cell._meta.db_table, columns, rows)
        ids.update(_ids_of({p["code"] for p in batch}, level))
    return ids


def _default(field):
    if field.has_default():
        return field.get_default()
    if not field.null and field.empty_strings_allowed:
        return ""
    return None


def _ids_of(codes: set[str], level: int) -> dict[str, int]:
    """Ids of ``codes`` at ``level``: one range scan over the code index."""
    found = Cell.objects.filter(code__gte=min(codes), code__lte=max(codes), level=level)
    return {code: pk for code, pk in found.values_list("code", "id") if code in codes}
