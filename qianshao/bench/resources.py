"""`qianshao bench resources` (docs/adr/0023 "Bench"): a province's emergency resources and
what the readiness table (应急资源一张表), the ledger and the expiry sweep cost.

1. Set-up, written directly (not measured): the province grid (as `bench import`), a
   comprehensive team at every township and village with 8 to 17 members (≈ 300,000, each
   a grid Person of their own), a kit card for every village team's leader, a shelter per
   township, 2,000 storage points and ``--scale`` batches (250,000 by default) with their
   holdings (``bench.supplies``'s set-up); then the counters rebuilt.
2. The readiness table of the province and of its largest county (``readiness.table``: all
   parts, the cell's line and one per child) against the same figures — teams, members,
   batches by class, shelters and their capacity, kit holders — per child by one SQL GROUP
   BY over the raw tables in the same run (target < 300 ms at the province); both printed,
   and whether they agree.
3. Issues through the action against plain ORM writes of the same four rows (target ≤ 5×),
   the daily expiry sweep (< 1 s) and ten days' catch-up, and the counters against a
   recount — as ``bench supplies`` measures them.
"""

import random
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.utils import timezone

from qianshao.bench import bulk, supplies
from qianshao.bench.counts import by_kind, header
from qianshao.bench.timing import median_ms, seconds, settle
from qianshao.grid import tree
from qianshao.grid.importers.divisions import import_divisions
from qianshao.grid.models import Cell, CellKind, Person
from qianshao.resources import readiness, rule_shelters, tally
from qianshao.resources.models import (
    Batch,
    KitCard,
    KitStandard,
    Member,
    MemberRole,
    Shelter,
    ShelterCategory,
    ShelterStatus,
    Team,
    TeamKind,
    TeamStatus,
)

MEMBERS = (8, 17)  # members of a team, at random between: ≈ 12.5 on average
VILLAGES = (CellKind.VILLAGE, CellKind.COMMUNITY)


def run(out, *, csv_dir: Path, root: str, villages: int, repeat: int, **options):
    batches_n = int(options.get("scale") or 250_000)  # --scale: the batches written
    out.write(f"qianshao bench resources — {header(root, villages)}, on {connection.vendor}")
    took, _ = seconds(lambda: import_divisions(Path(csv_dir), root, villages))
    province = Cell.objects.get(code=root)
    out.write(f"  grid: {by_kind(root)} ({took:.1f} s)")
    rng = random.Random(f"bench-resources-{root}")
    took, (teams, members) = seconds(lambda: _teams(province, rng))
    out.write(
        f"  set-up: {teams:,} teams with {members:,} members (each a Person of their own) "
        f"written directly ({took:.1f} s)"
    )
    took, (cards, shelters) = seconds(lambda: (_kit_cards(rng), _shelters(province, rng)))
    out.write(f"  {cards:,} kit cards and {shelters:,} shelters written directly ({took:.1f} s)")
    items = supplies._items()
    took, points = seconds(lambda: supplies._points(province, supplies.POINTS))
    out.write(f"  {len(points):,} storage points through the action ({took:.1f} s)")
    took, written = seconds(lambda: supplies._batches(points, items, batches_n, rng))
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
        ours = median_ms(lambda cell=cell: readiness.table(cell), repeat)
        plain = median_ms(lambda cell=cell: group_by(cell), repeat)
        target = " (target < 300 ms)" if cell == province else ""
        out.write(
            f"  {label} {cell.code} {cell.name}: readiness.table with its "
            f"{Cell.objects.filter(parent=cell).count()} children {ours:.1f} ms{target}; "
            f"one SQL GROUP BY over the raw tables {plain:.1f} ms; ratio {ours / plain:.3g}x  "
            f"(medians of {repeat})"
        )
        kept, raw = from_table(cell), from_group_by(cell)
        total = kept[""]
        out.write(
            f"    {total['teams']:,} teams, {total['members']:,} members, batches by class "
            f"{total['batches_by_class']}, {total['shelters']:,} shelters holding "
            f"{total['capacity']:,}, {total['kit_holders']:,} kit holders; "
            f"the table equals the GROUP BY: {kept == raw}"
        )
        if kept != raw:
            for code in sorted(set(kept) | set(raw)):
                if kept.get(code) != raw.get(code):
                    out.write(f"    {code!r}: table {kept.get(code)}, GROUP BY {raw.get(code)}")

    n, ours, plain = supplies._issues(points, rng)
    out.write(
        f"  {n} issues through the action {ours / n * 1000:.2f} ms each "
        f"({n / ours:.0f}/s); plain ORM writes of the same four rows "
        f"{plain / n * 1000:.2f} ms each ({n / plain:.0f}/s); ratio {ours / plain:.2f}x "
        f"(target ≤ 5x)"
    )
    for line in supplies.timed_sweeps(written):
        out.write(line)
    out.write(f"  counters kept by the actions and the sweep equal a recount: {tally.matches()}")


