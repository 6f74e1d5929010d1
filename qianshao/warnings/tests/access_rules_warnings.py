"""Access rules of the warning pages and endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at a warning A县 issued to 甲镇 and at its
deliveries — to read it, its board, who has not answered; to approve, issue, cancel, revise
or relay it; to answer for someone else; to issue into A县's cells: every request answers
404, as for something that does not exist, and changes nothing. The lists answer, holding
only what reaches B县 (their own tests). The one-tap link is public: its signed token is
the key (a forged one is a 404, tested with the links).
"""

import uuid

from django.utils import timezone

from qianshao.intake.models import Submission
from qianshao.warnings import actions
from qianshao.warnings.models import Delivery, Reply, Warning, WarningType

PAGE_RULES = {
    "warnings/": "scoped",
    "warnings/new/": "scoped",
    "warnings/<warning:warning_number>/": "scoped",
    "warnings/<warning:warning_number>/board/": "scoped",
    "warnings/<warning:warning_number>/revise/": "scoped",
    "warnings/<warning:warning_number>/edit/": "scoped",
    "warnings/<warning:warning_number>/relay/": "scoped",
    "warnings/<warning:warning_number>/<str:step>/": "scoped",
    "m/warnings/": "own",
    "m/warnings/<warning:warning_number>/": "own",
    "w/<answer_token:answer_token>": "public",
}

API_RULES = {
    ("GET", "/api/v1/warnings"): "scoped",
    ("POST", "/api/v1/warnings"): "scoped",
    ("GET", "/api/v1/warnings/deliveries"): "own",
    ("POST", "/api/v1/warnings/deliveries/{delivery_id}/answer"): "own",
    ("GET", "/api/v1/warnings/{warning_id}"): "scoped",
    ("PATCH", "/api/v1/warnings/{warning_id}"): "scoped",
    ("POST", "/api/v1/warnings/{warning_id}/submit"): "scoped",
    ("POST", "/api/v1/warnings/{warning_id}/return"): "scoped",
    ("POST", "/api/v1/warnings/{warning_id}/approve"): "scoped",
    ("POST", "/api/v1/warnings/{warning_id}/issue"): "scoped",
    ("POST", "/api/v1/warnings/{warning_id}/cancel"): "scoped",
    ("POST", "/api/v1/warnings/{warning_id}/revise"): "scoped",
    ("POST", "/api/v1/warnings/{warning_id}/relay"): "scoped",
    ("GET", "/api/v1/warnings/{warning_id}/board"): "scoped",
    ("GET", "/api/v1/warnings/{warning_id}/unanswered"): "scoped",
}

SAMPLE_KWARGS = {"warning_number": "YJ20240101ABCDEF", "answer_token": "1-" + "A" * 16}


def county_warnings(cast) -> tuple[Warning, Warning]:
    """A yellow warning of A县 to 甲镇, issued; and a draft of another."""

    def draft():
        return actions.draft(
            cast.users["county"],
            type=WarningType.objects.get(code="rainstorm"),
            level="yellow",
            headline="A县暴雨黄色预警",
            text="越界测试",
            targets=[cast.township],
            valid_until=timezone.now() + timezone.timedelta(hours=6),
        )

    return actions.issue(cast.users["county"], draft()), draft()


