"""Orders to teams: candidates nearest first, a team out cannot be ordered again, the
leader's answers, release and recall, and the sweep's chase of a silent order."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.incidents import actions_orders, sweep
from qianshao.incidents.models import LogEntry, Order, OrderStatus
from qianshao.incidents.tests.helpers import a_team, an_incident
from qianshao.lib.errors import Conflict, NotAllowed, NotFound
from qianshao.notify.models import Message
from qianshao.resources import queries as resources
from qianshao.resources.models import Team, TeamStatus

pytestmark = pytest.mark.django_db


def test_candidates_are_the_incidents_own_township_first_then_nearest(cast):
    incident = an_incident(cast)
    own = a_team(cast, cast.township, name="甲镇队", lon=106.15, lat=24.3)  # 22 km away
    near = a_team(cast, cast.cell("450901101"), name="乙镇队", lon=106.21, lat=24.1)
    county = a_team(cast, cast.county, name="县队", lon=106.3, lat=24.3)
    found = resources.candidates(
        cast.users["county"], lon=incident.lon, lat=incident.lat, own_path=cast.township.path
    )
    assert [t["id"] for t in found] == [own.pk, near.pk, county.pk]
    assert found[0]["own"] and not found[1]["own"]
    assert found[1]["distance_km"] < found[2]["distance_km"]
    # the township sends only what it manages
    mine = resources.candidates(
        cast.users["township"], lon=incident.lon, lat=incident.lat, own_path=cast.township.path
    )
    assert [t["id"] for t in mine] == [own.pk]


def test_dispatch_answer_release(cast):
    incident = an_incident(cast)
    team = a_team(cast)
    county = cast.users["county"]
    order = actions_orders.dispatch(county, incident, team=team.pk, task="救治伤员，疏导交通")
    team.refresh_from_db()
    assert team.status == TeamStatus.OUT and order.status == OrderStatus.ORDERED
    assert order.distance_km is not None
    assert Message.objects.filter(event="incidents.order", person=team.leader).exists()
    # a team out cannot be ordered again, to this incident or another
    other = an_incident(cast, title="二村山体滑坡", kind="natural", category="geological")
    with pytest.raises(Conflict) as again:
        actions_orders.dispatch(county, other, team=team.pk, task="x")
    assert again.value.field == "team"
    leader = team.leader.user
    with pytest.raises(NotAllowed):
        actions_orders.answer(cast.users["village"], order, "receive")
    actions_orders.answer(leader, order, "receive")
    actions_orders.answer(leader, order, "arrive")  # 出发 skipped
    order.refresh_from_db()
    assert order.status == OrderStatus.ARRIVED and order.arrived_at and order.departed_at is None
    with pytest.raises(Conflict):
        actions_orders.answer(leader, order, "depart")  # no going back
    with pytest.raises(Conflict):
        actions_orders.recall(county, order)  # arrived: released, not recalled
    with pytest.raises(NotAllowed):
        actions_orders.release(leader, order)  # the commander releases
    actions_orders.release(county, order, note="任务完成")
    team.refresh_from_db()
    assert team.status == TeamStatus.STANDBY
    feedback = LogEntry.objects.filter(incident=incident, kind="feedback").count()
    assert feedback == 2
    assert AuditRecord.objects.filter(action="incidents.order.release").count() == 1
    # free again
    actions_orders.dispatch(county, other, team=team.pk, task="转场")


def test_an_order_beyond_reach_is_refused_and_nothing_written(cast):
    incident = an_incident(cast)
    county_team = a_team(cast, cast.county, name="县队")
    # the county's team lies outside what the township sees and sends
    with pytest.raises(NotFound) as refused:
        actions_orders.dispatch(cast.users["township"], incident, team=county_team.pk, task="x")
    assert refused.value.field == "team"
    outsider_team = a_team(cast, cast.other_county, name="B县队")
    with pytest.raises(NotFound):
        actions_orders.dispatch(cast.users["county"], incident, team=outsider_team.pk, task="x")
    with pytest.raises(NotAllowed):
        actions_orders.dispatch(cast.users["village"], incident, team=county_team.pk, task="x")
    assert not Order.objects.exists()
    assert Team.objects.filter(status=TeamStatus.OUT).count() == 0


def test_recall_before_arrival(cast):
    incident = an_incident(cast)
    team = a_team(cast)
    order = actions_orders.dispatch(cast.users["county"], incident, team=team.pk, task="x")
    actions_orders.recall(cast.users["county"], order, note="已由消防处置")
    order.refresh_from_db()
    team.refresh_from_db()
    assert order.status == OrderStatus.RECALLED and team.status == TeamStatus.STANDBY


def test_a_silent_order_is_chased_once_then_escalated(cast):
    incident = an_incident(cast)
    team = a_team(cast)
    order = actions_orders.dispatch(cast.users["county"], incident, team=team.pk, task="x")
    start = timezone.now()
    assert sweep.sweep(start + timedelta(minutes=14)) == 0
    assert sweep.sweep(start + timedelta(minutes=16)) == 1
    assert sweep.sweep(start + timedelta(minutes=17)) == 0  # once
    reminded = Message.objects.filter(event="incidents.order", person=team.leader)
    assert reminded.count() >= 2  # the order, then the reminder
    assert sweep.sweep(start + timedelta(minutes=31)) == 1
    assert Message.objects.filter(event="incidents.order_silent").exists()
    order.refresh_from_db()
    assert order.watch_at is None


def test_an_answered_order_is_not_chased(cast):
    incident = an_incident(cast)
    team = a_team(cast)
    order = actions_orders.dispatch(cast.users["county"], incident, team=team.pk, task="x")
    actions_orders.answer(team.leader.user, order, "receive")
    assert sweep.sweep(timezone.now() + timedelta(hours=1)) == 0
    assert not Message.objects.filter(event="incidents.order_silent").exists()
