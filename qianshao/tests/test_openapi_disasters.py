"""The OpenAPI document tells the truth about the zero report and disaster endpoints: real
answers — successes and every kind of refusal — checked against it with
``test_openapi.Conformance``. Every one of their operations must answer a 2xx here."""

import base64
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.hazards.tests.conftest import jpeg
from qianshao.tests.test_openapi import Conformance, client_for

ZERO, DISASTERS = "/api/v1/zero-reports", "/api/v1/disasters"


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, ops in document["paths"].items()
        if path.startswith((ZERO, DISASTERS))
        for method in ops
    }


def disaster_body(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "type": "flood",
        "started_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "cell": "450901100201",
        "place": "河边",
        "figures": {"affected": 20, "relocated": 5, "economic_loss": "12.5"},
        "note": "山洪冲毁便桥",
        "photos": [{"name": "a.jpg", "data": base64.b64encode(jpeg()).decode()}],
    } | extra


@pytest.mark.django_db
def test_real_answers_of_every_zero_report_and_disaster_operation_match_the_document(
    cast, conformance
):
    c = conformance
    village = client_for(cast.users["village"])
    township = client_for(cast.users["township"])
    county = client_for(cast.users["county"])

    for method, path in sorted(operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    # The zero report.
    body = {"client_uuid": str(uuid.uuid4()), "cell": "450901100201"}
    made = c.call(village, "POST", ZERO, body)
    assert made.status_code == 201, made.content
    c.call(village, "POST", ZERO, body)  # the same client_uuid: 200
    c.call(village, "POST", ZERO, body | {"client_uuid": str(uuid.uuid4())})  # second: 409
    c.call(village, "POST", ZERO, {"client_uuid": str(uuid.uuid4()), "cell": "450901100"})  # 400
    c.call(village, "POST", ZERO, {"client_uuid": str(uuid.uuid4()), "cell": "450902100201"})
    c.call(village, "POST", ZERO, {"client_uuid": str(uuid.uuid4()), "cell": "X", "day": "soon"})
    for url in [
        ZERO,
        f"{ZERO}?cell=450901100&day={timezone.localdate().isoformat()}",
        f"{ZERO}?from=2026-01-02&to=2026-01-01",
        f"{ZERO}/completeness",
        f"{ZERO}/completeness?cell=450901&from=2026-11-01&to=2026-11-30",
        f"{ZERO}/completeness?cell=450902",
        f"{ZERO}/completeness?from=2025-01-01&to=2026-01-01",
    ]:
        c.call(county, "GET", url)

    # Disasters.
    first = c.call(village, "POST", DISASTERS, disaster_body())
    assert first.status_code == 201, first.content
    number = first.json()["number"]
    c.call(village, "POST", DISASTERS, disaster_body(figures={"affected": 1, "dead": 2}))  # 400
    c.call(village, "POST", DISASTERS, disaster_body(figures={"affected": -1}))  # 422
    c.call(village, "POST", DISASTERS, disaster_body(cell="450901100202"))  # 404
    c.call(village, "POST", DISASTERS, raw="{oops")  # 400
    zero_id = made.json()["id"]
    correct = {"kind": "disaster", "disaster": number, "reason": "当日有灾情"}
    c.call(village, "POST", f"{ZERO}/{zero_id}/correct", correct)
    c.call(village, "POST", f"{ZERO}/{zero_id}/correct", correct)  # 409: the same
    c.call(village, "POST", f"{ZERO}/{zero_id}/correct", {"kind": "none"})  # 422
    follow = {"figures": {"affected": 30, "relocated": 8}, "note": "续报"}
    c.call(village, "POST", f"{DISASTERS}/{number}/follow-up", follow)
    c.call(village, "POST", f"{DISASTERS}/{number}/verify", {})  # 403: the reporter
    c.call(township, "POST", f"{DISASTERS}/{number}/verify", {"note": "核实"})
    c.call(township, "POST", f"{DISASTERS}/{number}/verify", {})  # 409: verified
    relief = {"kind": "living", "households": 3, "people": 8, "amount": "2.40"}
    made_relief = c.call(village, "POST", f"{DISASTERS}/{number}/relief", relief)
    rid = made_relief.json()["id"]
    c.call(village, "POST", f"{DISASTERS}/relief/{rid}/decide", {"approve": True})  # 403
    c.call(township, "POST", f"{DISASTERS}/relief/{rid}/decide", {"approve": True, "note": "同意"})
    for url in [
        DISASTERS,
        f"{DISASTERS}?cell=450901100&type=flood&from=2026-01-01&to=2099-01-01",
        f"{DISASTERS}?cell=450902",
        f"{DISASTERS}/{number}",
        f"{DISASTERS}/ZQ00000000NOPE",
        f"{DISASTERS}/figures?cell=450901",
        f"{DISASTERS}/figures?cell=450901100&from=2026-01-01",
    ]:
        c.call(county, "GET", url)
    [photo] = first.json()["versions"][0]["photos"]
    c.call(county, "GET", photo["url"])
    c.call(county, "GET", f"{DISASTERS}/photos/{'0' * 32}")  # 404

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    missing = sorted(operations(c.document) - exercised)
    assert missing == [], "operations never answered with success here"
