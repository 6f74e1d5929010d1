"""A month of zero reports in the demo county, and two disasters with their versions.

Played through the real actions with the clock moved back (time-machine, as the hazards'
and warnings' demos do; docs/adr/0008): each day most villages and communities report
before the 16:00 deadline, a few after it, a few not at all (some villages more often than
others); the deadline sweep tells the township and then the county. Two disasters: a
flood in 泗城镇 twelve days ago (初报 within the hour, two 续报, 核报 by the county, a relief
application approved) and a landslide three days ago, reported late and still followed up.
The demo's own village, today, has not reported yet.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from qianshao.disasters import actions, schedule, sweep
from qianshao.disasters.models import DisasterType, ZeroKind
from qianshao.grid.demo import COUNTY
from qianshao.grid.models import Cell, RoleAssignment

DAYS = 30
DEMO_VILLAGE = "451027100201"


def build() -> int:
    """Play the month; returns how many zero reports were filed."""
    rng = random.Random("disasters:" + COUNTY)
    county = Cell.objects.get(code=COUNTY)
    cells = list(
        Cell.objects.subtree(county.path).filter(kind__in=schedule.rule().kinds).order_by("path")
    )
    filers = _filers(cells)
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["county", "township", "village"])
    }
    today = timezone.localdate()
    sloppy = set(rng.sample([c.pk for c in cells], k=max(len(cells) // 12, 1)))
    flood_day, slide_day = today - timedelta(days=12), today - timedelta(days=3)
    disasters = {}
    filed = 0
    for offset in range(DAYS, -1, -1):
        day = today - timedelta(days=offset)
        if day == flood_day:
            disasters["flood"] = _flood(day, users)
        if day == slide_day:
            disasters["slide"] = _landslide(day, users)
        for cell in cells:
            if offset == 0 and cell.code == DEMO_VILLAGE:
                continue  # today: left for the demo's `village` to file
            at = _when(rng, day, cell.pk in sloppy)
            if at is None or (offset == 0 and at > timezone.now()):
                continue
            kind, disaster = ZeroKind.NONE, None
            for d in disasters.values():
                if d.cell_id == cell.pk and d.started_at.date() <= day:
                    kind, disaster = ZeroKind.DISASTER, d
            with time_machine.travel(at, tick=False):
                actions.file_zero(
                    filers.get(cell.pk), cell=cell, day=day, kind=kind, disaster=disaster
                )
            filed += 1
        evening = timezone.make_aware(datetime.combine(day, time(20, 0)))
        if evening < timezone.now():
            with time_machine.travel(evening, tick=False):
                sweep.sweep(timezone.now())
    return filed


def _filers(cells) -> dict:
    """Each cell's information officer's login, when they have one (else the system)."""
    found = {}
    for post in (
        RoleAssignment.objects.active()
        .filter(cell__in=cells, role="informant")
        .select_related("person__user")
    ):
        if post.person.user_id:
            found[post.cell_id] = post.person.user
    return found


def _when(rng, day, sloppy: bool):
    """When a cell files its report that day: mostly before 16:00; sometimes after; now and
    then never (more often for the sloppy ones)."""
    roll = rng.random()
    if roll < (0.12 if sloppy else 0.015):
        return None
    late = roll < (0.30 if sloppy else 0.05)
    hour = rng.uniform(16.2, 21.5) if late else rng.uniform(7.5, 15.8)
    start = timezone.make_aware(datetime.combine(day, time(0, 0)))
    return start + timedelta(hours=hour)


def _flood(day, users):
    cell = Cell.objects.get(code="451027100203")
    start = timezone.make_aware(datetime.combine(day, time(5, 40)))
    with time_machine.travel(start + timedelta(minutes=50), tick=False) as clock:
        d = actions.report(
            None,
            type=DisasterType.FLOOD,
            started_at=start,
            cell=cell,
            place="河边屯至下坝屯沿河一带",
            figures={
                "affected": 86,
                "relocated": 32,
                "need_relief": 20,
                "damaged_rooms": 4,
                "crops_affected_ha": Decimal("12.5"),
                "economic_loss": Decimal("18.6"),
            },
            note="凌晨强降雨致澄碧河水位上涨，沿河低洼处进水，已组织转移群众。",
        )
        clock.move_to(start + timedelta(hours=9))
        d = actions.follow_up(
            users["township"],
            d,
            figures={
                "affected": 134,
                "relocated": 51,
                "need_relief": 38,
                "collapsed_households": 1,
                "collapsed_rooms": 2,
                "severely_damaged_rooms": 3,
                "damaged_rooms": 9,
                "crops_affected_ha": Decimal("26.8"),
                "crops_damaged_ha": Decimal("11.2"),
                "economic_loss": Decimal("42.3"),
            },
            note="水位回落后入户核查，新增倒塌房屋 1 户 2 间。",
        )
        clock.move_to(start + timedelta(days=1, hours=3))
        d = actions.follow_up(
            None,
            d,
            figures={
                "affected": 141,
                "relocated": 51,
                "need_relief": 40,
                "collapsed_households": 1,
                "collapsed_rooms": 2,
                "severely_damaged_rooms": 3,
                "damaged_rooms": 11,
                "crops_affected_ha": Decimal("28.4"),
                "crops_damaged_ha": Decimal("12.0"),
                "crops_lost_ha": Decimal("3.6"),
                "economic_loss": Decimal("45.1"),
            },
            note="农作物损失统计完成。",
        )
        clock.move_to(start + timedelta(days=2, hours=2))
        relief = actions.apply_relief(
            users["township"],
            d,
            kind="living",
            households=15,
            people=40,
            amount=Decimal("4.80"),
            note="紧急生活救助 40 人。",
        )
        clock.move_to(start + timedelta(days=3))
        d = actions.verify(users["county"], d, note="经县应急管理局核实。")
        actions.decide_relief(users["county"], relief, approve=True, note="同意，按标准发放。")
    return d


def _landslide(day, users):
    cell = Cell.objects.get(code=DEMO_VILLAGE)
    start = timezone.make_aware(datetime.combine(day, time(14, 10)))
    with time_machine.travel(start + timedelta(hours=3, minutes=20), tick=False) as clock:
        d = actions.report(
            users["village"],
            type=DisasterType.LANDSLIDE,
            started_at=start,
            cell=cell,
            place="后山屯",
            figures={
                "affected": 12,
                "relocated": 12,
                "severely_damaged_rooms": 1,
                "economic_loss": Decimal("6.0"),
            },
            note="后山坡体滑塌，冲毁一户厨房，已转移坡下 3 户 12 人。",
        )
        clock.move_to(start + timedelta(days=1, hours=2))
        d = actions.follow_up(
            users["village"],
            d,
            figures={
                "affected": 12,
                "relocated": 12,
                "severely_damaged_rooms": 1,
                "damaged_rooms": 2,
                "economic_loss": Decimal("8.5"),
            },
            note="坡体仍有裂缝，继续监测。",
        )
    return d
