"""Check-ins: on time and late against the due time, far from the point marked not refused,
the QR, idempotent by client UUID, scope, bad input naming the field."""

import uuid
from datetime import timedelta

import pytest
import time_machine

from qianshao.audit.models import AuditRecord
from qianshao.intake.idempotent import IntakeConflict
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.risks import actions_patrols, actions_points, tally
from qianshao.risks.models import Patrol, RiskPoint
from qianshao.risks.tests.helpers import VILLAGE_AREA, risk_point
from qianshao.risks.tests.patrols_helpers import START, jpeg, patrolled_point

pytestmark = pytest.mark.django_db


def month_counts(path):
    found = tally.read(path, tally.PATROLS).get(tally.PATROLS, {})
    return {key: n for key, n in found.items() if n}


def test_a_check_in_by_the_due_time_is_on_time_and_moves_the_due_time(cast):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
        due = p.next_due_at
        assert due == START + timedelta(hours=84)
    at = START + timedelta(hours=80)
    with time_machine.travel(at, tick=False):
        patrol = actions_patrols.check_in(
            cast.users["village"], p, result="ok", lon=106.1, lat=24.1, note="一切正常"
        )
    assert (patrol.due_at, patrol.at, patrol.outcome, patrol.result) == (
        due,
        at,
        "on_time",
        "ok",
    )
    assert patrol.patroller == cast.people["village"] and patrol.by == cast.users["village"]
    assert patrol.distance_m == 0 and not patrol.far
    p.refresh_from_db()
    assert p.next_due_at == at + timedelta(hours=84)
    assert (p.last_patrol_at, p.last_result) == (at, "ok")
    for cell in (cast.village, cast.township, cast.county):
        assert month_counts(cell.path) == {"2026-12:on_time": 1}
    assert tally.matches()
    assert AuditRecord.objects.filter(action="risks.patrol.checkin").count() == 1


def test_a_check_in_on_a_point_read_before_another_check_in_answers_as_if_read_after(cast):
    """The point moves on only if unchanged since read (no locked second read): a check-in
    on a point read before another check-in came is planned again from the point as it is
    now — it answers the due time the first one set, early, and never the same one twice."""
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)

    def as_read():  # as access_point reads it
        return RiskPoint.objects.select_related("kind").get(pk=p.pk)

    stale = as_read()
    first_at, second_at = START + timedelta(hours=80), START + timedelta(hours=81)
    with time_machine.travel(first_at, tick=False):
        first = actions_patrols.check_in(cast.users["village"], as_read(), result="ok")
    with time_machine.travel(second_at, tick=False):
        second = actions_patrols.check_in(cast.users["village"], stale, result="hazard")
    assert first.due_at == START + timedelta(hours=84)
    assert (second.due_at, second.outcome) == (first_at + timedelta(hours=84), "on_time")
    p.refresh_from_db()
    assert p.next_due_at == second_at + timedelta(hours=84)
    assert (p.last_patrol_at, p.last_result) == (second_at, "hazard")
    assert Patrol.objects.filter(point=p).count() == 2
    assert tally.matches()


def test_after_the_due_time_it_is_late(cast):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
    with time_machine.travel(START + timedelta(hours=90), tick=False):
        patrol = actions_patrols.check_in(cast.users["village"], p, result="unreachable")
    assert patrol.outcome == "late" and patrol.due_at == START + timedelta(hours=84)
    assert month_counts(cast.county.path) == {"2026-12:late": 1}


def test_twice_in_an_hour_answers_the_next_due_time_early(cast):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
    with time_machine.travel(START + timedelta(hours=10), tick=False):
        first = actions_patrols.check_in(cast.users["village"], p, result="ok")
    with time_machine.travel(START + timedelta(hours=11), tick=False):
        second = actions_patrols.check_in(cast.users["village"], p, result="ok")
    assert first.due_at == START + timedelta(hours=84)
    assert second.due_at == START + timedelta(hours=94)  # the one the first check-in set
    assert second.outcome == "on_time"
    p.refresh_from_db()
    assert p.next_due_at == START + timedelta(hours=95)  # one interval from the last, no more


def test_before_the_window_opens_it_is_an_extra_patrol_and_the_due_time_stays_open(cast):
    with time_machine.travel(START, tick=False):
        p = patrolled_point(cast)
        extra = actions_patrols.check_in(cast.users["village"], p, result="ok")
        again = actions_patrols.check_in(
            cast.users["village"], p, result="ok", at=START - timedelta(minutes=1)
        )
    assert (extra.due_at, extra.outcome) == (START, "on_time")
    assert again.due_at == START - timedelta(minutes=1)
    p.refresh_from_db()
    assert p.next_due_at == START + timedelta(hours=84)
    assert p.last_patrol_at == START
    assert tally.matches()


