# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""The expiry sweep, through time (time-machine): a batch moves into 90, 30 days and expired
by steps taken once — a second run takes nothing, a run after downtime catches up — the
point's manager and the dispatchers above are told once per point and band, suggesting 轮换;
a batch received inside a band is not announced; the counters follow."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qianshao.lib.errors import ActionError
from qianshao.notify.models import Message
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources import sweep_supplies, tally
from qianshao.resources.models import Band, Batch, Category
from qianshao.resources.tests.supplies_fixtures import items, points  # noqa: F401

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def expiry_messages(person=None):
    found = Message.objects.filter(event="resources.supplies_expiry")
    return found.filter(person=person) if person else found


def test_bands_move_once_and_tell_the_manager_and_the_level_above(cast, points, items):
    keeper = cast.people["village"]  # 一村's 网格员 keeps its point
    with time_machine.travel(START, tick=False) as traveller:
        point = points["village"]
        point.manager = keeper
        point.save(update_fields=["manager"])
        actions.receive(
            None,
            point,
            item=items["rice"],
            quantity=40,
            expires=START.date() + timedelta(days=100),
            lot="R1",
        )
        assert sweep_supplies.sweep() == 0
        traveller.shift(timedelta(days=11))  # 89 days to go
        assert sweep_supplies.sweep() == 1
        assert Batch.objects.get().band == Band.NEAR90
        assert sweep_supplies.sweep() == 0  # run twice: taken once
        told = expiry_messages()
        assert told.filter(person=keeper).count() == 1
        assert told.filter(person=cast.people["township"]).count() == 1  # the level above
        assert not told.filter(person=cast.people["county"]).exists()
        message = told.filter(person=keeper).get()
        assert "轮换" in message.body and "R1" in message.body
        assert tally.read(cast.county.path, "supplies_batches")["supplies_batches"] == {
            "1.near90": 1,
            "1.ok": 0,
        }
        traveller.shift(timedelta(days=100))  # downtime: straight to expired
        assert sweep_supplies.sweep() == 1
        assert Batch.objects.get().band == Band.EXPIRED
        assert expiry_messages(keeper).count() == 2
        assert sweep_supplies.sweep() == 0
        assert tally.matches()


def test_a_batch_received_inside_a_band_is_not_announced(cast, points, items):
    with time_machine.travel(START, tick=False) as traveller:
        actions.receive(
            None,
            points["county"],
            item=items["rice"],
            quantity=5,
            expires=START.date() + timedelta(days=20),
        )
        assert Batch.objects.get().band == Band.NEAR30
        assert sweep_supplies.sweep() == 0 and not expiry_messages().exists()
        traveller.shift(timedelta(days=21))
        assert sweep_supplies.sweep() == 1
        assert Batch.objects.get().band == Band.EXPIRED
        assert expiry_messages(cast.people["county"]).count() == 1  # the county's manager
        assert tally.matches()


def test_an_emptied_batch_is_not_swept(cast, points, items):
    with time_machine.travel(START, tick=False) as traveller:
        p = points["county"]
        actions.receive(
            None, p, item=items["rice"], quantity=5, expires=START.date() + timedelta(days=95)
        )
        actions.issue(None, p, item=items["rice"], quantity=5, purpose="轮换")
        traveller.shift(timedelta(days=10))
        assert sweep_supplies.sweep() == 0
        assert Batch.objects.get().band == Band.OK
        assert tally.matches()


def test_an_agreement_ending_within_30_days_is_told_once_to_the_dispatchers(cast, items):
    with time_machine.travel(START, tick=False) as traveller:
        actions.add_agreement(
            None,
            cell=cast.township,
            supplier="粮油公司",
            item=items["rice"],
            quantity=500,
            starts=START.date(),
            ends=START.date() + timedelta(days=40),
        )
        sweep_supplies.sweep()
        told = Message.objects.filter(event="resources.supplies_agreement")
        assert not told.exists()
        traveller.shift(timedelta(days=11))
        sweep_supplies.sweep()
        sweep_supplies.sweep()
        assert told.filter(person=cast.people["township"]).count() == 1
        assert "粮油公司" in told.get().subject


