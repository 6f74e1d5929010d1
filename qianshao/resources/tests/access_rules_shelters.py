"""Access rules of the shelters' pages and endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县's shelter in 甲镇, its route and household of 一村:
every request answers 404 and changes nothing. The public page of a village's shelters
answers anyone (its own test says what it leaves out).
"""

import uuid

from qianshao.intake.models import Submission
from qianshao.resources.models import Household, Route, Shelter
from qianshao.resources.tests.shelters_helpers import LINE, household, route, shelter

PAGE_RULES = {
    "resources/shelters/": "scoped",
    "resources/shelters/new/": "scoped",
    "resources/shelters/coverage/": "scoped",
    "resources/shelters/ledger.xlsx": "scoped",
    "resources/shelters/import/": "scoped",
    "resources/shelters/<int:shelter_id>/": "scoped",
    "resources/shelters/<int:shelter_id>/edit/": "scoped",
    "resources/shelters/<int:shelter_id>/step/<str:step>/": "scoped",
    "resources/routes/new/": "scoped",
    "resources/routes/<int:route_id>/": "scoped",
    "resources/routes/<int:route_id>/edit/": "scoped",
    "resources/routes/<int:route_id>/delete/": "scoped",
    "resources/households/": "scoped",
    "resources/households/new/": "scoped",
    "resources/households/<int:household_id>/edit/": "scoped",
    "resources/households/<int:household_id>/delete/": "scoped",
    "resources/evacuation/<str:code>/": "scoped",
    "s/<str:code>/": "public",
}

API_RULES = {
    ("GET", "/api/v1/resources/shelters"): "scoped",
    ("POST", "/api/v1/resources/shelters"): "scoped",
    ("GET", "/api/v1/resources/shelters/{shelter_id}"): "scoped",
    ("PUT", "/api/v1/resources/shelters/{shelter_id}"): "scoped",
    ("POST", "/api/v1/resources/shelters/{shelter_id}/steps/{step}"): "scoped",
    ("POST", "/api/v1/resources/shelters/{shelter_id}/occupancy"): "scoped",
    ("GET", "/api/v1/resources/routes"): "scoped",
    ("POST", "/api/v1/resources/routes"): "scoped",
    ("GET", "/api/v1/resources/routes/{route_id}"): "scoped",
    ("GET", "/api/v1/resources/households"): "scoped",
    ("POST", "/api/v1/resources/households"): "scoped",
    ("GET", "/api/v1/resources/households/{household_id}"): "scoped",
    ("GET", "/api/v1/resources/coverage"): "scoped",
}

SAMPLE_KWARGS = {"shelter_id": 1, "route_id": 1, "household_id": 1, "step": "open"}


