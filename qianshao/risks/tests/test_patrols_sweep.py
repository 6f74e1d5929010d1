"""The missed-patrol sweep: the patroller reminded at due + grace, the cell's dispatchers at
due + grace + escalate, each once; a missed row once the next due time has come; catching up
after downtime; the counters as the rows say."""

from datetime import UTC, timedelta

import pytest
import time_machine

from qianshao.audit.models import AuditRecord
from qianshao.notify.models import Message
from qianshao.risks import actions_patrols, sweep, tally
from qianshao.risks.models import Patrol
from qianshao.risks.tests.patrols_helpers import START, patrolled_point
from qianshao.workflow.models import StepTaken

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def run(at) -> int:
    with time_machine.travel(at, tick=False):
        return sweep.sweep()


def told(event):
    return sorted(Message.objects.filter(event=event).values_list("person_id", flat=True))


@pytest.fixture
def point(cast):
    with time_machine.travel(START, tick=False):
        return patrolled_point(cast)  # due at START + 84 h; grace 4 h, escalate 24 h


def test_the_patroller_then_the_dispatcher_each_once(cast, point):
    due = START + 84 * H
    assert run(due + 3 * H) == 0  # within the grace period
    assert run(due + 4 * H) == 1
    assert told("risks.patrol_remind") == [cast.people["village"].pk]
    assert run(due + 5 * H) == 0  # taken once
    assert told("risks.patrol_escalate") == []
    assert run(due + 28 * H) == 1
    assert told("risks.patrol_escalate") == [cast.people["township"].pk]  # 一村's ladder
    assert run(due + 29 * H) == 0
    assert told("risks.patrol_remind") == [cast.people["village"].pk]
    assert Patrol.objects.count() == 0
    assert set(StepTaken.objects.values_list("step", flat=True)) == {
        f"remind@{due.astimezone(UTC).isoformat()}",
        f"escalate@{due.astimezone(UTC).isoformat()}",
    }


def test_when_the_next_due_time_comes_the_patrol_is_missed(cast, point):
    due = START + 84 * H
    assert run(due + 30 * H) == 2  # reminded and escalated at once
    assert run(due + 84 * H) == 1  # missed (its dispatcher told already)
    missed = Patrol.objects.get()
    assert (missed.due_at, missed.outcome, missed.at, missed.result) == (due, "missed", None, "")
    assert missed.patroller == cast.people["village"]
    point.refresh_from_db()
    assert point.next_due_at == due + 84 * H
    assert tally.read(cast.county.path, tally.PATROLS)[tally.PATROLS] == {"2026-12:missed": 1}
    assert tally.matches()
    assert run(due + 84 * H) == 0
    assert Patrol.objects.count() == 1
    # a check-in now answers the next due time
    with time_machine.travel(due + 85 * H, tick=False):
        late = actions_patrols.check_in(cast.users["village"], point, result="ok")
    assert (late.due_at, late.outcome) == (due + 84 * H, "late")
    assert tally.matches()


def test_a_check_in_in_time_stops_the_chase(cast, point):
    due = START + 84 * H
    with time_machine.travel(due - H, tick=False):
        actions_patrols.check_in(cast.users["village"], point, result="ok")
    assert run(due + 30 * H) == 0
    assert Message.objects.count() == 0


def test_after_a_downtime_it_catches_up_each_missed_interval_once(cast, point):
    due = START + 84 * H
    # ten days later: due, +84, +168 are missed; +252 (4 h + past) is open and chased
    now = due + 252 * H + 30 * H
    # three missed rows, each missed due time's dispatcher step, the open one reminded and
    # escalated (the dispatchers get one notice of it all)
    assert run(now) == 3 + 3 + 2
    rows = list(Patrol.objects.order_by("due_at").values_list("due_at", "outcome"))
    assert rows == [(due + n * 84 * H, "missed") for n in range(3)]
    point.refresh_from_db()
    assert point.next_due_at == due + 252 * H
    assert run(now) == 0
    assert tally.matches()
    assert told("risks.patrol_remind") == [cast.people["village"].pk]
    assert told("risks.patrol_escalate") == [cast.people["township"].pk]
    assert AuditRecord.objects.filter(action="risks.patrol.sweep").count() == 1


