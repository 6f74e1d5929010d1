# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""The supplies' readiness figures (from the tallies), their map layer and their ledgers in
.xlsx: what each says, and that they say nothing outside the user's scope."""

import io

import pytest
from openpyxl import load_workbook

from qianshao.resources import actions_supplies as actions
from qianshao.resources import readiness_supplies
from qianshao.resources.layers_supplies import LAYERS, points_layer
from qianshao.resources.tests.supplies_fixtures import days, items, points  # noqa: F401

pytestmark = pytest.mark.django_db


def test_readiness_figures_come_from_the_tallies(cast, points, items):
    county, township = points["county"], points["township"]
    actions.receive(None, county, item=items["rice"], quantity=5, expires=days(20))
    actions.receive(None, county, item=items["tent"], quantity=5)
    actions.receive(None, township, item=items["rice"], quantity=5, expires=days(60))
    actions.set_minimum(None, township, item=items["water"], quantity=1)
    actions.dispatch(None, county, township, lines=[(items["tent"], 1, None, None)])
    found = readiness_supplies.figures([cast.county.path, cast.township.path])
    a = found[cast.county.path]
    assert a["points"] == 3 and a["points_by_kind"] == {"county": 1, "township": 1, "village": 1}
    assert a["batches"] == 3 and a["batches_by_class"] == {"1": 3}
    assert (a["near90"], a["near30"], a["expired"]) == (1, 1, 0)
    assert a["short"] == 1 and a["short_by_class"] == {"1": 1}
    assert a["in_transit"] == 1
    t = found[cast.township.path]
    assert t["points"] == 2 and t["batches"] == 1 and t["in_transit"] == 0
    assert set(a) == set(readiness_supplies.KEYS)


def test_the_points_layer_shows_what_the_user_sees(cast, points, items):
    actions.set_minimum(None, points["township"], item=items["rice"], quantity=1)
    assert [layer.name for layer in LAYERS] == ["resources.points"]
    found = points_layer(cast.users["township"], cast.township)
    by_name = {f["properties"]["name"]: f for f in found}
    assert set(by_name) == {"甲镇储备点", "一村储备点"}  # at their cells' centres
    assert by_name["甲镇储备点"]["properties"]["short"] is True
    assert list(points_layer(cast.users["outsider"], cast.county)) == []


def test_the_ledger_and_the_card_download_as_xlsx(cast, points, items, client_for):
    p = points["county"]
    actions.receive(None, p, item=items["rice"], quantity=8, expires=days(200), lot="X9")
    actions.issue(None, p, item=items["rice"], quantity=3, purpose="救灾发放")
    client = client_for(cast.users["county"])
    answer = client.get(f"/resources/supplies/points/{p.pk}/ledger.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "X9" in values and 5 in values and "1999901" in values
    answer = client.get(f"/resources/supplies/points/{p.pk}/card.xlsx?item=1999901")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "救灾发放" in values and 8 in values and 3 in values
    assert client.get(f"/resources/supplies/points/{p.pk}/card.xlsx?item=0").status_code == 404
