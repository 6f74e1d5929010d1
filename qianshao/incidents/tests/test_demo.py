"""The incidents' demo on the test county, after the resources' demo: a roster for the month
at the county and each township with one missed check-in, one handover not accepted and a
spot check answered late; a road accident reported late; a flood at Ⅲ with two teams (one
arrived, one under way), supplies and 120 evacuated, about thirty log entries; a fire ended
and reviewed with its findings."""

import pytest
from django.utils import timezone

from qianshao.incidents import demo, sitrep, tally
from qianshao.incidents.models import (
    Finding,
    Handover,
    Incident,
    LogEntry,
    OrderStatus,
    Report,
    Shift,
    SpotAnswer,
)
from qianshao.notify.models import Message
from qianshao.resources import demo_forces, demo_shelters, demo_supplies

pytestmark = pytest.mark.django_db


def test_the_demo_duty_desk_and_incidents(cast):
    demo_forces.build(cast.county)
    demo_shelters.build(cast.county)
    demo_supplies.build(cast.county)
    now = timezone.now()
    made = demo.build(now, "450901")
    # rosters: every day of the month at the county and 甲镇 (乙镇 has nobody with a post)
    first = timezone.localdate(now).replace(day=1)
    cells = {cast.county.pk, cast.township.pk}
    assert set(Shift.objects.filter(day=first).values_list("cell_id", flat=True)) == cells
    past = Shift.objects.filter(starts_at__lte=now)
    assert past.filter(confirmed_at__isnull=True).count() == 1  # the missed one, chased
    assert Message.objects.filter(event="incidents.checkin_missing").exists()
    assert Handover.objects.filter(accepted_at__isnull=True).count() == 1
    late = SpotAnswer.objects.filter(late=True)
    assert list(late.values_list("cell__code", flat=True)) == [cast.township.code]
    assert Message.objects.filter(event="incidents.spot_missing").exists()
    # the incidents
    road = Incident.objects.get(pk=made["road"])
    assert Report.objects.get(incident=road, seq=1).late and road.status == "ended"
    flood = Incident.objects.get(pk=made["flood"])
    assert (flood.status, flood.level, flood.evacuated) == ("responding", "3", 120)
    statuses = sorted(flood.orders.values_list("status", flat=True))
    assert statuses == sorted([OrderStatus.WORKING, OrderStatus.DEPARTED])
    # the township's squadron and the county's brigade, not the village squads nearer
    sent = set(flood.orders.values_list("team__cell__code", flat=True))
    assert sent == {cast.township.code, cast.county.code}
    assert flood.supplies.exists()
    assert 25 <= LogEntry.objects.filter(incident=flood).count() <= 40
    rep = sitrep.build(flood)
    assert "120" in " ".join(rep.response)
    fire = Incident.objects.get(pk=made["fire"])
    assert fire.status == "closed"
    assert sorted(Finding.objects.filter(incident=fire).values_list("status", flat=True)) == [
        "done",
        "open",
    ]
    assert tally.matches()
