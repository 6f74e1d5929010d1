"""The OpenAPI document tells the truth: real answers, checked against it.

Each test makes real requests — successes and every kind of refusal — and validates each
JSON body against the schema the document gives for that path, method and status
(JSON Schema 2020-12, with the whole document in a registry so that its
``#/components/schemas/…`` references resolve). An answer whose status the document does
not list fails, and so does an operation that no request here exercised.
"""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from qianshao.notify.delivery import deliver_due
from qianshao.notify.models import InboxItem
from qianshao.notify.outbox import enqueue
from qianshao.testing import PASSWORD

DOCUMENT = "urn:qianshao:openapi"


class Conformance:
    """Sends requests and checks each answer against the document."""

    def __init__(self, document: dict):
        self.document = document
        self.registry = Registry().with_resource(
            DOCUMENT, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        # a literal path before a templated one it also matches (/points/import before
        # /points/{point_id}), as the router resolves them
        self.templates = [
            (re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"), path)
            for path in sorted(document["paths"], key=lambda path: path.count("{"))
        ]
        self.seen: set[tuple[str, str, int]] = set()
        self.problems: list[str] = []

    def call(self, client: Client, method: str, url: str, body=None, *, raw: str | None = None):
        if method == "GET":
            response = client.get(url)
        else:
            data = raw if raw is not None else json.dumps(body if body is not None else {})
            response = client.generic(method, url, data, content_type="application/json")
        self.check(method, url, response)
        return response

    def check(self, method: str, url: str, response) -> None:
        path = url.split("?")[0]
        template = next((t for pattern, t in self.templates if pattern.match(path)), None)
        label = f"{method} {url} → {response.status_code}"
        if template is None:
            self.problems.append(f"{label}: no such path in the document")
            return
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            self.problems.append(f"{label}: no such operation in the document")
            return
        status = response.status_code
        self.seen.add((method, template, status))
        documented = operation["responses"].get(str(status))
        if documented is None:
            self.problems.append(f"{label}: status not documented")
            return
        if "content" not in documented:  # documented without a body (204): must have none
            if response.content:
                self.problems.append(f"{label}: a body where the document has none")
            return
        kind = response["Content-Type"].split(";")[0]
        if kind != "application/json":  # a photo, a document: its type must be the documented
            if kind not in documented["content"]:
                self.problems.append(f"{label}: {kind} is not documented")
            return
        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in ["paths", template, method.lower(), "responses", str(status), "content"]
        )
        schema = {"$ref": f"{DOCUMENT}#/{pointer}/application~1json/schema"}
        validator = Draft202012Validator(schema, registry=self.registry)
        for error in validator.iter_errors(response.json()):
            self.problems.append(f"{label}: {error.json_path}: {error.message}")

    def assert_true(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


HAZARDS = "/api/v1/hazards"
WARNINGS = "/api/v1/warnings"
DISASTERS = ("/api/v1/disasters", "/api/v1/zero-reports")
RESOURCES = "/api/v1/resources"  # each part's operations: resources/tests/test_*_api.py
RISKS = "/api/v1/risks"  # each part's operations: risks/tests/test_*_openapi.py
INCIDENTS = "/api/v1/incidents"  # its operations: incidents/tests/test_api.py


def test_every_reference_in_the_document_resolves(conformance):
    resolver = conformance.registry.resolver(base_uri=DOCUMENT)
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(conformance.document)
    assert refs
    for ref in refs:
        resolver.lookup(ref)  # raises on a reference to nothing


def test_every_operation_documents_its_refusals(conformance):
    missing = []
    for path, operations in conformance.document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            needed = {"422"} if operation.get("parameters") or "requestBody" in operation else set()
            if operation.get("security"):
                needed.add("401")
            if "requestBody" in operation:
                needed.add("400")
            if missing_here := needed - statuses:
                missing.append(f"{method.upper()} {path}: {sorted(missing_here)}")
    assert missing == []


def inbox_item(user) -> InboxItem:
    with transaction.atomic():
        enqueue("test.notice", subject="提醒", link="/grid/450901100201/", users=[user])
    deliver_due()
    return InboxItem.objects.filter(user=user).latest("id")


def client_for(user) -> Client:
    """A client of its own per user: several take turns within one test here."""
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


@pytest.mark.django_db
def test_real_answers_of_every_operation_match_the_document(cast, conformance):
    c = conformance
    anonymous = Client()
    county = client_for(cast.users["county"])
    v = cast.people["village"]
    role = v.assignments.get()

    # The token: issued, refused, and bad input.
    c.call(anonymous, "POST", "/api/v1/auth/token", {"username": "county", "password": PASSWORD})
    c.call(anonymous, "POST", "/api/v1/auth/token", {"username": "county", "password": "nope"})
    c.call(anonymous, "POST", "/api/v1/auth/token", {"username": "county"})
    c.call(anonymous, "POST", "/api/v1/auth/token", raw="{oops")
    token = anonymous.post(
        "/api/v1/auth/token",
        {"username": "village", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    bearer = Client(headers={"Authorization": f"Bearer {token}"})
    listed = c.call(bearer, "GET", "/api/v1/auth/tokens").json()
    other = anonymous.post(
        "/api/v1/auth/token",
        {"username": "village", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    other_id = next(
        t["id"]
        for t in c.call(bearer, "GET", "/api/v1/auth/tokens").json()
        if t["prefix"] == other[3:11]
    )
    c.call(bearer, "DELETE", f"/api/v1/auth/tokens/{other_id}")  # 204
    c.call(bearer, "DELETE", f"/api/v1/auth/tokens/{other_id}")  # 409: revoked already
    c.call(bearer, "DELETE", f"/api/v1/auth/tokens/{listed[0]['id'] + 1000}")  # 404
    c.call(bearer, "DELETE", "/api/v1/auth/token")
    c.call(client_for(cast.users["village"]), "DELETE", "/api/v1/auth/token")  # a session: 400

    # Every operation refuses the anonymous caller.
    for path, operations in c.document["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                url = re.sub(r"\{code\}", "450901", path)
                c.call(anonymous, method.upper(), re.sub(r"\{\w+\}", "1", url))

    # Reading.
    for url in [
        "/api/v1/cells",
        "/api/v1/cells?parent=450901",
        "/api/v1/cells?q=村&limit=1&offset=1",
        "/api/v1/cells?parent=450902",
        "/api/v1/cells?limit=0",
        "/api/v1/cells/450901100201",
        "/api/v1/cells/450902",
        "/api/v1/cells/450901/counts",
        "/api/v1/cells/450902/counts",
        "/api/v1/people",
        "/api/v1/people?cell=450901100201&q=village",
        "/api/v1/people?cell=450902",
        f"/api/v1/people/{v.pk}",
        f"/api/v1/people/{cast.people['outsider'].pk}",
        "/api/v1/assignments",
        "/api/v1/assignments?active=false&role=member&cell=450901100201",
        "/api/v1/assignments?cell=450902",
        "/api/v1/assignments?role=boss",
    ]:
        c.call(county, "GET", url)

    # Appointing: created, repeated, and refused in every way.
    township = client_for(cast.users["township"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "role": "member",
        "new_person": {"name": "李四", "phone": "13912345670"},
        "duties": ["forest_ranger"],
    }
    c.call(township, "POST", "/api/v1/assignments", body)
    c.call(township, "POST", "/api/v1/assignments", body)
    c.call(county, "POST", "/api/v1/assignments", body)  # someone else's client_uuid: 409
    fresh = body | {"client_uuid": str(uuid.uuid4())}
    bad_phone = {"new_person": {"name": "李", "phone": "1"}}
    c.call(township, "POST", "/api/v1/assignments", fresh | bad_phone)
    c.call(township, "POST", "/api/v1/assignments", fresh | {"cell": "450901100"})
    c.call(township, "POST", "/api/v1/assignments", fresh | {"cell": "450902100201"})
    c.call(township, "POST", "/api/v1/assignments", fresh | {"role": "boss", "colour": "red"})
    c.call(township, "POST", "/api/v1/assignments", raw="{oops")

    # Ending a term.
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    c.call(township, "POST", f"/api/v1/assignments/{role.pk}/end", {"end": "2023-12-31"})
    c.call(township, "POST", f"/api/v1/assignments/{role.pk}/end", {"reason": "长" * 501})
    c.call(client_for(cast.users["village"]), "POST", f"/api/v1/assignments/{role.pk}/end")
    c.call(client_for(cast.users["outsider"]), "POST", f"/api/v1/assignments/{role.pk}/end")
    c.call(township, "POST", f"/api/v1/assignments/{role.pk}/end", {"end": yesterday})
    c.call(township, "POST", f"/api/v1/assignments/{role.pk}/end", {})  # ended already: 409

    # Moving a cell.
    c.call(county, "POST", "/api/v1/cells/450901100202/move", {"parent": "450901101"})
    c.call(county, "POST", "/api/v1/cells/450901100201/move", {"parent": "450901"})
    c.call(township, "POST", "/api/v1/cells/450901100/move", {"parent": "450901100"})
    c.call(county, "POST", "/api/v1/cells/450901100201/move", {"parent": "450902100"})
    c.call(county, "POST", "/api/v1/cells/450901100201/move", {})
    c.call(county, "POST", "/api/v1/cells/450901100201/move", raw="[")

    # The inbox.
    village = client_for(cast.users["village"])
    item = inbox_item(cast.users["village"])
    c.call(village, "GET", "/api/v1/inbox")
    c.call(village, "GET", "/api/v1/inbox?unread=true")
    c.call(village, "GET", "/api/v1/inbox?unread=perhaps")
    c.call(village, "GET", "/api/v1/inbox?kind=warnings")
    c.call(village, "GET", "/api/v1/inbox?kind=nope")
    c.call(village, "GET", "/api/v1/inbox/kinds")
    c.call(village, "POST", f"/api/v1/inbox/{item.pk}/read")
    c.call(county, "POST", f"/api/v1/inbox/{item.pk}/read")

    c.assert_true()
    exercised = {(method, path) for method, path, status in c.seen if 200 <= status < 300}
    # The hazards', the warnings' and the disasters' operations are exercised by
    # test_openapi_hazards.py, test_openapi_warnings.py and test_openapi_disasters.py, which
    # check that every one of them answered with success there: together, none is left out.
    every = {
        (m.upper(), p)
        for p, ops in c.document["paths"].items()
        for m in ops
        if not p.startswith((HAZARDS, WARNINGS, *DISASTERS, RESOURCES, RISKS, INCIDENTS))
    }
    assert sorted(every - exercised) == [], "operations never answered with success here"
    statuses = {status for _m, _p, status in c.seen}
    assert statuses >= {200, 201, 400, 401, 403, 404, 409, 422}


@pytest.mark.django_db
def test_the_locked_out_answer_of_the_token_endpoint_matches_the_document(cast, conformance):
    client = Client()
    for _ in range(6):
        response = conformance.call(
            client, "POST", "/api/v1/auth/token", {"username": "county", "password": "wrong"}
        )
    assert response.status_code == 429
    conformance.assert_true()


@pytest.mark.django_db
def test_writes_through_the_session_without_a_csrf_token_are_refused_as_documented(
    cast, conformance
):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(
        cast.users["county"], backend="qianshao.accounts.backends.UsernameOrPhoneBackend"
    )
    writes = [
        (path, operation)
        for path, operations in conformance.document["paths"].items()
        for method, operation in operations.items()
        if method == "post" and operation.get("security")
    ]
    assert writes
    for path, _operation in writes:
        url = re.sub(r"\{\w+\}", "1", path.replace("{code}", "450901100201"))
        response = conformance.call(browser, "POST", url, {})
        assert response.status_code == 403, url
        assert response.json() == {"detail": "CSRF check Failed"}
    conformance.assert_true()


@pytest.mark.django_db
def test_a_bearer_token_needs_no_csrf_token(cast, conformance):
    issued = Client().post(
        "/api/v1/auth/token",
        {"username": "county", "password": PASSWORD},
        content_type="application/json",
    )
    bearer = {"authorization": f"Bearer {issued.json()['token']}"}
    phone = Client(enforce_csrf_checks=True, headers=bearer)
    body = {"parent": "450901101"}
    response = conformance.call(phone, "POST", "/api/v1/cells/450901100202/move", body)
    assert response.status_code == 200
    conformance.assert_true()
