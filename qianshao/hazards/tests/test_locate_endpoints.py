"""The report forms' 定位 asks where a point lies: the phone form gets the cell of the user's
scope that holds it (code, name, and its name from the township down), the public form that
name alone; a bad coordinate is a 400 naming it, a point outside a 404."""

import pytest
from django.core.cache import cache
from shapely.geometry import box, mapping

from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import CellKind
from qianshao.hazards import views_locate

INSIDE = {"lon": "106.1", "lat": "24.1"}  # 一村 of 甲镇
OTHER_TOWNSHIP = {"lon": "106.3", "lat": "24.2"}  # 三村 of 乙镇


def test_the_phone_form_learns_the_village_a_point_lies_in(cast, client_for):
    response = client_for(cast.users["village"]).get("/m/report/locate/", INSIDE)
    assert response.status_code == 200
    assert response.json() == {"cell": "450901100201", "name": "一村", "label": "甲镇 一村"}


def test_a_township_point_is_named_from_the_township_down(cast, client_for):
    response = client_for(cast.users["county"]).get("/m/report/locate/", OTHER_TOWNSHIP)
    assert response.json()["label"] == "乙镇 三村"


def test_a_point_outside_the_users_scope_is_not_found(cast, client_for):
    response = client_for(cast.users["township"]).get("/m/report/locate/", OTHER_TOWNSHIP)
    assert response.status_code == 404
    assert response.json()["field"] == "lon"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "lon"),
        ({"lon": "106.1"}, "lat"),
        ({"lon": "东经", "lat": "24.1"}, "lon"),
        ({"lon": "106.1", "lat": "91"}, "lat"),
        ({"lon": "nan", "lat": "24.1"}, "lon"),
        ({"lon": "inf", "lat": "24.1"}, "lon"),
    ],
)
def test_a_bad_coordinate_is_refused_naming_it(cast, client_for, query, field):
    for client, url in [
        (client_for(cast.users["village"]), "/m/report/locate/"),
        (client_for(cast.users["village"]), "/report/locate/"),
    ]:
        response = client.get(url, query)
        assert response.status_code == 400, url
        assert response.json()["field"] == field, url


def test_the_public_form_learns_only_the_name_of_the_place(cast, client):
    response = client.get("/report/locate/", INSIDE)
    assert response.status_code == 200
    assert response.json() == {"label": "甲镇 一村"}


def test_the_public_is_told_the_village_not_the_group_or_enterprise_inside_it(
    cast, client, client_for
):
    inner = box(106.05, 24.05, 106.15, 24.15)  # holds INSIDE, within 一村
    grid_actions.create_cells(
        None,
        [
            CellRow(
                "450901100201001",
                "一组",
                CellKind.GROUP,
                "450901100201",
                {"boundary": mapping(inner)},
            )
        ],
        source="test",
    )
    assert client.get("/report/locate/", INSIDE).json() == {"label": "甲镇 一村"}
    member = client_for(cast.users["village"]).get("/m/report/locate/", INSIDE).json()
    assert member["label"] == "甲镇 一村 一组"  # the grid member learns the group they stand in


def test_the_public_is_told_when_to_ask_again_after_too_many(cast, client, monkeypatch):
    cache.clear()
    monkeypatch.setattr(views_locate, "PUBLIC_PER_HOUR", 1)
    client.get("/report/locate/", INSIDE)
    refused = client.get("/report/locate/", INSIDE)
    assert (refused.status_code, refused["Retry-After"]) == (429, "3600")


def test_the_public_gets_a_404_for_a_point_in_no_township(cast, client):
    response = client.get("/report/locate/", {"lon": "110", "lat": "30"})
    assert response.status_code == 404
    assert response.json()["field"] == "lon"


def test_the_public_locates_a_limited_number_of_times_an_hour(cast, client, monkeypatch):
    cache.clear()
    monkeypatch.setattr(views_locate, "PUBLIC_PER_HOUR", 3)
    statuses = [client.get("/report/locate/", INSIDE).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
