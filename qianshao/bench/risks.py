"""`qianshao bench risks` (docs/adr/0024): a province's risk points and a month (or a year)
of their patrols, and what the 四色图, the completeness table, check-ins and the missed-patrol
sweep cost.

1. Set-up, written directly (not measured): the province grid (as `bench import`), about 10
   risk points per village or community (≈ 200,000 in 江西省) of every kind, graded at random
   (5 % 红, 15 % 橙, 35 % 黄, 45 % 蓝), and ``--scale`` patrols (1,000,000 by default, a
   month; 10,000,000 make a year): each point's due times back from now at its grade's
   frequency, over as many days as make the number, 85 % on time, 10 % late, 5 % missed;
   then the counters rebuilt. About 50 points are left due within the last minute, for the
   sweep, and 5 % of the points overdue, already chased, waiting for their next due time
   (the sweep must not read them every minute).
2. (c) The four-colour counts (``fourcolour.board``) of the province and of its largest
   county against one SQL GROUP BY over the raw points (target < 100 ms at the province).
3. (d) The patrol completeness of that county for last month, from the ``patrols`` tally,
   against one GROUP BY over the raw patrols (target < 300 ms).
4. (a) Check-ins through the action (``actions_patrols.check_in``) against plain ORM writes
   of the same rows (a patrol, the point's last patrol and next due time; target ≤ 5×), and
   (b) the missed-patrol sweep of one minute (``sweep.sweep``, target < 200 ms with ~50
   due). Both parts are imported when they run: where they are not there yet, the bench
   says "not available".

Every figure is printed with its baseline measured in the same run, and whether the two
agree; nothing here asserts a time.
"""

import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from qianshao.bench import bulk
from qianshao.bench.counts import by_kind, header
from qianshao.bench.timing import median_ms, seconds, settle
from qianshao.grid import tree
from qianshao.grid.importers.divisions import import_divisions
from qianshao.grid.models import Cell, CellKind
from qianshao.risks import fourcolour, grading, schedule, tally
from qianshao.risks.demo_points import LEC, MATRIX
from qianshao.risks.models import (
    Outcome,
    Patrol,
    PatrolFrequency,
    PatrolRule,
    Result,
    RiskKind,
    RiskPoint,
    RiskStatus,
)
from qianshao.workflow.models import StepTaken

PER_VILLAGE = 10
GRADES = (("red", 5), ("orange", 15), ("yellow", 35), ("blue", 45))  # percent
OUTCOMES = ((Outcome.ON_TIME, 85), (Outcome.LATE, 10), (Outcome.MISSED, 5))
DUE_NOW = 50  # points due within the last minute, for the sweep
WAITING = 5  # percent of the points overdue, already chased, waiting for their next due time
CHECK_INS = 200
VILLAGES = (CellKind.VILLAGE, CellKind.COMMUNITY)


def run(out, *, csv_dir: Path, root: str, villages: int, repeat: int, **options):
    patrols_n = int(options.get("scale") or 1_000_000)  # --scale: the patrols written
    out.write(f"qianshao bench risks — {header(root, villages)}, on {connection.vendor}")
    took, _ = seconds(lambda: import_divisions(Path(csv_dir), root, villages))
    province = Cell.objects.get(code=root)
    out.write(f"  grid: {by_kind(root)} ({took:.1f} s)")
    rng = random.Random(f"bench-risks-{root}")
    now = timezone.now()
    took, (points, waiting) = seconds(lambda: _points(province, rng, now))
    out.write(
        f"  set-up: {points:,} risk points written directly, {waiting:,} of them overdue, "
        f"chased and waiting for their next due time ({took:.1f} s)"
    )
    took, (written, days) = seconds(lambda: _patrols(patrols_n, rng, now))
    out.write(f"  {written:,} patrols over {days} days written directly ({took:.1f} s)")
    took, counters = seconds(tally.rebuild)
    out.write(f"  counters rebuilt: {counters:,} ({took:.1f} s)")
    took, _ = seconds(settle)
    if connection.vendor == "postgresql":
        out.write(
            f"  VACUUM ANALYZE and a checkpoint, as the server would after the load ({took:.1f} s)"
        )
    admin = get_user_model().objects.create_superuser(f"bench-{uuid.uuid4().hex[:8]}")

    county = max(
        Cell.objects.subtree(province.path).filter(kind=CellKind.COUNTY),
        key=lambda c: Cell.objects.subtree(c.path).count(),
    )
    # (c) the 四色图
    cells = [(province, "province")] + ([(county, "county")] if county != province else [])
    for cell, label in cells:
        ours = median_ms(lambda cell=cell: fourcolour.board(admin, cell), repeat)
        plain = median_ms(lambda cell=cell: points_group_by(cell), repeat)
        target = " (target < 100 ms)" if cell == province else ""
        kept, raw = from_board(admin, cell), from_points_group_by(cell)
        out.write(
            f"  (c) {label} {cell.code} {cell.name}: the four-colour counts of its "
            f"{Cell.objects.filter(parent=cell).count()} children {ours:.1f} ms{target}; one SQL "
            f"GROUP BY over the raw points {plain:.1f} ms; ratio {ours / plain:.3g}x "
            f"(medians of {repeat}); {sum(kept.get('', {}).values()):,} points; "
            f"the counts equal the GROUP BY: {kept == raw}"
        )
    # (d) completeness of the county for last month
    month = last_month(now)
    ours = median_ms(lambda: completeness(county, month), repeat)
    plain = median_ms(lambda: patrols_group_by(county, month), repeat)
    kept, raw = completeness(county, month), patrols_group_by(county, month)
    out.write(
        f"  (d) patrol completeness of {county.code} {county.name} for {month:%Y-%m}: "
        f"{ours:.1f} ms (target < 300 ms); one SQL GROUP BY over the raw patrols {plain:.1f} ms; "
        f"ratio {ours / plain:.3g}x; {sum(kept.values()):,} patrols {dict(sorted(kept.items()))}; "
        f"the completeness equals the GROUP BY: {kept == raw}"
    )
    _check_ins(out, admin, rng, now)
    _sweep(out, now)
    out.write(f"  counters kept equal a recount: {tally.matches()}")


