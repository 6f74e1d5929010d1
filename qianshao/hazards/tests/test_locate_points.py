"""Placing a reported point: the deepest cell whose boundary holds it, searched from the
reporter's own cells; a point outside them is refused naming ``lon``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import box, mapping, shape

from qianshao import demo
from qianshao.grid.models import Cell, CellKind
from qianshao.hazards import actions, locate
from qianshao.hazards.tests.conftest import nothing_changes
from qianshao.lib.errors import ActionError


@pytest.mark.parametrize(
    "lon, lat, code",
    [
        (106.1, 24.1, "450901100201"),  # 一村
        (106.1, 24.3, "450901100202"),  # 二村
        (106.3, 24.2, "450901101201"),  # 三村, in the other township
        (107.2, 24.2, "450902100201"),  # 四村, in the other county
    ],
)
def test_a_point_lands_in_the_village_whose_box_holds_it(cast, lon, lat, code):
    roots = list(Cell.objects.filter(parent=None))
    assert locate.locate(lon, lat, roots).code == code


def test_a_point_is_searched_only_under_the_given_roots(cast):
    assert locate.locate(106.3, 24.2, [cast.township]) is None  # 三村 is not under 甲镇
    assert locate.locate(106.1, 24.1, [cast.township]) == cast.village
    assert locate.locate(110.0, 30.0, list(Cell.objects.filter(parent=None))) is None


def test_a_point_on_a_shared_border_lands_in_one_of_the_two_cells(cast):
    found = locate.locate(106.1, 24.2, [cast.county])
    assert found.code in {"450901100201", "450901100202"}


@pytest.mark.parametrize("lon, lat", [(110.0, 30.0), (107.2, 24.2), (105.99, 24.1)])
def test_a_report_by_a_point_outside_the_county_is_refused_naming_lon(cast, category, lon, lat):
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.report(
            cast.users["county"], title="t", description="d", category=category, lon=lon, lat=lat
        )
    assert caught.value.field == "lon"


@pytest.mark.django_db
def test_on_the_demo_county_a_point_inside_each_place_lands_in_that_place():
    """The demo's boundaries are Voronoi tiles, not boxes: a point inside each village,
    community and enterprise lands there, searched from the county."""
    demo.build_grid()
    county = Cell.objects.get(code=demo.COUNTY)
    places = Cell.objects.filter(
        kind__in=[CellKind.VILLAGE, CellKind.COMMUNITY, CellKind.ENTERPRISE]
    ).exclude(boundary=None)
    wrong = []
    for place in places:
        point = shape(place.boundary).representative_point()
        found = locate.locate(point.x, point.y, [county])
        if found != place:
            wrong.append((place.code, found and found.code))
    assert len(places) > 80 and wrong == []


def _selects_boundaries(captured) -> list[str]:
    """The statements that read a boundary (in what they select, not in a condition)."""
    return [
        q["sql"] for q in captured.captured_queries if "boundary" in q["sql"].split(" FROM ")[0]
    ]


def test_the_children_are_read_without_their_boundaries_once_their_shapes_are_kept(cast):
    locate.locate(106.1, 24.1, [cast.county])  # shapes made and kept
    with CaptureQueriesContext(connection) as warm:
        assert locate.locate(106.1, 24.3, [cast.county]).code == "450901100202"
    # one read of the children per level (the county's, the township's, the village's)
    assert len(warm) == 3 and _selects_boundaries(warm) == [], warm.captured_queries
    with CaptureQueriesContext(connection) as cold:
        locate._shapes.clear()
        assert locate.locate(106.1, 24.3, [cast.county]).code == "450901100202"
    assert len(_selects_boundaries(cold)) == 2  # the townships', then the villages'


def test_a_changed_boundary_is_read_again(cast):
    assert locate.locate(106.1, 24.1, [cast.county]) == cast.village
    village = Cell.objects.get(pk=cast.village.pk)
    village.boundary = mapping(box(106.0, 24.0, 106.05, 24.05))  # a corner of what it was
    village.save()  # a new updated_at
    assert locate.locate(106.1, 24.1, [cast.county]) == cast.township
    assert locate.locate(106.02, 24.02, [cast.county]) == cast.village


def test_the_kept_shapes_are_bounded_and_a_forgotten_one_is_made_again(cast, monkeypatch):
    monkeypatch.setattr(locate, "SHAPES_KEPT", 2)
    for lon, lat, code in [(106.1, 24.1, "450901100201"), (106.3, 24.2, "450901101201")]:
        assert locate.locate(lon, lat, [cast.county]).code == code
        assert len(locate._shapes) <= 2
    with CaptureQueriesContext(connection) as cold:
        assert locate.locate(106.1, 24.1, [cast.county]).code == "450901100201"
    assert _selects_boundaries(cold)  # forgotten: read again
    assert len(locate._shapes) <= 2
