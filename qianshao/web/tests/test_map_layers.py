"""The map's layers: each area's panel gives its layers, ``/map/layers/`` lists those a user
may see, and ``/map/layers/<name>.geojson?cell=`` gives one as GeoJSON for a cell's subtree,
holding only what the user may see there."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.disasters import actions as disaster_actions
from qianshao.disasters.maps import recent_disasters
from qianshao.disasters.models import DisasterType
from qianshao.grid.models import Domain, Role
from qianshao.hazards import actions as hazard_actions
from qianshao.hazards.maps import open_hazards
from qianshao.lib import panels
from qianshao.testing import appoint
from qianshao.warnings import actions as warning_actions
from qianshao.warnings.maps import in_force
from qianshao.warnings.models import Level, WarningType

LAYERS = ["hazards.open", "warnings.active", "disasters.recent"]
# the resources' layers (their features: qianshao/resources/tests)
RESOURCES = ["resources.teams", "resources.points", "resources.shelters", "resources.routes"]
# the risks' layers (their features: qianshao/risks/tests/test_fourcolour.py)
RISKS = ["risks.points", "risks.cells"]
# 一村 (甲镇), 二村 (甲镇), 三村 (乙镇), 四村 (B县)
VILLAGES = ["450901100201", "450901100202", "450901101201", "450902100201"]


def hazard(cell, title="厂房消防通道堵塞", point=True):
    return hazard_actions.report(
        None,
        title=title,
        description="通道堆放杂物",
        category=Domain.objects.get(code="industry_trade"),
        cell=cell,
        lon=cell.centre_lon if point else None,
        lat=cell.centre_lat if point else None,
    )


def disaster(cell, days_ago=0):
    return disaster_actions.report(
        None,
        type=DisasterType.FLOOD,
        started_at=timezone.now() - timedelta(days=days_ago, hours=1),
        cell=cell,
        figures={"affected": 10},
    )


def warning(cast, targets, level=Level.YELLOW):
    """A warning issued by the system in the name of the targets' county."""
    county = cast.other_county if targets[0].code.startswith("450902") else cast.county
    draft = warning_actions.draft(
        None,
        type=WarningType.objects.get(code="rainstorm"),
        level=level,
        headline=f"暴雨预警 {'、'.join(t.name for t in targets)}",
        text="预计未来6小时内降雨量将达50毫米以上。",
        targets=targets,
        valid_until=timezone.now() + timedelta(hours=12),
        cell=county,
    )
    return warning_actions.issue(None, draft)


@pytest.fixture
def world(cast):
    """In each village: an open hazard with a point and one without; a disaster of today
    and one of 40 days ago. Warnings in force: to 甲镇, to 乙镇, to A县 whole, to B县."""
    made = {"hazards": {}, "disasters": {}, "warnings": {}}
    for code in VILLAGES:
        cell = cast.cell(code)
        if code != cast.village.code:  # someone to receive the warnings
            appoint(cell, Role.MEMBER, name=f"{cell.name}网格员")
        made["hazards"][code] = hazard(cell).number
        hazard(cell, title="无坐标隐患", point=False)
        made["disasters"][code] = disaster(cell).number
        disaster(cell, days_ago=40)
    for code in ["450901100", "450901101", "450901", "450902"]:
        made["warnings"][code] = warning(cast, [cast.cell(code)]).number
    return made


def layer(client, name, cell=None):
    response = client.get(f"/map/layers/{name}.geojson", {"cell": cell} if cell else {})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def cells_of(body) -> list[str]:
    return sorted(f["properties"]["cell"] for f in body["features"])


def numbers_of(body) -> set[str]:
    return {f["properties"]["number"] for f in body["features"]}


def test_the_layer_list_names_each_registered_layer_with_its_label_and_url(cast, client_for):
    body = client_for(cast.users["county"]).get("/map/layers/").json()
    assert [item["name"] for item in body] == [*LAYERS, *RESOURCES, *RISKS]
    assert [item["label"] for item in body] == [
        "未销号隐患",
        "生效预警",
        "近30日灾情",
        "应急救援队伍",
        "应急物资储备点",
        "应急避难场所",
        "转移路线",
        "风险点",
        "风险四色图",
    ]
    assert body[0]["url"] == "/map/layers/hazards.open.geojson"