# --- set-up ---------------------------------------------------------------------------


def _teams(province: Cell, rng) -> tuple[int, int]:
    """A comprehensive team at every township and village, 8 to 17 members each, each member
    a Person of their own (the first the leader); returns (teams, members)."""
    cells = list(
        Cell.objects.subtree(province.path)
        .filter(kind__in=[CellKind.TOWNSHIP, *VILLAGES])
        .order_by("path")
        .values_list("pk", "path", "name")
    )
    sizes = [rng.randint(*MEMBERS) for _ in cells]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    bulk.write(
        Person,
        ["name", "phone", "note", "created_at"],
        ([f"队员{n}", f"19{n:09d}", "", now] for n in range(sum(sizes))),
    )
    people = iter(Person.objects.filter(phone__startswith="19").order_by("pk").values_list("pk"))
    bulk.write(
        Team,
        [
            *("cell_id", "cell_path", "name", "kind", "phone", "address"),
            *("status", "status_at", "members_n", "created_at"),
        ],
        (
            [pk, path, f"{name}综合应急队", TeamKind.COMPREHENSIVE, "", "", TeamStatus.STANDBY]
            + [now, size, now]
            for (pk, path, name), size in zip(cells, sizes, strict=True)
        ),
    )
    today = timezone.localdate()
    rows = []
    for team, size in Team.objects.order_by("pk").values_list("pk", "members_n"):
        for n in range(size):
            role = MemberRole.LEADER if n == 0 else MemberRole.MEMBER
            rows.append([team, next(people)[0], role, "", today])
    bulk.write(Member, ["team_id", "person_id", "role", "skills", "joined"], rows)
    return len(cells), len(rows)


def _kit_cards(rng) -> int:
    """A card of the first standard for the leader of every village's team, four in five
    complete."""
    standard = KitStandard.objects.order_by("pk").first()
    if standard is None:
        return 0
    leaders = Member.objects.filter(
        role=MemberRole.LEADER, team__cell__kind__in=VILLAGES
    ).values_list("person_id", "team__cell_id", "team__cell_path")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for person, cell, path in leaders.order_by("pk"):
        complete = rng.random() < 0.8
        rows.append([person, standard.pk, cell, path, complete, 0 if complete else 2, True, now])
    columns = ["person_id", "standard_id", "cell_id", "cell_path", "complete", "missing"]
    bulk.write(KitCard, [*columns, "active", "created_at"], rows)
    return len(rows)


