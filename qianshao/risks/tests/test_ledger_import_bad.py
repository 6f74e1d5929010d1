"""The census import answers every malformed file with a 400 naming the row and column, and
writes nothing: geometries that are not objects, JSON nested past reason, factors and
coordinates too large for a number, digits that are not ASCII, characters no column keeps,
and a name that is a registered one with tags around it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qianshao.risks.models import RiskPoint
from qianshao.risks.tests.helpers import risk_point
from qianshao.risks.tests.test_ledger_import import row, xlsx

pytestmark = pytest.mark.django_db
URL = "/api/v1/risks/points/import?cell=450901100"
PLACE = {"type": "Point", "coordinates": [106.1, 24.1]}
PROPS = {
    "所在网格编码": "450901100201",
    "风险点名称": "油库",
    "风险类型": "危险化学品",
    "L": "6",
    "E": "3",
    "C": "15",
}


def collection(props, geometry=PLACE) -> bytes:
    feature = {"type": "Feature", "properties": props, "geometry": geometry}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def post(client_for, cast, data: bytes, name: str):
    client = client_for(cast.users["township"])
    client.raise_request_exception = False
    return client.post(URL, {"file": SimpleUploadedFile(name, data)})


def refused(client_for, cast, data: bytes, name: str = "census.geojson") -> set[str]:
    before = RiskPoint.objects.count()
    response = post(client_for, cast, data, name)
    assert response.status_code == 400, response.content[:300]
    assert RiskPoint.objects.count() == before
    return {e["column"] for e in response.json()["errors"]}


@pytest.mark.parametrize("geometry", [[1, 2], "abc", 7])
def test_a_geometry_that_is_not_an_object_is_named(client_for, cast, geometry):
    assert "geometry" in refused(client_for, cast, collection(PROPS, geometry))


def test_json_nested_past_reason_is_not_geojson(client_for, cast):
    deep = b"[" * 100_000 + b"]" * 100_000
    data = b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":'
    assert refused(client_for, cast, data + deep + b"}}]}") == {""}


def test_a_factor_too_large_for_a_number_is_named(client_for, cast):
    assert "L" in refused(client_for, cast, collection(PROPS | {"L": "1e9999999"}))


def test_a_digit_that_is_not_ascii_is_named(client_for, cast):
    props = PROPS | {"风险类型": "landslide", "可能性": "²", "严重性": "3"}
    assert "可能性" in refused(client_for, cast, collection(props))


def test_coordinates_too_large_for_a_float_are_named(client_for, cast):
    huge = {"type": "Point", "coordinates": [10**400, 24.1]}
    assert "geometry" in refused(client_for, cast, collection(PROPS, huge))
    nested = {"type": "Point", "coordinates": [[[[[[106.1, 24.1]]]]]]}
    assert "geometry" in refused(client_for, cast, collection(PROPS, nested))


@pytest.mark.parametrize("column", ["所在网格编码", "风险点名称"])
@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_characters_no_column_keeps_are_named(client_for, cast, column, bad):
    data = collection(PROPS | {column: f"45{bad}01"})
    assert refused(client_for, cast, data) == {column}


def test_a_registered_name_with_tags_around_it_is_a_duplicate(client_for, cast):
    risk_point(cast, name="加油站")
    assert "风险点名称" in refused(
        client_for, cast, xlsx(row(风险点名称="<b>加油站</b>")), "census.xlsx"
    )