def test_a_retired_point_is_not_chased(cast, point):
    from qianshao.risks import actions_points

    actions_points.retire(cast.users["township"], point, note="已治理")
    assert run(START + 300 * H) == 0
    assert Patrol.objects.count() == 0


def test_the_candidates_are_the_due_points_only(cast, point):
    due = START + 84 * H
    with time_machine.travel(due, tick=False):
        other = patrolled_point(cast, name="远期")
    with time_machine.travel(due + 5 * H, tick=False):
        assert sweep.candidates(due + 5 * H) == [point.pk]
    assert other.pk != point.pk


def test_a_point_chased_and_waiting_is_read_only_when_its_next_step_falls_due(cast, point):
    """Each visit moves the point's watch to its next step: its reminder, its escalation,
    the next due time; in between the sweep does not read it (nor lock it, nor claim)."""
    due = START + 84 * H
    looks = []
    for hours in (0, 1, 4, 5, 27, 28, 29, 83, 84):
        at = due + hours * H
        if point.pk in sweep.candidates(at):
            looks.append(hours)
            run(at)
    # at its due time (nothing yet: grace), at due + grace (reminded), at due + grace +
    # escalate (escalated), at the next due time (missed)
    assert looks == [0, 4, 28, 84]
    point.refresh_from_db()
    assert point.next_due_at == due + 84 * H
    assert point.watch_at == due + 84 * H + 4 * H  # the next due time's reminder
    assert Patrol.objects.get().outcome == "missed"
    assert told("risks.patrol_remind") == [cast.people["village"].pk]


def test_a_check_in_or_a_changed_rule_brings_the_watch_back_to_the_due_time(cast, point):
    from qianshao.risks import actions_config
    from qianshao.risks.models import PatrolRule, RiskPoint

    due = START + 84 * H
    run(due + 4 * H)  # reminded: the next look at its escalation
    point.refresh_from_db()
    assert point.watch_at == due + 28 * H
    # the escalation brought forward in the admin: looked at again from its due time
    rule = PatrolRule.objects.get_or_create(pk=1)[0]
    rule.escalate_hours = 2
    with time_machine.travel(due + 5 * H, tick=False):
        actions_config.save_setting(cast.users["admin"], rule)
        assert RiskPoint.objects.get(pk=point.pk).watch_at == due
        assert run(due + 6 * H) == 1  # escalated at due + 4 h + 2 h
        assert told("risks.patrol_escalate") == [cast.people["township"].pk]
        actions_patrols.check_in(cast.users["village"], point, result="ok")
    point.refresh_from_db()
    assert point.watch_at == point.next_due_at == due + 5 * H + 84 * H


def sweep_queries(cast, n: int, start) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qianshao.risks import actions_points

    with time_machine.travel(start, tick=False):
        points = [patrolled_point(cast, name=f"点{i}") for i in range(n)]
    # at the second due time + 30 h: the first missed (its dispatchers told), the second
    # reminded and escalated
    with CaptureQueriesContext(connection) as queries:
        assert run(start + 84 * H + 84 * H + 30 * H) == 4 * n
    for p in points:
        actions_points.retire(cast.users["township"], p, note="测试完毕")
    return len(queries)


def test_the_sweeps_statements_do_not_grow_with_the_points_due(cast):
    sweep_queries(cast, 1, START - 1000 * H)  # once: what the process reads and keeps
    few = sweep_queries(cast, 2, START)
    many = sweep_queries(cast, 20, START + 1000 * H)
    assert many == few
    assert Patrol.objects.count() == 23


def test_the_periodic_task_runs_the_sweep(cast, point):
    from qianshao.risks.tasks_patrols import sweep_patrols

    with time_machine.travel(START + 88 * H, tick=False):
        assert sweep_patrols.call_local() == 1
    assert told("risks.patrol_remind") == [cast.people["village"].pk]