def test_each_layer_is_a_feature_collection_of_the_county_for_its_official(cast, client_for, world):
    client = client_for(cast.users["county"])
    for name in LAYERS:
        for cell in [None, "450901"]:  # the default is the user's own cell
            body = layer(client, name, cell)
            assert body["type"] == "FeatureCollection"
            assert body["properties"]["layer"] == name
            assert body["properties"]["cell"] == "450901"
            assert body["properties"]["truncated"] is False
            assert body["features"], name
            for item in body["features"]:
                assert item["type"] == "Feature"
                assert item["geometry"]["type"] in {"Point", "Polygon", "MultiPolygon"}
                assert item["geometry"]["coordinates"]
                assert item["properties"]["url"].startswith("/")
    hazards = layer(client, "hazards.open")
    assert numbers_of(hazards) == {world["hazards"][code] for code in VILLAGES[:3]}
    assert {f["geometry"]["type"] for f in hazards["features"]} == {"Point"}
    one = next(f for f in hazards["features"] if f["properties"]["cell"] == VILLAGES[0])
    assert one["properties"] | {"number": "", "url": ""} == {
        "number": "",
        "title": "厂房消防通道堵塞",
        "grade": "general",
        "grade_label": "一般隐患",
        "status": "submitted",
        "status_label": "已上报",
        "overdue": False,
        "cell": VILLAGES[0],
        "url": "",
    }
    assert one["geometry"]["coordinates"] == pytest.approx([106.1, 24.1])
    disasters = layer(client, "disasters.recent")
    assert numbers_of(disasters) == {world["disasters"][code] for code in VILLAGES[:3]}
    assert cells_of(disasters) == VILLAGES[:3]
    warnings = layer(client, "warnings.active")
    expected = {world["warnings"][code] for code in ["450901100", "450901101", "450901"]}
    assert numbers_of(warnings) == expected
    assert cells_of(warnings) == ["450901", "450901100", "450901101"]
    assert {f["geometry"]["type"] for f in warnings["features"]} == {"Polygon"}


def test_a_township_user_sees_only_what_lies_in_their_township(cast, client_for, world):
    client = client_for(cast.users["township"])
    hazards = layer(client, "hazards.open")
    assert hazards["properties"]["cell"] == "450901100"
    assert numbers_of(hazards) == {world["hazards"][code] for code in VILLAGES[:2]}
    assert cells_of(layer(client, "disasters.recent")) == VILLAGES[:2]
    # 甲镇's own warning, and A县's drawn on 甲镇 (the part of it the township holds)
    warnings = layer(client, "warnings.active")
    assert numbers_of(warnings) == {world["warnings"][c] for c in ["450901100", "450901"]}
    assert cells_of(warnings) == ["450901100", "450901100"]
    # a village of theirs: only its own
    assert cells_of(layer(client, "hazards.open", VILLAGES[1])) == [VILLAGES[1]]
    assert cells_of(layer(client, "warnings.active", VILLAGES[1])) == [VILLAGES[1]] * 2


def test_a_village_member_sees_only_their_village(cast, client_for, world):
    client = client_for(cast.users["village"])
    for name in LAYERS:
        body = layer(client, name)
        assert body["properties"]["cell"] == VILLAGES[0]
        assert set(cells_of(body)) == {VILLAGES[0]}, name
    for code in ["450901", "450901100", VILLAGES[1], VILLAGES[3]]:
        for name in LAYERS:
            response = client.get(f"/map/layers/{name}.geojson", {"cell": code})
            assert response.status_code == 404, (name, code)


def test_the_answered_share_of_a_warning_counts_the_answers_in_the_part_drawn(
    cast, client_for, world
):
    from qianshao.warnings.models import Delivery

    number = world["warnings"]["450901"]
    deliveries = Delivery.objects.filter(warning__number=number)
    in_village = deliveries.filter(cell_path__startswith=cast.village.path)
    assert in_village.exists()
    in_village.update(answered_at=timezone.now(), answer="received")
    client = client_for(cast.users["county"])
    found = {
        f["properties"]["cell"]: f["properties"]
        for f in layer(client, "warnings.active", VILLAGES[0])["features"]
        if f["properties"]["number"] == number
    }
    assert found[VILLAGES[0]]["rate"] == 100
    assert found[VILLAGES[0]]["sent"] == in_village.count()
    whole = next(
        f["properties"]
        for f in layer(client, "warnings.active")["features"]
        if f["properties"]["number"] == number
    )
    assert whole["sent"] == deliveries.count()
    assert whole["answered"] == in_village.count() < deliveries.count()
    assert whole["url"] == f"/warnings/{number}/board/?cell=450901"


def test_an_unknown_layer_and_a_cell_outside_the_scope_are_not_found(cast, client_for, world):
    client = client_for(cast.users["township"])
    assert client.get("/map/layers/nothing.geojson").status_code == 404
    assert client.get("/map/layers/hazards.geojson").status_code == 404
    assert client.get("/map/layers/hazards.open.json").status_code == 404
    for code in ["450901", "450901101", "450901101201", "450902", "NOCELL"]:
        response = client.get("/map/layers/hazards.open.geojson", {"cell": code})
        assert response.status_code == 404, code
    outsider = client_for(cast.users["outsider"])
    for name in LAYERS:
        response = outsider.get(f"/map/layers/{name}.geojson", {"cell": "450901"})
        assert response.status_code == 404
        assert cells_of(layer(outsider, name)) in ([VILLAGES[3]], ["450902"])


