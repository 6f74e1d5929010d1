from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qianshao.audit.models import AuditRecord
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.resources import actions_shelters as actions
from qianshao.resources import rule_shelters, tally
from qianshao.resources.models import Shelter
from qianshao.resources.tests.shelters_helpers import (
    BOWTIE,
    CROSSING,
    SQUARE,
    household,
    route,
    shelter,
)

pytestmark = pytest.mark.django_db


def figures(path):
    found = tally.read(path, "shelters", "capacity", "shelter_area", "listed_people", "households")
    return {f: keys.get("", 0) for f, keys in found.items()}


def test_capacity_is_the_area_over_half_a_square_metre_rounded_down_and_tallied_up(cast):
    s = shelter(cast, area="1000.75", outline=SQUARE, lon=106.1, lat=24.1)
    assert s.capacity == 2001 and s.status == "open"
    assert figures(cast.county.path) == {"shelters": 1, "capacity": 2001, "shelter_area": 1000}
    assert figures(cast.township.path)["capacity"] == 2001
    assert figures(cast.cells["450901101"].path) == {}
    assert tally.matches()
    assert AuditRecord.objects.filter(action="resources.shelter.create").count() == 1


def test_a_changed_area_recomputes_capacity_and_moves_the_tallies(cast):
    s = shelter(cast, area="1000")
    actions.edit_shelter(cast.users["township"], s, name="甲镇中学", category="II", area_m2="300")
    s.refresh_from_db()
    assert s.capacity == 600
    assert figures(cast.county.path)["capacity"] == 600
    assert tally.matches()


def test_a_changed_rule_recomputes_every_capacity_and_rebuilds(cast):
    a = shelter(cast, area="1000")
    b = shelter(cast, cast.village, area="99")
    actions.change_rule(cast.users["admin"], "2")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.capacity, b.capacity) == (500, 49)
    assert figures(cast.county.path)["capacity"] == 549
    assert tally.matches()
    assert shelter(cast, area="10").capacity == 5  # new ones read the new rule at once
    with pytest.raises(ActionError) as refused:
        actions.change_rule(cast.users["admin"], "0")
    assert refused.value.field == "per_person_m2"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"outline": BOWTIE}, "outline"),
        ({"outline": {"type": "Point", "coordinates": [106.1, 24.1]}}, "outline"),
        (
            {"outline": {"type": "Polygon", "coordinates": [[[6, 2], [7, 2], [7, 3], [6, 2]]]}},
            "outline",
        ),
        ({"lon": 24.1, "lat": 106.1}, "lon"),
        ({"lon": 106.1}, "lat"),
        ({"area": "-3"}, "area_m2"),
        ({"area": "abc"}, "area_m2"),
        ({"category": "IV"}, "category"),
        ({"manager_phone": "call me"}, "manager_phone"),
    ],
)
def test_bad_shelters_are_refused_naming_the_field_and_nothing_is_written(cast, fields, field):
    with pytest.raises(ActionError) as refused:
        shelter(cast, **fields)
    assert field in [e.field for e in refused.value.errors]
    assert not Shelter.objects.exists()
    assert figures(cast.county.path) == {}


def test_a_route_that_crosses_itself_or_leaves_china_is_refused_naming_line(cast):
    s = shelter(cast)
    for line in [CROSSING, {"type": "LineString", "coordinates": [[140, 24], [141, 24]]}, "{x"]:
        with pytest.raises(ActionError) as refused:
            route(cast, s, line=line)
        assert refused.value.field == "line"


def test_a_route_has_its_length_and_leads_only_to_a_shelter_near_its_cell(cast):
    s = shelter(cast)
    r = route(cast, s)
    assert 2300 < r.length_m < 2600  # two segments of about 1.5 and 1 km
    far = shelter(cast, cast.cells["450901101201"])  # 三村, another township
    with pytest.raises(ActionError) as refused:
        route(cast, far)
    assert refused.value.field == "shelter"


def test_households_tally_their_members_as_listed_people(cast):
    s = shelter(cast)
    r = route(cast, s)
    h = household(cast, members=5, route=r, vulnerable="老人2", vulnerable_n=2)
    household(cast, cast.cells["450901100202"], members=3)
    assert h.shelter == s  # from the route
    assert figures(cast.township.path)["listed_people"] == 8
    assert figures(cast.village.path) == {"listed_people": 5, "households": 1}
    actions.edit_household(cast.users["township"], h, head="韦大", members=2)
    assert figures(cast.county.path)["listed_people"] == 5
    actions.delete_household(cast.users["township"], h)
    assert figures(cast.county.path) | {"shelters": 1} == {
        "shelters": 1,
        "capacity": 2000,
        "shelter_area": 1000,
        "listed_people": 3,
        "households": 1,
    }
    assert tally.matches()
    with pytest.raises(ActionError) as refused:
        household(cast, members=2, vulnerable_n=3)
    assert refused.value.field == "vulnerable_n"


