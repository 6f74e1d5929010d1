"""A double click on the same step, from two threads with their own connections, each
holding its transaction open a while: exactly one succeeds, the other gets Conflict (409),
and there is one audit record. Runs on whichever database the suite runs on (SQLite and
PostgreSQL both in CI): the row lock (PostgreSQL) or the write lock (SQLite) serialises them.
"""

import threading
import time
from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from qianshao.audit.chain import verify
from qianshao.audit.models import AuditRecord
from qianshao.hazards import actions
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Hazard, Status
from qianshao.hazards.tests.conftest import tally_recount, tally_stored
from qianshao.lib.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """A transactional test ends by flushing the database, which also removes what data
    migrations seeded (the hazard domains, the default deadlines and ladder): put them back
    (the seeds are idempotent)."""
    from django.apps import apps

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.hazards.migrations.0002_defaults").seed(apps, None)


def at_once(*calls) -> list:
    """Run each call in its own thread, released together: each one's result or error."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(10)
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def slow(monkeypatch):
    """Each step and sweep holds its transaction a little longer before it commits, so the
    second click arrives while the first is still inside."""

    def slowed(original):
        def audit(**kwargs):
            time.sleep(0.3)
            return original(**kwargs)

        return audit

    monkeypatch.setattr(actions, "audit", slowed(actions.audit))
    monkeypatch.setattr(supervision, "audit", slowed(supervision.audit))


STEPS = [
    # (status before, who clicks, the step, status after)
    (Status.SUBMITTED, "township", lambda u, h: actions.accept(u, h), Status.ACCEPTED),
    (Status.ASSIGNED, "village", lambda u, h: actions.start(u, h), Status.RECTIFYING),
    (Status.VERIFYING, "county", lambda u, h: actions.verify(u, h), Status.VERIFIED),
    (Status.VERIFIED, "township", lambda u, h: actions.close(u, h), Status.CLOSED),
]


@pytest.mark.parametrize(
    "status, who, step, after", STEPS, ids=["accept", "start", "verify", "close"]
)
def test_a_double_click_on_a_step_succeeds_once_and_conflicts_once(
    cast, hazard_in, slow, status, who, step, after
):
    h = hazard_in(status)
    records = AuditRecord.objects.count()
    user = cast.users[who]
    outcomes = at_once(lambda: step(user, h), lambda: step(user, h))
    done = [o for o in outcomes if isinstance(o, Hazard)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(done), len(refused)) == (1, 1), outcomes
    assert refused[0].field == "step" and refused[0].status == 409
    assert Hazard.objects.get(pk=h.pk).status == after
    assert AuditRecord.objects.count() == records + 1
    assert tally_stored() == tally_recount()
    assert verify().ok


def test_two_people_accepting_at_once_make_one_acceptance(cast, hazard_in, slow):
    h = hazard_in(Status.SUBMITTED)
    township, county = cast.users["township"], cast.users["county"]
    outcomes = at_once(lambda: actions.accept(township, h), lambda: actions.accept(county, h))
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Hazard"]
    [record] = AuditRecord.objects.for_object(h).filter(action="hazards.accept")
    winner = next(o for o in outcomes if isinstance(o, Hazard))
    assert record.actor_id in {township.pk, county.pk}
    assert winner.status == Hazard.objects.get(pk=h.pk).status == Status.ACCEPTED


def test_a_step_and_the_sweep_at_once_leave_consistent_counters(cast, hazard_in, slow):
    h = hazard_in(Status.SUBMITTED)
    township = cast.users["township"]
    with time_machine.travel(h.due_at + timedelta(hours=1), tick=False):  # overdue now
        outcomes = at_once(
            lambda: supervision.supervise(h.pk, timezone.now()),
            lambda: actions.accept(township, h),
        )
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    h.refresh_from_db()
    # whichever came first, the acceptance leaves a fresh clock
    assert (h.status, h.overdue, h.supervision_level) == (Status.ACCEPTED, False, 0)
    swept = AuditRecord.objects.for_object(h).filter(action="hazards.supervise").count()
    assert swept == int(outcomes[0])  # the sweep that came second found nothing due
    assert tally_stored() == tally_recount()
    assert verify().ok
