"""The 四色图: the counts per child from the tally agree with the records, the highest grade
and the weighted index, the kind and industry filters, the page, the endpoint, the layers
and the open hazards found at the points — all through scope."""

import json
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from qianshao.grid.models import Domain
from qianshao.hazards import actions as hazard_actions
from qianshao.risks import actions_points, fourcolour, tally
from qianshao.risks.models import RiskKind, RiskPoint, RiskStatus
from qianshao.risks.tests.helpers import VILLAGE_AREA

pytestmark = pytest.mark.django_db

RED = {"L": 10, "E": 6, "C": 15}  # 900
ORANGE = {"L": 6, "E": 3, "C": 15}  # 270
YELLOW = {"L": 3, "E": 3, "C": 15}  # 135
BLUE = {"L": 1, "E": 1, "C": 1}  # 1
MATRIX_RED = {"likelihood": 4, "severity": 5}
MATRIX_BLUE = {"likelihood": 1, "severity": 2}
# 一村 (甲镇), 二村 (甲镇), 三村 (乙镇)
AT = {
    "450901100201": (106.1, 24.1),
    "450901100202": (106.1, 24.3),
    "450901101201": (106.3, 24.1),
}


def place(cast, code, *, kind="hazchem", inputs=ORANGE, at=None, by="county", **fields):
    lon, lat = at or AT[code]
    fields.setdefault("name", f"{kind}@{code}")
    return actions_points.create_point(
        cast.users[by],
        cell=cast.cell(code),
        kind=RiskKind.objects.get(code=kind),
        geometry={"type": "Point", "coordinates": [lon, lat]},
        inputs=inputs,
        **fields,
    )


@pytest.fixture
def spread(cast):
    """甲镇: 一村 red + orange hazchem, blue landslide; 二村 yellow fireworks (industry 烟花).
    乙镇: 三村 orange hazchem (industry 化工), and a red one retired."""
    place(cast, "450901100201", inputs=RED, industry="化工")
    place(cast, "450901100201", inputs=ORANGE)
    place(cast, "450901100201", kind="landslide", inputs=MATRIX_BLUE)
    place(cast, "450901100202", kind="fireworks", inputs=YELLOW, industry="烟花")
    place(cast, "450901101201", inputs=ORANGE, industry="化工")
    gone = place(cast, "450901101201", inputs=RED)
    actions_points.retire(cast.users["county"], gone, note="已搬迁")
    return cast


