"""The people and assignment lists, a person, and calling the API with a bearer token."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.grid import actions
from qianshao.testing import PASSWORD, appoint

pytestmark = pytest.mark.django_db


def token_client(username: str) -> Client:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD, "name": "测试手机"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return Client(headers={"authorization": f"Bearer {response.json()['token']}"})


def test_a_bearer_token_from_the_token_endpoint_opens_the_api(cast):
    client = token_client("township")
    items = client.get("/api/v1/cells").json()["items"]
    assert [c["code"] for c in items] == ["450901100"]


def test_the_phone_number_serves_as_the_username_for_a_token(cast):
    client = token_client(cast.people["village"].phone)
    assert [c["code"] for c in client.get("/api/v1/cells").json()["items"]] == ["450901100201"]


def test_people_are_listed_by_name_and_narrowed_by_cell_and_by_name_or_phone(cast, client_for):
    client = client_for(cast.users["township"])
    names = [p["name"] for p in client.get("/api/v1/people").json()["items"]]
    assert names == ["township人", "village人"]
    in_cell = client.get("/api/v1/people", {"cell": "450901100201"}).json()
    assert [p["name"] for p in in_cell["items"]] == ["village人"]
    assert in_cell["count"] == 1
    by_phone = client.get("/api/v1/people", {"q": cast.people["village"].phone}).json()
    assert [p["name"] for p in by_phone["items"]] == ["village人"]
    by_name = client.get("/api/v1/people", {"q": "township"}).json()
    assert [p["has_login"] for p in by_name["items"]] == [True]


def test_a_person_with_two_roles_in_one_cell_is_listed_once(cast, client_for):
    person = cast.people["village"]
    actions.assign_role(None, person=person, cell=cast.village, role="informant", notify=False)
    client = client_for(cast.users["township"])
    body = client.get("/api/v1/people", {"cell": "450901100201"}).json()
    assert [p["id"] for p in body["items"]] == [person.pk]
    assert body["count"] == 1


def test_a_person_shows_only_the_roles_inside_the_viewers_scope(cast, client_for):
    person = appoint(cast.village, "member", name="两地人")
    actions.assign_role(None, person=person, cell=cast.cell("450901101201"), role="informant")
    township = client_for(cast.users["township"]).get(f"/api/v1/people/{person.pk}").json()
    assert [a["cell"] for a in township["assignments"]] == ["450901100201"]
    assert township["has_login"] is False
    county = client_for(cast.users["county"]).get(f"/api/v1/people/{person.pk}").json()
    assert sorted(a["cell"] for a in county["assignments"]) == ["450901100201", "450901101201"]


def test_assignments_are_the_active_ones_unless_asked_for_all(cast, client_for):
    role = cast.people["village"].assignments.get()
    actions.end_term(None, role, end=timezone.localdate() - timedelta(days=1))
    client = client_for(cast.users["township"])
    active = client.get("/api/v1/assignments").json()["items"]
    assert [a["cell"] for a in active] == ["450901100"]
    every = client.get("/api/v1/assignments", {"active": "false"}).json()["items"]
    assert sorted(a["id"] for a in every) == sorted([role.pk, active[0]["id"]])
    ended = next(a for a in every if a["id"] == role.pk)
    assert ended["active"] is False


def test_assignments_are_narrowed_by_cell_and_role(cast, client_for):
    client = client_for(cast.users["county"])
    members = client.get("/api/v1/assignments", {"role": "member"}).json()["items"]
    assert sorted(a["person_name"] for a in members) == ["department人", "village人"]
    department = next(a for a in members if a["person_name"] == "department人")
    assert department["department"] == cast.department.code
    in_village = client.get("/api/v1/assignments", {"cell": "450901100201"}).json()["items"]
    assert [a["role_label"] for a in in_village] == ["网格员"]
    response = client.get("/api/v1/assignments", {"role": "boss"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "role"]


def test_a_missing_person_is_a_404(cast, client_for):
    assert client_for(cast.users["county"]).get("/api/v1/people/999999").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cells?parent=450901100",
        "/api/v1/cells?q=村",
        "/api/v1/people",
        "/api/v1/people?cell=450901100201",
        "/api/v1/assignments",
        "/api/v1/assignments?cell=450901100201&active=false",
    ],
)
def test_a_list_takes_the_same_queries_for_few_rows_and_many(
    cast, client_for, django_assert_max_num_queries, url
):
    from qianshao.grid.tests.test_pages_cell import add_villages

    client = client_for(cast.users["county"])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        before = client.get(url).json()["count"]
    add_villages(cast, 6)
    for i in range(6):
        appoint(cast.village, "member", name=f"组长{i}", duties=["forest_ranger"])
    with django_assert_max_num_queries(len(few)):
        after = client.get(url).json()["count"]
    assert after > before
