"""The patrols' endpoints, their real answers checked against the OpenAPI document
(``test_openapi.Conformance``); every one of them answers with success here."""

import base64
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from qianshao.risks import sweep, tally
from qianshao.risks.models import Patrol
from qianshao.risks.tests.patrols_helpers import START, jpeg, patrolled_point
from qianshao.tests.test_openapi import Conformance, client_for

R = "/api/v1/risks"
PATROLS = (f"{R}/patrols", f"{R}/points/{{point_id}}/checkins")
H = timedelta(hours=1)


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, ops in document["paths"].items()
        if path.startswith(PATROLS)
        for method in ops
    }


def body(**extra) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "result": "ok", "lon": 106.1, "lat": 24.1} | extra


@pytest.mark.django_db
def test_real_answers_of_every_patrols_operation_match_the_document(cast, conformance):
    c = conformance
    assert len(operations(c.document)) == 5
    village = client_for(cast.users["village"])
    county = client_for(cast.users["county"])
    outsider = client_for(cast.users["outsider"])
    department = client_for(cast.users["department"])
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
    for method, path in sorted(operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    with time_machine.travel(START + 90 * H, tick=False):
        today = c.call(village, "GET", f"{R}/patrols/today")
        assert [row["id"] for row in today.json()] == [p.pk]
        assert today.json()[0]["overdue"] is True
        first = body(photos=[{"name": "a.jpg", "data": base64.b64encode(jpeg()).decode()}])
        made = c.call(village, "POST", f"{R}/points/{p.pk}/checkins", first)
        assert made.status_code == 201, made.content
        again = c.call(village, "POST", f"{R}/points/{p.pk}/checkins", first)
        assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
        assert made.json()["outcome"] == "late" and not made.json()["far"]
        far = c.call(
            village,
            "POST",
            f"{R}/points/{p.pk}/checkins",
            body(lat=24.2, qr=str(p.public_key), result="hazard"),
        )
        assert far.status_code == 201 and far.json()["far"] and far.json()["via_qr"]
        bad = c.call(village, "POST", f"{R}/points/{p.pk}/checkins", body(result="fine"))
        assert bad.status_code == 422 and "result" in bad.content.decode()
        half = c.call(village, "POST", f"{R}/points/{p.pk}/checkins", body(lat=None))
        assert half.status_code == 400 and half.json()["field"] == "lat"
        refused = c.call(outsider, "POST", f"{R}/points/{p.pk}/checkins", body())
        assert refused.status_code == 404
        refused = c.call(department, "POST", f"{R}/points/{p.pk}/checkins", body())
        assert refused.status_code == 403
        spent = c.call(
            village,
            "POST",
            f"{R}/points/{p.pk}/checkins",
            body(client_uuid=first["client_uuid"], result="hazard"),
        )
        assert spent.status_code == 200  # the same point: the first patrol
        assert Patrol.objects.count() == 2

        listed = c.call(county, "GET", f"{R}/patrols?cell=450901&month=2026-12")
        assert sorted(row["id"] for row in listed.json()["items"]) == sorted(
            Patrol.objects.values_list("pk", flat=True)
        )
        assert c.call(outsider, "GET", f"{R}/patrols?cell=450901").status_code == 404
        assert c.call(county, "GET", f"{R}/patrols?month=2026-13").status_code == 400
        one = c.call(county, "GET", f"{R}/patrols/{made.json()['id']}")
        assert one.json()["point_name"] == p.name
        assert c.call(outsider, "GET", f"{R}/patrols/{made.json()['id']}").status_code == 404
    with time_machine.travel(START + 400 * H, tick=False):
        assert sweep.sweep() > 0
        county = client_for(cast.users["county"])  # a session of its own time
        stats = c.call(county, "GET", f"{R}/patrols/stats?cell=450901&month=2026-12")
        found = stats.json()
        assert stats.status_code == 200, found
        assert found["cell"]["figures"]["late"] == 1
        assert found["cell"]["figures"]["on_time"] == 1
        missed = found["cell"]["figures"]["missed"]
        assert missed >= 1 and found["cell"]["figures"]["due"] == 2 + missed
        children = {row["code"]: row["figures"]["due"] for row in found["children"]}
        assert children == {"450901100": 2 + missed, "450901101": 0}
        people = {row["name"]: row["figures"] for row in found["people"]}
        assert people["village人"]["due"] == 2 + missed
        assert found["people_listed"] is True  # a county lists its people
        assert c.call(county, "GET", f"{R}/patrols/stats?cell=450902").status_code == 404
    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    assert sorted(operations(c.document) - exercised) == []
    assert tally.matches()


@pytest.mark.django_db
def test_a_hazard_reported_through_the_api_from_a_patrol_links_it(cast):
    from qianshao.grid.models import Domain
    from qianshao.hazards.models import Hazard

    p = patrolled_point(cast)
    village = client_for(cast.users["village"])
    found = village.post(
        f"{R}/points/{p.pk}/checkins",
        body(result="hazard", note="挡墙开裂"),
        content_type="application/json",
    ).json()
    ok = village.post(f"{R}/points/{p.pk}/checkins", body(), content_type="application/json").json()
    hazard = {
        "title": "挡墙开裂",
        "description": "巡查发现",
        "category": Domain.objects.filter(active=True).first().code,
        "cell": "450901100201",
    }
    for ref in [f"risks.patrol:{ok['id']}", "risks.patrol:x", "nope:1", "risks.patrol:999999"]:
        refused = village.post(
            "/api/v1/hazards",
            hazard | {"client_uuid": str(uuid.uuid4()), "origin": ref},
            content_type="application/json",
        )
        assert refused.status_code == 404 and refused.json()["field"] == "origin", ref
    outsider = client_for(cast.users["outsider"])
    refused = outsider.post(
        "/api/v1/hazards",
        hazard
        | {"client_uuid": str(uuid.uuid4()), "origin": f"risks.patrol:{found['id']}", "cell": None},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert not Hazard.objects.exists()
    made = village.post(
        "/api/v1/hazards",
        hazard | {"client_uuid": str(uuid.uuid4()), "origin": f"risks.patrol:{found['id']}"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    h = Hazard.objects.get()
    assert h.origin == f"risks.patrol:{found['id']}"
    assert Patrol.objects.get(pk=found["id"]).hazard_id == h.pk
    assert village.get(f"{R}/patrols/{found['id']}").json()["hazard"] == h.pk
    page = village.get(f"/hazards/{h.number}/").content.decode()
    assert f"/risks/patrols/{found['id']}/" in page


def test_people_are_listed_from_a_county_down():
    """Above a county a month's patrols are hundreds of thousands: read by child cells (the
    counters), not grouped by person."""
    from qianshao.grid.models import Cell, CellKind
    from qianshao.risks import stats_patrols

    listed = {kind: stats_patrols.lists_people(Cell(kind=kind)) for kind in CellKind.values}
    assert [k for k, yes in listed.items() if not yes] == [CellKind.PROVINCE, CellKind.CITY]
