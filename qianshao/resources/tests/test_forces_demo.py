"""The forces' demo on the test county: a brigade, township squadrons one of them at 29 (one
short of 30), village squads three of them below 10, a member in two teams, an expert
verified 13 months ago flagged by the sweep with its keeper told, a social force; the
counters equal a recount."""

import pytest

from qianshao.notify.models import Message
from qianshao.resources import demo_forces, tally
from qianshao.resources.compliance_forces import compliance
from qianshao.resources.models import Expert, Member, SocialForce, Team

pytestmark = pytest.mark.django_db


def test_the_demo_forces(cast):
    demo_forces.build(cast.county)
    assert Team.objects.filter(cell=cast.county, name="A县应急救援大队").get().members_n == 40
    county = {r.cell.code: r for r in compliance(cast.county).children}
    assert county["450901101"].largest == 29 and county["450901101"].shortfall == 1
    assert county["450901100"].meets
    villages = Team.objects.filter(cell__kind="village").order_by("cell_path")
    assert sorted(t.members_n for t in villages) == [7, 8, 9]
    assert Expert.objects.filter(overdue=True).count() == 1
    keeper = Message.objects.filter(event="resources.expert_overdue", user=cast.users["county"])
    assert keeper.count() == 1
    assert SocialForce.objects.count() == 1
    assert tally.matches()
    people = Member.objects.filter(left=None).values_list("person_id", flat=True)
    assert len(people) == len(set(people))  # the test county has no 4th village to share
