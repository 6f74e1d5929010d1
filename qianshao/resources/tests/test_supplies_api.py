# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""The supplies endpoints: real answers — successes and every kind of refusal — checked
against the OpenAPI document (``test_openapi.Conformance``); every supplies operation must
answer a 2xx here. And what the answers say: the oversell 409 names ``batch``, a wrong unit
400 names ``unit``, a second receipt is a 409, a resend of a movement answers the first."""

import re
import uuid

import pytest
from django.test import Client

from qianshao.resources.models import Batch, Movement
from qianshao.resources.tests.supplies_fixtures import days, items, points  # noqa: F401
from qianshao.tests.test_openapi import Conformance, client_for

BASE = "/api/v1/resources"
PREFIXES = tuple(
    f"{BASE}/{p}"
    for p in [
        "catalogue",
        "points",
        "movements",
        "transfers",
        "requisitions",
        "agreements",
        "capacities",
        "shortages",
    ]
)


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


def uid() -> str:
    return str(uuid.uuid4())


@pytest.mark.django_db
def test_real_answers_of_every_supplies_operation_match_the_document(
    cast, points, items, conformance
):
    c = conformance
    county = client_for(cast.users["county"])
    township = client_for(cast.users["township"])
    village = client_for(cast.users["village"])
    outsider = client_for(cast.users["outsider"])
    for method, path in sorted(operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    cp, tp = points["county"].pk, points["township"].pk
    made = c.call(
        county,
        "POST",
        f"{BASE}/points",
        {"client_uuid": uid(), "cell": "450901", "name": "县二库", "lon": 106.1, "lat": 24.1},
    )
    assert made.status_code == 201, made.content
    c.call(
        village, "POST", f"{BASE}/points", {"client_uuid": uid(), "cell": "450901", "name": "x"}
    )  # 403
    c.call(
        county, "POST", f"{BASE}/points", {"client_uuid": uid(), "cell": "450902", "name": "x"}
    )  # 404
    c.call(
        county, "POST", f"{BASE}/points", {"client_uuid": uid(), "cell": "450901", "name": ""}
    )  # 400
    c.call(county, "POST", f"{BASE}/points", {"cell": "450901"})  # 422

    receipt = {
        "client_uuid": uid(),
        "kind": "receive",
        "point": cp,
        "item": "1999901",
        "quantity": "10",
        "unit": "kg",
        "expires": str(days(200)),
        "lot": "L1",
    }
    first = c.call(county, "POST", f"{BASE}/movements", receipt)
    assert first.status_code == 201, first.content
    again = c.call(county, "POST", f"{BASE}/movements", receipt)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Movement.objects.count() == 1
    wrong = c.call(
        county, "POST", f"{BASE}/movements", receipt | {"client_uuid": uid(), "unit": "袋"}
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "unit"
    batch = Batch.objects.get().pk
    over = c.call(
        county,
        "POST",
        f"{BASE}/movements",
        {
            "client_uuid": uid(),
            "kind": "issue",
            "point": cp,
            "item": "1999901",
            "quantity": 11,
            "purpose": "发放",
            "batch": batch,
        },
    )
    assert over.status_code == 409 and over.json()["field"] == "batch"
    assert "仅余 10" in over.json()["detail"]
    c.call(
        county,
        "POST",
        f"{BASE}/movements",
        {
            "client_uuid": uid(),
            "kind": "issue",
            "point": cp,
            "item": "1999901",
            "quantity": 2,
            "purpose": "发放",
        },
    )
    c.call(
        county,
        "POST",
        f"{BASE}/movements",
        {
            "client_uuid": uid(),
            "kind": "count",
            "point": cp,
            "item": "1999901",
            "counted": {str(batch): "7.5"},
            "reason": "盘点",
        },
    )
    c.call(
        county,
        "POST",
        f"{BASE}/movements",
        {
            "client_uuid": uid(),
            "kind": "write_off",
            "point": cp,
            "batch": batch,
            "quantity": "0.5",
            "reason": "damaged",
            "note": "受潮",
        },
    )
    c.call(
        county,
        "POST",
        f"{BASE}/movements",
        {
            "client_uuid": uid(),
            "kind": "issue",
            "point": cp,
            "item": "9999999",
            "quantity": 1,
            "purpose": "x",
        },
    )  # 400: not in the catalogue
    c.call(
        county, "POST", f"{BASE}/movements", {"client_uuid": uid(), "kind": "dance", "point": cp}
    )  # 422
    c.call(village, "POST", f"{BASE}/movements", receipt | {"client_uuid": uid()})  # 403
    c.call(outsider, "POST", f"{BASE}/movements", receipt | {"client_uuid": uid()})  # 404

    c.call(county, "POST", f"{BASE}/points/{tp}/minimums", {"item": "1999902", "quantity": 5})
    c.call(county, "POST", f"{BASE}/points/{tp}/minimums", {"item": "1999902", "quantity": -1})

    sent = c.call(
        county,
        "POST",
        f"{BASE}/transfers",
        {
            "client_uuid": uid(),
            "source": cp,
            "destination": tp,
            "lines": [{"item": "1999901", "quantity": 3, "unit": "kg"}],
        },
    )
    assert sent.status_code == 201, sent.content
    tid = sent.json()["id"]
    c.call(
        county,
        "POST",
        f"{BASE}/transfers",
        {
            "client_uuid": uid(),
            "source": cp,
            "destination": points["other"].pk,
            "lines": [{"item": "1999901", "quantity": 1}],
        },
    )  # 404: not seen
    c.call(village, "POST", f"{BASE}/transfers/{tid}/steps/receive", {})  # 403
    c.call(township, "POST", f"{BASE}/transfers/{tid}/steps/receive", {"client_uuid": uid()})
    second = c.call(township, "POST", f"{BASE}/transfers/{tid}/steps/receive", {})
    assert second.status_code == 409
    c.call(township, "POST", f"{BASE}/transfers/{tid}/steps/fly", {})  # 422

    req = c.call(
        township,
        "POST",
        f"{BASE}/requisitions",
        {
            "client_uuid": uid(),
            "point": tp,
            "owner": "某厂",
            "value": "800",
            "lines": [{"item": "1999902", "quantity": 2, "unit": "顶"}],
        },
    )
    assert req.status_code == 201, req.content
    rid = req.json()["id"]
    c.call(township, "POST", f"{BASE}/requisitions/{rid}/steps/return", {})
    c.call(township, "POST", f"{BASE}/requisitions/{rid}/steps/return", {})  # 409
    c.call(township, "POST", f"{BASE}/requisitions/{rid}/steps/compensate", {"amount": "300"})

    c.call(
        county,
        "POST",
        f"{BASE}/agreements",
        {
            "client_uuid": uid(),
            "cell": "450901",
            "supplier": "粮油公司",
            "item": "1999901",
            "quantity": 500,
            "starts": str(days(0)),
            "ends": str(days(365)),
        },
    )
    c.call(
        county,
        "POST",
        f"{BASE}/agreements",
        {
            "client_uuid": uid(),
            "cell": "450901",
            "supplier": "粮油公司",
            "item": "1999901",
            "quantity": 500,
            "starts": str(days(10)),
            "ends": str(days(1)),
        },
    )  # 400
    c.call(
        county,
        "POST",
        f"{BASE}/capacities",
        {
            "client_uuid": uid(),
            "cell": "450901",
            "enterprise": "帐篷厂",
            "item": "1999902",
            "per_day": 50,
        },
    )

    for url in [
        f"{BASE}/catalogue",
        f"{BASE}/catalogue?q=19999",
        f"{BASE}/catalogue?q=大米",
        f"{BASE}/points?cell=450901",
        f"{BASE}/points?cell=450902",
        f"{BASE}/points/{cp}",
        f"{BASE}/points/{points['other'].pk}",
        f"{BASE}/points/{cp}/stock",
        f"{BASE}/points/{cp}/card?item=1999901",
        f"{BASE}/points/{cp}/card?item=0",
        f"{BASE}/transfers?cell=450901100",
        f"{BASE}/transfers/{tid}",
        f"{BASE}/requisitions?cell=450901",
        f"{BASE}/agreements?cell=450901",
        f"{BASE}/capacities",
        f"{BASE}/shortages?cell=450901",
    ]:
        c.call(county, "GET", url)

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    assert sorted(operations(c.document) - exercised) == []


@pytest.mark.django_db
def test_a_transfer_is_seen_from_either_end_and_nowhere_else(cast, points, items):
    from qianshao.resources import actions_supplies as actions

    actions.receive(None, points["village"], item=items["rice"], quantity=5, expires=days(99))
    t = actions.dispatch(
        None, points["village"], points["county"], lines=[(items["rice"], 1, None, None)]
    )
    for who, status in [("county", 200), ("township", 200), ("village", 200), ("outsider", 404)]:
        answer = client_for(cast.users[who]).get(f"{BASE}/transfers/{t.pk}")
        assert answer.status_code == status, who
    listed = client_for(cast.users["township"]).get(f"{BASE}/transfers?cell=450901100")
    assert [x["id"] for x in listed.json()["items"]] == [t.pk]


@pytest.mark.django_db
def test_the_shortage_list_counts_by_class(cast, points, items):
    from qianshao.resources import actions_supplies as actions

    actions.set_minimum(None, points["township"], item=items["tent"], quantity=3)
    actions.set_minimum(None, points["village"], item=items["water"], quantity=3)
    body = client_for(cast.users["township"]).get(f"{BASE}/shortages?cell=450901100").json()
    assert body["short_by_class"] == {"1": 2}
    assert {(i["point_name"], i["item"]) for i in body["items"]} == {
        ("甲镇储备点", "1999902"),
        ("一村储备点", "1999903"),
    }
