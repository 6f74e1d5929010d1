"""The OpenAPI document tells the truth about the ledger part's endpoint (the census
import): real answers — success and refusals — checked against it
(``test_openapi.Conformance``)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qianshao.risks.tests.test_ledger_import import row, xlsx
from qianshao.tests.test_openapi import Conformance, client_for

URL = "/api/v1/risks/points/import"


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


@pytest.mark.django_db
def test_the_import_answers_as_documented(cast, conformance):
    c = conformance
    township = client_for(cast.users["township"])

    def post(url, data=None, **kwargs):
        response = township.post(url, data or {}, **kwargs)
        c.check("POST", url, response)
        return response.status_code

    good = SimpleUploadedFile("p.xlsx", xlsx(row()))
    bad = SimpleUploadedFile("p.xlsx", xlsx(row(风险类型="火山")))
    assert post(URL, {"file": good}) == 201
    assert post(URL, {"file": bad}) == 400
    assert post(URL) == 400
    assert post(f"{URL}?cell=450902", {"file": good}) == 404
    c.call(client_for(cast.users["township"]), "POST", URL, {"file": "x"})
    c.assert_true()
    operation = c.document["paths"][URL]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"201", "400", "401", "404", "413", "422"} <= set(operation["responses"])