# --- set-up ---------------------------------------------------------------------------


def _weighted(rng, pairs):
    return rng.choices([v for v, _w in pairs], weights=[w for _v, w in pairs])[0]


def _points(province: Cell, rng, now) -> int:
    """``PER_VILLAGE`` risk points at each village and community, of a random kind and
    grade, due within their grade's period; ``DUE_NOW`` of them with a step of the sweep's
    falling due in the last minute (a reminder, an escalation or a missed patrol), and
    ``WAITING`` % overdue, reminded (and escalated, when that came before the next due
    time: their steps taken), waiting for their next due time."""
    cells = list(
        Cell.objects.subtree(province.path)
        .filter(kind__in=VILLAGES)
        .order_by("path")
        .values_list("pk", "path", "centre_lon", "centre_lat")
    )
    kinds = list(RiskKind.objects.values_list("pk", "method"))
    every = dict(PatrolFrequency.objects.values_list("grade", "every_hours"))
    rule = PatrolRule.objects.get_or_create(pk=1)[0]
    grace = timedelta(hours=rule.grace_hours)
    escalate = timedelta(hours=rule.escalate_hours)
    key_field = RiskPoint._meta.get_field("public_key")
    stamp = connection.ops.adapt_datetimefield_value(now)
    columns = [
        *("cell_id", "cell_path", "name", "kind_id", "geometry", "lon", "lat", "address"),
        *("industry", "hazards_text", "exposed_people", "exposed_households"),
        *("responsible_unit", "control_measures", "emergency_measures", "method", "inputs"),
        *("score", "computed_grade", "grade", "override_reason", "status", "published"),
        *("public_key", "next_due_at", "watch_at", "last_result", "created_at", "updated_at"),
    ]
    total = len(cells) * PER_VILLAGE
    due_now = set(rng.sample(range(total), min(DUE_NOW, total)))
    scores = {}
    chased: list[tuple[int, datetime, list[str]]] = []  # (n, due, steps taken) of those waiting
    by_pk = RiskKind.objects.in_bulk()
    minute = timedelta(minutes=1)

    def rows():
        n = 0
        for pk, path, lon, lat in cells:
            lon, lat = lon or 115.9, lat or 28.7
            for _i in range(PER_VILLAGE):
                kind, method = rng.choice(kinds)
                grade = _weighted(rng, GRADES)
                inputs = (MATRIX if method == "matrix" else LEC)[grade]
                if (method, grade) not in scores:
                    scores[(method, grade)] = grading.grade(method, inputs).score
                at_lon, at_lat = round(lon + rng.uniform(-0.01, 0.01), 6), round(lat, 6)
                if n in due_now:
                    # a step of the sweep's falls due within the last minute: a third each
                    # the patroller's reminder, the dispatcher's, and a missed patrol
                    period = schedule.interval(grade, by_pk[kind], now, r=rule, hours=every)
                    step = [grace, grace + escalate, period][n % 3]
                    due = now - step - timedelta(seconds=rng.uniform(1, 59))
                    watch = due + step
                elif rng.random() < WAITING / 100:
                    # overdue and reminded (escalated too when that came first), its next
                    # due time still ahead: the sweep's state after its visits
                    period = schedule.interval(grade, by_pk[kind], now, r=rule, hours=every)
                    due = now - grace - minute - (period - grace - 2 * minute) * rng.random()
                    escalated = due + grace + escalate <= now
                    ahead = [t for t in (due + grace + escalate, due + period) if t > now]
                    watch = min(ahead)
                    chased.append((n, due, ["remind", "escalate"] if escalated else ["remind"]))
                else:
                    due = now + timedelta(hours=rng.uniform(0.1, every[grade]))
                    watch = due
                yield [
                    pk,
                    path,
                    f"风险点{n}",
                    kind,
                    f'{{"type": "Point", "coordinates": [{at_lon}, {at_lat}]}}',
                    at_lon,
                    at_lat,
                    *("", "", "", rng.randint(0, 200), rng.randint(0, 50)),
                    *("", "", "", method, _json(inputs)),
                    scores[(method, grade)],
                    grade,
                    grade,
                    "",
                    RiskStatus.ACTIVE,
                    False,
                    key_field.get_db_prep_save(uuid.uuid4(), connection),
                    connection.ops.adapt_datetimefield_value(due),
                    connection.ops.adapt_datetimefield_value(watch),
                    "",
                    stamp,
                    stamp,
                ]
                n += 1

    bulk.write(RiskPoint, columns, rows())
    # the waiting points' steps, taken when they were chased
    pks = list(RiskPoint.objects.order_by("pk").values_list("pk", flat=True))  # in row order
    subject = RiskPoint._meta.label_lower
    bulk.write(
        StepTaken,
        ["subject", "step", "at"],
        (
            [f"{subject}:{pks[n]}", f"{step}@{due.isoformat()}", stamp]
            for n, due, taken in chased
            for step in taken
        ),
    )
    return total, len(chased)