def test_a_malformed_cell_code_is_a_400_naming_the_field(cast, client_for, world):
    client = client_for(cast.users["county"])
    for code in ["45-09", "450901 100", "X" * 21, "<script>"]:
        response = client.get("/map/layers/hazards.open.geojson", {"cell": code})
        assert response.status_code == 400, code
        assert response.json() == {
            "detail": "编码只能包含数字、大写字母和下划线，最长 20 位",
            "field": "cell",
        }
    # written in lower case or with spaces around, a code is read as the tree spells it
    body = layer(client, "hazards.open", " 450901100201 ".lower())
    assert body["properties"]["cell"] == "450901100201"


def test_the_layers_want_a_login_and_a_get(cast, client, client_for):
    for url in ["/map/layers/", "/map/layers/hazards.open.geojson?cell=450901"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    logged_in = client_for(cast.users["county"])
    assert logged_in.post("/map/layers/").status_code == 405
    assert logged_in.post("/map/layers/hazards.open.geojson").status_code == 405


def test_a_user_without_a_post_is_given_no_layer(cast, client_for, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="nobody-password-1")
    client = client_for(nobody)
    assert client.get("/map/layers/").status_code == 200
    assert client.get("/map/layers/hazards.open.geojson").status_code == 404
    assert client.get("/map/layers/hazards.open.geojson?cell=450901").status_code == 404


def test_a_layer_cut_at_its_limit_says_so(cast, world):
    county = cast.users["county"]
    cut = panels.MapLayer("test.cut", "cut", lambda user, cell: open_hazards(user, cell, 2))
    body = cut.collection(county, cast.county, {"cell": "450901"})
    assert len(body["features"]) == 2
    assert body["properties"] == {
        "layer": "test.cut",
        "label": "cut",
        "truncated": True,
        "limit": 2,
        "cell": "450901",
    }
    whole = panels.MapLayer("test.whole", "whole", lambda user, cell: open_hazards(user, cell, 3))
    assert whole.collection(county, cast.county)["properties"]["truncated"] is False
    # the newest first
    newest = [f["properties"]["number"] for f in body["features"]]
    assert newest == [world["hazards"][VILLAGES[2]], world["hazards"][VILLAGES[1]]]


def test_the_registry_gives_the_layers_a_user_is_shown_and_finds_them_by_name(cast):
    county, village = cast.users["county"], cast.users["village"]
    staff_only = panels.MapLayer("test.staff", "staff", lambda u, c: [], shown=lambda u: u.is_staff)
    panels.register(panels.Panel("test", layers=(staff_only,)))
    try:
        assert [layer.name for layer in panels.layers_for(county)] == [*LAYERS, *RESOURCES, *RISKS]
        county.is_staff = True
        assert [layer.name for layer in panels.layers_for(county)] == [
            *LAYERS,
            *RESOURCES,
            *RISKS,
            "test.staff",
        ]
        assert panels.layer("test.staff") is staff_only
        assert panels.layer("hazards.open").label == "未销号隐患"
        assert panels.layer("nothing") is None
        assert panels.layer("test.staff").shown(village) is False
    finally:
        panels._registry.pop("test")


@pytest.mark.parametrize("build", [open_hazards, in_force, recent_disasters])
def test_a_layer_reads_as_many_queries_for_many_records_as_for_one(cast, build):
    def county():  # a fresh user object: its posts are read again, as in each request
        return get_user_model().objects.get(username="county")

    make = {
        open_hazards: lambda cell: hazard(cell),
        recent_disasters: lambda cell: disaster(cell),
        in_force: lambda cell: warning(cast, [cell]),
    }[build]
    for code in VILLAGES[1:3]:  # someone to receive the warnings
        appoint(cast.cell(code), Role.MEMBER, name="网格员")
    make(cast.cell(VILLAGES[0]))
    user = county()
    with CaptureQueriesContext(connection) as one:
        assert len(build(user, cast.county)) == 1
    for code in VILLAGES[1:3]:
        make(cast.cell(code))
    user = county()
    with CaptureQueriesContext(connection) as three:
        assert len(build(user, cast.county)) == 3
    assert len(three) == len(one)


@pytest.mark.parametrize("who", ["township", "admin"])
def test_the_open_hazards_are_read_through_the_cell_path_index(cast, world, who):
    """The layer walks the (cell path, status) index's range, never the whole table nor
    the whole of another index."""
    with CaptureQueriesContext(connection) as read:
        assert len(open_hazards(cast.users[who], cast.township)) == 2
    [sql] = [q["sql"] for q in read.captured_queries if '"hazards_hazard"' in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " / ".join(row[-1] for row in cursor.fetchall())
            walk = (
                r"SEARCH hazards_hazard USING INDEX \w*cell_pa\w* \(cell_path>\? AND cell_path<\?\)"
            )
            assert re.match(walk, plan), plan
        else:  # a table this small is read whole unless told not to: what index may serve?
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " / ".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan and "cell_path" in plan, plan
            assert re.search(r"Index Cond: .*cell_path", plan), plan
