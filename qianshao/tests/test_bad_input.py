"""Bad input of every kind is a 4xx naming what was wrong, on every API operation.

Each class of bad input is sent to every operation of the OpenAPI document that takes it
(bodies to every operation with a body, query parameters to every operation with them),
as the county's dispatcher with a bearer token, on a real hazard, disaster and incident so
that the endpoints that look the object up first get as far as reading the body.
"""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.accounts.actions import issue_token
from qianshao.disasters import actions as disaster_actions
from qianshao.disasters.models import DisasterType
from qianshao.grid.models import Domain
from qianshao.hazards import actions as hazard_actions
from qianshao.incidents.tests.helpers import an_incident


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


@pytest.fixture
def objects(cast):
    """A hazard, a disaster and an incident of 一村 that the county sees."""
    hazard = hazard_actions.report(
        cast.users["village"],
        title="护栏缺失",
        description="村口桥护栏缺失",
        category=Domain.objects.get(code="fire"),
        cell=cast.village,
    )
    disaster = disaster_actions.report(
        cast.users["village"],
        type=DisasterType.FLOOD,
        started_at=timezone.now() - timedelta(hours=1),
        cell=cast.village,
        figures={"affected": 3},
    )
    return {
        "hazard": hazard.number,
        "disaster": disaster.number,
        "incident": str(an_incident(cast).pk),
        "cell": cast.village.code,
    }


def bearer(user) -> Client:
    raw, _token = issue_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def url_of(path: str, objects: dict) -> str:
    """A real address for the path template: the hazard's or disaster's number, the
    incident's id (and a step of it), the cell."""
    kind = "disaster" if path.startswith("/api/v1/disasters") else "hazard"
    path = path.replace("{number}", objects[kind]).replace("{incident_id}", objects["incident"])
    step = "report" if path.startswith("/api/v1/incidents") else "accept"
    path = path.replace("{step}", step)
    path = path.replace("{code}", objects["cell"])
    return re.sub(r"\{\w+\}", "1", path)


def operations(document, *, body=False, query=False):
    """(method, path, operation) of every operation, those with a JSON body or a query."""
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            if body and "application/json" not in content:
                continue
            if query and not params:
                continue
            found.append((method, path, operation))
    assert found
    return found


def send(client, method, url, data: bytes | str, content_type="application/json"):
    return client.generic(method.upper(), url, data, content_type=content_type)


def names(response, field: str) -> bool:
    """The answer names ``field``: an action's ``field``, or the end of a 422's ``loc``."""
    body = response.json()
    if isinstance(body.get("detail"), list):
        return any(str(issue["loc"][-1]) == field for issue in body["detail"])
    return body.get("field") == field


def test_a_deeply_nested_json_body_is_a_400_naming_the_body_everywhere(cast, objects, document):
    county = bearer(cast.users["county"])
    nested = "[" * 10_000 + "]" * 10_000
    deep_object = '{"note": ' + "[" * 100 + "]" * 100 + "}"
    wrong = []
    for method, path, _op in operations(document, body=True):
        for data in (nested, deep_object):
            response = send(county, method, url_of(path, objects), data)
            if response.status_code != 400 or not names(response, "body"):
                wrong.append(f"{method} {path} {data[:12]}: {response.status_code}")
    assert wrong == []


def test_nested_json_in_a_multipart_field_is_a_400_naming_it(cast, objects):
    county = bearer(cast.users["county"])
    figures = "[" * 10_000 + "]" * 10_000
    response = county.post(
        f"/api/v1/disasters/{objects['disaster']}/follow-up", {"figures": figures}
    )
    assert response.status_code == 400 and names(response, "figures"), response.content


