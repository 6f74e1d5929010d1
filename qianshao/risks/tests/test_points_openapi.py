"""The risk points' endpoints: real answers — successes and refusals — checked against the
OpenAPI document (``test_openapi.Conformance``), every operation answering a 2xx here; and
what the answers say: grading explained, bad input named, scope, keyset pages."""

import re
import uuid

import pytest
from django.test import Client

from qianshao.audit.models import AuditRecord
from qianshao.risks import tally
from qianshao.risks.models import GradeRecord, Measure, RiskPoint
from qianshao.risks.tests.helpers import VILLAGE_AREA, VILLAGE_POINT, risk_point
from qianshao.tests.test_openapi import Conformance, client_for

BASE = "/api/v1/risks"
# this part's operations (the other parts add theirs under /risks/ and test them)
OPERATIONS = {
    ("GET", f"{BASE}/points"),
    ("POST", f"{BASE}/points"),
    ("GET", f"{BASE}/points/{{point_id}}"),
    ("PATCH", f"{BASE}/points/{{point_id}}"),
    ("POST", f"{BASE}/points/{{point_id}}/regrade"),
    ("POST", f"{BASE}/points/{{point_id}}/retire"),
    ("PUT", f"{BASE}/points/{{point_id}}/measures"),
    ("GET", f"{BASE}/points/{{point_id}}/grades"),
    ("GET", f"{BASE}/kinds"),
}


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def operations(document) -> set[tuple[str, str]]:
    found = {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}
    assert sorted(OPERATIONS - found) == []
    return OPERATIONS


def point_body(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "name": "一村加油站",
        "kind": "hazchem",
        "geometry": VILLAGE_POINT,
        "address": "一村路口",
        "hazards_text": "汽油泄漏、火灾爆炸",
        "responsible_unit": "一村加油站",
        "inputs": {"L": 6, "E": 3, "C": 15},
        "measures": [
            {"list": "control", "what": "每日检查油罐", "who": "站长", "how_often": "每天"},
            {"list": "emergency", "what": "切断电源，疏散人员", "call": "119", "where": "村委会"},
        ],
    } | extra


