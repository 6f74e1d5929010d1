"""`qianshao bench import`: a province into the grid, against the database's own fastest
bare write of the same rows: sqlite3's executemany on SQLite, COPY on PostgreSQL (each
into a table of the same shape and indexes, in one committed transaction).

Both sides take well under a second, where one run's figure moves by a third with what
else the machine is doing: the import and its baseline are run in turns, ``PAIRS`` times,
the grid emptied again before each import after the first, and the ratio is of their
medians (docs/performance.md)."""

import sqlite3
import statistics
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from qianshao.bench import figures
from qianshao.bench.counts import by_kind, header
from qianshao.bench.timing import median_ms, seconds
from qianshao.grid import tallies
from qianshao.grid.importers.divisions import import_divisions
from qianshao.grid.models import Cell, CellKind, Tally
from qianshao.grid.stats import child_counts, subtree_counts

PAIRS = 5


def run(out, *, csv_dir: Path, root: str, villages: int, repeat: int, **_):
    vendor = connection.vendor
    out.write(f"qianshao bench import — {header(root, villages)}, on {vendor}")
    if vendor == "postgresql":
        baseline = _raw_copy_seconds
        what = "psycopg COPY of the same rows into a copy of the table, committed"
    else:
        baseline = _raw_executemany_seconds
        what = "sqlite3 executemany of the same rows into the same table"
    imports, baselines = [], []
    for turn in range(PAIRS):
        if turn:
            _emptied()
        took, ids = seconds(lambda: import_divisions(Path(csv_dir), root, villages))
        imports.append(took)
        baselines.append(baseline())
    took, base = statistics.median(imports), statistics.median(baselines)
    out.write(f"  cells imported: {len(ids):,} ({by_kind(root)})")
    out.write(
        f"  import (read CSV, generate missing villages, validate, write, audit): {took:.2f} s"
        f"  ({len(ids) / took:,.0f} cells/s; median of {PAIRS} into an empty grid, "
        f"{_span(imports)})"
    )
    out.write(f"  baseline, {what}: {base:.2f} s  (median of {PAIRS}, {_span(baselines)})")
    ratios = [i / b for i, b in zip(imports, baselines, strict=True)]
    out.write(
        f"  ratio import / baseline: {took / base:.1f}x  (target <= 3x; the medians' ratio; "
        f"each turn's: {min(ratios):.1f}x to {max(ratios):.1f}x)"
    )
    figures.record("ratio", round(took / base, 2))
    out.write(f"  the cells' counters equal a recount: {tallies.CELLS.matches()}")
    province = Cell.objects.get(code=root)
    county = (
        Cell.objects.filter(kind=CellKind.COUNTY, path__startswith=province.path)
        .order_by("code")
        .first()
    )
    for label, cell in (("county", county), ("province", province)):
        size = Cell.objects.subtree(cell.path).count()
        count = median_ms(lambda c=cell: Cell.objects.subtree(c.path).count(), repeat)
        counts = median_ms(lambda c=cell: subtree_counts(c), repeat)
        children = median_ms(lambda c=cell: child_counts(c), repeat)
        out.write(
            f"  {label} {cell.code} {cell.name} ({size:,} cells): subtree count "
            f"{count:.2f} ms (target < 50 ms); counts by kind and role {counts:.2f} ms; "
            f"per-child counts {children:.2f} ms  (medians of {repeat})"
        )


def _span(samples: list[float]) -> str:
    return f"{min(samples):.2f}–{max(samples):.2f} s"


def _emptied() -> None:
    """Take away what the import wrote but its audit record (one row, and the chain's
    head moves on with it): the cells and their counters, so that the next import starts
    from the empty grid the first one had. SQLite's file is vacuumed back to its size
    before; PostgreSQL's tables are truncated, which gives them new, empty files."""
    cells, counters = Cell._meta.db_table, Tally._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {counters}, {cells} CASCADE")
            return
        with transaction.atomic():
            cursor.execute(f"DELETE FROM {counters}")
            cursor.execute(f"DELETE FROM {cells}")
        cursor.execute("VACUUM")


def _imported_rows() -> tuple[list[str], list[tuple]]:
    """The cells' columns and the imported rows, parents first, as plain values."""
    columns = [f.column for f in Cell._meta.concrete_fields]
    rows = Cell.objects.order_by("level", "id").values_list(
        *[f.attname for f in Cell._meta.concrete_fields]
    )
    return columns, [tuple(_plain(v) for v in row) for row in rows]


def _raw_executemany_seconds() -> float:
    """Write the imported rows again with plain sqlite3 into a copy of the same table."""
    columns, rows = _imported_rows()
    schema = _schema_sql()
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "baseline.sqlite3", isolation_level=None)
        # the platform's own settings (qianshao/settings.py), so that the ratio is the code's
        db.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA temp_store=MEMORY;"
        )
        for statement in schema:
            db.execute(statement)
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO grid_cell ({', '.join(columns)}) VALUES ({placeholders})"

        def write():
            db.execute("BEGIN")
            db.executemany(sql, rows)
            db.execute("COMMIT")

        took, _ = seconds(write)
        db.close()
    return took


def _raw_copy_seconds() -> float:
    """PostgreSQL: COPY the imported rows again into a new table like grid_cell (its
    indexes and its foreign key included), in one transaction, committed; the table is
    dropped after."""
    import psycopg
    from django.db import connections

    columns, rows = _imported_rows()
    params = connections["default"].get_connection_params()
    names = ", ".join(f'"{c}"' for c in columns)
    with psycopg.connect(**params) as db:
        db.execute("CREATE TABLE qianshao_bench_cells (LIKE grid_cell INCLUDING ALL)")
        # LIKE copies no foreign key: the cells' own (a parent, checked at commit) as
        # grid_cell has it, as the SQLite baseline's copy of the schema has it too
        for field in Cell._meta.concrete_fields:
            if field.is_relation:
                model = field.related_model
                target = "qianshao_bench_cells" if model is Cell else model._meta.db_table
                db.execute(
                    f'ALTER TABLE qianshao_bench_cells ADD FOREIGN KEY ("{field.column}") '
                    f'REFERENCES "{target}" ("{field.target_field.column}") '
                    "DEFERRABLE INITIALLY DEFERRED"
                )
        db.commit()
        try:

            def write():
                with db.cursor() as cursor:
                    copy_sql = f"COPY qianshao_bench_cells ({names}) FROM STDIN"
                    with cursor.copy(copy_sql) as copy:
                        for row in rows:
                            copy.write_row(row)
                db.commit()

            took, _ = seconds(write)
        finally:
            db.execute("DROP TABLE qianshao_bench_cells")
            db.commit()
    return took


def _plain(value):
    import json
    from datetime import datetime

    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def _schema_sql() -> list[str]:
    """The grid_cell table and its indexes as SQLite DDL (from this database if SQLite)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'grid_cell' "
                "AND sql IS NOT NULL ORDER BY type DESC"
            )
            return [row[0] for row in cursor.fetchall()]
    # On PostgreSQL, build the same table on SQLite with Django's own SQLite schema editor.
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {
            **connections["default"].settings_dict,
            "NAME": ":memory:",
            "ENGINE": "django.db.backends.sqlite3",
            "OPTIONS": {},
        }
    )
    with wrapper.schema_editor(collect_sql=True) as editor:
        editor.create_model(Cell)
    statements = [s.rstrip(";") for s in editor.collected_sql]
    return [s.replace('REFERENCES "grid_cell"', 'REFERENCES "grid_cell"') for s in statements]


__all__ = ["run", "settings"]