def date_fields(document, operation) -> list[tuple[str, str]]:
    """(name, format) of the date and date-time properties of the operation's JSON body."""
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    found = []
    for variant in schema.get("anyOf", [schema]):
        for name, prop in variant.get("properties", {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("format") in ("date", "date-time"):
                    found.append((name, option["format"]))
    return found


FAR_DATES = {
    "date-time": ["0001-01-01T00:00:00", "9999-12-31T23:59:59-10:00", "1900-01-01T00:00:00"],
    "date": ["0001-01-01", "9999-12-31", "1900-01-01"],
}


def test_a_date_out_of_range_is_a_422_naming_its_field_in_every_body(cast, objects, document):
    county = bearer(cast.users["county"])
    wrong, checked = [], 0
    for method, path, operation in operations(document, body=True):
        for name, fmt in date_fields(document, operation):
            for value in FAR_DATES[fmt]:
                checked += 1
                response = send(county, method, url_of(path, objects), json.dumps({name: value}))
                if response.status_code != 422 or not names(response, name):
                    wrong.append(f"{method} {path} {name}={value}: {response.status_code}")
    assert checked >= 6 * 3  # found_at, deadline, valid_from/until, started_at, day, start, end
    assert wrong == []


def test_a_warning_valid_far_in_the_past_or_future_is_a_422_not_an_overflow(cast):
    county = bearer(cast.users["county"])
    for field, value in [
        ("valid_from", "0001-01-01T00:00:00"),
        ("valid_until", "9999-12-31T23:59:59-10:00"),
    ]:
        body = {
            "client_uuid": "8a6e0804-2bd0-4672-b79d-d97027f9071b",
            "type": "rainstorm",
            "level": "blue",
            "headline": "暴雨",
            "text": "暴雨",
            "targets": [cast.village.code],
            "valid_until": (timezone.now() + timedelta(hours=6)).isoformat(),
            field: value,
        }
        response = send(county, "POST", "/api/v1/warnings", json.dumps(body))
        assert response.status_code == 422 and names(response, field), response.content


def test_a_date_query_out_of_range_is_a_422_naming_it(cast, document, objects):
    county = bearer(cast.users["county"])
    wrong = []
    for _method, path, operation in operations(document, query=True):
        for param in operation["parameters"]:
            if param["in"] != "query":
                continue
            formats = [o.get("format") for o in param["schema"].get("anyOf", [param["schema"]])]
            fmt = next((f for f in formats if f in FAR_DATES), None)
            if fmt is None:
                continue
            for value in FAR_DATES[fmt]:
                response = county.get(url_of(path, objects), {param["name"]: value})
                if response.status_code != 422 or not names(response, param["name"]):
                    wrong.append(f"{path} {param['name']}={value}: {response.status_code}")
    assert wrong == []


def string_fields(document, operation) -> list[str]:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    found = []
    for variant in schema.get("anyOf", [schema]):
        for name, prop in variant.get("properties", {}).items():
            options = prop.get("anyOf", [prop])
            if any(o.get("type") == "string" and "format" not in o for o in options):
                found.append(name)
            if any(
                o.get("type") == "array" and o["items"].get("type") == "string" for o in options
            ):
                found.append(name)  # a list of codes: each is a string
    return sorted(set(found))


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"], ids=["lone-surrogate", "nul"])
def test_a_lone_surrogate_or_nul_in_any_string_is_a_422_naming_its_field(
    cast, objects, document, bad
):
    county = bearer(cast.users["county"])
    anonymous = Client()
    wrong, checked = [], 0
    for method, path, operation in operations(document, body=True):
        client = county if operation.get("security") else anonymous
        for name in string_fields(document, operation):
            props = {}
            for variant in operation["requestBody"]["content"]["application/json"]["schema"].get(
                "anyOf", [{}]
            ):
                props |= variant.get("properties", {})
            is_list = any(o.get("type") == "array" for o in props.get(name, {}).get("anyOf", []))
            value = [bad] if is_list or name in ("targets",) else bad
            checked += 1
            response = send(client, method, url_of(path, objects), json.dumps({name: value}))
            if response.status_code not in (400, 422) or not names(response, name):
                wrong.append(f"{method} {path} {name}: {response.status_code}")
    assert checked > 30
    assert wrong == []


def test_the_token_endpoint_refuses_a_lone_surrogate_as_a_422(db):
    response = send(
        Client(), "POST", "/api/v1/auth/token", '{"username": "\\ud800", "password": "x"}'
    )
    assert response.status_code == 422 and names(response, "username"), response.content


def test_a_nul_in_a_query_parameter_is_a_422_naming_it(cast, document, objects):
    county = bearer(cast.users["county"])
    wrong = []
    for method, path, operation in operations(document, query=True):
        for param in operation["parameters"]:
            schema = param["schema"]
            options = schema.get("anyOf", [schema])
            if param["in"] != "query" or not any(
                o.get("type") == "string" and "format" not in o and "enum" not in o for o in options
            ):
                continue
            response = county.generic(
                method.upper(), f"{url_of(path, objects)}?{param['name']}=a%00b"
            )
            if response.status_code not in (400, 422) or not names(response, param["name"]):
                wrong.append(f"{method} {path} {param['name']}: {response.status_code}")
    assert wrong == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("offset=9223372036854775808", "offset"),
        ("offset=-1", "offset"),
        ("offset=10001", "offset"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=100000", "limit"),
        ("cursor=garbage", "cursor"),
        ("cursor=WzEsMl0:forged", "cursor"),
        ("cursor=x&offset=1", "offset"),
    ],
)
def test_pagination_out_of_bounds_is_a_400_naming_it_on_every_list(
    cast, document, objects, query, field
):
    county = bearer(cast.users["county"])
    wrong, lists = [], 0
    for _method, path, operation in operations(document, query=True):
        if not any(p["name"] == "cursor" for p in operation["parameters"]):
            continue
        url = url_of(path, objects)
        if county.get(url).status_code != 200:
            continue  # the list itself needs more (a parameter, an object of the caller's)
        lists += 1
        response = county.get(f"{url}?{query}")
        if response.status_code != 400 or not names(response, field):
            wrong.append(f"{path}: {response.status_code}")
    assert lists >= 10
    assert wrong == []


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "application/json; charset=nope-8"],
)
def test_a_broken_content_type_is_a_400_naming_it_on_every_write(
    cast, document, objects, content_type
):
    county = bearer(cast.users["county"])
    anonymous = Client()
    wrong = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method == "get":
                continue
            client = county if operation.get("security") else anonymous
            response = send(client, method, url_of(path, objects), b"{}", content_type)
            if response.status_code != 400 or not names(response, "Content-Type"):
                wrong.append(f"{method} {path}: {response.status_code} {response.content[:80]}")
    assert wrong == []