def test_a_corrected_expiry_moves_the_band_and_re_arms_the_sweep(cast, points, items):
    with time_machine.travel(START, tick=False) as traveller:
        p = points["county"]
        actions.receive(
            None, p, item=items["rice"], quantity=5, expires=START.date() + timedelta(days=60)
        )
        batch = Batch.objects.get()
        assert batch.band == Band.NEAR90
        with pytest.raises(ActionError) as refused:
            actions.correct_expiry(None, batch, expires=batch.expires, reason="同")
        assert refused.value.field == "expires"
        actions.correct_expiry(
            cast.users["county"],
            batch,
            expires=START.date() + timedelta(days=200),
            reason="供货方延长保质期",
        )
        assert Batch.objects.get().band == Band.OK
        assert tally.matches()
        traveller.shift(timedelta(days=115))  # 85 days to the new expiry
        assert sweep_supplies.sweep() == 1
        assert Batch.objects.get().band == Band.NEAR90
        assert expiry_messages(cast.people["county"]).count() == 1
        assert tally.matches()


def test_a_sweep_reads_only_the_expiries_crossed_since_the_last_finished(cast, points, items):
    """The batches resting inside their band are not read again: after a sweep on day d,
    the next reads the expiries that crossed a threshold after d (none the same day)."""
    p = points["county"]
    with time_machine.travel(START, tick=False) as traveller:
        for days in (91, 95, 200, 31, 0):  # crossing 90 days out on days 1 and 5, …
            actions.receive(
                None, p, item=items["rice"], quantity=1, expires=START.date() + timedelta(days=days)
            )
        assert sweep_supplies.last_swept() is None
        sweep_supplies.sweep()
        assert sweep_supplies.last_swept() == START.date()

        def candidates(day):
            ranges = sweep_supplies.due_ranges(sweep_supplies.last_swept(), day)
            return sorted(
                (b.expires - START.date()).days
                for q in ranges
                for b in Batch.objects.filter(q, quantity__gt=0)
            )

        assert candidates(START.date()) == []  # a second run the same day reads nothing
        day5 = START.date() + timedelta(days=5)
        # 91 and 95 cross 90 days out, 31 crosses 30, 0 expires: 200 is not read
        assert candidates(day5) == [0, 31, 91, 95]
        traveller.shift(timedelta(days=5))
        assert sweep_supplies.sweep() == 4
        assert sweep_supplies.last_swept() == day5
        assert candidates(day5) == []
        assert tally.matches()


def test_a_sweep_that_fails_leaves_its_day_to_the_next(cast, points, items, monkeypatch):
    p = points["county"]
    with time_machine.travel(START, tick=False) as traveller:
        actions.receive(
            None, p, item=items["rice"], quantity=1, expires=START.date() + timedelta(days=95)
        )
        sweep_supplies.sweep()
        traveller.shift(timedelta(days=10))

        def broken(*args, **kwargs):
            raise RuntimeError("the outbox is down")

        monkeypatch.setattr(sweep_supplies, "enqueue_all", broken)
        with pytest.raises(RuntimeError):
            sweep_supplies.sweep()
        assert sweep_supplies.last_swept() == START.date()  # the day not recorded
        assert Batch.objects.get().band == Band.OK  # nor the band moved
        monkeypatch.undo()
        assert sweep_supplies.sweep() == 1  # the next run takes it
        assert Batch.objects.get().band == Band.NEAR90
        assert tally.matches()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_move_each_band_once(cast):
    """The band is the batch's state, moved under its holding's lock: two workers sweeping
    at once move it (and its counters, and its notice) once."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    # the catalogue's classes as the migration seeds them (a test that commits finds the
    # tables emptied by the one before)
    for code in ("1", "199", "19999"):
        if not Category.objects.filter(code=code).exists():
            catalogue.add_category(None, code=code, name=f"类{code}")
    rice = catalogue.add_item(None, code="1999901", name="大米", unit="kg")
    with time_machine.travel(START, tick=False) as traveller:
        point = actions.create_point(None, cell=cast.township, name="甲镇储备点")
        for n in range(40):
            actions.receive(
                None,
                point,
                item=rice,
                quantity=1,
                expires=START.date() + timedelta(days=91 + n % 3),
            )
        traveller.shift(timedelta(days=5))
        results, failures = [], []
        go = threading.Barrier(2)

        def sweeper():
            try:
                go.wait(10)
                results.append(sweep_supplies.sweep())
            except Exception as exc:  # reported below
                failures.append(exc)
            finally:
                connection.close()

        workers = [threading.Thread(target=sweeper) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        assert failures == []
        assert sum(results) == 40  # each batch moved by one of them
        assert Batch.objects.filter(band=Band.NEAR90).count() == 40
        assert expiry_messages(cast.people["county"]).count() == 1  # the level above, once
        assert tally.matches()
