"""The grid card's free text of risks (``Cell.risks``, one risk a line) becomes the cell's
risk points (docs/adr/0024 "As built: the grid card's risks").

Each non-empty line of a cell with a centre becomes a point of that cell, named by the
line, its kind matched by name (the kinds' own names first, then the common words: 地质灾害
→ 滑坡 …; unknown → 其他), placed at the cell's centre. Nothing was assessed, so nothing is
pretended: the inputs are the lowest of the kind's table (recorded as such), the grade the
one they compute (蓝 under the default bands), and the point is flagged — its reason
"由网格卡迁移，待评估", its place "位置为网格中心点，待核实", its review date the day of the
migration (due now) and its grade record by "网格卡迁移" — so that the township regrades it
and moves it where it is. The lines made points leave the text; a cell without a centre
keeps its lines (and the card shows them as before). The counters are written directly.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import migrations
from django.db.models import F
from django.utils import timezone

from qianshao.grid import tree

MIGRATED = "由网格卡迁移，待评估"
PLACE = "位置为网格中心点，待核实"
BY = "网格卡迁移"
LOWEST = {
    "matrix": ({"likelihood": 1, "severity": 1}, Decimal(1)),
    "lec": ({"L": "0.1", "E": "0.5", "C": "1"}, Decimal("0.05")),
}
# common words of the cards → kind codes, tried in order after the kinds' own names
WORDS = [
    ("地质灾害", "landslide"),
    ("地灾", "landslide"),
    ("滑坡", "landslide"),
    ("崩塌", "collapse"),
    ("泥石流", "debris_flow"),
    ("山洪", "flash_flood"),
    ("洪水", "flash_flood"),
    ("内涝", "waterlogging"),
    ("积水", "waterlogging"),
    ("森林火灾", "forest_fire"),
    ("森林防火", "forest_fire"),
    ("山火", "forest_fire"),
    ("林火", "forest_fire"),
    ("水库", "reservoir"),
    ("堤防", "reservoir"),
    ("山塘", "reservoir"),
    ("危化", "hazchem"),
    ("危险化学品", "hazchem"),
    ("加油站", "hazchem"),
    ("矿山", "mine"),
    ("尾矿", "mine"),
    ("施工", "construction"),
    ("燃气", "gas"),
    ("液化气", "gas"),
    ("自建房", "self_built"),
    ("危房", "self_built"),
    ("人员密集", "crowded"),
    ("烟花爆竹", "fireworks"),
]
NAME_LIMIT = 100


def _kind_of(line: str, kinds: dict, by_code: dict):
    for name, kind in kinds.items():
        if name and name in line:
            return kind
    for word, code in WORDS:
        if word in line and code in by_code:
            return by_code[code]
    return by_code.get("other")


def _grade(method: str, score: Decimal, bands) -> str:
    if method == "lec":
        limits = (bands.lec_red, bands.lec_orange, bands.lec_yellow)
    else:
        limits = (bands.matrix_red, bands.matrix_orange, bands.matrix_yellow)
    for grade, limit in zip(("red", "orange", "yellow"), limits, strict=True):
        if score >= limit:
            return grade
    return "blue"


def _in_flood_season(rule, now) -> bool:
    today = f"{timezone.localtime(now):%m-%d}"
    if rule.flood_from <= rule.flood_to:
        return rule.flood_from <= today <= rule.flood_to
    return today >= rule.flood_from or today <= rule.flood_to


def migrate_cell_risks(apps, schema_editor) -> int:
    """Make the risk points of every cell's ``risks`` lines; returns how many were made."""
    Cell = apps.get_model("grid", "Cell")
    RiskKind = apps.get_model("risks", "RiskKind")
    RiskPoint = apps.get_model("risks", "RiskPoint")
    GradeRecord = apps.get_model("risks", "GradeRecord")
    Grading = apps.get_model("risks", "Grading")
    PatrolFrequency = apps.get_model("risks", "PatrolFrequency")
    PatrolRule = apps.get_model("risks", "PatrolRule")
    Tally = apps.get_model("risks", "Tally")

    kinds = {k.name: k for k in RiskKind.objects.all()}
    by_code = {k.code: k for k in kinds.values()}
    if "other" not in by_code:
        return 0
    bands = Grading.objects.get_or_create(pk=1)[0]
    rule = PatrolRule.objects.get_or_create(pk=1)[0]
    hours = dict(PatrolFrequency.objects.values_list("grade", "every_hours"))
    now = timezone.now()
    flood = _in_flood_season(rule, now)
    counts: dict[tuple[str, str], int] = {}
    made = 0
    for cell in Cell.objects.exclude(risks="").order_by("path").iterator():
        lines = [line.strip() for line in cell.risks.splitlines() if line.strip()]
        if not lines or cell.centre_lon is None or cell.centre_lat is None:
            continue
        taken = set(
            RiskPoint.objects.filter(cell_path=cell.path, status="active").values_list(
                "name", flat=True
            )
        )
        for line in lines:
            name = line[:NAME_LIMIT]
            if name in taken:
                continue
            taken.add(name)
            kind = _kind_of(line, kinds, by_code)
            inputs, score = LOWEST[kind.method]
            grade = _grade(kind.method, score, bands)
            every = hours.get(grade, 720)
            if flood and kind.flood_season and rule.flood_factor > 1:
                every = every / rule.flood_factor
            point = RiskPoint.objects.create(
                cell_id=cell.pk,
                cell_path=cell.path,
                name=name,
                kind=kind,
                geometry={"type": "Point", "coordinates": [cell.centre_lon, cell.centre_lat]},
                lon=cell.centre_lon,
                lat=cell.centre_lat,
                address=PLACE,
                method=kind.method,
                inputs=inputs,
                score=score,
                computed_grade=grade,
                grade=grade,
                override_reason=MIGRATED,
                review_on=timezone.localdate(now),
                status="active",
                public_key=uuid.uuid4(),
                next_due_at=now + timedelta(hours=every),
            )
            GradeRecord.objects.create(
                point=point,
                at=now,
                by_label=BY,
                method=kind.method,
                inputs=inputs,
                score=score,
                computed_grade=grade,
                grade=grade,
                reason=MIGRATED,
            )
            key = (cell.path, f"{grade}:{kind.code}")
            counts[key] = counts.get(key, 0) + 1
            made += 1
        Cell.objects.filter(pk=cell.pk).update(risks="")
    summed: dict[tuple[str, str], int] = {}
    for (path, key), n in counts.items():
        for p in tree.lineage(path):
            summed[(p, key)] = summed.get((p, key), 0) + n
    for (path, key), n in sorted(summed.items()):
        row, _created = Tally.objects.get_or_create(path=path, figure="points", key=key)
        Tally.objects.filter(pk=row.pk).update(n=F("n") + n)
    return made


