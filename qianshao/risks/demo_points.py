"""The risk points of the demo county (凌云县), through ``actions_points.create_point`` with
the clock at ``now`` (docs/adr/0008): about sixty points of every kind and grade — landslides,
collapses, debris flows and mountain torrents by the villages (a few as areas), a reservoir, a
fireworks shop and a gas station in the county town, a construction site and the chemical
works in the industrial park, schools and markets, self-built houses, forests — each with
its village's head responsible and a village member patrolling (the demo's village login
first, where the village has it). One red point, the landslide above the demo's own
village, is published on the county's public page. Called by ``qianshao.demo``."""

import math
import random
from datetime import timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from qianshao.grid.models import Cell, CellKind, Role, RoleAssignment
from qianshao.lib.errors import ActionError
from qianshao.risks import actions_points, tally
from qianshao.risks.models import RiskKind, RiskPoint

# inputs for each grade, by method: matrix (likelihood × severity), LEC (L × E × C)
MATRIX = {
    "red": {"likelihood": 4, "severity": 5},  # 20
    "orange": {"likelihood": 3, "severity": 5},  # 15
    "yellow": {"likelihood": 3, "severity": 3},  # 9
    "blue": {"likelihood": 2, "severity": 2},  # 4
}
LEC = {
    "red": {"L": 6, "E": 6, "C": 15},  # 540
    "orange": {"L": 6, "E": 3, "C": 15},  # 270
    "yellow": {"L": 3, "E": 3, "C": 15},  # 135
    "blue": {"L": 1, "E": 3, "C": 7},  # 21
}
DEMO_VILLAGE = "451027100201"  # the village login's cell (qianshao.demo.VILLAGE)
PARK = "451027400"
TOWN = "451027100"  # 泗城镇, the county town
_TUN = "那弄陇板百坡岩果磨伏平上下"

# by each village in turn: (kind, name pattern, grade, as an area)
VILLAGE_RISKS = [
    ("landslide", "{t}屯后山滑坡", "red", True),
    ("flash_flood", "{t}河沿岸山洪危险区", "orange", False),
    ("collapse", "{t}屯崩塌点", "yellow", False),
    ("debris_flow", "{t}沟泥石流", "orange", True),
    ("flash_flood", "{t}屯低洼住户", "yellow", False),
    ("landslide", "{t}屯滑坡隐患点", "blue", False),
    ("self_built", "{t}屯经营性自建房", "yellow", False),
    ("forest_fire", "{t}山林区", "blue", True),
    ("waterlogging", "{t}街内涝点", "blue", False),
    ("collapse", "{t}公路边坡", "orange", False),
]
# one each, in the county town and the park: (kind, name, grade, cell code or None, industry)
PLACES = [
    ("fireworks", "县城烟花爆竹零售店", "orange", TOWN, "烟花爆竹"),
    ("gas", "县城瓶装液化气供应站", "yellow", TOWN, "城镇燃气"),
    ("crowded", "县城农贸市场", "yellow", TOWN, "商贸"),
    ("crowded", "县第一中学", "blue", TOWN, "教育"),
    ("hazchem", "城北加油站", "orange", TOWN, "危险化学品"),
    ("other", "县城客运站", "blue", TOWN, "交通运输"),
    ("construction", "工业集中区标准厂房建设工地", "red", PARK, "建筑施工"),
    ("mine", "工业集中区石料场", "orange", PARK, "非煤矿山"),
    ("other", "工业集中区变电站", "blue", PARK, "电力"),
]
# the park's enterprises: (kind, what, grade, industry)
ENTERPRISE_RISKS = [
    ("hazchem", "危险化学品储罐区", "red", "化工"),
    ("hazchem", "有限空间作业点", "yellow", "冶金"),
    ("other", "粉尘涉爆车间", "orange", "粉尘涉爆"),
    ("hazchem", "液氨制冷车间", "yellow", "食品加工"),
]
RESERVOIRS = [("reservoir", "{t}水库（小（2）型）", "orange"), ("reservoir", "{t}河堤", "blue")]
ABOUT = 48  # village points: with the places, enterprises and reservoirs, about 60


def build(now) -> str:
    """Create the demo county's risk points as of ``now``; returns what was built."""
    county = Cell.objects.get(code="451027")
    rng = random.Random("risks:" + county.code)
    kinds = {k.code: k for k in RiskKind.objects.all()}
    actor = get_user_model().objects.filter(username="county").first()
    made: list[RiskPoint] = []
    with time_machine.travel(now, tick=False):
        villages = _villages(county)
        for i, village in enumerate(villages[:ABOUT]):
            kind, name, grade, area = VILLAGE_RISKS[i % len(VILLAGE_RISKS)]
            made.append(
                _point(actor, kinds[kind], village, name.format(t=_tun(rng)), grade, rng, area=area)
            )
        for j, (kind, name, grade) in enumerate(RESERVOIRS):
            village = villages[(7 * j + 3) % len(villages)]
            made.append(_point(actor, kinds[kind], village, name.format(t=_tun(rng)), grade, rng))
        cells = {c.code: c for c in Cell.objects.filter(code__in=[TOWN, PARK])}
        for kind, name, grade, code, industry in PLACES:
            made.append(
                _point(actor, kinds[kind], cells[code], name, grade, rng, industry=industry)
            )
        enterprises = Cell.objects.filter(parent__code=PARK, kind=CellKind.ENTERPRISE)
        for enterprise, (kind, what, grade, industry) in zip(
            enterprises.order_by("code"), ENTERPRISE_RISKS, strict=False
        ):
            made.append(
                _point(
                    actor,
                    kinds[kind],
                    enterprise,
                    f"{enterprise.name}{what}",
                    grade,
                    rng,
                    industry=industry,
                    enterprise=enterprise,
                )
            )
        first_red = next(p for p in made if p.grade == "red" and p.cell.code == DEMO_VILLAGE)
        actions_points.edit_point(actor, first_red, published=True)
    counts = tally.read(county.path, tally.POINTS).get(tally.POINTS, {})
    by_grade = {g: sum(n for k, n in counts.items() if k.startswith(g + ":")) for g in LEC}
    return f"{len(made)} risk points ({', '.join(f'{g} {n}' for g, n in by_grade.items())})"