def outsider_pages(cast) -> dict:
    issued, drafted = county_warnings(cast)
    form = {"client_uuid": uuid.uuid4()}
    new = {
        "type": WarningType.objects.get(code="rainstorm").pk,
        "level": "yellow",
        "headline": "越界",
        "text": "越界",
        "targets": [cast.township.pk],
        "valid_until": "2099-01-01T00:00",
    }
    return {
        "warnings/": [],  # content, not a status: test_pages_warnings
        # 甲镇 is not among the cells offered to B县: the form names the field
        "warnings/new/": [("post", "/warnings/new/", form | new, 400)],
        "warnings/<warning:warning_number>/": [("get", f"/warnings/{issued.number}/", None, 404)],
        "warnings/<warning:warning_number>/board/": [
            ("get", f"/warnings/{issued.number}/board/", None, 404),
            ("get", f"/warnings/{issued.number}/board/?cell=450901100", None, 404),
        ],
        "warnings/<warning:warning_number>/revise/": [
            ("get", f"/warnings/{issued.number}/revise/", None, 404)
        ],
        "warnings/<warning:warning_number>/edit/": [
            ("get", f"/warnings/{drafted.number}/edit/", None, 404),
            ("post", f"/warnings/{drafted.number}/edit/", form | new, 404),
        ],
        "warnings/<warning:warning_number>/relay/": [
            ("post", f"/warnings/{issued.number}/relay/", form | {"instruction": "越界"}, 404)
        ],
        "warnings/<warning:warning_number>/<str:step>/": [
            ("post", f"/warnings/{drafted.number}/submit/", form, 404),
            ("post", f"/warnings/{drafted.number}/return/", form | {"reason": "越界"}, 404),
            ("post", f"/warnings/{drafted.number}/approve/", form, 404),
            ("post", f"/warnings/{drafted.number}/issue/", form, 404),
            ("post", f"/warnings/{issued.number}/cancel/", form | {"reason": "越界"}, 404),
        ],
        "m/warnings/": [],  # content, not a status: test_pages_warnings
        "m/warnings/<warning:warning_number>/": [
            ("get", f"/m/warnings/{issued.number}/", None, 404),
            ("post", f"/m/warnings/{issued.number}/", form | {"answer": "received"}, 404),
        ],
    }


def outsider_api(cast) -> dict:
    issued, drafted = county_warnings(cast)
    delivery = Delivery.objects.filter(warning=issued).first()
    body = {
        "client_uuid": str(uuid.uuid4()),
        "type": "rainstorm",
        "level": "yellow",
        "headline": "越界",
        "text": "越界",
        "valid_until": "2099-01-01T00:00:00+08:00",
    }
    base = f"/api/v1/warnings/{issued.pk}"
    return {
        ("GET", "/api/v1/warnings"): [("/api/v1/warnings?cell=450901100", None)],
        ("POST", "/api/v1/warnings"): [
            ("/api/v1/warnings", body | {"targets": [code]}) for code in ["450901", "450901100"]
        ],
        ("GET", "/api/v1/warnings/deliveries"): [
            (f"/api/v1/warnings/deliveries?warning={issued.pk}", None)
        ],
        ("POST", "/api/v1/warnings/deliveries/{delivery_id}/answer"): [
            (f"/api/v1/warnings/deliveries/{delivery.pk}/answer", {"answer": "received"})
        ],
        ("GET", "/api/v1/warnings/{warning_id}"): [(base, None)],
        ("PATCH", "/api/v1/warnings/{warning_id}"): [
            (f"/api/v1/warnings/{drafted.pk}", {"headline": "越界"})
        ],
        ("POST", "/api/v1/warnings/{warning_id}/submit"): [
            (f"/api/v1/warnings/{drafted.pk}/submit", {"issue_on_approval": True})
        ],
        ("POST", "/api/v1/warnings/{warning_id}/return"): [
            (f"/api/v1/warnings/{drafted.pk}/return", {"reason": "越界"})
        ],
        ("POST", "/api/v1/warnings/{warning_id}/approve"): [
            (f"/api/v1/warnings/{drafted.pk}/approve", {})
        ],
        ("POST", "/api/v1/warnings/{warning_id}/issue"): [
            (f"/api/v1/warnings/{drafted.pk}/issue", {})
        ],
        ("POST", "/api/v1/warnings/{warning_id}/cancel"): [(f"{base}/cancel", {"reason": "越界"})],
        ("POST", "/api/v1/warnings/{warning_id}/revise"): [(f"{base}/revise", {"level": "red"})],
        ("POST", "/api/v1/warnings/{warning_id}/relay"): [
            (f"{base}/relay", {"targets": ["450902100"], "instruction": "越界"})
        ],
        ("GET", "/api/v1/warnings/{warning_id}/board"): [
            (f"{base}/board", None),
            (f"{base}/board?cell=450901100", None),
        ],
        ("GET", "/api/v1/warnings/{warning_id}/unanswered"): [(f"{base}/unanswered", None)],
    }


def state() -> tuple:
    return (
        list(
            Warning.objects.order_by("pk").values_list(
                "pk", "status", "approved_by", "level", "headline", "issue_on_approval"
            )
        ),
        list(Delivery.objects.order_by("pk").values_list("pk", "answer")),
        list(Warning.objects.order_by("pk").values_list("pk", "chase_level", "chase_at")),
        Reply.objects.count(),
        Submission.objects.count(),
    )
