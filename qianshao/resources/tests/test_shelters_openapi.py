"""The OpenAPI document tells the truth about the shelters' endpoints: real answers —
successes and refusals — checked against it (``test_openapi.Conformance``), every operation
answering a 2xx here; and what the answers say."""

import re
import uuid

import pytest
from django.test import Client

from qianshao.resources import tally
from qianshao.resources.models import Household, Route, Shelter
from qianshao.resources.tests.shelters_helpers import CROSSING, LINE, SQUARE
from qianshao.tests.test_openapi import Conformance, client_for

BASE = "/api/v1/resources"
PREFIXES = tuple(f"{BASE}/{p}" for p in ("shelters", "routes", "households", "coverage"))


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, ops in document["paths"].items()
        if path.startswith(PREFIXES)
        for method in ops
    }


def shelter_body(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100",
        "name": "甲镇中学操场",
        "category": "II",
        "area_m2": "1500.5",
        "lon": 106.1,
        "lat": 24.1,
        "outline": SQUARE,
        "water": True,
        "manager_name": "黄管",
        "manager_phone": "0776-1234567",
    } | extra


@pytest.mark.django_db
def test_real_answers_of_every_shelter_operation_match_the_document(cast, conformance):
    c = conformance
    county = client_for(cast.users["county"])
    village = client_for(cast.users["village"])
    outsider = client_for(cast.users["outsider"])
    for method, path in sorted(operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    body = shelter_body()
    made = c.call(county, "POST", f"{BASE}/shelters", body)
    assert made.status_code == 201, made.content
    assert made.json()["capacity"] == 3001
    sid = made.json()["id"]
    assert c.call(county, "POST", f"{BASE}/shelters", body).json()["id"] == sid  # replay: 200
    bad = c.call(county, "POST", f"{BASE}/shelters", shelter_body(outline={"type": "Polygon"}))
    assert bad.status_code == 400 and bad.json()["field"] == "outline"
    c.call(village, "POST", f"{BASE}/shelters", shelter_body(cell="450901100201"))  # 403
    c.call(outsider, "POST", f"{BASE}/shelters", shelter_body())  # 404
    c.call(county, "GET", f"{BASE}/shelters?cell=450901")
    c.call(county, "GET", f"{BASE}/shelters/{sid}")
    c.call(outsider, "GET", f"{BASE}/shelters/{sid}")  # 404
    edited = c.call(
        county,
        "PUT",
        f"{BASE}/shelters/{sid}",
        {"name": "甲镇中学", "category": "I", "area_m2": "100"},
    )
    assert edited.json()["capacity"] == 200
    c.call(county, "POST", f"{BASE}/shelters/{sid}/occupancy", {"occupancy": 5})  # 409
    c.call(county, "POST", f"{BASE}/shelters/{sid}/steps/deactivate", {})  # 409
    c.call(county, "POST", f"{BASE}/shelters/{sid}/steps/jump", {})  # 400
    c.call(village, "POST", f"{BASE}/shelters/{sid}/steps/activate", {})  # 403
    assert (
        c.call(county, "POST", f"{BASE}/shelters/{sid}/steps/activate", {}).json()["status"]
        == "in_use"
    )
    done = c.call(county, "POST", f"{BASE}/shelters/{sid}/occupancy", {"occupancy": 150})
    assert done.json()["occupancy"] == 150

    route = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "origin": "上屯",
        "shelter": sid,
        "line": {"type": "Feature", "geometry": LINE, "properties": {}},
    }
    r = c.call(county, "POST", f"{BASE}/routes", route)
    assert r.status_code == 201 and r.json()["length_m"] > 2000
    crossed = c.call(
        county,
        "POST",
        f"{BASE}/routes",
        route | {"client_uuid": str(uuid.uuid4()), "line": CROSSING},
    )
    assert crossed.status_code == 400 and crossed.json()["field"] == "line"
    c.call(
        county,
        "POST",
        f"{BASE}/routes",
        route | {"client_uuid": str(uuid.uuid4()), "shelter": 999999},
    )  # 404
    c.call(county, "GET", f"{BASE}/routes?cell=450901100201")
    c.call(county, "GET", f"{BASE}/routes/{r.json()['id']}")

    household = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "head": "韦大",
        "phone": "13900000001",
        "members": 5,
        "vulnerable": "老人2",
        "vulnerable_n": 2,
        "cadre_person": cast.people["township"].pk,
        "route": r.json()["id"],
    }
    h = c.call(county, "POST", f"{BASE}/households", household)
    assert h.status_code == 201, h.content
    assert h.json()["shelter"] == sid and h.json()["cadre_name"] == "township人"
    c.call(
        county,
        "POST",
        f"{BASE}/households",
        household | {"client_uuid": str(uuid.uuid4()), "members": 0},
    )  # 422/400
    c.call(county, "GET", f"{BASE}/households?cell=450901&limit=1")
    c.call(county, "GET", f"{BASE}/households/{h.json()['id']}")

    cover = c.call(county, "GET", f"{BASE}/coverage?cell=450901")
    assert cover.json()["cell"]["listed_people"] == 5
    c.call(county, "GET", f"{BASE}/coverage?cell=450902")  # 404
    c.call(county, "GET", f"{BASE}/coverage")

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    assert sorted(operations(c.document) - exercised) == []
    assert tally.matches()


@pytest.mark.django_db
def test_coverage_compares_capacity_with_population_and_unknown_is_not_short(cast):
    county = client_for(cast.users["county"])
    jia, yi = cast.township, cast.cells["450901101"]
    jia.population, yi.population = 5000, None
    jia.save(update_fields=["population"])
    yi.save(update_fields=["population"])
    county.post(f"{BASE}/shelters", shelter_body(area_m2="2000"), content_type="application/json")
    answer = county.get(f"{BASE}/coverage?cell=450901").json()
    rows = {row["code"]: row for row in answer["children"]}
    assert rows["450901100"] | {} == rows["450901100"]
    assert (rows["450901100"]["capacity"], rows["450901100"]["short"]) == (4000, True)
    assert rows["450901100"]["area_per_person"] == 0.4
    assert rows["450901101"]["short"] is None
    assert (answer["short"], answer["unknown"]) == (1, 1)
    jia.population = 4000
    jia.save(update_fields=["population"])
    answer = county.get(f"{BASE}/coverage?cell=450901").json()
    assert answer["children"][0]["short"] is False and answer["short"] == 0


@pytest.mark.django_db
def test_households_are_paginated_and_scoped(cast):
    county = client_for(cast.users["county"])
    for i in range(3):
        county.post(
            f"{BASE}/households",
            {
                "client_uuid": str(uuid.uuid4()),
                "cell": "450901100201",
                "head": f"户{i}",
                "members": 2,
            },
            content_type="application/json",
        )
    page = county.get(f"{BASE}/households?limit=2").json()
    assert page["count"] == 3 and len(page["items"]) == 2
    outsider = client_for(cast.users["outsider"])
    assert outsider.get(f"{BASE}/households").json()["count"] == 0
    assert (
        Household.objects.count() == 3
        and not Route.objects.exists()
        and not Shelter.objects.exists()
    )
