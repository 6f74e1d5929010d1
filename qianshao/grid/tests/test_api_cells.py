"""The cell endpoints: lists and their pagination, a cell, its counts, and moving a cell."""

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind

pytestmark = pytest.mark.django_db


def move(client, code, parent):
    return client.post(
        f"/api/v1/cells/{code}/move", {"parent": parent}, content_type="application/json"
    )


def test_lists_are_pages_of_items_with_the_whole_count(cast, client_for):
    client = client_for(cast.users["county"])
    whole = client.get("/api/v1/cells", {"parent": "450901"}).json()
    assert set(whole) == {"items", "count", "count_capped", "next", "previous"}
    assert [c["code"] for c in whole["items"]] == ["450901100", "450901101"]
    assert (whole["count"], whole["count_capped"], whole["next"]) == (2, False, None)
    first = client.get("/api/v1/cells", {"parent": "450901", "limit": 1}).json()
    assert [c["code"] for c in first["items"]] == ["450901100"]
    second = client.get(first["next"]).json()
    assert [c["code"] for c in second["items"]] == ["450901101"]
    assert (second["count"], second["next"]) == (None, None)  # counted on the first page
    back = client.get(second["previous"]).json()
    assert [c["code"] for c in back["items"]] == ["450901100"]
    older = client.get("/api/v1/cells", {"parent": "450901", "limit": 1, "offset": 1}).json()
    assert [c["code"] for c in older["items"]] == ["450901101"]
    assert older["count"] == 2


@pytest.mark.parametrize(
    ("params", "status"), [({"limit": 0}, 400), ({"offset": -1}, 400), ({"limit": "many"}, 422)]
)
def test_a_bad_page_is_refused_naming_the_parameter(cast, client_for, params, status):
    response = client_for(cast.users["county"]).get("/api/v1/cells", params)
    assert response.status_code == status
    name = next(iter(params))
    answer = response.json()
    assert answer["field"] == name if status == 400 else answer["detail"][0]["loc"][-1] == name


def test_without_a_parent_the_list_is_the_users_top_cells(cast, client_for):
    for username, top in [("county", "450901"), ("township", "450901100"), ("admin", None)]:
        items = client_for(cast.users[username]).get("/api/v1/cells").json()["items"]
        expected = [top] if top else ["450901", "450902"]
        assert [c["code"] for c in items] == expected, username


def test_a_search_matches_names_and_code_prefixes(cast, client_for):
    client = client_for(cast.users["county"])
    by_name = client.get("/api/v1/cells", {"q": "二村"}).json()["items"]
    assert [c["code"] for c in by_name] == ["450901100202"]
    by_code = client.get("/api/v1/cells", {"q": "450901100"}).json()["items"]
    assert [c["code"] for c in by_code] == ["450901100", "450901100201", "450901100202"]


def test_a_cell_shows_its_fields_and_only_the_ancestors_in_scope(cast, client_for):
    cell = client_for(cast.users["township"]).get("/api/v1/cells/450901100201").json()
    assert cell["name"] == "一村"
    assert cell["kind"] == "village"
    assert cell["parent"] == "450901100"
    assert cell["path"] == "450901.450901100.450901100201."
    assert cell["risks"] == ["山洪", "地质灾害"]
    assert cell["boundary"]["type"] == "Polygon"
    assert cell["ancestors"] == ["450901100"]
    cell = client_for(cast.users["county"]).get("/api/v1/cells/450901100201").json()
    assert cell["ancestors"] == ["450901", "450901100"]


def test_the_counts_cover_the_whole_subtree(cast, client_for):
    counts = client_for(cast.users["county"]).get("/api/v1/cells/450901/counts").json()
    assert counts["code"] == "450901"
    assert counts["cells"] == 5
    assert counts["by_kind"] == {"township": 2, "village": 3}
    assert counts["people"] == 4
    assert counts["by_role"]["dispatcher"] == 2
    assert counts["by_role"]["member"] == 2
    village = client_for(cast.users["village"]).get("/api/v1/cells/450901100201/counts").json()
    assert (village["cells"], village["people"]) == (0, 1)


def test_a_missing_cell_is_a_404(cast, client_for):
    client = client_for(cast.users["county"])
    assert client.get("/api/v1/cells/999999").status_code == 404
    assert client.get("/api/v1/cells", {"parent": "999999"}).status_code == 404


def test_the_county_moves_a_village_and_its_subtree_to_another_township(cast, client_for):
    actions.create_cells(
        None,
        [CellRow("450901100202001", "一组", CellKind.GROUP, None)],
        source="test",
        under=cast.cell("450901100202"),
    )
    client = client_for(cast.users["county"])
    response = move(client, "450901100202", "450901101")
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == "450901101"
    assert response.json()["path"] == "450901.450901101.450901100202."
    group = Cell.objects.get(code="450901100202001")
    assert group.path == "450901.450901101.450901100202.450901100202001."
    assert group.level == 4
    children = client.get("/api/v1/cells", {"parent": "450901101"}).json()["items"]
    assert [c["code"] for c in children] == ["450901100202", "450901101201"]
    record = AuditRecord.objects.filter(action="grid.move_cell").get()
    assert record.before["path"] == "450901.450901100.450901100202."
    assert record.after["path"] == "450901.450901101.450901100202."


def test_the_moved_village_leaves_the_old_townships_scope(cast, client_for):
    assert move(client_for(cast.users["county"]), "450901100202", "450901101").status_code == 200
    township = client_for(cast.users["township"])
    assert township.get("/api/v1/cells/450901100202").status_code == 404


@pytest.mark.parametrize(
    ("username", "code", "parent", "status", "field"),
    [
        ("county", "450901100201", "450901100", 400, "parent"),  # already there
        ("county", "450901100", "450901100201", 400, "parent"),  # under its own subtree
        ("county", "450901100201", "450901", 400, "parent"),  # a county holds no villages
        ("county", "450901", "450901101", 400, "cell"),  # the top cannot move
        ("township", "450901100", "450901100", 403, "cell"),  # its own level
        ("village", "450901100201", "450901100201", 403, "cell"),
        ("department", "450901100201", "450901101", 403, "cell"),
    ],
)
def test_a_wrong_move_is_refused_naming_the_field_and_nothing_moves(
    cast, client_for, username, code, parent, status, field
):
    before = list(Cell.objects.values_list("code", "path", "parent_id"))
    records = AuditRecord.objects.count()
    response = move(client_for(cast.users[username]), code, parent)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert list(Cell.objects.values_list("code", "path", "parent_id")) == before
    assert AuditRecord.objects.count() == records


def test_a_move_to_a_parent_that_does_not_exist_is_a_404(cast, client_for):
    response = move(client_for(cast.users["county"]), "450901100201", "999999")
    assert response.status_code == 404


def test_a_move_without_a_parent_is_a_422(cast, client_for):
    client = client_for(cast.users["county"])
    response = client.post("/api/v1/cells/450901100201/move", {}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "parent"
