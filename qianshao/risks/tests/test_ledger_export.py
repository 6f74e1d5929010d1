"""风险隐患台账: the points in force of a township with their patrols this year, and the
hazards of the township (found this year or open) with the point each came from; a county
is refused naming ``cell``; everything through scope."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from qianshao.grid.models import Domain
from qianshao.hazards import actions as hazard_actions
from qianshao.hazards.models import Hazard
from qianshao.risks import actions_points
from qianshao.risks.models import Patrol, RiskKind
from qianshao.risks.tests.helpers import risk_point
from qianshao.testing import query_plan, sqlite_statistics_at

pytestmark = pytest.mark.django_db

URL = "/risks/ledger.xlsx"


def sheets(response):
    assert response.status_code == 200, response.content[:300]
    book = load_workbook(io.BytesIO(response.content))
    return {
        name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames
    }


def body(rows, first: str = "序号"):
    """The table's rows under its header, up to the notes."""
    start = next(i for i, r in enumerate(rows) if r[0] == first) + 1
    found = []
    for r in rows[start:]:
        if not isinstance(r[0], int):
            break
        found.append(r)
    return found


@pytest.fixture
def township_ledger(cast):
    township = cast.users["township"]
    gas = risk_point(cast, name="加油站", responsible_unit="某石油公司")
    actions_points.set_measures(gas, [{"list": "control", "what": "每日检查储罐"}])
    risk_point(cast, name="后山", kind="landslide", inputs={"likelihood": 5, "severity": 5})
    gone = risk_point(cast, name="已销号")
    actions_points.retire(township, gone, note="已拆除")
    actions_points.create_point(
        cast.users["county"],
        cell=cast.cell("450901101201"),
        kind=RiskKind.objects.get(code="hazchem"),
        geometry={"type": "Point", "coordinates": [106.3, 24.1]},
        inputs={"L": 6, "E": 3, "C": 15},
        name="乙镇的",
    )
    category = Domain.objects.filter(code="hazardous_chemicals").first()
    found = hazard_actions.report(
        cast.users["village"],
        title="储罐阀门渗漏",
        description="现场发现",
        category=category,
        cell=cast.village,
    )
    hazard_actions.report(
        cast.users["county"],
        title="乙镇隐患",
        description="x",
        category=category,
        cell=cast.cell("450901101201"),
    )
    # due times early this year, whatever today is (the ledger counts the year's patrols)
    now = timezone.localtime().replace(month=1, day=1, hour=12, minute=0) + timedelta(days=3)
    Patrol.objects.create(
        point=gas,
        cell_path=gas.cell_path,
        due_at=now - timedelta(days=2),
        at=now - timedelta(days=2),
        outcome="on_time",
        result="hazard",
        hazard=found,
    )
    Patrol.objects.create(
        point=gas,
        cell_path=gas.cell_path,
        due_at=now - timedelta(days=1),
        at=now - timedelta(days=1),
        outcome="late",
        result="ok",
    )
    Patrol.objects.create(
        point=gas, cell_path=gas.cell_path, due_at=now - timedelta(hours=3), outcome="missed"
    )
    last_year = now - timedelta(days=10)
    Patrol.objects.create(
        point=gas, cell_path=gas.cell_path, due_at=last_year, at=last_year, outcome="on_time"
    )
    return gas


def test_the_ledger_holds_the_townships_points_and_hazards(cast, client_for, township_ledger):
    client = client_for(cast.users["township"])
    found = sheets(client.get(URL, {"cell": "450901100"}))
    assert list(found) == ["风险台账", "隐患台账"]
    assert found["风险台账"][0][0] == "甲镇风险台账"
    points = body(found["风险台账"])
    assert [r[2] for r in points] == ["加油站", "后山"]  # in force, in the township only
    gas = points[0]
    assert gas[1] == "一村" and gas[3] == "危险化学品" and gas[4] == "较大风险（橙）"
    assert gas[5] == 270 and gas[7] == "D = L × E × C = 6 × 3 × 15 = 270"
    assert gas[9] == "某石油公司" and gas[12] == "每日检查储罐"
    assert (gas[15], gas[16]) == (2, 1)  # done this year (not missed, not last year's)
    assert points[1][4] == "重大风险（红）" and (points[1][15], points[1][16]) == (0, 0)
    hazards = body(found["隐患台账"])
    assert [(r[3], r[8]) for r in hazards] == [("储罐阀门渗漏", "加油站")]
    assert hazards[0][1] == Hazard.objects.get(title="储罐阀门渗漏").number
    assert hazards[0][4] == "一般隐患" and hazards[0][6]


def test_the_hazards_are_this_years_and_the_open_ones(cast, client_for, township_ledger):
    last_year = timezone.now() - timedelta(days=400)  # in an earlier year, whatever today is
    Hazard.objects.filter(title="储罐阀门渗漏").update(found_at=last_year, status="closed")
    old_open = hazard_actions.report(
        cast.users["village"],
        title="去年未整改",
        description="x",
        category=Domain.objects.first(),
        cell=cast.village,
    )
    Hazard.objects.filter(pk=old_open.pk).update(found_at=last_year, status="rectifying")
    client = client_for(cast.users["township"])
    hazards = body(sheets(client.get(URL, {"cell": "450901100"}))["隐患台账"])
    assert [(r[3], r[5]) for r in hazards] == [("去年未整改", "整改中")]


def test_a_county_asks_per_township_and_outsiders_get_nothing(cast, client_for, township_ledger):
    county = client_for(cast.users["county"])
    response = county.get(URL, {"cell": "450901"})
    assert response.status_code == 400 and "乡镇" in response.content.decode()
    assert county.get(URL).status_code == 400  # their own cell is the county
    assert len(body(sheets(county.get(URL, {"cell": "450901101"}))["风险台账"])) == 1
    village = sheets(client_for(cast.users["village"]).get(URL))
    assert [r[2] for r in body(village["风险台账"])] == ["加油站", "后山"]
    outsider = client_for(cast.users["outsider"])
    assert outsider.get(URL, {"cell": "450901100"}).status_code == 404
    assert body(sheets(outsider.get(URL, {"cell": "450902100"}))["风险台账"]) == []


# what ANALYZE writes of a million check-ins (after the row count: the columns' average rows
# per value) for the indexes the planner weighs against the one of the found hazard
MILLION_PATROLS = {
    "patrol_point": "100 1",
    "patrol_path_due": "1000 1",
    "patrol_patroller": "1000 1",
    "patrol_listed": "1 1 1",
    "one_patrol_per_due": "100 1",
}


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the statistics written here are SQLite's"
)
def test_the_ledger_finds_each_hazard_s_point_by_the_hazard(cast, client_for, township_ledger):
    """A million check-ins, nearly all without a hazard: the point each of the ledger's
    hazards came from is read by the index of the check-ins' hazard (docs/adr/0039), not by
    walking the township's check-ins."""
    sqlite_statistics_at("risks_patrol", MILLION_PATROLS)
    with CaptureQueriesContext(connection) as captured:
        found = sheets(client_for(cast.users["township"]).get(URL, {"cell": "450901100"}))
    assert [(r[3], r[8]) for r in body(found["隐患台账"])] == [("储罐阀门渗漏", "加油站")]
    (sql,) = [q["sql"] for q in captured.captured_queries if '"hazard_id" IN' in q["sql"]]
    plan = query_plan(sql)
    assert "USING INDEX patrol_hazard (hazard_id=?)" in plan, plan
