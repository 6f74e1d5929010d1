import pytest

from qianshao.resources.layers_shelters import LAYERS
from qianshao.resources.tests.shelters_helpers import SQUARE, route, shelter

pytestmark = pytest.mark.django_db


def test_the_layers_draw_what_the_user_sees_in_the_cell(cast):
    s = shelter(cast, lon=106.1, lat=24.1)
    shelter(cast, cast.village, name="一村祠堂", outline=SQUARE)
    route(cast, s)
    shelters, routes = LAYERS
    drawn = shelters.collection(cast.users["county"], cast.county)
    assert drawn["properties"]["layer"] == "resources.shelters"
    kinds = sorted(f["geometry"]["type"] for f in drawn["features"])
    assert kinds == ["Point", "Polygon"]
    lines = routes.collection(cast.users["county"], cast.village)["features"]
    assert [f["properties"]["origin"] for f in lines] == ["上屯"]
    assert lines[0]["geometry"]["type"] == "LineString"
    assert shelters.collection(cast.users["outsider"], cast.other_county)["features"] == []
