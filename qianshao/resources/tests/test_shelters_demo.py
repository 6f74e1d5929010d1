"""The demo county's shelters: one per township, 泗城镇 under 0.5 m² a person, two villages
at risk with their own shelter, routes from their hamlets and a transfer list."""

import pytest

from qianshao.demo import build_grid
from qianshao.grid.models import Cell
from qianshao.resources import demo_shelters, readiness_shelters, tally
from qianshao.resources.models import Household, Route, Shelter

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_township_short_and_two_villages_with_routes_and_lists():
    build_grid()
    county = Cell.objects.get(code="451027")
    demo_shelters.build(county)
    whole, children = readiness_shelters.coverage(county)
    townships = [c for c in children if c.cell.kind == "township"]
    assert townships and all(c.shelters >= 1 for c in townships)
    short = [c.cell.code for c in townships if c.short]
    assert short == ["451027100"]
    sicheng = next(c for c in townships if c.cell.code == "451027100")
    assert sicheng.area_per_person < 0.5
    villages = {r.cell_id for r in Route.objects.all()}
    assert len(villages) == 2
    assert Household.objects.filter(cell_id__in=villages).values("cell").distinct().count() == 2
    assert all(h.cadre_id for h in Household.objects.all())
    assert Route.objects.filter(shelter__cell__kind="township").count() == 2
    assert whole.listed_people == sum(Household.objects.values_list("members", flat=True))
    assert Shelter.objects.filter(cell__kind="village").count() == 2
    assert tally.matches()
