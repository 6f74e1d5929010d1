"""`qianshao bench supplies` (the supplies' half of `bench resources`, docs/adr/0023
"Bench"): a province's storage points and batches, and what the ledger costs.

1. The province grid (as `bench import`), a point per county and township (up to 2,000) and
   ``--scale`` batches (250,000 by default) written directly with their holdings (set-up),
   the counters rebuilt.
2. Readiness of the province and of its largest county from the counters
   (``readiness_supplies.figures`` for their children) against one GROUP BY over the raw
   batches (target < 300 ms at the province).
3. Issues through the action (``actions_supplies.issue``: locks, FEFO, the conditional
   UPDATE, holding, movement, line, counters, audit) against plain ORM writes of the same
   four rows — batch, holding, movement, line (target ≤ 5×).
4. The expiry sweep as the daily task runs it (< 1 s), and after ten days without one,
   moving about 1 % of the batches into a band.
5. The counters against a recount.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import time_machine
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from qianshao.bench.counts import header
from qianshao.bench.timing import median_ms, seconds, settle
from qianshao.grid import tree
from qianshao.grid.importers.divisions import import_divisions
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.dbsql import bulk_cache, insert_rows
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources import readiness_supplies, sweep_supplies, tally
from qianshao.resources.models import Batch, Holding, Item, Line, Movement, MovementKind, Point

ITEMS = 60
POINTS = 2000
ISSUES = 300
DAYS_AHEAD = 10  # the sweep's day: ~1 % of expiries 91..1000 days out fall inside 90 days


def run(out, *, csv_dir: Path, root: str, villages: int, repeat: int, **options):
    points_n = POINTS
    batches_n = int(options.get("scale") or 250_000)  # --scale: the batches written
    out.write(f"qianshao bench supplies — {header(root, villages)}, on {connection.vendor}")
    took, _ = seconds(lambda: import_divisions(Path(csv_dir), root, villages))
    province = Cell.objects.get(code=root)
    items = _items()
    took, points = seconds(lambda: _points(province, points_n))
    out.write(f"  set-up: {len(points):,} points ({took:.1f} s)")
    rng = random.Random(f"bench-supplies-{root}")
    took, written = seconds(lambda: _batches(points, items, batches_n, rng))
    out.write(f"  {written:,} batches written directly with their holdings ({took:.1f} s)")
    took, counters = seconds(tally.rebuild)
    out.write(f"  counters rebuilt: {counters:,} ({took:.1f} s)")
    took, _ = seconds(settle)
    if connection.vendor == "postgresql":
        out.write(
            f"  VACUUM ANALYZE and a checkpoint, as the server would after the load ({took:.1f} s)"
        )

    county = max(
        Cell.objects.subtree(province.path).filter(kind=CellKind.COUNTY),
        key=lambda c: Cell.objects.subtree(c.path).count(),
    )
    for cell, label in [(province, "province"), (county, "county")]:
        ours = median_ms(lambda cell=cell: _readiness(cell), repeat)
        plain = median_ms(lambda cell=cell: _group_by(cell), repeat)
        out.write(
            f"  {label} {cell.code} {cell.name}: readiness of its children from the counters "
            f"{ours:.1f} ms; one GROUP BY over the raw batches {plain:.1f} ms; "
            f"ratio {ours / plain:.2f}x  (medians of {repeat})"
        )
    out.write(f"  the counters equal the GROUP BY: {_agree(province)}")

    n, ours, plain = _issues(points, rng)
    out.write(
        f"  {n} issues through the action {ours / n * 1000:.2f} ms each "
        f"({n / ours:.0f}/s); plain ORM writes of the same four rows "
        f"{plain / n * 1000:.2f} ms each; ratio {ours / plain:.2f}x (target ≤ 5x)"
    )
    for line in timed_sweeps(written):
        out.write(line)
    out.write(f"  counters kept by the actions and the sweep equal a recount: {tally.matches()}")


def timed_sweeps(written: int) -> list[str]:
    """The expiry sweep over the batches, as the daily task runs it: the sweep of the day
    of the load first (untimed: it moves nothing, the batches expiring 91 days out or
    later), then the next day's (target < 1 s), then one after ``DAYS_AHEAD`` days without
    a sweep (a worker down for a week and more), catching up ten days' expiries."""
    found = []
    sweep_supplies.sweep()
    for days, what in [(1, "the daily sweep"), (1 + DAYS_AHEAD, f"{DAYS_AHEAD} days' catch-up")]:
        with time_machine.travel(timezone.now() + timedelta(days=days), tick=False):
            took, moved = seconds(sweep_supplies.sweep)
        share = moved / max(written, 1) * 100
        found.append(
            f"  {what} over {written:,} batches, moving {moved:,} into a band ({share:.1f} %):"
            f" {took:.2f} s (target < 1 s)"
        )
    return found


