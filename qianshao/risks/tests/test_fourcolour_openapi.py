"""The OpenAPI document tells the truth about the 四色图's endpoint: real answers — success
and refusals — checked against it (``test_openapi.Conformance``), every operation of the map
part answering a 2xx here."""

import re

import pytest
from django.test import Client

from qianshao.risks.tests.helpers import risk_point
from qianshao.tests.test_openapi import Conformance, client_for

BASE = "/api/v1/risks"
PREFIXES = (f"{BASE}/fourcolour",)


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


@pytest.mark.django_db
def test_real_answers_of_the_fourcolour_operation_match_the_document(cast, conformance):
    c = conformance
    assert operations(c.document) == {("GET", f"{BASE}/fourcolour")}
    risk_point(cast)
    county = client_for(cast.users["county"])
    for method, path in sorted(operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401
    found = c.call(county, "GET", f"{BASE}/fourcolour?cell=450901")
    assert found.json()["cell"]["by_grade"]["orange"] == 1
    c.call(county, "GET", f"{BASE}/fourcolour")  # the user's own cell
    c.call(county, "GET", f"{BASE}/fourcolour?cell=450901&kind=hazchem&industry=化工")
    c.call(county, "GET", f"{BASE}/fourcolour?cell=450901&kind=nothing")  # 400
    c.call(county, "GET", f"{BASE}/fourcolour?cell=450902")  # 404
    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    assert sorted(operations(c.document) - exercised) == []
    assert {s for _m, _p, s in c.seen} >= {200, 400, 401, 404}