def raw(child_path: str) -> dict[str, int]:
    """One GROUP BY on the records: points in force under ``child_path`` by grade."""
    rows = (
        RiskPoint.objects.filter(cell_path__startswith=child_path, status=RiskStatus.ACTIVE)
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {grade: n for grade, n in rows}


def test_the_counts_per_child_are_those_of_the_records(spread):
    cast = spread
    board = fourcolour.board(cast.users["county"], cast.county)
    assert board.source == "tally"
    assert [c.code for c, _f in board.children] == ["450901100", "450901101"]
    for child, figures in board.children:
        assert {g: n for g, n in figures.by_grade.items() if n} == raw(child.path)
    jia, yi = (f for _c, f in board.children)
    assert jia.by_kind == {"hazchem": 2, "landslide": 1, "fireworks": 1}
    assert jia.by_grade_kind[("red", "hazchem")] == 1
    assert yi.by_grade == {"red": 0, "orange": 1, "yellow": 0, "blue": 0}  # the retired left
    assert board.whole.total == 5 and tally.matches()


def test_a_childs_colour_is_its_highest_grade_and_the_index_weighs_the_grades(spread):
    board = fourcolour.board(spread.users["county"], spread.county)
    jia, yi = (f for _c, f in board.children)
    assert (jia.highest, yi.highest) == ("red", "orange")
    # (8·1 + 4·1 + 2·1 + 1·1) / 4
    assert str(jia.index) == "3.75" and str(yi.index) == "4.00"
    assert jia.colour == fourcolour.COLOURS["red"]
    empty = fourcolour.Figures()
    assert (empty.highest, empty.index, empty.colour) == (None, None, fourcolour.NONE_COLOUR)
    # one red and fifty blue rank below ten red
    assert fourcolour.risk_index({"red": 1, "blue": 50}) < fourcolour.risk_index({"red": 10})


def test_the_kind_filter_counts_that_kind_only(spread):
    board = fourcolour.board(spread.users["county"], spread.county, kind="hazchem")
    jia, yi = (f for _c, f in board.children)
    assert (jia.total, jia.highest, yi.total) == (2, "red", 1)
    assert board.whole.by_kind == {"hazchem": 3}


def test_the_industry_filter_counts_the_records_of_that_industry(spread):
    board = fourcolour.board(spread.users["county"], spread.county, industry="化工")
    assert board.source == "records" and not board.truncated
    jia, yi = (f for _c, f in board.children)
    assert (jia.by_grade["red"], jia.total, yi.by_grade["orange"], yi.total) == (1, 1, 1, 1)
    assert board.whole.total == 2
    county = spread.users["county"]
    both = fourcolour.board(county, spread.county, kind="landslide", industry="化工")
    assert both.whole.total == 0


def test_the_industry_filter_says_when_it_counted_only_the_first_records(spread, monkeypatch):
    monkeypatch.setattr(fourcolour, "ROW_LIMIT", 1)
    board = fourcolour.board(spread.users["county"], spread.county, industry="化工")
    assert board.truncated and board.whole.total == 1


def test_a_province_costs_the_same_reads_as_a_village(cast):
    def queries():
        with CaptureQueriesContext(connection) as seen:
            fourcolour.board(cast.users["county"], cast.county)
        return len(seen)

    place(cast, "450901100201")
    few = queries()
    for code in AT:
        for inputs in (RED, YELLOW, BLUE):
            place(cast, code, inputs=inputs)
    assert queries() == few == 2


def test_a_township_dispatcher_sees_only_its_own_children(spread):
    board = fourcolour.board(spread.users["township"], spread.township)
    assert [c.code for c, _f in board.children] == ["450901100201", "450901100202"]
    assert board.whole.total == 4


# --- the page ---------------------------------------------------------------------------


def test_the_page_draws_the_children_in_their_colours_with_the_table(spread, client_for):
    client = client_for(spread.users["county"])
    response = client.get("/risks/?cell=450901")
    assert response.status_code == 200
    html = response.content.decode()
    rows = dict(re.findall(r'<tr data-code="(\d+)" data-highest="(\w*)"', html))
    assert rows == {"450901100": "red", "450901101": "orange"}
    assert 'href="?cell=450901100&amp;kind=&amp;industry="' in html  # the drill-down
    data = json.loads(re.search(r'data-geojson="([^"]*)"', html).group(1).replace("&quot;", '"'))
    cells = [f["properties"] for f in data["features"] if f["properties"]["layer"] == "cell"]
    assert [(c["code"], c["colour"]) for c in cells] == [
        ("450901100", fourcolour.COLOURS["red"]),
        ("450901101", fourcolour.COLOURS["orange"]),
    ]
    points = [f for f in data["features"] if f["properties"]["layer"] == "point"]
    assert len(points) == 5
    assert "dist/risks.js" in html


def test_the_page_filters_by_kind_and_industry_and_refuses_an_unknown_kind(spread, client_for):
    client = client_for(spread.users["county"])
    html = client.get("/risks/?cell=450901&kind=fireworks").content.decode()
    assert dict(re.findall(r'<tr data-code="(\d+)" data-highest="(\w*)"', html)) == {
        "450901100": "yellow",
        "450901101": "",
    }
    html = client.get("/risks/?cell=450901&industry=化工").content.decode()
    assert 'data-testid="from-records"' in html
    assert dict(re.findall(r'<tr data-code="(\d+)" data-highest="(\w*)"', html)) == {
        "450901100": "red",
        "450901101": "orange",
    }
    refused = client.get("/risks/?cell=450901&kind=nothing")
    assert refused.status_code == 400 and 'name="kind"' in refused.content.decode()
    assert client.get("/risks/?cell=450901&industry=" + "长" * 33).status_code == 400


def test_without_a_cell_the_page_is_of_the_users_own(spread, client_for):
    html = client_for(spread.users["township"]).get("/risks/").content.decode()
    assert dict(re.findall(r'<tr data-code="(\d+)" data-highest="(\w*)"', html)) == {
        "450901100201": "red",
        "450901100202": "yellow",
    }


def test_the_open_hazards_at_the_points_are_overlaid(spread, client_for):
    category = Domain.objects.get(code="industry_trade")

    def hazard(title, lon, lat):
        return hazard_actions.report(
            None,
            title=title,
            description="x",
            category=category,
            cell=spread.village,
            lon=lon,
            lat=lat,
        )

    hazard("储罐阀门泄漏", 106.1003, 24.1)  # ≈ 30 m from 一村's points
    hazard("远处的隐患", 106.15, 24.15)  # several kilometres from any
    html = client_for(spread.users["county"]).get("/risks/?cell=450901").content.decode()
    data = json.loads(re.search(r'data-geojson="([^"]*)"', html).group(1).replace("&quot;", '"'))
    found = [f["properties"] for f in data["features"] if f["properties"]["layer"] == "hazard"]
    assert [h["title"] for h in found] == ["储罐阀门泄漏"] and found[0]["distance_m"] < 40
    assert 'data-testid="hazards-near"' in html


# --- the endpoint -----------------------------------------------------------------------


def test_the_endpoint_gives_the_counts_highest_grade_and_index(spread, client_for):
    client = client_for(spread.users["county"])
    body = client.get("/api/v1/risks/fourcolour?cell=450901").json()
    assert body["source"] == "tally" and body["truncated"] is False
    assert body["cell"]["total"] == 5
    jia = body["children"][0]
    assert (jia["code"], jia["highest"], jia["index"], jia["total"]) == (
        "450901100",
        "red",
        "3.75",
        4,
    )
    assert jia["by_grade"] == {"red": 1, "orange": 1, "yellow": 1, "blue": 1}
    assert jia["by_kind"] == {"fireworks": 1, "hazchem": 2, "landslide": 1}
    only = client.get("/api/v1/risks/fourcolour?cell=450901&kind=landslide").json()
    assert [c["total"] for c in only["children"]] == [1, 0]
    assert only["children"][1]["index"] is None
    by_trade = client.get("/api/v1/risks/fourcolour?cell=450901&industry=烟花").json()
    assert by_trade["source"] == "records" and by_trade["cell"]["by_grade"]["yellow"] == 1


def test_the_endpoint_names_a_bad_kind_industry_or_cell(spread, client_for):
    client = client_for(spread.users["county"])
    bad = client.get("/api/v1/risks/fourcolour?cell=450901&kind=nothing")
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    bad = client.get("/api/v1/risks/fourcolour?cell=450901&industry=" + "长" * 33)
    assert bad.status_code == 400 and bad.json()["field"] == "industry"
    outside = client_for(spread.users["outsider"]).get("/api/v1/risks/fourcolour?cell=450901")
    assert outside.status_code == 404 and outside.json()["field"] == "cell"


# --- the layers -------------------------------------------------------------------------


def test_the_points_layer_draws_points_in_their_grade_colour_and_areas(cast, client_for):
    place(cast, "450901100201", inputs=RED)
    area = actions_points.create_point(
        cast.users["county"],
        cell=cast.village,
        kind=RiskKind.objects.get(code="landslide"),
        geometry=VILLAGE_AREA,
        inputs=MATRIX_RED,
        name="后山滑坡",
    )
    other = place(cast, "450902100201", at=(107.1, 24.1), by="outsider")  # B县
    body = client_for(cast.users["county"]).get("/map/layers/risks.points.geojson?cell=450901")
    assert body.status_code == 200
    features = body.json()["features"]
    assert len(features) == 2 and other.pk not in [f["properties"]["id"] for f in features]
    shapes = {f["properties"]["id"]: f["geometry"]["type"] for f in features}
    assert shapes[area.pk] == "Polygon"
    assert {f["properties"]["colour"] for f in features} == {fourcolour.COLOURS["red"]}
    assert features[0]["properties"]["url"] == f"/risks/points/{features[0]['properties']['id']}/"


def test_the_cells_layer_colours_each_child_by_its_highest_grade(spread, client_for):
    body = client_for(spread.users["county"]).get("/map/layers/risks.cells.geojson?cell=450901")
    found = [(f["properties"]["code"], f["properties"]["highest"]) for f in body.json()["features"]]
    assert found == [("450901100", "red"), ("450901101", "orange")]


def test_an_outsiders_cell_is_404_on_both_layers(spread, client_for):
    client = client_for(spread.users["outsider"])
    for name in ["risks.points", "risks.cells"]:
        for code in ["450901", "450901100201"]:
            assert client.get(f"/map/layers/{name}.geojson?cell={code}").status_code == 404
        own = client.get(f"/map/layers/{name}.geojson?cell=450902").json()
        assert own["features"] == [] or all(
            f["properties"].get("points", 0) == 0 for f in own["features"]
        )


def test_the_layers_stop_at_their_limit_and_say_so(spread):
    from qianshao.risks import layers

    found = layers.point_features(spread.users["county"], spread.county, limit=2)
    assert len(found) == 2 and found.truncated