def test_the_status_follows_the_flow_and_occupancy_only_while_in_use(cast):
    s = shelter(cast)
    user = cast.users["township"]
    with pytest.raises(Conflict) as refused:
        actions.set_occupancy(user, s, 10)
    assert refused.value.field == "occupancy"
    with pytest.raises(Conflict):
        actions.step_shelter(user, s, "deactivate")
    actions.step_shelter(user, s, "activate")
    actions.set_occupancy(user, s, 120)
    s.refresh_from_db()
    assert (s.status, s.occupancy) == ("in_use", 120)
    with pytest.raises(Conflict):
        actions.step_shelter(user, s, "close")
    actions.step_shelter(user, s, "deactivate")
    s.refresh_from_db()
    assert (s.status, s.occupancy) == ("open", 0)
    actions.step_shelter(user, s, "close")
    actions.step_shelter(user, s, "open")
    steps = AuditRecord.objects.filter(action__startswith="resources.shelter.").values_list(
        "action", flat=True
    )
    assert list(steps.order_by("seq")) == [
        "resources.shelter.create",
        "resources.shelter.activate",
        "resources.shelter.occupancy",
        "resources.shelter.deactivate",
        "resources.shelter.close",
        "resources.shelter.open",
    ]


def test_only_managing_posts_at_the_cell_or_above_change(cast):
    s = shelter(cast)  # 甲镇
    for who in ["village", "department"]:
        with pytest.raises(NotAllowed):
            actions.step_shelter(cast.users[who], s, "close")
        with pytest.raises(NotAllowed):
            shelter(cast, cast.village, by=who)
    with pytest.raises(NotAllowed) as refused:
        shelter(cast, by="outsider")
    assert "辖区" in refused.value.message
    v = shelter(cast, cast.village, by="township")  # a township manages its villages
    assert v.cell_path == cast.village.path
    assert Shelter.objects.get(pk=s.pk).status == "open"
    assert Decimal(v.area_m2) == Decimal("1000")


def test_a_moved_cell_takes_its_shelters_routes_households_and_counters_along(cast):
    from qianshao.grid.actions import move_cell

    s = shelter(cast, cast.village, area="100")
    household(cast, members=3, route=route(cast, s))
    yi = cast.cells["450901101"]
    moved = move_cell(cast.users["admin"], cast.village, yi)
    s.refresh_from_db()
    assert s.cell_path == moved.path and s.cell_path.startswith(yi.path)
    assert not any(figures(cast.township.path).values())
    assert figures(yi.path) == {
        "shelters": 1,
        "capacity": 200,
        "shelter_area": 100,
        "listed_people": 3,
        "households": 1,
    }
    assert figures(cast.county.path)["listed_people"] == 3
    assert tally.matches()


def test_edit_and_delete_of_a_route_keep_households_and_counters_right(cast):
    a = shelter(cast)
    b = shelter(cast, cast.village, name="一村祠堂")
    r = route(cast, a)
    h = household(cast, route=r)
    actions.edit_route(cast.users["township"], r, origin="下屯", shelter=b, line=r.line)
    h.refresh_from_db()
    assert h.shelter == b  # the households on the route go where it now leads
    with pytest.raises(Conflict) as refused:
        actions.delete_route(cast.users["township"], r)
    assert refused.value.field == "route"
    actions.delete_household(cast.users["township"], h)
    actions.delete_route(cast.users["township"], r)
    assert tally.read(cast.county.path, "routes") == {"routes": {"": 0}}
    assert tally.matches()


@settings(max_examples=60, deadline=None)
@given(
    area=st.decimals(min_value="0.01", max_value="99999999", places=2),
    each=st.decimals(min_value="0.1", max_value="1000", places=2),
)
def test_capacity_is_the_largest_whole_number_of_people_the_area_holds(area, each):
    n = rule_shelters.capacity_of(area, each)
    assert n * each <= area < (n + 1) * each


def test_activating_and_stopping_a_shelter_tells_the_township_and_its_manager(cast):
    from qianshao.notify.models import Message

    s = shelter(cast, cast.village, manager=cast.people["village"])
    actions.step_shelter(cast.users["township"], s, "activate")
    told = Message.objects.filter(event="resources.shelter.activate", channel="inapp")
    people = set(told.values_list("person_id", flat=True))
    assert {cast.people["township"].pk, cast.people["village"].pk} <= people
    assert told.first().link == f"/resources/shelters/{s.pk}/"
    actions.step_shelter(cast.users["township"], s, "deactivate")
    assert Message.objects.filter(event="resources.shelter.deactivate").exists()
    actions.step_shelter(cast.users["township"], s, "close")
    assert not Message.objects.filter(event="resources.shelter.close").exists()
