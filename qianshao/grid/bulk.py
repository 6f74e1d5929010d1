"""Writing many cells at once.

An import of a province writes ~23,000 rows; Django's bulk_create spends most of that time
preparing each field of each row. Here each column's default and conversion is decided
once, the new cells' ids are reserved first (lib/dbsql.reserve_ids) so that children name
their parents' ids without reading them back, and all the rows are written in one go, the
database's fastest way (lib/dbsql.insert_rows; docs/adr/0004).
"""

from operator import itemgetter

from django.db import connection
from django.db.models import JSONField
from django.utils import timezone

from qianshao.grid.models import Cell
from qianshao.lib.dbsql import insert_rows, reserve_ids


def insert_cells(planned: list[dict]) -> dict[str, int]:
    """Insert ``planned`` cells (dicts of field values), parents first.

    A plan names an existing parent by ``parent_id`` and one created here by ``parent_code``.
    Returns the new ids by code. Runs inside the caller's transaction.
    """
    if not planned:
        return {}
    fields = [f for f in Cell._meta.concrete_fields if not f.primary_key]
    columns = [Cell._meta.pk.column, *(f.column for f in fields)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    defaults = {f.attname: _default(f) for f in fields} | {"created_at": now, "updated_at": now}
    row_of = itemgetter(Cell._meta.pk.attname, *[f.attname for f in fields])
    json_fields = [(i + 1, f) for i, f in enumerate(fields) if isinstance(f, JSONField)]
    table = Cell._meta.db_table
    # exclusive: the cells are written by few, and rarely; an import holds them a moment
    reserved = reserve_ids(connection, table, len(planned), exclusive=True)
    ids = dict(zip([p["code"] for p in planned], reserved, strict=True))
    rows = []
    for plan in planned:
        values = defaults | plan
        values["id"] = ids[plan["code"]]
        if plan["parent_code"]:
            values["parent_id"] = ids[plan["parent_code"]]
        row = row_of(values)
        if json_fields:
            row = list(row)
            for i, field in json_fields:
                if row[i] is not None:
                    row[i] = field.get_db_prep_save(row[i], connection)
        rows.append(row)
    insert_rows(connection, table, columns, rows)
    return ids


def _default(field):
    if field.has_default():
        return field.get_default()
    if not field.null and field.empty_strings_allowed:
        return ""
    return None
