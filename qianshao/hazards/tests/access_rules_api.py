"""Access rules of the hazard endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at a hazard of A县 — to read it, its photo, its
supervision, to take any step, to report into A县's cells, or to narrow a list or the counts
to an A县 cell: every request answers 404, as for something that does not exist, and
changes nothing. The lists themselves answer, with B县's rows only (test_api_lists).
"""

import uuid
from datetime import timedelta

from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Hazard, Photo, Supervision, Tally
from qianshao.hazards.tests.conftest import jpeg
from qianshao.intake.models import Submission

API_RULES = {
    ("POST", "/api/v1/hazards"): "scoped",
    ("GET", "/api/v1/hazards"): "scoped",
    ("GET", "/api/v1/hazards/counts"): "scoped",
    ("GET", "/api/v1/hazards/supervisions"): "scoped",
    ("POST", "/api/v1/hazards/supervisions/{supervision_id}/answer"): "scoped",
    ("GET", "/api/v1/hazards/photos/{token}"): "scoped",
    ("GET", "/api/v1/hazards/{number}"): "scoped",
    ("POST", "/api/v1/hazards/{number}/{step}"): "scoped",
}


def a_county_hazard(cast) -> Hazard:
    """A hazard of 一村 with a photo, accepted, overdue and supervised."""
    hazard = actions.report(
        cast.users["village"],
        title="越界测试隐患",
        description="A县的隐患",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.village,
        photo_files=[("a.jpg", jpeg())],
    )
    hazard = actions.accept(cast.users["township"], hazard)
    supervision.supervise(hazard.pk, hazard.due_at + timedelta(hours=1))
    return hazard


def outsider_api(cast) -> dict:
    h = a_county_hazard(cast)
    record = Supervision.objects.get(hazard=h)
    token = Photo.objects.get(hazard=h).token
    steps = {
        "accept": {},
        "return": {"reason": "越界"},
        "merge": {"into": h.number},
        "escalate": {"department": cast.department.code},
        "assign": {
            "measures": "m",
            "responsible": cast.people["outsider"].pk,
            "deadline": "2099-01-01T00:00:00+08:00",
            "contingency": "c",
            "assignee_cell": "450902100201",
        },
        "start": {},
        "progress": {"note": "越界"},
        "submit": {"photos": []},
        "verify": {},
        "reject": {"reason": "越界"},
        "close": {},
        "resubmit": {},
    }
    report = {"title": "越界上报", "description": "d", "category": "industry_trade"}
    return {
        ("POST", "/api/v1/hazards"): [
            ("/api/v1/hazards", report | {"cell": code, "client_uuid": str(uuid.uuid4())})
            for code in ["450901100201", "450901"]
        ],
        ("GET", "/api/v1/hazards"): [
            ("/api/v1/hazards?cell=450901", None),
            ("/api/v1/hazards?cell=450901100201&status=open", None),
        ],
        ("GET", "/api/v1/hazards/counts"): [("/api/v1/hazards/counts?cell=450901", None)],
        ("GET", "/api/v1/hazards/supervisions"): [
            ("/api/v1/hazards/supervisions?cell=450901100", None),
            (f"/api/v1/hazards/supervisions?hazard={h.number}", None),
        ],
        ("POST", "/api/v1/hazards/supervisions/{supervision_id}/answer"): [
            (f"/api/v1/hazards/supervisions/{record.pk}/answer", {"answer": "越界"})
        ],
        ("GET", "/api/v1/hazards/photos/{token}"): [(f"/api/v1/hazards/photos/{token}", None)],
        ("GET", "/api/v1/hazards/{number}"): [
            (f"/api/v1/hazards/{h.number}", None),
            ("/api/v1/hazards/YH20240101ZZZZZZ", None),
        ],
        ("POST", "/api/v1/hazards/{number}/{step}"): [
            (f"/api/v1/hazards/{h.number}/{step}", body) for step, body in steps.items()
        ],
    }


def state() -> tuple:
    return (
        list(
            Hazard.objects.order_by("pk").values_list(
                "pk", "status", "cell_id", "assignee_cell", "merged_into", "updated_at"
            )
        ),
        list(Photo.objects.order_by("pk").values_list("pk", "hazard_id")),
        list(Supervision.objects.order_by("pk").values_list("pk", "answered_at")),
        list(Tally.objects.order_by("path", "status", "grade", "overdue").values_list()),
        Submission.objects.count(),
    )
