"""`qianshao bench zero-reports`: a province's month of zero reports and their roll-up.

1. The province grid (as `bench import`): 江西省 has 22,080 villages and communities.
2. 30 days of zero reports written directly (not measured: set-up), about 95 % on time,
   3 % late and 2 % missing, and the day counters rebuilt from them
   (``disasters.tally.rebuild``); then one more day through ``disasters.actions.file_zero``
   for a sample of villages, to show what the action costs and that its counters agree.
3. The timings: completeness of one day at the province and of 30 days at the largest
   county (expected, received, on time, late, missing; with the per-child rows), against
   the same counts by one SQL GROUP BY on the raw table in the same run.
"""

import random
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from qianshao.bench import figures
from qianshao.bench.counts import by_kind, header
from qianshao.bench.timing import median_ms, seconds
from qianshao.disasters import actions, schedule, stats, tally
from qianshao.disasters.models import ZeroKind, ZeroReport
from qianshao.grid import tree
from qianshao.grid.importers.divisions import import_divisions
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.dbsql import bulk_cache, insert_rows

DAYS = 30
SAMPLE = 2_000  # villages filing the last day through the action


def run(out, *, csv_dir: Path, root: str, villages: int, repeat: int, **_):
    out.write(
        f"qianshao bench zero-reports — {header(root, villages)}, "
        f"{DAYS} days, on {connection.vendor}"
    )
    took, _ = seconds(lambda: import_divisions(Path(csv_dir), root, villages))
    province = Cell.objects.get(code=root)
    cells = list(
        Cell.objects.subtree(province.path).filter(kind__in=schedule.rule().kinds).order_by("path")
    )
    out.write(f"  set-up: {len(cells):,} reporting villages and communities ({took:.1f} s)")
    out.write(f"  grid: {by_kind(root)}")
    rng = random.Random(f"bench-zero-{root}")
    today = timezone.localdate()
    first, last = today - timedelta(days=DAYS), today - timedelta(days=1)
    took, written = seconds(lambda: _month(cells, first, rng))
    out.write(f"  {written:,} zero reports written directly over {DAYS} days ({took:.1f} s)")
    took, counters = seconds(tally.rebuild)
    out.write(f"  day counters rebuilt: {counters:,} ({took:.1f} s)")
    _through_the_action(out, cells, rng, today)
    out.write(f"  counters kept by the action equal a recount: {tally.matches()}")

    county = max(
        Cell.objects.subtree(province.path).filter(kind=CellKind.COUNTY),
        key=lambda c: Cell.objects.subtree(c.path).count(),
    )
    day = last
    ours = median_ms(lambda: _roll_up(province, day, day), repeat)
    plain = median_ms(lambda: _group_by(province, day, day), repeat)
    out.write(
        f"  province {province.code} {province.name}, one day: completeness with its "
        f"{Cell.objects.filter(parent=province).count()} children {ours:.1f} ms "
        f"(target < 300 ms); one SQL GROUP BY on the raw table {plain:.1f} ms; "
        f"ratio {ours / plain:.2f}x  (medians of {repeat})"
    )
    worst = ours / plain
    ours = median_ms(lambda: _roll_up(county, first, last), repeat)
    plain = median_ms(lambda: _group_by(county, first, last), repeat)
    out.write(
        f"  county {county.code} {county.name}, {DAYS} days: completeness per day with its "
        f"children {ours:.1f} ms; one SQL GROUP BY on the raw table {plain:.1f} ms; "
        f"ratio {ours / plain:.2f}x  (medians of {repeat})"
    )
    figures.record("ratio", round(max(worst, ours / plain), 2))
    check = stats.completeness(province, day)[day]
    raw = _group_by(province, day, day)
    out.write(
        f"  the roll-up equals the GROUP BY: {(check.received, check.on_time) == raw[day]} "
        f"(received {check.received:,} of {check.expected:,}, on time {check.on_time:,})"
    )


def _month(cells, first, rng) -> int:
    """``DAYS`` days of reports: most on time, some late, some missing."""
    columns = ["cell_id", "cell_path", "day", "kind", "submitted_at", "on_time"]
    adapt = connection.ops.adapt_datetimefield_value
    written = 0
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        morning = timezone.make_aware(datetime.combine(day, clock(8, 0)))
        rows = []
        for cell in cells:
            roll = rng.random()
            if roll < 0.02:
                continue
            late = roll < 0.05
            at = morning + timedelta(hours=rng.uniform(9, 13) if late else rng.uniform(0, 7.5))
            rows.append([cell.pk, cell.path, day, ZeroKind.NONE, adapt(at), not late])
        with transaction.atomic(), bulk_cache(connection):
            insert_rows(connection, ZeroReport._meta.db_table, columns, rows)
        written += len(rows)
    return written


def _through_the_action(out, cells, rng, today) -> None:
    sample = rng.sample(cells, min(SAMPLE, len(cells)))
    start = time.perf_counter()
    for cell in sample:
        actions.file_zero(None, cell=cell, day=today)
    took = time.perf_counter() - start
    out.write(
        f"  {len(sample):,} of today's through the action (checks, report, counters, audit): "
        f"{took:.2f} s ({took / len(sample) * 1000:.2f} ms each)"
    )


def _roll_up(cell, first, last):
    return stats.completeness(cell, first, last), stats.child_completeness(cell, first, last)


def _group_by(cell, first, last) -> dict:
    """Received and on time per day under ``cell``, by one GROUP BY on the reports."""
    low, high = tree.subtree_bounds(cell.path)
    table = connection.ops.quote_name(ZeroReport._meta.db_table)
    sql = (
        f"SELECT day, COUNT(*), SUM(CASE WHEN on_time THEN 1 ELSE 0 END) FROM {table} "
        "WHERE day >= %s AND day <= %s AND cell_path >= %s AND cell_path < %s GROUP BY day"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last, low, high])
        rows = cursor.fetchall()
    return {_as_date(day): (n, on_time) for day, n, on_time in rows}


def _as_date(value):
    return value if not isinstance(value, str) else datetime.fromisoformat(value).date()