@pytest.mark.django_db
def test_real_answers_of_every_risk_point_operation_match_the_document(cast, conformance):
    c = conformance
    county = client_for(cast.users["county"])
    village = client_for(cast.users["village"])
    outsider = client_for(cast.users["outsider"])
    ops = operations(c.document)
    for method, path in sorted(ops):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    kinds = c.call(county, "GET", f"{BASE}/kinds").json()
    assert {"code": "landslide", "method": "matrix"}.items() <= kinds[1].items() or any(
        k["code"] == "landslide" and k["method"] == "matrix" for k in kinds
    )

    body = point_body(responsible=cast.people["village"].pk)
    made = c.call(county, "POST", f"{BASE}/points", body)
    assert made.status_code == 201, made.content
    point = made.json()
    assert (point["grade"], point["score"], point["cell"]) == ("orange", "270.00", "450901100201")
    assert point["explanation"] == "D = L × E × C = 6 × 3 × 15 = 270"
    assert [m["list"] for m in point["measures"]] == ["control", "emergency"]
    pid = point["id"]
    assert c.call(county, "POST", f"{BASE}/points", body).json()["id"] == pid  # replay: 200

    # bad input, each named
    bad = c.call(county, "POST", f"{BASE}/points", point_body(inputs={"L": 7, "E": 3, "C": 15}))
    assert bad.status_code == 400 and bad.json()["field"] == "inputs.L"
    bad = c.call(
        county,
        "POST",
        f"{BASE}/points",
        point_body(kind="landslide", inputs={"likelihood": 9, "severity": 2}),
    )
    assert bad.status_code == 400 and bad.json()["field"] == "inputs.likelihood"
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[106.05, 24.05], [106.15, 24.15], [106.15, 24.05], [106.05, 24.15],
                         [106.05, 24.05]]],
    }  # fmt: skip
    bad = c.call(county, "POST", f"{BASE}/points", point_body(geometry=bowtie))
    assert bad.status_code == 400 and bad.json()["field"] == "geometry"
    far = {"type": "Point", "coordinates": [107.5, 24.1]}
    bad = c.call(county, "POST", f"{BASE}/points", point_body(geometry=far))
    assert bad.status_code == 400 and bad.json()["field"] == "geometry"
    bad = c.call(county, "POST", f"{BASE}/points", point_body(kind="nope"))
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    bad = c.call(county, "POST", f"{BASE}/points", point_body(grade="red"))
    assert bad.status_code == 400 and bad.json()["field"] == "override_reason"
    c.call(county, "POST", f"{BASE}/points", point_body(grade="purple"))  # 422
    c.call(county, "POST", f"{BASE}/points", point_body(responsible=cast.people["outsider"].pk))
    c.call(village, "POST", f"{BASE}/points", point_body())  # 403
    c.call(outsider, "POST", f"{BASE}/points", point_body())  # 404
    assert RiskPoint.objects.count() == 1

    listed = c.call(county, "GET", f"{BASE}/points?cell=450901&grade=orange&kind=hazchem")
    assert [p["id"] for p in listed.json()["items"]] == [pid] and listed.json()["next"] is None
    c.call(county, "GET", f"{BASE}/points?kind=nope")  # 400
    c.call(county, "GET", f"{BASE}/points?cell=450902")  # 404
    c.call(county, "GET", f"{BASE}/points?grade=purple")  # 422
    c.call(county, "GET", f"{BASE}/points/{pid}")
    c.call(outsider, "GET", f"{BASE}/points/{pid}")  # 404
    assert outsider.get(f"{BASE}/points").json()["items"] == []

    edited = c.call(county, "PATCH", f"{BASE}/points/{pid}", {"address": "一村东口"})
    assert edited.json()["address"] == "一村东口" and edited.json()["name"] == "一村加油站"
    assert edited.json()["responsible"] == cast.people["village"].pk  # kept
    refused = c.call(county, "PATCH", f"{BASE}/points/{pid}", {"published": True})
    assert refused.status_code == 400 and refused.json()["field"] == "published"
    c.call(county, "PATCH", f"{BASE}/points/{pid}", {"kind": "landslide"})  # 400: other method
    c.call(village, "PATCH", f"{BASE}/points/{pid}", {"address": "x"})  # 403

    regraded = c.call(
        county, "POST", f"{BASE}/points/{pid}/regrade", {"inputs": {"L": 10, "E": 6, "C": 15}}
    )
    assert regraded.json()["grade"] == "red" and regraded.json()["score"] == "900.00"
    overridden = c.call(
        county,
        "POST",
        f"{BASE}/points/{pid}/regrade",
        {"inputs": {"L": 10, "E": 6, "C": 15}, "grade": "orange", "override_reason": "已整改"},
    )
    assert (overridden.json()["grade"], overridden.json()["computed_grade"]) == ("orange", "red")
    bad = c.call(county, "POST", f"{BASE}/points/{pid}/regrade", {"inputs": {"L": 6}})
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {
        "inputs.E",
        "inputs.C",
    }
    grades = c.call(county, "GET", f"{BASE}/points/{pid}/grades").json()
    assert [g["grade"] for g in grades] == ["orange", "red", "orange"]
    assert grades[0]["reason"] == "已整改" and grades[0]["computed_grade"] == "red"

    measures = c.call(
        county,
        "PUT",
        f"{BASE}/points/{pid}/measures",
        {"measures": [{"list": "control", "what": "双人巡检", "who": "张三", "how_often": "每班"}]},
    )
    assert [m["what"] for m in measures.json()["measures"]] == ["双人巡检"]
    bad = c.call(
        county,
        "PUT",
        f"{BASE}/points/{pid}/measures",
        {"measures": [{"list": "control", "what": ""}]},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "measures.0.what"
    assert list(Measure.objects.values_list("what", flat=True)) == ["双人巡检"]

    c.call(county, "POST", f"{BASE}/points/{pid}/retire", {"note": ""})  # 422
    retired = c.call(county, "POST", f"{BASE}/points/{pid}/retire", {"note": "已拆除"})
    assert retired.json()["status"] == "retired"
    c.call(county, "POST", f"{BASE}/points/{pid}/retire", {"note": "再次"})  # 409
    assert county.get(f"{BASE}/points").json()["items"] == []
    assert [p["id"] for p in county.get(f"{BASE}/points?status=retired").json()["items"]] == [pid]

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    assert sorted(ops - exercised) == []
    assert tally.matches()
    assert GradeRecord.objects.count() == 3
    assert AuditRecord.objects.filter(action="risks.point.regrade").count() == 2


@pytest.mark.django_db
def test_the_points_come_in_keyset_pages_along_the_path(cast):
    county = client_for(cast.users["county"])
    made = [risk_point(cast, name=f"点{i}") for i in range(3)]
    made.append(risk_point(cast, cell=cast.township, name="镇点", geometry=VILLAGE_AREA))
    expected = sorted(made, key=lambda p: (p.cell_path, p.pk))
    seen, url = [], f"{BASE}/points?limit=2"
    while url:
        page = county.get(url).json()
        seen += [p["id"] for p in page["items"]]
        url = page["next"]
    assert seen == [p.pk for p in expected]
    bad = county.get(f"{BASE}/points", {"cursor": "WzEsMl0:forged"})
    assert bad.status_code == 400 and bad.json()["field"] == "cursor"
    bad = county.get(f"{BASE}/points", {"limit": 1000})
    assert bad.status_code == 400 and bad.json()["field"] == "limit"


@pytest.mark.django_db
def test_people_and_enterprises_are_read_through_scope(cast):
    county = client_for(cast.users["county"])
    stranger = cast.people["outsider"].pk
    refused = county.post(
        f"{BASE}/points", point_body(patroller=stranger), content_type="application/json"
    )
    assert refused.status_code == 404 and refused.json()["field"] == "patroller"
    refused = county.post(
        f"{BASE}/points", point_body(enterprise="450901100"), content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["field"] == "enterprise"
    refused = county.post(
        f"{BASE}/points", point_body(enterprise="450902"), content_type="application/json"
    )
    assert refused.status_code == 404 and refused.json()["field"] == "enterprise"
    assert not RiskPoint.objects.exists()