def _json(value: dict) -> str:
    return json.dumps({k: str(v) for k, v in value.items()})


def _patrols(wanted: int, rng, now) -> tuple[int, int]:
    """About ``wanted`` patrols: each point's due times back from its next one at its
    grade's frequency, over as many days as give that number."""
    every = dict(PatrolFrequency.objects.values_list("grade", "every_hours"))
    points = list(
        RiskPoint.objects.order_by("pk").values_list("pk", "cell_path", "grade", "next_due_at")
    )
    per_day = sum(24 / every[grade] for _pk, _path, grade, _due in points) or 1
    days = max(1, min(365, round(wanted / per_day)))
    start = now - timedelta(days=days)
    adapt = connection.ops.adapt_datetimefield_value
    columns = [
        *("point_id", "cell_path", "due_at", "at", "outcome", "result", "note"),
        *("far", "via_qr"),
    ]
    count = [0]

    def rows():
        for pk, path, grade, next_due in points:
            step = timedelta(hours=every[grade])
            due = next_due - step
            while due > start and count[0] < wanted:
                outcome = _weighted(rng, OUTCOMES)
                if outcome == Outcome.MISSED:
                    at, result = None, ""
                elif outcome == Outcome.LATE:
                    at, result = due + timedelta(hours=rng.uniform(0.5, 12)), Result.OK
                else:
                    at = due - timedelta(hours=rng.uniform(0, step.total_seconds() / 3600 / 2))
                    result = Result.OK if rng.random() < 0.97 else Result.HAZARD
                count[0] += 1
                yield [pk, path, adapt(due), adapt(at) if at else None, outcome, result, ""]
                due -= step

    def with_flags():
        for row in rows():
            yield [*row, False, False]

    bulk.write(Patrol, columns, with_flags())
    return count[0], days


# --- (c) the four-colour counts and their baseline -------------------------------------


def _child_sql(cell: Cell) -> str:
    find = "strpos" if connection.vendor == "postgresql" else "instr"
    start = len(cell.path) + 1
    return f"substr(cell_path, {start}, {find}(substr(cell_path, {start}) || '.', '.') - 1)"


def points_group_by(cell: Cell) -> list[tuple]:
    """Points in force under ``cell`` per child (its code; "" at the cell itself), grade and
    kind: one GROUP BY over the raw points."""
    low, high = tree.subtree_bounds(cell.path)
    q = connection.ops.quote_name
    sql = f"""
        SELECT {_child_sql(cell)} AS child, p.grade, k.code, COUNT(*)
          FROM {q(RiskPoint._meta.db_table)} p JOIN {q(RiskKind._meta.db_table)} k
            ON k.id = p.kind_id
         WHERE p.cell_path >= %s AND p.cell_path < %s AND p.status = %s
         GROUP BY child, p.grade, k.code
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [low, high, RiskStatus.ACTIVE.value])
        return cursor.fetchall()


def from_points_group_by(cell: Cell) -> dict[str, dict[str, int]]:
    """{child code: {"<grade>:<kind>": n}}, "" the whole cell, children with none left out."""
    lines: dict[str, dict[str, int]] = {}
    for code, grade, kind, n in points_group_by(cell):
        for line in {code, ""}:
            row = lines.setdefault(line, {})
            key = tally.point_key(grade, kind)
            row[key] = row.get(key, 0) + int(n)
    return lines


def from_board(user, cell: Cell) -> dict[str, dict[str, int]]:
    """The same from ``fourcolour.board``."""
    board = fourcolour.board(user, cell)
    lines = {}
    for code, figures in [("", board.whole), *((c.code, f) for c, f in board.children)]:
        row = {tally.point_key(g, k): n for (g, k), n in figures.by_grade_kind.items() if n}
        if row:
            lines[code] = row
    return lines


# --- (d) completeness and its baseline -------------------------------------------------


def last_month(now):
    """The first instant of the month before ``now``'s (local time)."""
    first = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=1)).replace(day=1)


