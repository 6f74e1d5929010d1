"""Access rules of the risk points' pages and endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县's red risk point in 一村: every request answers
404 and changes nothing. The public pages (a published point's, a county's red risks)
answer anyone: their own tests (test_points_board.py) say what they leave out. The kinds
are the admin's list, the same for everyone signed in.
"""

import uuid

from qianshao.intake.models import Submission
from qianshao.risks.models import GradeRecord, Measure, RiskPoint
from qianshao.risks.tests.helpers import VILLAGE_POINT, risk_point

PAGE_RULES = {
    "risks/points/": "scoped",
    "risks/points/new/": "scoped",
    "risks/points/<int:point_id>/": "scoped",
    "risks/points/<int:point_id>/edit/": "scoped",
    "risks/points/<int:point_id>/regrade/": "scoped",
    "risks/points/<int:point_id>/measures/": "scoped",
    "risks/points/<int:point_id>/step/<str:step>/": "scoped",
    "risks/points/<int:point_id>/board/": "scoped",
    "risks/lists/": "scoped",
    "risks/lists.xlsx": "scoped",
    "public/risks/p/<uuid:public_key>/": "public",
    "public/risks/<str:code>/": "public",
}

API_RULES = {
    ("GET", "/api/v1/risks/points"): "scoped",
    ("POST", "/api/v1/risks/points"): "scoped",
    ("GET", "/api/v1/risks/points/{point_id}"): "scoped",
    ("PATCH", "/api/v1/risks/points/{point_id}"): "scoped",
    ("POST", "/api/v1/risks/points/{point_id}/regrade"): "scoped",
    ("POST", "/api/v1/risks/points/{point_id}/retire"): "scoped",
    ("PUT", "/api/v1/risks/points/{point_id}/measures"): "scoped",
    ("GET", "/api/v1/risks/points/{point_id}/grades"): "scoped",
    ("GET", "/api/v1/risks/kinds"): "login",
}

SAMPLE_KWARGS = {
    "point_id": 1,
    "step": "retire",
    "public_key": "00000000-0000-4000-8000-000000000000",
}

RED = {"likelihood": 5, "severity": 5}


def a_county_point(cast) -> RiskPoint:
    """A red landslide point of 一村 (by 甲镇's dispatcher)."""
    return risk_point(cast, kind="landslide", inputs=RED, name="后山滑坡")


def outsider_pages(cast) -> dict:
    p = a_county_point(cast)
    form = {"client_uuid": uuid.uuid4()}
    base = f"/risks/points/{p.pk}"
    point_form = form | {
        "name": "越界",
        "kind": "landslide",
        "lon": "106.1",
        "lat": "24.1",
        "inputs.likelihood": "5",
        "inputs.severity": "5",
    }
    return {
        "risks/points/": [("get", "/risks/points/?cell=450901", None, 404)],
        "risks/points/new/": [("post", "/risks/points/new/?cell=450901100201", point_form, 404)],
        "risks/points/<int:point_id>/": [("get", f"{base}/", None, 404)],
        "risks/points/<int:point_id>/edit/": [("post", f"{base}/edit/", point_form, 404)],
        "risks/points/<int:point_id>/regrade/": [
            (
                "post",
                f"{base}/regrade/",
                form | {"inputs.likelihood": "1", "inputs.severity": "1"},
                404,
            )
        ],
        "risks/points/<int:point_id>/measures/": [
            ("post", f"{base}/measures/", form | {"control": "越界"}, 404)
        ],
        "risks/points/<int:point_id>/step/<str:step>/": [
            ("post", f"{base}/step/{step}/", form | {"note": "越界"}, 404)
            for step in ["retire", "publish", "unpublish"]
        ],
        "risks/points/<int:point_id>/board/": [("get", f"{base}/board/", None, 404)],
        "risks/lists/": [("get", "/risks/lists/?cell=450901", None, 404)],
        "risks/lists.xlsx": [("get", "/risks/lists.xlsx?cell=450901100201", None, 404)],
    }


def outsider_api(cast) -> dict:
    p = a_county_point(cast)
    base = f"/api/v1/risks/points/{p.pk}"
    new = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "name": "越界",
        "kind": "landslide",
        "geometry": VILLAGE_POINT,
        "inputs": RED,
    }
    return {
        ("GET", "/api/v1/risks/points"): [("/api/v1/risks/points?cell=450901", None)],
        ("POST", "/api/v1/risks/points"): [("/api/v1/risks/points", new)],
        ("GET", "/api/v1/risks/points/{point_id}"): [(base, None)],
        ("PATCH", "/api/v1/risks/points/{point_id}"): [(base, {"name": "越界"})],
        ("POST", "/api/v1/risks/points/{point_id}/regrade"): [
            (f"{base}/regrade", {"inputs": {"likelihood": 1, "severity": 1}})
        ],
        ("POST", "/api/v1/risks/points/{point_id}/retire"): [(f"{base}/retire", {"note": "越界"})],
        ("PUT", "/api/v1/risks/points/{point_id}/measures"): [
            (f"{base}/measures", {"measures": [{"list": "control", "what": "越界"}]})
        ],
        ("GET", "/api/v1/risks/points/{point_id}/grades"): [(f"{base}/grades", None)],
    }


def state() -> tuple:
    return (
        list(
            RiskPoint.objects.order_by("pk").values_list(
                "pk", "name", "grade", "status", "published"
            )
        ),
        GradeRecord.objects.count(),
        Measure.objects.count(),
        Submission.objects.count(),
    )
