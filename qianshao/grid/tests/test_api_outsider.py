"""The outsider (B县's dispatcher) against every API operation that reaches A县.

Every operation ruled SCOPED or OWN in ``test_urls_have_access_rules`` has requests here;
each is refused with 404 — the same answer as for something that does not exist — and
changes nothing. Lists answer, but hold B县's rows only.
"""

import json
import uuid

import pytest

from qianshao.grid.tests.test_pages_outsider import inbox_item_for, state
from qianshao.grid.tests.test_urls_have_access_rules import API_RULES, OWN, SCOPED
from qianshao.testing import appoint, area_rule_modules


def outsider_calls(cast) -> dict[tuple[str, str], list[tuple[str, dict | None]]]:
    village = cast.people["village"]
    role = village.assignments.get()
    county_item = inbox_item_for(cast.people["county"])
    new_person = {"name": "越界", "phone": "13912340002"}
    a_county = {"client_uuid": str(uuid.uuid4()), "role": "member", "new_person": new_person}
    return {
        ("GET", "/api/v1/cells"): [
            ("/api/v1/cells?parent=450901", None),
            ("/api/v1/cells?parent=450901100201", None),
        ],
        ("GET", "/api/v1/cells/{code}"): [
            (f"/api/v1/cells/{code}", None) for code in ["450901", "450901100", "450901100201"]
        ],
        ("GET", "/api/v1/cells/{code}/counts"): [("/api/v1/cells/450901/counts", None)],
        ("POST", "/api/v1/cells/{code}/move"): [
            ("/api/v1/cells/450901100201/move", {"parent": "450902100"}),
            ("/api/v1/cells/450902100201/move", {"parent": "450901100"}),
        ],
        ("GET", "/api/v1/people"): [("/api/v1/people?cell=450901100201", None)],
        ("GET", "/api/v1/people/{person_id}"): [(f"/api/v1/people/{village.pk}", None)],
        ("GET", "/api/v1/assignments"): [("/api/v1/assignments?cell=450901", None)],
        ("POST", "/api/v1/assignments"): [
            ("/api/v1/assignments", a_county | {"cell": "450901100201"}),
            (
                "/api/v1/assignments",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "role": "informant",
                    "cell": "450902100201",
                    "person_id": village.pk,
                },
            ),
        ],
        ("POST", "/api/v1/assignments/{assignment_id}/end"): [
            (f"/api/v1/assignments/{role.pk}/end", {})
        ],
        ("GET", "/api/v1/inbox"): [],  # a list of one's own: see the test below
        ("GET", "/api/v1/inbox/kinds"): [],  # counts of one's own: see the test below
        # revokes only the token the request carries: accounts/tests/test_tokens.py
        ("DELETE", "/api/v1/auth/token"): [],
        ("POST", "/api/v1/inbox/{item_id}/read"): [(f"/api/v1/inbox/{county_item.pk}/read", {})],
    }


@pytest.mark.django_db
def test_every_scoped_operation_answers_the_outsider_404_and_changes_nothing(cast, client_for):
    calls = outsider_calls(cast)
    for area in area_rule_modules():
        if hasattr(area, "outsider_api"):
            calls |= area.outsider_api(cast)
    guarded = sorted(key for key, rule in API_RULES.items() if rule in (SCOPED, OWN))
    assert sorted(calls) == guarded, "every scoped operation needs an outsider call here"
    client = client_for(cast.users["outsider"])
    before = state()
    wrong = []
    for (method, _path), requests in calls.items():
        for url, body in requests:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.generic(
                    method, url, json.dumps(body or {}), content_type="application/json"
                )
            if response.status_code != 404 or "detail" not in response.json():
                wrong.append(f"{method} {url} {body} → {response.status_code}")
    assert wrong == []
    assert state() == before


@pytest.mark.django_db
def test_the_outsider_lists_hold_only_their_own_county(cast, client_for):
    appoint(cast.other_village, "informant", name="丙镇人")
    client = client_for(cast.users["outsider"])
    cells = client.get("/api/v1/cells", {"q": "4509"}).json()
    assert sorted(c["code"] for c in cells["items"]) == ["450902", "450902100", "450902100201"]
    assert cells["count"] == 3
    assert [c["code"] for c in client.get("/api/v1/cells").json()["items"]] == ["450902"]
    people = client.get("/api/v1/people").json()["items"]
    assert sorted(p["name"] for p in people) == ["outsider人", "丙镇人"]
    roles = client.get("/api/v1/assignments").json()["items"]
    assert sorted(r["cell"] for r in roles) == ["450902", "450902100201"]


@pytest.mark.django_db
def test_the_outsider_inbox_lists_only_their_own_messages(cast, client_for):
    theirs = inbox_item_for(cast.people["outsider"])
    inbox_item_for(cast.people["county"])
    client = client_for(cast.users["outsider"])
    body = client.get("/api/v1/inbox").json()
    assert [item["id"] for item in body["items"]] == [theirs.pk]
    assert body["count"] == 1
    kinds = client.get("/api/v1/inbox/kinds").json()
    assert sum(kind["unread"] for kind in kinds) == 1  # their appointment, not the county's