def completeness(cell: Cell, month) -> dict[str, int]:
    """The patrols of ``cell``'s subtree due in ``month`` by outcome, from the tally."""
    prefix = f"{month:%Y-%m}:"
    kept = tally.read(cell.path, tally.PATROLS).get(tally.PATROLS, {})
    return {k[len(prefix) :]: n for k, n in kept.items() if k.startswith(prefix) and n}


def patrols_group_by(cell: Cell, month) -> dict[str, int]:
    """The same by one GROUP BY over the raw patrols."""
    low, high = tree.subtree_bounds(cell.path)
    end = (month + timedelta(days=32)).replace(day=1)
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"""
        SELECT outcome, COUNT(*) FROM {q(Patrol._meta.db_table)}
         WHERE cell_path >= %s AND cell_path < %s AND due_at >= %s AND due_at < %s
         GROUP BY outcome
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [low, high, adapt(month), adapt(end)])
        return {outcome: int(n) for outcome, n in cursor.fetchall() if n}


# --- (a) check-ins and (b) the sweep ----------------------------------------------------


def _check_ins(out, admin, rng, now) -> None:
    try:
        from qianshao.risks.actions_patrols import check_in
    except ImportError:
        out.write("  (a) check-ins through the action: not available (no actions_patrols)")
        return
    ids = list(
        RiskPoint.objects.filter(next_due_at__gt=now).order_by("pk").values_list("pk", flat=True)
    )
    chosen = rng.sample(ids, min(2 * CHECK_INS, len(ids)))
    ours_points = list(RiskPoint.objects.filter(pk__in=chosen[:CHECK_INS]))
    plain_points = list(RiskPoint.objects.filter(pk__in=chosen[CHECK_INS:]))

    def through_the_action():
        for p in ours_points:
            check_in(admin, p, result=Result.OK, lon=p.lon, lat=p.lat)

    def plain():
        every = dict(PatrolFrequency.objects.values_list("grade", "every_hours"))
        for p in plain_points:
            at = timezone.now()
            with transaction.atomic():
                Patrol.objects.create(
                    point=p,
                    cell_path=p.cell_path,
                    patroller=p.patroller,
                    by=admin,
                    due_at=p.next_due_at,
                    at=at,
                    outcome=Outcome.ON_TIME,
                    result=Result.OK,
                    lon=p.lon,
                    lat=p.lat,
                    distance_m=0,
                )
                RiskPoint.objects.filter(pk=p.pk).update(
                    last_patrol_at=at,
                    last_result=Result.OK,
                    next_due_at=p.next_due_at + timedelta(hours=every[p.grade]),
                )

    ours, _ = seconds(through_the_action)
    base, _ = seconds(plain)
    # the plain rows counted as the action would have (not timed), so the counters still
    # equal a recount
    tally.add_many(
        (p.cell_path, tally.PATROLS, tally.patrol_key(p.next_due_at, Outcome.ON_TIME), 1)
        for p in plain_points
    )
    n, m = len(ours_points), len(plain_points)
    out.write(
        f"  (a) {n} check-ins through the action {ours / n * 1000:.2f} ms each ({n / ours:.0f}/s); "
        f"plain ORM writes of the same rows {base / m * 1000:.2f} ms each ({m / base:.0f}/s); "
        f"ratio {(ours / n) / (base / m):.2f}x (target ≤ 5x)"
    )


def _sweep(out, now) -> None:
    try:
        from qianshao.risks.sweep import candidates, sweep
    except ImportError:
        out.write("  (b) the missed-patrol sweep: not available (no risks.sweep)")
        return
    before = Patrol.objects.count()
    read = len(candidates(now))
    took, steps = seconds(lambda: sweep(now=now))
    wrote = Patrol.objects.count() - before
    out.write(
        f"  (b) the missed-patrol sweep of one minute: {took * 1000:.1f} ms (target < 200 ms) "
        f"for {steps} steps due in it (reminders, escalations, missed patrols), "
        f"{wrote} missed patrols written; {read} points read"
    )