def _items() -> list[Item]:
    found = list(Item.objects.filter(code__regex=r"^[123]9999").order_by("code"))
    codes = {i.code for i in found}
    for n in range(ITEMS):
        code = f"{n % 3 + 1}9999{n // 3 + 1:02d}"
        if code not in codes:
            found.append(catalogue.add_item(None, code=code, name=f"物资{n}", unit="件"))
    return found


def _points(province: Cell, limit: int) -> list[Point]:
    cells = list(
        Cell.objects.subtree(province.path)
        .filter(kind__in=[CellKind.COUNTY, CellKind.TOWNSHIP])
        .order_by("path")[:limit]
    )
    return [actions.create_point(None, cell=c, name=f"{c.name}储备点") for c in cells]


def _batches(points, items, n: int, rng) -> int:
    """``n`` batches, expiring 91 to 1000 days out (a tenth never), spread over the points,
    and the holdings that sum them."""
    today = timezone.localdate()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = [
        "point_id",
        "point_path",
        "item_id",
        "klass",
        "quantity",
        "received",
        "received_at",
        "expires",
        "source",
        "lot",
        "origin",
        "band",
    ]
    sums: dict[tuple[int, int], Decimal] = {}
    for start in range(0, n, 50_000):
        rows = []
        for _i in range(start, min(n, start + 50_000)):
            p, item = rng.choice(points), rng.choice(items)
            q = Decimal(rng.randint(1, 500))
            expires = None if rng.random() < 0.1 else today + timedelta(days=rng.randint(91, 1000))
            rows.append(
                [
                    p.pk,
                    p.cell_path,
                    item.pk,
                    item.klass,
                    q,
                    q,
                    now,
                    expires,
                    "purchase",
                    "",
                    "",
                    "ok",
                ]
            )
            sums[(p.pk, item.pk)] = sums.get((p.pk, item.pk), 0) + q
        with transaction.atomic(), bulk_cache(connection):
            insert_rows(connection, Batch._meta.db_table, columns, rows)
    with transaction.atomic():
        insert_rows(
            connection,
            Holding._meta.db_table,
            ["point_id", "item_id", "quantity", "in_transit_out"],
            [[p, i, q, 0] for (p, i), q in sums.items()],
        )
    return n


def _readiness(cell: Cell):
    paths = list(Cell.objects.filter(parent=cell).values_list("path", flat=True))
    return readiness_supplies.figures([cell.path, *paths])


def _group_by(cell: Cell):
    return list(
        Batch.objects.filter(tree.subtree_q(cell.path, "point_path"), quantity__gt=0)
        .values_list("klass", "band")
        .annotate(n=Count("id"))
        .order_by()
    )


def _agree(cell: Cell) -> bool:
    kept = readiness_supplies.figures([cell.path])[cell.path]["batches_by_class"]
    raw: dict[str, int] = {}
    for klass, _band, n in _group_by(cell):
        raw[klass] = raw.get(klass, 0) + n
    return kept == raw


def _issues(points, rng) -> tuple[int, float, float]:
    """How many issues, the seconds for them through the action, and for as many written
    plainly (one batch UPDATE, one holding UPDATE, a movement and a line INSERT)."""
    top = Batch.objects.order_by("-pk").values_list("pk", flat=True).first()
    picked = rng.sample(range(1, top + 1), min(top, ISSUES * 40))
    sample = list(  # at least 2 each: a plain write never empties a batch (its counter)
        Batch.objects.filter(pk__in=picked, quantity__gte=2, expires__isnull=True)
        .select_related("point", "item")
        .order_by("pk")[: ISSUES * 2]
    )
    half = len(sample) // 2
    through, plain = sample[:half], sample[half:]
    start = time.perf_counter()
    for b in through:
        actions.issue(None, b.point, item=b.item, quantity=1, purpose="bench", batch=b)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for b in plain:
        with transaction.atomic():
            Batch.objects.filter(pk=b.pk).update(quantity=F("quantity") - 1)
            Holding.objects.filter(point=b.point, item=b.item).update(quantity=F("quantity") - 1)
            m = Movement.objects.create(
                kind=MovementKind.ISSUE, point=b.point, point_path=b.point_path, at=timezone.now()
            )
            Line.objects.create(
                movement=m,
                batch=b,
                point=b.point,
                item=b.item,
                delta=-1,
                holding_after=0,
                batch_after=b.quantity - 1,
            )
    return len(through), ours, time.perf_counter() - start
