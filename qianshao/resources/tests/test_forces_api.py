"""The forces' endpoints tell the truth: real answers — successes and every kind of refusal —
checked against the OpenAPI document (``test_openapi.Conformance``). Every one of their
operations must answer a 2xx here. And what the answers say: a resend of a creation
returns the first, a member in two teams is shown with the other, compliance per child."""

import re
import uuid

import pytest
from django.test import Client

from qianshao.resources import tally
from qianshao.resources.models import Team
from qianshao.tests.test_openapi import Conformance, client_for

R = "/api/v1/resources"
FORCES = tuple(f"{R}/{p}" for p in ("teams", "members", "experts", "social-forces", "compliance"))


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, ops in document["paths"].items()
        if path.startswith(FORCES)
        for method in ops
    }


def team_body(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "name": "一村先锋分队",
        "kind": "comprehensive",
        "leader_name": "韦队长",
        "leader_phone": "13912340000",
    } | extra


@pytest.mark.django_db
def test_real_answers_of_every_forces_operation_match_the_document(cast, conformance):
    c = conformance
    village = client_for(cast.users["village"])
    township = client_for(cast.users["township"])
    county = client_for(cast.users["county"])
    outsider = client_for(cast.users["outsider"])

    for method, path in sorted(operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    body = team_body()
    made = c.call(township, "POST", f"{R}/teams", body)
    assert made.status_code == 201, made.content
    again = c.call(township, "POST", f"{R}/teams", body)  # the resend: the first
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    team = made.json()["id"]
    assert made.json()["members_n"] == 1 and made.json()["leader"] == "韦队长"
    c.call(township, "POST", f"{R}/teams", team_body(kind="nope"))  # 422
    c.call(township, "POST", f"{R}/teams", team_body(base_lon=200, base_lat=24))  # 400
    c.call(village, "POST", f"{R}/teams", team_body())  # 403: a member, not a manager
    c.call(township, "POST", f"{R}/teams", team_body(cell="450902100201"))  # 404
    c.call(township, "POST", f"{R}/teams", raw="{oops")  # 400

    c.call(township, "POST", f"{R}/teams", team_body(leader_phone=""))  # 400: leader_phone
    second = c.call(
        township, "POST", f"{R}/teams", team_body(kind="flood", leader_name="", leader_phone="")
    )
    assert second.status_code == 201, second.content
    second_id = second.json()["id"]

    member = {"client_uuid": str(uuid.uuid4()), "name": "韦队长", "phone": "13912340000"}
    added = c.call(township, "POST", f"{R}/teams/{second_id}/members", member)
    assert added.status_code == 201, added.content
    assert [t["id"] for t in added.json()["other_teams"]] == [team]
    member["client_uuid"] = str(uuid.uuid4())
    c.call(township, "POST", f"{R}/teams/{second_id}/members", member)  # 409: already in
    c.call(township, "POST", f"{R}/teams/{second_id}/members", {"name": "x"})  # 422
    c.call(outsider, "POST", f"{R}/teams/{second_id}/members", member)  # 404
    shown = c.call(county, "GET", f"{R}/teams/{team}").json()
    assert shown["members"][0]["other_teams"] == [{"id": second_id, "name": "一村先锋分队"}]
    assert shown["steps"] == ["dispatch", "disable", "revoke"]

    edit = {"name": "一村防汛队", "kind": "flood", "phone": "", "address": "村委会"}
    c.call(township, "PUT", f"{R}/teams/{second_id}", edit)
    c.call(village, "PUT", f"{R}/teams/{second_id}", edit)  # 403

    c.call(township, "POST", f"{R}/teams/{team}/steps/dispatch", {"note": "山洪"})
    c.call(township, "POST", f"{R}/teams/{team}/steps/disable", {})  # 409: out
    c.call(township, "POST", f"{R}/teams/{team}/steps/nope", {})  # 400
    c.call(village, "POST", f"{R}/teams/{team}/steps/return", {})  # 403
    assert Team.objects.get(pk=team).status == "out"

    cert = {"client_uuid": str(uuid.uuid4()), "person": added.json()["person"], "name": "急救证"}
    made_cert = c.call(township, "POST", f"{R}/teams/{second_id}/certificates", cert)
    assert made_cert.status_code == 201, made_cert.content
    stranger = cert | {"client_uuid": str(uuid.uuid4()), "person": cast.people["county"].pk}
    c.call(township, "POST", f"{R}/teams/{second_id}/certificates", stranger)  # 400: person
    c.call(township, "POST", f"{R}/teams/{second_id}/certificates", cert | {"expires": "1"})

    member_id = added.json()["id"]
    c.call(township, "POST", f"{R}/members/{member_id}/leave", {"note": "调离"})
    c.call(township, "POST", f"{R}/members/{member_id}/leave", {})  # 409: left

    expert = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901",
        "name": "黄工",
        "field": "地质灾害",
        "phone": "0776-1234567",
        "verified_on": "2025-01-01",
    }
    made_expert = c.call(county, "POST", f"{R}/experts", expert)
    assert made_expert.status_code == 201, made_expert.content
    eid = made_expert.json()["id"]
    c.call(
        county, "POST", f"{R}/experts", expert | {"client_uuid": str(uuid.uuid4()), "phone": "x"}
    )
    c.call(county, "POST", f"{R}/experts/{eid}/verify", {})
    c.call(county, "POST", f"{R}/experts/{eid}/verify", {"on": "2020-01-01"})  # 400
    c.call(township, "POST", f"{R}/experts/{eid}/verify", {})  # 404: above them
    edit_expert = {
        "name": "黄工",
        "field": "地质灾害防治",
        "title": "高工",
        "phone": "0776-1234567",
    }
    assert c.call(county, "PUT", f"{R}/experts/{eid}", edit_expert).json()["title"] == "高工"
    c.call(county, "PUT", f"{R}/experts/{eid}", edit_expert | {"phone": "x"})  # 400

    force = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901",
        "organisation": "蓝天救援队",
        "capability": "山地搜救",
        "size": 25,
        "contact": "赵",
        "phone": "13900000001",
        "agreement_start": "2026-01-01",
        "agreement_end": "2026-12-31",
    }
    made_force = c.call(county, "POST", f"{R}/social-forces", force)
    assert made_force.status_code == 201
    fid = made_force.json()["id"]
    edit_force = {k: v for k, v in force.items() if k not in ("client_uuid", "cell")}
    assert (
        c.call(county, "PUT", f"{R}/social-forces/{fid}", edit_force | {"size": 30}).json()["size"]
        == 30
    )
    c.call(township, "PUT", f"{R}/social-forces/{fid}", edit_force)  # 404: above them
    c.call(
        county, "POST", f"{R}/social-forces", force | {"client_uuid": str(uuid.uuid4()), "size": 0}
    )
    c.call(
        county,
        "POST",
        f"{R}/social-forces",
        force | {"client_uuid": str(uuid.uuid4()), "agreement_end": "2025-01-01"},
    )  # 400

    for url in [
        f"{R}/teams",
        f"{R}/teams?cell=450901100&kind=comprehensive&status=out",
        f"{R}/teams?cell=450902",
        f"{R}/teams/{team}",
        f"{R}/teams/999999",
        f"{R}/experts?cell=450901&overdue=false",
        f"{R}/social-forces?cell=450901",
        f"{R}/compliance?cell=450901100",
        f"{R}/compliance?cell=450902",
    ]:
        c.call(county, "GET", url)
    table = c.call(county, "GET", f"{R}/compliance?cell=450901100").json()
    yicun = next(r for r in table["children"] if r["cell"] == "450901100201")
    assert (yicun["minimum"], yicun["largest"], yicun["shortfall"]) == (10, 1, 9)
    assert c.call(village, "GET", f"{R}/teams").json()["count"] == 2

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    missing = sorted(operations(c.document) - exercised)
    assert missing == [], "operations never answered with success here"
    assert tally.matches()