def _shelters(province: Cell, rng) -> int:
    """A shelter at every township, its capacity its area over the rule's per-person area."""
    per_person = rule_shelters.per_person()
    rows = []
    for pk, path, name in (
        Cell.objects.subtree(province.path)
        .filter(kind=CellKind.TOWNSHIP)
        .order_by("path")
        .values_list("pk", "path", "name")
    ):
        area = Decimal(rng.randint(500, 20_000))
        capacity = int(area // per_person)
        rows.append([pk, path, f"{name}中心避难场所", "", ShelterCategory.II, area, capacity])
    columns = ["cell_id", "cell_path", "name", "address", "category", "area_m2", "capacity"]
    facilities = ["water", "power", "toilets", "medical", "signage"]
    rest = ["manager_name", "manager_phone", "status", "occupancy"]
    bulk.write(
        Shelter,
        [*columns, *facilities, *rest],
        ([*r, True, True, True, False, True, "", "", ShelterStatus.CLOSED, 0] for r in rows),
    )
    return len(rows)


# --- the baseline -----------------------------------------------------------------------


def group_by(cell: Cell) -> list[tuple]:
    """The table's figures per child of ``cell`` (its code; "" for records at the cell
    itself) by one GROUP BY over the raw rows of teams, members, batches, shelters and kit
    cards: ``(child, figure, key, n)``."""
    low, high = tree.subtree_bounds(cell.path)
    q = connection.ops.quote_name
    t = {m: q(m._meta.db_table) for m in (Team, Member, Batch, Shelter, KitCard)}
    find = "strpos" if connection.vendor == "postgresql" else "instr"
    start = len(cell.path) + 1
    child = f"substr(path, {start}, {find}(substr(path, {start}) || '.', '.') - 1)"
    revoked = TeamStatus.REVOKED.value
    sql = f"""
        SELECT {child} AS child, figure, k, SUM(n) FROM (
            SELECT cell_path AS path, 'teams' AS figure, '' AS k, 1 AS n FROM {t[Team]}
             WHERE cell_path >= %s AND cell_path < %s AND status <> '{revoked}'
            UNION ALL
            SELECT tm.cell_path, 'members', '', 1 FROM {t[Member]} m
              JOIN {t[Team]} tm ON tm.id = m.team_id
             WHERE tm.cell_path >= %s AND tm.cell_path < %s AND tm.status <> '{revoked}'
               AND m."left" IS NULL
            UNION ALL
            SELECT point_path, 'batches', klass, 1 FROM {t[Batch]}
             WHERE point_path >= %s AND point_path < %s AND quantity > 0
            UNION ALL
            SELECT cell_path, 'shelters', '', 1 FROM {t[Shelter]}
             WHERE cell_path >= %s AND cell_path < %s
            UNION ALL
            SELECT cell_path, 'capacity', '', capacity FROM {t[Shelter]}
             WHERE cell_path >= %s AND cell_path < %s
            UNION ALL
            SELECT cell_path, 'kit_holders', '', 1 FROM {t[KitCard]}
             WHERE cell_path >= %s AND cell_path < %s AND active
        ) AS raw GROUP BY child, figure, k
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [low, high] * 6)
        return cursor.fetchall()


def from_group_by(cell: Cell) -> dict[str, dict]:
    """The baseline's rows as {child code ("" the cell's own line): figures}, each child's
    line the sum of its rows, the cell's line the sum of all."""
    lines: dict[str, dict] = {}
    for code, figure, key, n in group_by(cell):
        for line in {code, ""}:
            row = lines.setdefault(line, _empty())
            if figure == "batches":
                row["batches_by_class"][key] = row["batches_by_class"].get(key, 0) + int(n)
            else:
                row[figure] += int(n)
    for row in lines.values():
        row["batches_by_class"] = dict(sorted(row["batches_by_class"].items()))
    return lines


def from_table(cell: Cell) -> dict[str, dict]:
    """The same figures as ``readiness.table`` gives them, children with none left out."""
    table = readiness.table(cell)
    lines = {}
    for line in [table.total, *table.children]:
        row = {
            "teams": line.forces.teams,
            "members": line.forces.members,
            "batches_by_class": line.supplies["batches_by_class"],
            "shelters": line.shelters["shelters"],
            "capacity": line.shelters["capacity"],
            "kit_holders": line.kits["kit_holders"],
        }
        if line is table.total or row != _empty():
            lines["" if line is table.total else line.cell.code] = row
    return lines


def _empty() -> dict:
    return {
        "teams": 0,
        "members": 0,
        "batches_by_class": {},
        "shelters": 0,
        "capacity": 0,
        "kit_holders": 0,
    }
