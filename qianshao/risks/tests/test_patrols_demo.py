"""The patrols' demo: three weeks of patrols of the points in force, through the check-in and
the sweep — most on time, some late, a few missed and chased, two hazards found and linked."""

import pytest

from qianshao.grid.models import Domain
from qianshao.hazards import actions as hazard_actions
from qianshao.notify.models import Message
from qianshao.risks import demo_patrols, tally
from qianshao.risks.models import Patrol
from qianshao.risks.tests.helpers import VILLAGE_AREA
from qianshao.risks.tests.patrols_helpers import patrolled_point

pytestmark = pytest.mark.django_db


def report(user, patrol):
    hazard = hazard_actions.report(
        user,
        title=f"巡查发现隐患：{patrol.point.name}",
        description=patrol.note,
        category=Domain.objects.filter(active=True).first(),
        lon=patrol.point.lon,
        lat=patrol.point.lat,
        origin=f"risks.point:{patrol.point_id}",
    )
    return hazard.pk


def test_three_weeks_of_patrols(cast):
    patrolled_point(cast, name="加油站")
    patrolled_point(cast, name="液化气站", inputs={"L": 10, "E": 6, "C": 15})  # red: daily
    patrolled_point(
        cast,
        name="后山滑坡",
        kind="landslide",
        geometry=VILLAGE_AREA,
        inputs={"likelihood": 3, "severity": 4},
    )
    made = demo_patrols.build(county="450901", report=report, village="450901100201")
    assert made["on_time"] > made["late"] > 0
    assert made["missed"] >= 1
    assert made["hazards"] == 2
    linked = Patrol.objects.filter(hazard__isnull=False)
    assert linked.count() == 2 and all(p.result == "hazard" for p in linked)
    assert Message.objects.filter(event="risks.patrol_remind").exists()
    assert Message.objects.filter(event="risks.patrol_escalate").exists()
    assert tally.matches()
    assert Patrol.objects.filter(outcome="missed").count() == made["missed"]
    # the village login's points wait for it on today's route: their last day unpatrolled
    from django.utils import timezone

    from qianshao.risks import route_patrols

    village = cast.users["village"]
    on_route = route_patrols.today(village, timezone.now())
    assert on_route and all(p.cell_path == cast.village.path for p in on_route)
    last = Patrol.objects.filter(point__in=on_route).exclude(at=None).order_by("-at").first()
    assert last is None or last.at <= timezone.now() - demo_patrols.LEFT_FOR_TODAY
