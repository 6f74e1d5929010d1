"""Access rules of the zero report and disaster pages and endpoints, merged into the grid's
tables by ``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县: its board, calendar and disaster reports, a
zero report or a disaster filed for 一村, a follow-up, a 核报, a relief application or
decision, a correction: every request answers 404 (or, for a form naming a cell the
outsider does not see, 404 too) and changes nothing. Lists answer, holding B县's rows only
(their own tests).
"""

import uuid
from datetime import timedelta

from django.utils import timezone

from qianshao.disasters import actions
from qianshao.disasters.models import (
    DayTally,
    DisasterReport,
    Photo,
    ReliefApplication,
    Version,
    ZeroReport,
)
from qianshao.hazards.tests.conftest import jpeg
from qianshao.intake.models import Submission

PAGE_RULES = {
    "disasters/board/": "scoped",
    "disasters/calendar/": "scoped",
    "disasters/zero/<int:report_id>/correct/": "scoped",
    "disasters/": "scoped",
    "disasters/new/": "scoped",
    "disasters/relief/<int:relief_id>/decide/": "scoped",
    "disasters/<disaster:disaster_number>/": "scoped",
    "disasters/photos/<str:photo_token>.jpg": "scoped",
    "disasters/<disaster:disaster_number>/<str:step>/": "scoped",
    "m/zero/": "own",
    "m/zero/file/": "scoped",
}

API_RULES = {
    ("POST", "/api/v1/zero-reports"): "scoped",
    ("GET", "/api/v1/zero-reports"): "scoped",
    ("POST", "/api/v1/zero-reports/{report_id}/correct"): "scoped",
    ("GET", "/api/v1/zero-reports/completeness"): "scoped",
    ("POST", "/api/v1/disasters"): "scoped",
    ("GET", "/api/v1/disasters"): "scoped",
    ("GET", "/api/v1/disasters/figures"): "scoped",
    ("GET", "/api/v1/disasters/{number}"): "scoped",
    ("GET", "/api/v1/disasters/photos/{token}"): "scoped",
    ("POST", "/api/v1/disasters/{number}/follow-up"): "scoped",
    ("POST", "/api/v1/disasters/{number}/verify"): "scoped",
    ("POST", "/api/v1/disasters/{number}/relief"): "scoped",
    ("POST", "/api/v1/disasters/relief/{relief_id}/decide"): "scoped",
}

SAMPLE_KWARGS = {
    "disaster_number": "ZQ20240101ABCDEF",
    "report_id": 1,
    "relief_id": 1,
    "photo_token": "0" * 32,
}


def a_county_disaster(cast):
    """A flood in 一村 with a relief application, and 一村's zero report of today."""
    from qianshao.disasters.models import DisasterType

    zero = actions.file_zero(cast.users["village"], cell=cast.village)
    d = actions.report(
        cast.users["village"],
        type=DisasterType.FLOOD,
        started_at=timezone.now() - timedelta(hours=1),
        cell=cast.village,
        figures={"affected": 12},
        photo_files=[("a.jpg", jpeg())],
    )
    relief = actions.apply_relief(
        cast.users["village"], d, kind="living", households=2, people=6, amount=1
    )
    return zero, d, relief


def photo_of(d: DisasterReport) -> Photo:
    return Photo.objects.get(version__report=d)


def outsider_pages(cast) -> dict:
    zero, d, relief = a_county_disaster(cast)
    form = {"client_uuid": uuid.uuid4()}
    figures = {"affected": 1}
    return {
        "disasters/board/": [("get", "/disasters/board/?cell=450901100", None, 404)],
        "disasters/calendar/": [("get", "/disasters/calendar/?cell=450901100201", None, 404)],
        "disasters/zero/<int:report_id>/correct/": [
            ("post", f"/disasters/zero/{zero.pk}/correct/", form | {"kind": "none"}, 404)
        ],
        "disasters/": [("get", "/disasters/?cell=450901", None, 404)],
        "disasters/new/": [],  # offers B县's cells only: test_pages_disasters
        "disasters/relief/<int:relief_id>/decide/": [
            ("post", f"/disasters/relief/{relief.pk}/decide/", form | {"approve": "1"}, 404)
        ],
        "disasters/<disaster:disaster_number>/": [("get", f"/disasters/{d.number}/", None, 404)],
        "disasters/photos/<str:photo_token>.jpg": [
            ("get", f"/disasters/photos/{photo_of(d).token}.jpg", None, 404)
        ],
        "disasters/<disaster:disaster_number>/<str:step>/": [
            ("post", f"/disasters/{d.number}/{step}/", form | figures, 404)
            for step in ["follow-up", "verify", "relief"]
        ],
        "m/zero/": [],  # content, not a status: test_pages_disasters
        "m/zero/file/": [
            ("post", "/m/zero/file/", form | {"cell": "450901100201", "kind": "none"}, 404)
        ],
    }


def outsider_api(cast) -> dict:
    zero, d, relief = a_county_disaster(cast)
    base = f"/api/v1/disasters/{d.number}"
    report = {
        "client_uuid": str(uuid.uuid4()),
        "type": "flood",
        "started_at": timezone.now().isoformat(),
        "cell": "450901100201",
        "figures": {"affected": 1},
    }
    return {
        ("POST", "/api/v1/zero-reports"): [
            ("/api/v1/zero-reports", {"client_uuid": str(uuid.uuid4()), "cell": "450901100201"})
        ],
        ("GET", "/api/v1/zero-reports"): [("/api/v1/zero-reports?cell=450901", None)],
        ("POST", "/api/v1/zero-reports/{report_id}/correct"): [
            (f"/api/v1/zero-reports/{zero.pk}/correct", {"kind": "none", "reason": "越界"})
        ],
        ("GET", "/api/v1/zero-reports/completeness"): [
            ("/api/v1/zero-reports/completeness?cell=450901", None)
        ],
        ("POST", "/api/v1/disasters"): [("/api/v1/disasters", report)],
        ("GET", "/api/v1/disasters"): [("/api/v1/disasters?cell=450901100", None)],
        ("GET", "/api/v1/disasters/figures"): [("/api/v1/disasters/figures?cell=450901", None)],
        ("GET", "/api/v1/disasters/{number}"): [(base, None)],
        ("GET", "/api/v1/disasters/photos/{token}"): [
            (f"/api/v1/disasters/photos/{photo_of(d).token}", None)
        ],
        ("POST", "/api/v1/disasters/{number}/follow-up"): [
            (f"{base}/follow-up", {"figures": {"affected": 1}})
        ],
        ("POST", "/api/v1/disasters/{number}/verify"): [(f"{base}/verify", {})],
        ("POST", "/api/v1/disasters/{number}/relief"): [
            (f"{base}/relief", {"kind": "living", "households": 1, "people": 1, "amount": "1"})
        ],
        ("POST", "/api/v1/disasters/relief/{relief_id}/decide"): [
            (f"/api/v1/disasters/relief/{relief.pk}/decide", {"approve": True})
        ],
    }


def state() -> tuple:
    return (
        list(ZeroReport.objects.order_by("pk").values_list("pk", "kind", "corrected_at")),
        list(DayTally.objects.order_by("pk").values_list("pk", "n", "on_time")),
        list(DisasterReport.objects.order_by("pk").values_list("pk", "status", "affected")),
        Version.objects.count(),
        list(ReliefApplication.objects.order_by("pk").values_list("pk", "status")),
        Submission.objects.count(),
    )
