"""Access rules of the patrols' pages and endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at a risk point of 一村 (A县) and its patrol: every
request answers 404 and changes nothing. Today's route is the user's own (their points only).
"""

import uuid

from qianshao.intake.models import Submission
from qianshao.risks import actions_patrols
from qianshao.risks.models import Patrol, PatrolPhoto, RiskPoint
from qianshao.risks.tests.patrols_helpers import jpeg, patrolled_point

PAGE_RULES = {
    "risks/patrols/": "scoped",
    "risks/patrols/today/": "login",
    "risks/patrols/<int:patrol_id>/": "scoped",
    "risks/patrols/<int:patrol_id>/photos/<int:photo_id>/": "scoped",
    "risks/points/<int:point_id>/checkin/": "scoped",
}

API_RULES = {
    ("POST", "/api/v1/risks/points/{point_id}/checkins"): "scoped",
    ("GET", "/api/v1/risks/patrols"): "scoped",
    ("GET", "/api/v1/risks/patrols/stats"): "scoped",
    ("GET", "/api/v1/risks/patrols/today"): "login",
    ("GET", "/api/v1/risks/patrols/{patrol_id}"): "scoped",
}

SAMPLE_KWARGS = {"patrol_id": 1, "photo_id": 1, "point_id": 1}


def a_village_patrol(cast):
    p = patrolled_point(cast)
    patrol = actions_patrols.check_in(
        cast.users["village"], p, result="ok", photos=[("a.jpg", jpeg())]
    )
    return p, patrol


def outsider_pages(cast) -> dict:
    p, patrol = a_village_patrol(cast)
    photo = patrol.photos.get()
    form = {"client_uuid": uuid.uuid4(), "result": "ok", "lon": "106.1", "lat": "24.1"}
    return {
        "risks/patrols/": [
            ("get", "/risks/patrols/?cell=450901", None, 404),
            ("get", "/risks/patrols/?cell=450901100201&month=2026-01", None, 404),
        ],
        "risks/patrols/<int:patrol_id>/": [("get", f"/risks/patrols/{patrol.pk}/", None, 404)],
        "risks/patrols/<int:patrol_id>/photos/<int:photo_id>/": [
            ("get", f"/risks/patrols/{patrol.pk}/photos/{photo.pk}/", None, 404)
        ],
        "risks/points/<int:point_id>/checkin/": [
            ("get", f"/risks/points/{p.pk}/checkin/?qr={p.public_key}", None, 404),
            ("post", f"/risks/points/{p.pk}/checkin/", form, 404),
        ],
    }


def outsider_api(cast) -> dict:
    p, patrol = a_village_patrol(cast)
    body = {"client_uuid": str(uuid.uuid4()), "result": "ok", "qr": str(p.public_key)}
    return {
        ("POST", "/api/v1/risks/points/{point_id}/checkins"): [
            (f"/api/v1/risks/points/{p.pk}/checkins", body)
        ],
        ("GET", "/api/v1/risks/patrols"): [("/api/v1/risks/patrols?cell=450901", None)],
        ("GET", "/api/v1/risks/patrols/stats"): [
            ("/api/v1/risks/patrols/stats?cell=450901100201", None)
        ],
        ("GET", "/api/v1/risks/patrols/{patrol_id}"): [
            (f"/api/v1/risks/patrols/{patrol.pk}", None)
        ],
    }


def state() -> tuple:
    return (
        list(Patrol.objects.order_by("pk").values_list("pk", "point_id", "due_at", "hazard_id")),
        list(PatrolPhoto.objects.order_by("pk").values_list("pk", "patrol_id")),
        list(RiskPoint.objects.order_by("pk").values_list("pk", "next_due_at", "last_patrol_at")),
        Submission.objects.count(),
    )