def _villages(county: Cell) -> list[Cell]:
    """The county's villages with a centre, the demo's own first, then one per township in
    turn (so that every township gets its share)."""
    rows = list(
        Cell.objects.subtree(county.path)
        .filter(kind=CellKind.VILLAGE, centre_lon__isnull=False)
        .select_related("parent")
        .order_by("code")
    )
    by_township: dict[str, list[Cell]] = {}
    for village in rows:
        by_township.setdefault(village.parent.code, []).append(village)
    found: list[Cell] = []
    while any(by_township.values()):
        for township in sorted(by_township):
            if by_township[township]:
                found.append(by_township[township].pop(0))
    demo = next((v for v in found if v.code == DEMO_VILLAGE), None)
    if demo is not None:
        found.remove(demo)
        found.insert(0, demo)
    return found


def _tun(rng: random.Random) -> str:
    return "".join(rng.sample(_TUN, 2))


def _square(lon: float, lat: float, metres: float) -> dict:
    d_lat = metres / 2 / 111_320
    d_lon = d_lat / math.cos(math.radians(lat))
    ring = [
        [round(lon - d_lon, 6), round(lat - d_lat, 6)],
        [round(lon + d_lon, 6), round(lat - d_lat, 6)],
        [round(lon + d_lon, 6), round(lat + d_lat, 6)],
        [round(lon - d_lon, 6), round(lat + d_lat, 6)],
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _centre(cell: Cell) -> tuple[float, float]:
    for item in [cell, *reversed(list(cell.ancestors()))]:
        if item.centre_lon is not None and item.centre_lat is not None:
            return item.centre_lon, item.centre_lat
    raise RuntimeError(f"no centre for {cell.code}")


def _posts(cell: Cell):
    return (
        RoleAssignment.objects.active()
        .filter(cell=cell, department__isnull=True)
        .select_related("person", "person__user")
        .order_by("pk")
    )


def _people(cell: Cell) -> dict:
    """The cell's head as the one responsible, a member (one with a login first) patrolling;
    for a cell without them, those of its parent."""
    for item in [cell, cell.parent]:
        if item is None:
            continue
        posts = list(_posts(item))
        head = next((p.person for p in posts if p.role in (Role.HEAD, Role.DEPUTY)), None)
        members = [p.person for p in posts if p.role == Role.MEMBER]
        members.sort(key=lambda person: getattr(person, "user", None) is None)
        if head or members:
            return {"responsible": head, "patroller": members[0] if members else head}
    return {}


def _point(actor, kind, cell, name, grade, rng, *, area=False, **fields) -> RiskPoint:
    lon, lat = _centre(cell)
    inputs = (MATRIX if kind.method == "matrix" else LEC)[grade]
    people = _people(cell)
    common = {
        "name": name[:100],
        "address": f"{cell.name}{name}"[:200],
        "hazards_text": f"{kind.name}风险",
        "exposed_people": rng.randint(5, 300),
        "exposed_households": rng.randint(1, 60),
        "responsible_unit": f"{cell.name}"[:64],
        "control_measures": "明确责任人，按等级频次巡查，设置警示标志。",
        "emergency_measures": "发现险情立即报告，组织受威胁群众转移。",
        "review_on": (timezone.now() + timedelta(days=rng.randint(60, 365))).date(),
        **people,
        **fields,
    }
    measures = [
        {"list": "control", "what": "按巡查频次现场巡查", "who": "巡查人", "how_often": "按等级"},
        {"list": "emergency", "what": "组织群众转移", "call": "12350", "where": "村委会"},
    ]
    # a little off the centre, so that points of a village do not sit on one another
    for jitter in (0.004, 0.0):
        at_lon = round(lon + rng.uniform(-jitter, jitter), 6)
        at_lat = round(lat + rng.uniform(-jitter, jitter), 6)
        geometry = (
            _square(at_lon, at_lat, 300)
            if area
            else {"type": "Point", "coordinates": [at_lon, at_lat]}
        )
        try:
            return actions_points.create_point(
                actor,
                cell=cell,
                kind=kind,
                geometry=geometry,
                inputs=inputs,
                measures=measures,
                **common,
            )
        except ActionError as error:
            if error.field != "geometry":
                raise
    raise RuntimeError(f"no place for {name} in {cell.code}")
