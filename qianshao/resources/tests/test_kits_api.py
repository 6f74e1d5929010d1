"""The kit endpoints: real answers — successes and every kind of refusal — checked against the
OpenAPI document (``test_openapi.Conformance``); every kit operation answers a 2xx here."""

import re
import uuid

import pytest
from django.test import Client

from qianshao.grid.models import Duty, Role
from qianshao.resources import tally
from qianshao.resources.models import KitCard, KitItem
from qianshao.testing import appoint
from qianshao.tests.test_openapi import Conformance, client_for

BASE = "/api/v1/resources"


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def kit_operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, ops in document["paths"].items()
        if path.startswith((f"{BASE}/kit", f"{BASE}/kits"))
        for method in ops
    }


@pytest.mark.django_db
def test_real_answers_of_every_kit_operation_match_the_document(cast, conformance):
    c = conformance
    county = client_for(cast.users["county"])
    village = client_for(cast.users["village"])
    outsider = client_for(cast.users["outsider"])
    person = appoint(cast.village, Role.MEMBER, name="应急员", duties=[Duty.EMERGENCY_OFFICER])
    card = KitCard.objects.get(person=person)

    for method, path in sorted(kit_operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    standards = c.call(county, "GET", f"{BASE}/kits").json()
    nine = next(s for s in standards if s["code"] == "nine_ones")
    assert [line["name"] for line in nine["lines"]][:3] == ["雨衣", "救生衣", "雨靴"]
    lines = {line["name"]: line["id"] for line in nine["lines"]}

    items = f"{BASE}/kit-cards/{card.pk}/items"
    body = {"client_uuid": str(uuid.uuid4()), "line": lines["雨衣"], "quantity": 1}
    made = c.call(county, "POST", items, body)
    assert made.status_code == 201, made.content
    assert made.json()["missing"] == 8
    assert c.call(county, "POST", items, body).status_code == 200  # the same uuid
    assert KitItem.objects.count() == 1
    fresh = {"client_uuid": str(uuid.uuid4())}
    refused = c.call(county, "POST", items, fresh | {"line": 999999})
    assert (refused.status_code, refused.json()["field"]) == (400, "line")
    refused = c.call(county, "POST", items, fresh | {"line": lines["雨靴"], "quantity": 0})
    assert (refused.status_code, refused.json()["field"]) == (400, "quantity")
    assert c.call(village, "POST", items, fresh | {"line": lines["雨靴"]}).status_code == 403
    assert c.call(outsider, "POST", items, fresh | {"line": lines["雨靴"]}).status_code == 404
    c.call(county, "POST", items, fresh | {"line": "雨靴", "surprise": 1})  # 422
    c.call(county, "POST", items, raw="{oops")  # 400
    for name, line_id in lines.items():
        if name != "雨衣":
            c.call(county, "POST", items, {"client_uuid": str(uuid.uuid4()), "line": line_id})

    detail = c.call(county, "GET", f"{BASE}/kit-cards/{card.pk}").json()
    assert (detail["complete"], detail["may_issue"]) == (True, True)
    raincoat = next(i for i in detail["items"] if i["line_name"] == "雨衣")
    assert raincoat["steps"] == ["lose", "damage", "return"]
    assert c.call(village, "GET", f"{BASE}/kit-cards/{card.pk}").json()["may_issue"] is False
    c.call(outsider, "GET", f"{BASE}/kit-cards/{card.pk}")  # 404

    steps = f"{BASE}/kit-cards/{card.pk}/items/{raincoat['id']}/steps"
    lost = c.call(county, "POST", f"{steps}/lose", {"note": "遗失"})
    assert lost.json()["status"] == "lost"
    assert c.call(county, "POST", f"{steps}/return", {}).status_code == 409
    assert c.call(village, "POST", f"{steps}/replace", {}).status_code == 403
    c.call(county, "POST", f"{steps}/fly", {})  # 422
    c.call(county, "POST", f"{steps}/issue", {})  # 404: not a step of a piece
    c.call(county, "POST", f"{BASE}/kit-cards/{card.pk}/items/999999/steps/lose", {})  # 404
    again = {"client_uuid": str(uuid.uuid4()), "condition": "good"}
    replaced = c.call(county, "POST", f"{steps}/replace", again)
    assert replaced.json()["status"] == "replaced"
    assert c.call(county, "POST", f"{steps}/replace", again).status_code == 200  # resend

    listed = c.call(county, "GET", f"{BASE}/kit-cards?cell=450901100").json()
    assert [x["id"] for x in listed["items"]] == [card.pk]
    assert listed["items"][0]["complete"] is True
    for url in [
        f"{BASE}/kit-cards",
        f"{BASE}/kit-cards?cell=450901&standard=four_smalls&incomplete=true",
        f"{BASE}/kit-cards?cell=450902",  # 404
        f"{BASE}/kit-cards?limit=0",  # 422
        f"{BASE}/kits/completeness?cell=450902",  # 404
        f"{BASE}/kits/completeness",
    ]:
        c.call(county, "GET", url)
    answer = c.call(county, "GET", f"{BASE}/kits/completeness?cell=450901").json()
    assert answer["cell"]["holders"] == 1 and answer["cell"]["percent"] == 100
    township = next(x for x in answer["children"] if x["code"] == "450901100")
    nine_there = next(k for k in township["kits"] if k["code"] == "nine_ones")
    assert (nine_there["holders"], nine_there["complete"], nine_there["percent"]) == (1, 1, 100)
    assert tally.matches()

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    assert sorted(kit_operations(c.document) - exercised) == []