@pytest.mark.parametrize("far", ["9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+08:00"])
@pytest.mark.parametrize("element", ["sent", "expires"])
def test_a_cap_alert_with_a_time_out_of_range_is_refused_naming_it(cast, far, element):
    from qianshao.warnings.cap import cap_time
    from qianshao.warnings.tests.access_rules_cap import alert_xml

    expires = timezone.now() + timedelta(hours=6)
    document = alert_xml(expires=expires).decode()
    if element == "sent":
        document = re.sub(r"<sent>[^<]+</sent>", f"<sent>{far}</sent>", document)
    else:
        document = document.replace(cap_time(expires), far)
    county = bearer(cast.users["county"])
    response = county.post("/api/v1/warnings/cap", document, content_type="application/xml")
    assert response.status_code == 400, response.content


def test_a_lone_surrogate_as_a_field_name_is_a_422(db):
    response = send(Client(), "POST", "/api/v1/auth/token", '{"\\ud800": 1, "username": "a"}')
    assert response.status_code == 422, response.content


def test_a_nul_in_a_multipart_field_is_a_422_naming_it(cast, objects):
    village = bearer(cast.users["village"])
    body = {
        "client_uuid": "1d1f4a4e-1b55-4a38-9d2e-3f0f2f4d3c11",
        "title": "护栏\x00缺失",
        "description": "桥头",
        "category": "fire",
        "cell": objects["cell"],
    }
    response = village.post("/api/v1/hazards", body)
    assert response.status_code == 422 and names(response, "title"), response.content
