"""The OpenAPI document tells the truth about the CAP endpoints: real answers — successes and
every kind of refusal, JSON, multipart and XML — checked against it with
``test_openapi.Conformance``. Every CAP operation must answer a 2xx here."""

import pytest
from django.test import Client, override_settings

from qianshao.tests.test_openapi import Conformance, client_for
from qianshao.warnings import actions
from qianshao.warnings.tests.access_rules_cap import API_RULES, alert_xml, upload

XML_TYPES = ("application/cap+xml", "application/atom+xml")


class CapConformance(Conformance):
    """Also checks answers that are XML against their documented media type, and matches
    a URL to the most literal path first (``/warnings/cap`` before ``/warnings/{id}``)."""

    def __init__(self, document: dict):
        super().__init__(document)
        self.templates.sort(key=lambda entry: entry[1].count("{"))

    def check(self, method: str, url: str, response) -> None:
        kind = response.get("Content-Type", "").split(";")[0]
        if response.status_code == 200 and kind in XML_TYPES:
            path = url.split("?")[0]
            template = next(t for pattern, t in self.templates if pattern.match(path))
            documented = self.document["paths"][template][method.lower()]["responses"]["200"]
            self.seen.add((method, template, 200))
            if kind not in documented.get("content", {}):
                self.problems.append(f"{method} {url} → 200: {kind} is not documented")
            return
        super().check(method, url, response)

    def upload(self, client: Client, url: str, data: bytes):
        response = client.post(url, {"file": upload(data)})
        self.check("POST", url, response)
        return response


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return CapConformance(response.json())


@pytest.mark.django_db
def test_real_answers_of_every_cap_operation_match_the_document(cast, conformance, issued):
    c = conformance
    anonymous = Client()
    county = client_for(cast.users["county"])
    w = issued()
    draft = actions.draft(
        cast.users["county"],
        type=w.type,
        level=w.level,
        headline="草稿",
        text="草稿",
        targets=[cast.township],
        valid_until=w.valid_until,
    )

    c.call(anonymous, "GET", "/api/v1/warnings/feed.atom")
    c.call(anonymous, "GET", f"/api/v1/warnings/{w.pk}.cap.xml")
    c.call(anonymous, "GET", f"/api/v1/warnings/{draft.pk}.cap.xml")  # 404

    url = "/api/v1/warnings/cap"
    document = alert_xml(identifier="OPENAPI-1")
    c.upload(county, url, document)  # 201
    c.upload(county, url, document)  # 200
    c.call(county, "POST", url, raw="<alert>")  # 400
    c.upload(county, url, b"not xml")  # 400
    c.upload(client_for(cast.users["outsider"]), url, alert_xml())  # 403
    c.upload(county, url, alert_xml(identifier="OPENAPI-1", sender="x@example.cn"))  # 409
    c.call(anonymous, "POST", url)  # 401
    with override_settings(UPLOAD_MAX_BYTES=100):
        c.upload(county, url, alert_xml())  # 413

    c.assert_true()
    statuses = {(m, p, s) for m, p, s in c.seen}
    ours = set(API_RULES)
    answered = {(m, p) for m, p, s in statuses if 200 <= s < 300}
    assert sorted(ours - answered) == [], "CAP operations never answered with success here"
    assert {s for _m, p, s in statuses if p == url} >= {200, 201, 400, 401, 403, 409, 413}
