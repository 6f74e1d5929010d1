"""The OpenAPI document tells the truth about the hazard endpoints: real answers — successes
and every kind of refusal, JSON and multipart, and the photos — checked against it with
``test_openapi.Conformance``. Every hazard operation must answer a 2xx here."""

import base64
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Supervision
from qianshao.hazards.tests.conftest import jpeg
from qianshao.tests.test_openapi import Conformance, client_for

HAZARDS = "/api/v1/hazards"


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def photo() -> dict:
    return {"name": "a.jpg", "data": base64.b64encode(jpeg()).decode()}


def photo_file():
    file = io.BytesIO(jpeg())
    file.name = "a.jpg"
    return file


def report_body(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "title": "厂房消防通道堵塞",
        "description": "通道堆放杂物",
        "category": "industry_trade",
        "cell": "450901100201",
    } | extra


def hazard_operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path == HAZARDS or path.startswith(HAZARDS + "/")
        for method in operations
    }


@pytest.mark.django_db
def test_real_answers_of_every_hazard_operation_match_the_document(cast, conformance):
    c = conformance
    village = client_for(cast.users["village"])
    township = client_for(cast.users["township"])
    county = client_for(cast.users["county"])

    # Every operation refuses the anonymous caller.
    for method, path in sorted(hazard_operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))

    # Reporting: JSON and multipart, a resend, and refused in every way.
    body = report_body(photos=[photo()], lon=106.1, lat=24.1)
    first = c.call(village, "POST", HAZARDS, body)
    assert first.status_code == 201, first.content
    number = first.json()["number"]
    c.call(village, "POST", HAZARDS, body)  # the same client_uuid: 200
    c.call(township, "POST", HAZARDS, body)  # someone else's client_uuid: 409
    form = report_body(stopped_on_spot="true") | {"photos": [photo_file()]}
    c.check("POST", HAZARDS, village.post(HAZARDS, form))
    c.check("POST", HAZARDS, village.post(HAZARDS, report_body(lon="east")))
    c.call(village, "POST", HAZARDS, report_body(cell="450901100202"))  # out of scope: 404
    c.call(village, "POST", HAZARDS, report_body(category="cooking"))
    c.call(village, "POST", HAZARDS, report_body(photos=[{"name": "x", "data": "bm8="}]))
    c.call(village, "POST", HAZARDS, report_body(colour="red"))
    c.call(village, "POST", HAZARDS, raw="{oops")
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        c.call(village, "POST", HAZARDS, report_body(photos=[photo()] * 3))  # 413

    # Reading.
    for url in [
        HAZARDS,
        f"{HAZARDS}?status=open&grade=general&category=industry_trade&cell=450901100",
        f"{HAZARDS}?overdue=false&source=patrol&mine=true&limit=1&offset=1",
        f"{HAZARDS}?status=lost",
        f"{HAZARDS}?category=cooking",
        f"{HAZARDS}?cell=450902",
        f"{HAZARDS}/{number}",
        f"{HAZARDS}/YH00000000NOPE",
        f"{HAZARDS}/counts",
        f"{HAZARDS}/counts?cell=450901",
        f"{HAZARDS}/counts?cell=450902",
    ]:
        c.call(county, "GET", url)
    token = first.json()["photos"][0]["url"].rsplit("/", 1)[1]
    c.call(county, "GET", f"{HAZARDS}/photos/{token}")
    c.call(client_for(cast.users["outsider"]), "GET", f"{HAZARDS}/photos/{token}")

    # The steps: taken, refused, and bad input.
    deadline = (timezone.now() + timedelta(days=3)).isoformat()
    assign = {
        "measures": "清理",
        "responsible": cast.people["village"].pk,
        "deadline": deadline,
        "contingency": "警示",
        "assignee_cell": "450901100201",
    }
    c.call(village, "POST", f"{HAZARDS}/{number}/accept")  # 403
    c.call(township, "POST", f"{HAZARDS}/{number}/close")  # 409
    c.call(township, "POST", f"{HAZARDS}/{number}/launch")  # 422
    c.call(township, "POST", f"{HAZARDS}/{number}/return", {"note": "x"})  # 422
    c.call(township, "POST", f"{HAZARDS}/{number}/accept", {"note": "属实"})
    c.call(township, "POST", f"{HAZARDS}/{number}/assign", assign | {"deadline": "2020-01-01"})
    c.call(township, "POST", f"{HAZARDS}/{number}/assign", assign | {"responsible": 0})
    c.call(township, "POST", f"{HAZARDS}/{number}/assign", assign)
    c.call(township, "POST", f"{HAZARDS}/YH00000000NOPE/start")  # 404
    c.call(village, "POST", f"{HAZARDS}/{number}/start")
    c.call(village, "POST", f"{HAZARDS}/{number}/progress", {"note": "进展", "photos": [photo()]})
    form = {"note": "完毕", "photos": [photo_file()]}
    c.check("POST", f"{HAZARDS}/{number}/submit", village.post(f"{HAZARDS}/{number}/submit", form))
    c.call(county, "POST", f"{HAZARDS}/{number}/verify")
    c.call(township, "POST", f"{HAZARDS}/{number}/close")

    # Supervision: listed, answered, and refused.
    late = c.call(village, "POST", HAZARDS, report_body()).json()["number"]
    supervision.sweep(timezone.now() + timedelta(hours=25))
    record = Supervision.objects.get(hazard__number=late)
    c.call(township, "GET", f"{HAZARDS}/supervisions")
    c.call(township, "GET", f"{HAZARDS}/supervisions?answered=false&cell=450901100&hazard={late}")
    c.call(township, "GET", f"{HAZARDS}/supervisions?cell=450902")
    answer = f"{HAZARDS}/supervisions/{record.pk}/answer"
    c.call(village, "POST", answer, {"answer": "x"})  # 403
    c.call(township, "POST", answer, {})  # 422
    c.call(township, "POST", answer, {"answer": " "})  # 400
    c.call(township, "POST", answer, {"answer": "已督促"})
    c.call(township, "POST", answer, {"answer": "再次"})  # 409
    c.call(client_for(cast.users["outsider"]), "POST", answer, {"answer": "x"})  # 404

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    ours = hazard_operations(c.document)
    assert len(ours) == 8
    assert sorted(ours - exercised) == [], "hazard operations never answered with success"
    statuses = {status for _m, _p, status in c.seen}
    assert statuses >= {200, 201, 400, 401, 403, 404, 409, 413, 422}


def test_the_report_and_the_steps_document_json_and_multipart_bodies(conformance):
    paths = conformance.document["paths"]
    for path in [HAZARDS, HAZARDS + "/{number}/{step}"]:
        content = paths[path]["post"]["requestBody"]["content"]
        assert set(content) == {"application/json", "multipart/form-data"}
    report = paths[HAZARDS]["post"]["requestBody"]["content"]
    assert report["application/json"]["schema"]["properties"]["photos"]["items"]["required"] == [
        "data"
    ]
    files = report["multipart/form-data"]["schema"]["properties"]["photos"]
    assert files["items"] == {"type": "string", "format": "binary"}
    step = paths[HAZARDS + "/{number}/{step}"]["post"]["requestBody"]["content"]
    titles = [v["title"] for v in step["application/json"]["schema"]["anyOf"]]
    assert any(t.startswith("HazardAssignIn (assign)") for t in titles)
    assert "additionalProperties" in report["application/json"]["schema"]
