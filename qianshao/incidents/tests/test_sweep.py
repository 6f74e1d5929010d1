"""The sweep's report timers: a level late passing an incident up is chased at its
deadline and escalated later, each step once, also after the worker was down; a 续报 due
is chased once per due time."""

from datetime import timedelta

import pytest

from qianshao.grid.models import Role
from qianshao.incidents import actions, sweep
from qianshao.incidents.models import Relay
from qianshao.incidents.tests.helpers import an_incident
from qianshao.notify.models import Message

pytestmark = pytest.mark.django_db


def test_a_level_late_passing_up_is_chased_then_escalated_once(cast):
    incident = an_incident(cast)
    relay = Relay.objects.get(incident=incident)
    township = cast.people["township"]
    assert sweep.sweep(relay.due_at - timedelta(minutes=1)) == 0
    assert sweep.sweep(relay.due_at + timedelta(minutes=1)) == 1
    assert Message.objects.filter(event="incidents.relay_due", person=township).exists()
    assert sweep.sweep(relay.due_at + timedelta(minutes=2)) == 0
    assert sweep.sweep(relay.due_at + timedelta(minutes=61)) == 1
    escalated = Message.objects.filter(event="incidents.relay_escalate")
    assert set(escalated.values_list("person", flat=True)) == {cast.people["county"].pk}
    relay.refresh_from_db()
    assert relay.watch_at is None


def test_after_downtime_both_steps_are_taken_at_once_and_once(cast):
    incident = an_incident(cast)
    relay = Relay.objects.get(incident=incident)
    assert sweep.sweep(relay.due_at + timedelta(hours=5)) == 2
    assert sweep.sweep(relay.due_at + timedelta(hours=6)) == 0


def test_a_relay_passed_in_time_is_not_chased(cast):
    incident = an_incident(cast)
    relay = Relay.objects.get(incident=incident)
    actions.pass_up(cast.users["township"], relay)
    county = Relay.objects.get(incident=incident, cell=cast.county)
    # only the county's own deadline is chased, in its turn
    assert sweep.sweep(county.due_at + timedelta(minutes=1)) == 1
    chased = Message.objects.filter(event="incidents.relay_due")
    assert set(chased.values_list("person", flat=True)) == {cast.people["county"].pk}


def test_a_missing_update_is_chased_once_per_due_time(cast):
    incident = an_incident(cast)
    actions.pass_up(cast.users["township"], Relay.objects.get(incident=incident))
    Relay.objects.filter(incident=incident).update(watch_at=None)  # not this test's timers
    due = incident.last_report_at + timedelta(hours=24)
    assert sweep.sweep(due - timedelta(minutes=1)) == 0
    assert sweep.sweep(due + timedelta(minutes=1)) == 1
    assert sweep.sweep(due + timedelta(minutes=2)) == 0
    assert Message.objects.filter(event="incidents.update_due").exists()
    actions.report(cast.users["village"], incident, text="情况稳定")
    incident.refresh_from_db()
    assert incident.watch_at is not None


def test_a_level_without_a_dispatcher_chases_the_one_above(cast):
    from qianshao.testing import appoint

    appoint(cast.cell("450901101"), Role.HEAD, name="乙镇镇长")
    incident = an_incident(cast, "county", cell=cast.cell("450901101201"))
    relay = Relay.objects.get(incident=incident)
    assert relay.cell == cast.county
