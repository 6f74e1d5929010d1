"""Three weeks of patrols of the demo county's risk points, made through the check-in action
and the sweep under a moved clock (``time_machine``): most on time, some late (a few of
them after the patroller was reminded), a few missed and chased up the ladder, some
无法到达, and two that found hazards — reported, when the caller passes ``report``, and
linked to their patrols, so that they are in the hazard loop.

The points are those in force in the county when ``build`` runs (registered by the points'
demo); their schedule is first set back as if each had been registered three weeks ago
(demo preparation, not a step of anyone's: ``next_due_at`` alone, no counter depends on it).
"""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from qianshao.grid import tree
from qianshao.grid.models import Cell, RoleAssignment
from qianshao.risks import actions_patrols, schedule, sweep
from qianshao.risks.demo_points import DEMO_VILLAGE
from qianshao.risks.models import Outcome, Patrol, Result, RiskPoint, RiskStatus

DAYS = 21
# the demo village login's points are not patrolled in the last day: their due time is on
# the member's 今日巡查 route when the demo opens
LEFT_FOR_TODAY = timedelta(hours=24)
STEP = timedelta(hours=1)
HAZARDS = 2
NOTES = {
    Result.OK: ["现场无异常", "排水沟畅通", "警示标志完好", "监测设施正常"],
    Result.UNREACHABLE: ["道路塌方无法到达", "河水上涨无法通行"],
    Result.HAZARD: ["挡土墙出现裂缝，有渗水", "边坡有落石，警示牌倒伏"],
}
# (what happens to a due time, weight)
FATES = [("on_time", 78), ("late", 8), ("chased", 6), ("missed", 8)]


def _actor(point: RiskPoint):
    """Who checks in at ``point``: its patroller's login, else a login holding a post at
    its cell or above (None when there is none: the system)."""
    if point.patroller_id and point.patroller.user_id:
        return point.patroller.user
    post = (
        RoleAssignment.objects.active()
        .filter(
            cell__path__in=tree.lineage(point.cell_path),
            department__isnull=True,
            person__user__isnull=False,
        )
        .select_related("person__user")
        .order_by("-cell__level", "pk")
        .first()
    )
    return post.person.user if post else None


def build(
    now: datetime | None = None,
    county: str = "451027",
    report: Callable | None = None,
    village: str = DEMO_VILLAGE,
) -> dict:
    """Patrols of the ``county``'s points in force over the ``DAYS`` days before ``now``.
    ``report(user, patrol) -> hazard id`` reports a hazard found on patrol (the hazards
    area's, which this area cannot call itself); the points of ``village`` (the demo's
    village login's) are left unpatrolled for the last day. Returns the figures made."""
    now = now or timezone.now()
    rng = random.Random("patrols:" + county)
    root = Cell.objects.get(code=county)
    left = set(Cell.objects.filter(code=village).values_list("path", flat=True))
    points = list(
        RiskPoint.objects.filter(tree.subtree_q(root.path, "cell_path"), status=RiskStatus.ACTIVE)
        .select_related("kind", "patroller__user")
        .order_by("cell_path", "id")
    )
    start = now - timedelta(days=DAYS)
    r = schedule.rule()
    actors = {p.pk: _actor(p) for p in points}
    for p in points:
        due = schedule.next_due(p.grade, p.kind, start, r=r)
        RiskPoint.objects.filter(pk=p.pk).update(next_due_at=due)
    plans: dict[int, tuple[datetime, datetime | None]] = {}
    hazards_left = HAZARDS
    made = {"hazards": 0}
    t = start
    with time_machine.travel(start, tick=False) as clock:
        while t <= now:
            clock.move_to(t)
            due_of = dict(
                RiskPoint.objects.filter(pk__in=[p.pk for p in points]).values_list(
                    "pk", "next_due_at"
                )
            )
            for p in points:
                due = due_of.get(p.pk)
                if due is None:
                    continue
                if p.pk not in plans or plans[p.pk][0] != due:
                    plans[p.pk] = (due, _plan(rng, due))
                planned = plans[p.pk][1]
                if planned is None or planned > t:
                    continue
                if p.cell_path in left and planned > now - LEFT_FOR_TODAY:
                    continue  # the demo's village member patrols it today, on the phone
                late_half = t - start > timedelta(days=DAYS / 2)
                if hazards_left and late_half and planned <= due:
                    result = Result.HAZARD
                    hazards_left -= 1
                elif rng.random() < 0.05:
                    result = Result.UNREACHABLE
                else:
                    result = Result.OK
                patrol = actions_patrols.check_in(
                    actors[p.pk],
                    p,
                    result=result,
                    note=rng.choice(NOTES[result]),
                    lon=p.lon + rng.uniform(-0.0005, 0.0005),
                    lat=p.lat + rng.uniform(-0.0005, 0.0005),
                    via_qr=rng.random() < 0.3,
                    at=planned,
                )
                plans[p.pk] = (due, None)
                if result == Result.HAZARD and report is not None:
                    hazard_id = report(actors[p.pk], patrol)
                    actions_patrols.link_hazard(actors[p.pk], patrol, hazard_id)
                    made["hazards"] += 1
            sweep.sweep()
            t += STEP
    made |= {
        outcome: Patrol.objects.filter(point__in=points, outcome=outcome).count()
        for outcome in Outcome.values
    }
    return made


def _plan(rng: random.Random, due: datetime) -> datetime | None:
    """When the due time ``due`` is answered (None: it is not — the sweep will miss it)."""
    fate = rng.choices([f for f, _w in FATES], [w for _f, w in FATES])[0]
    if fate == "on_time":
        return due - timedelta(hours=rng.uniform(0.5, 8))
    if fate == "late":
        return due + timedelta(hours=rng.uniform(0.2, 3))
    if fate == "chased":  # after the patroller was reminded
        return due + timedelta(hours=rng.uniform(5, 12))
    return None