def test_far_from_the_point_is_recorded_and_marked_not_refused(cast):
    p = patrolled_point(cast)
    patrol = actions_patrols.check_in(cast.users["village"], p, result="ok", lon=106.1, lat=24.11)
    assert 1100 < patrol.distance_m < 1125  # 0.01° of latitude ≈ 1.11 km
    assert patrol.far
    near = patrolled_point(
        cast,
        name="塘坝",
        kind="landslide",
        geometry=VILLAGE_AREA,
        inputs={"likelihood": 2, "severity": 2},
    )
    inside = actions_patrols.check_in(cast.users["village"], near, result="ok", lon=106.1, lat=24.1)
    assert inside.distance_m == 0 and not inside.far
    # 100 m east of the polygon's edge at 24.1° N: within the default 200 m
    edge = actions_patrols.check_in(
        cast.users["village"], near, result="ok", lon=106.15 + 0.000985, lat=24.1
    )
    assert 95 < edge.distance_m < 105 and not edge.far


def test_no_position_is_marked_unless_the_qr_was_scanned(cast):
    p = patrolled_point(cast)
    blind = actions_patrols.check_in(cast.users["village"], p, result="ok")
    assert blind.distance_m is None and blind.far
    scanned = actions_patrols.check_in(cast.users["village"], p, result="ok", via_qr=True)
    assert scanned.via_qr and not scanned.far


def test_photos_are_kept(cast):
    p = patrolled_point(cast)
    patrol = actions_patrols.check_in(
        cast.users["village"], p, result="hazard", note="裂缝", photos=[("a.jpg", jpeg())]
    )
    assert patrol.photos.count() == 1
    with pytest.raises(ActionError) as refused:
        actions_patrols.check_in(cast.users["village"], p, result="ok", photos=[("b.jpg", b"x")])
    assert refused.value.field == "photos"


def test_a_client_uuid_already_used_returns_the_first(cast):
    p = patrolled_point(cast)
    key = uuid.uuid4()
    first = actions_patrols.check_in(cast.users["village"], p, result="ok", client_uuid=key)
    again = actions_patrols.check_in(cast.users["village"], p, result="ok", client_uuid=str(key))
    assert again.pk == first.pk
    assert Patrol.objects.count() == 1
    assert sum(month_counts(cast.county.path).values()) == 1 and tally.matches()
    other = patrolled_point(cast, name="二号")
    with pytest.raises(IntakeConflict):
        actions_patrols.check_in(cast.users["village"], other, result="ok", client_uuid=key)


def test_outside_the_scope_is_refused_as_not_found(cast):
    p = patrolled_point(cast)
    with pytest.raises(NotFound):
        actions_patrols.check_in(cast.users["outsider"], p, result="ok")
    there = risk_point(
        cast,
        cell=cast.cell("450901100202"),
        geometry={"type": "Point", "coordinates": [106.1, 24.3]},
    )
    with pytest.raises(NotFound):  # a member of another village
        actions_patrols.check_in(cast.users["village"], there, result="ok")
    with pytest.raises(NotAllowed):  # a department's member holds no post of the cell
        actions_patrols.check_in(cast.users["department"], p, result="ok")
    assert Patrol.objects.count() == 0


def test_bad_input_names_its_field(cast):
    p = patrolled_point(cast)
    cases = [
        ({"result": "fine"}, "result"),
        ({"result": "ok", "lon": 106.1}, "lat"),
        ({"result": "ok", "lon": 200.0, "lat": 24.1}, "lon"),
        ({"result": "ok", "note": "x" * 2001}, "note"),
        ({"result": "ok", "client_uuid": "not-a-uuid"}, "client_uuid"),
    ]
    for fields, field in cases:
        with pytest.raises(ActionError) as refused:
            actions_patrols.check_in(cast.users["village"], p, **fields)
        assert refused.value.field == field, fields
    with time_machine.travel(START, tick=False), pytest.raises(ActionError) as refused:
        actions_patrols.check_in(
            cast.users["village"], p, result="ok", at=START + timedelta(hours=1)
        )
    assert refused.value.field == "at"
    assert Patrol.objects.count() == 0


def test_a_retired_point_takes_no_check_in(cast):
    p = patrolled_point(cast)
    actions_points.retire(cast.users["township"], p, note="已治理")
    with pytest.raises(Conflict):
        actions_patrols.check_in(cast.users["village"], p, result="ok")