def ledger_file():
    """A one-row ledger (.csv) naming 甲镇: the outsider's import must not reach it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "名称,所在网格编码,类别,有效面积（平方米）\n越界,450901100,Ⅲ类,10\n"
    return SimpleUploadedFile("shelters.csv", text.encode())


def a_county_shelter(cast):
    """A shelter in 甲镇, a route and a household of 一村 (by A县's dispatcher)."""
    s = shelter(cast)
    r = route(cast, s)
    h = household(cast, route=r)
    return s, r, h


def outsider_pages(cast) -> dict:
    s, r, h = a_county_shelter(cast)
    form = {"client_uuid": uuid.uuid4()}
    base = f"/resources/shelters/{s.pk}"
    shelter_form = form | {"name": "越界", "category": "III", "area_m2": "10"}
    return {
        "resources/shelters/": [("get", "/resources/shelters/?cell=450901", None, 404)],
        "resources/shelters/new/": [
            ("post", "/resources/shelters/new/?cell=450901100", shelter_form, 404)
        ],
        "resources/shelters/coverage/": [
            ("get", "/resources/shelters/coverage/?cell=450901", None, 404)
        ],
        "resources/shelters/ledger.xlsx": [
            ("get", "/resources/shelters/ledger.xlsx?cell=450901", None, 404)
        ],
        "resources/shelters/import/": [
            ("post", "/resources/shelters/import/?cell=450901", {"file": ledger_file()}, 404)
        ],
        "resources/shelters/<int:shelter_id>/": [("get", f"{base}/", None, 404)],
        "resources/shelters/<int:shelter_id>/edit/": [("post", f"{base}/edit/", shelter_form, 404)],
        "resources/shelters/<int:shelter_id>/step/<str:step>/": [
            ("post", f"{base}/step/{step}/", form | {"occupancy": "3"}, 404)
            for step in ["close", "activate", "occupancy"]
        ],
        "resources/routes/new/": [
            (
                "post",
                "/resources/routes/new/?cell=450901100201",
                form | {"origin": "x", "shelter": s.pk, "line": str(LINE).replace("'", '"')},
                404,
            )
        ],
        "resources/routes/<int:route_id>/": [("get", f"/resources/routes/{r.pk}/", None, 404)],
        "resources/routes/<int:route_id>/edit/": [
            (
                "post",
                f"/resources/routes/{r.pk}/edit/",
                form | {"origin": "x", "shelter": s.pk},
                404,
            )
        ],
        "resources/routes/<int:route_id>/delete/": [
            ("post", f"/resources/routes/{r.pk}/delete/", {}, 404)
        ],
        "resources/households/<int:household_id>/delete/": [
            ("post", f"/resources/households/{h.pk}/delete/", {}, 404)
        ],
        "resources/households/": [("get", "/resources/households/?cell=450901100201", None, 404)],
        "resources/households/new/": [
            (
                "post",
                "/resources/households/new/?cell=450901100201",
                form | {"head": "x", "members": "2"},
                404,
            )
        ],
        "resources/households/<int:household_id>/edit/": [
            ("post", f"/resources/households/{h.pk}/edit/", form | {"head": "x", "members": 2}, 404)
        ],
        "resources/evacuation/<str:code>/": [
            ("get", "/resources/evacuation/450901100201/", None, 404)
        ],
    }


def outsider_api(cast) -> dict:
    s, r, h = a_county_shelter(cast)
    base = f"/api/v1/resources/shelters/{s.pk}"
    body = {"name": "越界", "category": "III", "area_m2": "10"}
    return {
        ("GET", "/api/v1/resources/shelters"): [("/api/v1/resources/shelters?cell=450901", None)],
        ("POST", "/api/v1/resources/shelters"): [
            (
                "/api/v1/resources/shelters",
                body | {"client_uuid": str(uuid.uuid4()), "cell": "450901100"},
            )
        ],
        ("GET", "/api/v1/resources/shelters/{shelter_id}"): [(base, None)],
        ("PUT", "/api/v1/resources/shelters/{shelter_id}"): [(base, body)],
        ("POST", "/api/v1/resources/shelters/{shelter_id}/steps/{step}"): [
            (f"{base}/steps/close", {})
        ],
        ("POST", "/api/v1/resources/shelters/{shelter_id}/occupancy"): [
            (f"{base}/occupancy", {"occupancy": 3})
        ],
        ("GET", "/api/v1/resources/routes"): [("/api/v1/resources/routes?cell=450901", None)],
        ("POST", "/api/v1/resources/routes"): [
            (
                "/api/v1/resources/routes",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "cell": "450901100201",
                    "origin": "x",
                    "shelter": s.pk,
                    "line": LINE,
                },
            )
        ],
        ("GET", "/api/v1/resources/routes/{route_id}"): [
            (f"/api/v1/resources/routes/{r.pk}", None)
        ],
        ("GET", "/api/v1/resources/households"): [
            ("/api/v1/resources/households?cell=450901", None)
        ],
        ("POST", "/api/v1/resources/households"): [
            (
                "/api/v1/resources/households",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "cell": "450901100201",
                    "head": "x",
                    "members": 1,
                },
            )
        ],
        ("GET", "/api/v1/resources/households/{household_id}"): [
            (f"/api/v1/resources/households/{h.pk}", None)
        ],
        ("GET", "/api/v1/resources/coverage"): [("/api/v1/resources/coverage?cell=450901", None)],
    }


def state() -> tuple:
    return (
        list(Shelter.objects.order_by("pk").values_list("pk", "name", "status", "occupancy")),
        list(Route.objects.order_by("pk").values_list("pk", "origin")),
        list(Household.objects.order_by("pk").values_list("pk", "head", "members")),
        Submission.objects.count(),
    )
