"""Access rules of the hazard pages (list, hazard, steps, photos, supervision board, phone
pages), merged into the grid's tables by ``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at a hazard of A县: every page answers 404, as for a
hazard that does not exist; the report form refuses a cell or a point outside their scope
(400, naming the field). The board, my reports and my tasks list only what is in scope:
checked by their own tests (test_pages_supervision, test_pages_phone).
"""

import uuid
from datetime import timedelta

from qianshao.hazards import actions
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Hazard, Note, Photo, Supervision
from qianshao.hazards.tests.conftest import jpeg
from qianshao.intake.models import Submission

PAGE_RULES = {
    "hazards/": "scoped",
    "hazards/supervision/": "scoped",
    "hazards/supervision/<int:supervision_id>/answer/": "scoped",
    "hazards/photos/<photo:photo_token>.jpg": "scoped",
    "hazards/<hazard:number>/": "scoped",
    "hazards/<hazard:number>/<str:step>/": "scoped",
    "m/report/": "scoped",
    "m/report/locate/": "scoped",
    "m/mine/": "own",
    "m/tasks/": "scoped",
}

SAMPLE_KWARGS = {"number": "YH20240101ABCDEF", "photo_token": "0" * 32, "step": "accept"}


def a_county_hazard(cast) -> Hazard:
    """A hazard of 一村 with a photo, accepted, overdue and supervised."""
    from qianshao.grid.models import Domain

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


def outsider_pages(cast) -> dict:
    h = a_county_hazard(cast)
    record = Supervision.objects.get(hazard=h)
    token = Photo.objects.get(hazard=h).token
    steps = {
        "assign": {"assignee": "cell:450901100201", "measures": "m", "contingency": "c"},
        "escalate": {},
        "return": {"reason": "越界"},
        "merge": {"into": h.number},
        "verify": {},
        "close": {},
    }
    report = {
        "title": "越界上报",
        "description": "d",
        "category": "industry_trade",
        "grade": "general",
    }
    return {
        "hazards/": [
            ("get", "/hazards/?cell=450901", None, 404),
            ("get", "/hazards/?cell=450901100201", None, 404),
        ],
        "hazards/supervision/": [],  # content, not a status: test_pages_supervision
        "hazards/supervision/<int:supervision_id>/answer/": [
            ("post", f"/hazards/supervision/{record.pk}/answer/", {"answer": "越界"}, 404)
        ],
        "hazards/photos/<photo:photo_token>.jpg": [
            ("get", f"/hazards/photos/{token}.jpg", None, 404)
        ],
        "hazards/<hazard:number>/": [
            ("get", f"/hazards/{h.number}/", None, 404),
            ("get", "/hazards/YH20240101ZZZZZZ/", None, 404),
        ],
        "hazards/<hazard:number>/<str:step>/": [
            ("post", f"/hazards/{h.number}/{step}/", data | {"client_uuid": uuid.uuid4()}, 404)
            for step, data in steps.items()
        ],
        "m/report/": [
            ("post", "/m/report/", report | {"cell": code, "client_uuid": uuid.uuid4()}, 400)
            for code in ["450901100201", "450901"]
        ]
        + [
            (
                "post",
                "/m/report/",
                report | {"lon": 106.1, "lat": 24.1, "client_uuid": uuid.uuid4()},
                400,
            )
        ],
        "m/report/locate/": [("get", "/m/report/locate/?lon=106.1&lat=24.1", None, 404)],
        "m/mine/": [],  # content, not a status: test_pages_phone
        "m/tasks/": [],  # content, not a status: test_pages_phone
    }


def state() -> tuple:
    return (
        list(
            Hazard.objects.order_by("pk").values_list(
                "pk", "status", "overdue", "supervision_level", "assignee_cell", "updated_at"
            )
        ),
        list(Note.objects.order_by("pk").values_list("pk", "text")),
        list(Photo.objects.order_by("pk").values_list("pk", "hazard_id", "stage")),
        list(Supervision.objects.order_by("pk").values_list("pk", "answered_at", "answer")),
        Submission.objects.count(),
    )


# --- shared by the page tests ------------------------------------------------------------

PATH_TO = {
    "submitted": [],
    "returned": ["return"],
    "accepted": ["accept"],
    "escalated": ["accept", "escalate"],
    "assigned": ["accept", "assign"],
    "rectifying": ["accept", "assign", "start"],
    "verifying": ["accept", "assign", "start", "submit"],
    "verified": ["accept", "assign", "start", "submit", "verify"],
    "closed": ["accept", "assign", "start", "submit", "verify", "close"],
}


def hazard_at(cast, status: str, *, title="消防通道堵塞", grade="general", cell=None) -> Hazard:
    """A hazard of 一村 (or ``cell``) taken to ``status`` through the actions: ``village``
    reports it (``county`` elsewhere), ``township`` triages and closes (``county`` outside
    甲镇), the village member rectifies as the responsible person, ``county`` verifies."""
    from django.utils import timezone

    from qianshao.grid.models import Domain

    village, township = cast.users["village"], cast.users["township"]
    cell = cell or cast.village
    reporter = village if cell == cast.village else cast.users["county"]
    if not cell.path.startswith(cast.township.path):
        township = cast.users["county"]
    h = actions.report(
        reporter,
        title=title,
        description="通道堆放杂物",
        category=Domain.objects.get(code="industry_trade"),
        grade=grade,
        cell=cell,
        photo_files=[("before.jpg", jpeg())],
    )
    steps = {
        "return": lambda h: actions.return_report(township, h, reason="信息不全"),
        "accept": lambda h: actions.accept(township, h),
        "escalate": lambda h: actions.escalate(township, h),
        "assign": lambda h: actions.assign(
            township,
            h,
            measures="清理杂物",
            responsible=cast.people["village"],
            deadline=timezone.now() + timedelta(days=3),
            contingency="设置警示",
            assignee_cell=cell,
        ),
        "start": lambda h: actions.start(village, h),
        "submit": lambda h: actions.submit(village, h, photo_files=[("after.jpg", jpeg())]),
        "verify": lambda h: actions.verify(cast.users["county"], h, note="已核查"),
        "close": lambda h: actions.close(township, h),
    }
    for step in PATH_TO[status]:
        h = steps[step](h)
    return Hazard.objects.get(pk=h.pk)