def restore_cell_risks(apps, schema_editor) -> int:
    """Undo: the points still as the migration left them (flagged, never patrolled) go back
    to their cells' text, one line each; points assessed or patrolled since stay points.
    The ``points`` counters are recounted from the points in force."""
    Cell = apps.get_model("grid", "Cell")
    RiskPoint = apps.get_model("risks", "RiskPoint")
    Patrol = apps.get_model("risks", "Patrol")
    Tally = apps.get_model("risks", "Tally")
    left = (
        RiskPoint.objects.filter(override_reason=MIGRATED, address=PLACE, status="active")
        .exclude(pk__in=Patrol.objects.values("point_id"))
        .order_by("cell_id", "id")
    )
    lines: dict[int, list[str]] = {}
    ids = []
    for pk, cell_id, name in left.values_list("pk", "cell_id", "name").iterator():
        lines.setdefault(cell_id, []).append(name)
        ids.append(pk)
    for cell_id, names in lines.items():
        cell = Cell.objects.only("risks").get(pk=cell_id)
        text = "\n".join(line for line in [cell.risks.strip(), *names] if line)
        Cell.objects.filter(pk=cell_id).update(risks=text)
    for at in range(0, len(ids), 1000):
        RiskPoint.objects.filter(pk__in=ids[at : at + 1000]).delete()  # grades and measures go too
    Tally.objects.filter(figure="points").delete()
    summed: dict[tuple[str, str], int] = {}
    rows = RiskPoint.objects.filter(status="active").values_list("cell_path", "grade", "kind__code")
    for path, grade, kind in rows.iterator():
        for p in tree.lineage(path):
            summed[(p, f"{grade}:{kind}")] = summed.get((p, f"{grade}:{kind}"), 0) + 1
    Tally.objects.bulk_create(
        [Tally(path=p, figure="points", key=k, n=n) for (p, k), n in sorted(summed.items())],
        batch_size=2000,
    )
    return len(ids)


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0001_initial"),
        ("grid", "0004_person_name_index"),
    ]

    # Undone for the points still as made (``restore_cell_risks``); those assessed or
    # patrolled since stay.
    operations = [migrations.RunPython(migrate_cell_risks, restore_cell_risks)]
