"""What a review found in the patrols: a check-in after the sweep was down writes the due
times that passed whole as missed; two check-ins of one point at one moment are a 409, not
a 500; ids of non-ASCII digits are no ids; the rule's bounds hold in the admin's action; a
department's member reports a hazard from a patrol they see."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db.models import Count

from qianshao.grid.models import Domain
from qianshao.lib.errors import ActionError
from qianshao.risks import actions_config, actions_patrols, schedule, sweep, tally
from qianshao.risks.models import Patrol, PatrolFrequency, PatrolRule
from qianshao.risks.tests.patrols_helpers import START, patrolled_point

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def test_a_check_in_after_the_sweep_was_down_writes_the_due_times_missed(cast):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)  # orange: every 84 hours
    due = START + 84 * H
    at = due + 3 * 84 * H + H  # three whole intervals passed with no sweep
    with time_machine.travel(at, tick=False):
        patrol = actions_patrols.check_in(
            cast.users["village"], p, result="ok", lon=106.1, lat=24.1
        )
    rows = list(Patrol.objects.order_by("due_at").values_list("due_at", "outcome"))
    assert rows == [
        (due, "missed"),
        (due + 84 * H, "missed"),
        (due + 2 * 84 * H, "missed"),
        (due + 3 * 84 * H, "late"),
    ]
    assert patrol.due_at == due + 3 * 84 * H
    with time_machine.travel(at + 2 * H, tick=False):
        sweep.sweep()
    assert Patrol.objects.count() == 4
    assert tally.matches()


def test_two_check_ins_of_a_point_at_one_moment_are_a_conflict_not_an_error(cast, client_for):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
    # before the first due time's window opens: each check-in a patrol of its own moment
    at = START - H
    body = {"result": "ok", "lon": 106.1, "lat": 24.1, "at": at.isoformat()}
    url = f"/api/v1/risks/points/{p.pk}/checkins"
    with time_machine.travel(START + 2 * H, tick=False):
        first = client_for(cast.users["village"]).post(
            url, body | {"client_uuid": str(uuid.uuid4())}, content_type="application/json"
        )
        again = client_for(cast.users["township"]).post(
            url, body | {"client_uuid": str(uuid.uuid4())}, content_type="application/json"
        )
    assert first.status_code == 201, first.content
    assert again.status_code == 409 and again.json()["field"] == "at"
    assert Patrol.objects.filter(point=p).count() == 1


def test_ids_of_digits_that_are_not_ascii_are_no_ids(cast, client_for):
    client = client_for(cast.users["township"])
    client.raise_request_exception = False
    assert client.get("/m/report/?origin=risks.point:%C2%B2").status_code == 200
    assert client.get("/risks/points/?cursor=%C2%B2").status_code == 400


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (PatrolFrequency, "every_hours", 0),
        (PatrolRule, "flood_from", "13-45"),
        (PatrolRule, "flood_factor", 0),
        (PatrolRule, "radius_m", 0),
    ],
)
def test_the_rules_bounds_hold_when_saved(cast, model, field, value):
    obj = model.objects.order_by("pk").first()
    setattr(obj, field, value)
    with pytest.raises(ActionError) as refused:
        actions_config.save_setting(cast.users["admin"], obj)
    assert refused.value.field == field
    assert getattr(model.objects.get(pk=obj.pk), field) != value


def test_a_frequency_of_nothing_is_an_hour_not_a_stuck_sweep(cast):
    PatrolFrequency.objects.filter(grade="orange").update(every_hours=0)
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
    with time_machine.travel(START + 10 * H, tick=False):  # past the grace of 4 hours
        sweep.sweep()
    missed = Patrol.objects.filter(point=p).values("due_at").annotate(n=Count("id"))
    assert missed and all(row["n"] == 1 for row in missed)
    assert schedule.interval("orange", p.kind, START) == H
    assert tally.matches()


def test_a_departments_member_reports_a_hazard_from_a_patrol_they_see(cast, client_for):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
        patrol = actions_patrols.check_in(
            cast.users["village"], p, result="hazard", lon=106.1, lat=24.1, note="裂缝"
        )
        category = Domain.objects.get(code="hazardous_chemicals")
        response = client_for(cast.users["department"]).post(
            "/api/v1/hazards",
            {
                "title": "巡查发现隐患",
                "description": "裂缝",
                "category": category.code,
                "cell": cast.village.code,
                "origin": f"risks.patrol:{patrol.pk}",
                "client_uuid": str(uuid.uuid4()),
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    patrol.refresh_from_db()
    assert patrol.hazard.number == response.json()["number"]
