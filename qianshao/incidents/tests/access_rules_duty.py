"""Access rules of the duty desk's pages, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县: its desk and roster, planning and copying 甲镇's
roster, a shift of 甲镇 (check-in, handover, swap), a handover to accept, a swap to answer,
a spot check from A县 and one of its answers, a duty log entry — every request answers 404
and changes nothing.
"""

import uuid
from datetime import timedelta

from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.incidents import actions_duty
from qianshao.incidents.models import DutyEntry, Handover, Shift, SpotAnswer, SpotCheck, Swap
from qianshao.incidents.tests.duty_helpers import on_duty_now, staff
from qianshao.intake.models import Submission

PAGE_RULES = {
    "incidents/duty/": "scoped",
    "incidents/duty/roster/": "scoped",
    "incidents/duty/roster/plan/": "scoped",
    "incidents/duty/roster/copy/": "scoped",
    "incidents/duty/shifts/<int:shift_id>/confirm/": "scoped",
    "incidents/duty/shifts/<int:shift_id>/handover/": "scoped",
    "incidents/duty/handovers/<int:handover_id>/accept/": "scoped",
    "incidents/duty/shifts/<int:shift_id>/swap/": "scoped",
    "incidents/duty/swaps/<int:swap_id>/<str:step>/": "scoped",
    "incidents/duty/spot/": "scoped",
    "incidents/duty/spot/<int:spot_id>/": "scoped",
    "incidents/duty/spot/answers/<int:answer_id>/answer/": "scoped",
    "incidents/duty/log/": "scoped",
}

SAMPLE_KWARGS = {"shift_id": 1, "handover_id": 1, "swap_id": 1, "spot_id": 1, "answer_id": 1}


def a_duty_day(cast):
    """甲镇 on duty now (with logins), its handover written, a swap proposed, a spot check
    from A县, a call in its log."""
    lead, a, b = staff(cast, cast.township, "镇长", "甲", "乙")
    shift = on_duty_now(cast, cast.township, lead, a)
    actions_duty.plan(
        None, cast.township, [{"day": shift.day + timedelta(days=1), "part": "full", "a": b.pk}]
    )
    officer = create_login(None, a, username="duty-a", password="qianshao-test-1")
    handover = actions_duty.write_handover(officer, shift, text="无")
    swap = actions_duty.propose_swap(officer, shift, post="a", taker=b)
    check = actions_duty.spot_check(cast.users["county"], cast.county)
    answer = SpotAnswer.objects.get(spot=check, cell=cast.township)
    entry = actions_duty.log_duty(officer, cast.township, kind="receive", text="来电")
    return shift, handover, swap, check, answer, entry


def outsider_pages(cast) -> dict:
    shift, handover, swap, check, answer, entry = a_duty_day(cast)
    form = {"client_uuid": uuid.uuid4()}
    month = f"{timezone.localdate():%Y-%m}"
    return {
        "incidents/duty/": [
            ("get", f"/incidents/duty/?cell={c}", None, 404) for c in ["450901", "450901100"]
        ],
        "incidents/duty/roster/": [("get", "/incidents/duty/roster/?cell=450901100", None, 404)],
        "incidents/duty/roster/plan/": [
            (
                "post",
                "/incidents/duty/roster/plan/",
                form | {"cell": "450901100", "month": month, f"s-{shift.day}-full-a": "1"},
                404,
            )
        ],
        "incidents/duty/roster/copy/": [
            (
                "post",
                "/incidents/duty/roster/copy/",
                form | {"cell": "450901100", "month": month},
                404,
            )
        ],
        "incidents/duty/shifts/<int:shift_id>/confirm/": [
            ("post", f"/incidents/duty/shifts/{shift.pk}/confirm/", form, 404)
        ],
        "incidents/duty/shifts/<int:shift_id>/handover/": [
            ("post", f"/incidents/duty/shifts/{shift.pk}/handover/", form | {"text": "x"}, 404)
        ],
        "incidents/duty/handovers/<int:handover_id>/accept/": [
            ("post", f"/incidents/duty/handovers/{handover.pk}/accept/", form, 404)
        ],
        "incidents/duty/shifts/<int:shift_id>/swap/": [
            (
                "post",
                f"/incidents/duty/shifts/{shift.pk}/swap/",
                form | {"post": "a", "taker": "1"},
                404,
            )
        ],
        "incidents/duty/swaps/<int:swap_id>/<str:step>/": [
            ("post", f"/incidents/duty/swaps/{swap.pk}/{step}/", form, 404)
            for step in ["accept", "decline", "withdraw"]
        ],
        "incidents/duty/spot/": [("post", "/incidents/duty/spot/", form | {"cell": "450901"}, 404)],
        "incidents/duty/spot/<int:spot_id>/": [
            ("get", f"/incidents/duty/spot/{check.pk}/", None, 404)
        ],
        "incidents/duty/spot/answers/<int:answer_id>/answer/": [
            ("post", f"/incidents/duty/spot/answers/{answer.pk}/answer/", form, 404)
        ],
        "incidents/duty/log/": [
            (
                "post",
                "/incidents/duty/log/",
                form | {"cell": "450901100", "kind": "receive", "text": "x", "follows": entry.pk},
                404,
            )
        ],
    }


def state() -> tuple:
    return (
        list(Shift.objects.order_by("pk").values_list("pk", "post_a", "confirmed_at")),
        list(Handover.objects.order_by("pk").values_list("pk", "accepted_at")),
        list(Swap.objects.order_by("pk").values_list("pk", "status")),
        SpotCheck.objects.count(),
        list(SpotAnswer.objects.order_by("pk").values_list("pk", "answered_at")),
        DutyEntry.objects.count(),
        Submission.objects.count(),
    )
