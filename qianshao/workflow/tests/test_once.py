"""The once-per-step record: a step of an object is taken once, whoever claims it, however
often, alone or in a batch, and only by a transaction that commits."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction

from qianshao.grid.models import Cell
from qianshao.workflow import once
from qianshao.workflow.models import StepTaken

AT = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def rows() -> list[tuple[str, str, datetime]]:
    return list(StepTaken.objects.order_by("subject", "step").values_list("subject", "step", "at"))


@pytest.mark.django_db
def test_a_step_claimed_twice_is_taken_the_first_time_only():
    assert once.claim("warnings.warning:45", "chase:1", AT) is True
    assert once.claim("warnings.warning:45", "chase:1", AT + timedelta(hours=1)) is False
    assert rows() == [("warnings.warning:45", "chase:1", AT)]  # when it was first taken
    assert once.taken("warnings.warning:45") == {"chase:1"}


@pytest.mark.django_db
def test_the_same_step_of_another_subject_and_another_step_of_the_same_are_new():
    assert once.claim("warnings.warning:45", "chase:1", AT)
    assert once.claim("warnings.warning:46", "chase:1", AT)
    assert once.claim("warnings.warning:45", "chase:2", AT)
    assert once.taken("warnings.warning:45") == {"chase:1", "chase:2"}
    assert once.taken("warnings.warning:47") == set()


@pytest.mark.django_db
def test_claim_all_takes_the_new_pairs_and_answers_which():
    once.claim_all([("a:1", "chase:1"), ("b:2", "chase:1")], AT)
    later = AT + timedelta(minutes=5)
    wanted = [("a:1", "chase:1"), ("a:1", "chase:2"), ("b:2", "chase:1"), ("c:3", "chase:1")]
    assert once.claim_all([*wanted, ("c:3", "chase:1")], later) == {
        ("a:1", "chase:2"),
        ("c:3", "chase:1"),
    }
    assert rows() == [
        ("a:1", "chase:1", AT),
        ("a:1", "chase:2", later),
        ("b:2", "chase:1", AT),
        ("c:3", "chase:1", later),
    ]
    assert once.claim_all(wanted, later) == set()
    assert once.claim_all([], later) == set()


@pytest.mark.django_db
def test_claim_all_takes_a_batch_larger_than_one_statement_in_one_call():
    pairs = [(f"hazards.hazard:{n}", "rung:1@submitted@x") for n in range(1234)]
    assert once.claim_all(pairs[:600], AT) == set(pairs[:600])
    assert once.claim_all(pairs, AT) == set(pairs[600:])
    assert StepTaken.objects.count() == 1234


@pytest.mark.django_db
def test_a_claim_rolled_back_with_its_step_is_not_taken():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert once.claim("disasters.day:2026-12-04", "chase:1", AT)
        raise RuntimeError("the step's work failed")
    assert rows() == []
    assert once.claim("disasters.day:2026-12-04", "chase:1", AT)


@pytest.mark.django_db
def test_subjects_are_spelt_one_way(cast):
    village = Cell.objects.get(code="450901100201")
    assert once.subject(village) == f"grid.cell:{village.pk}"
    assert once.subject("disasters.day", date(2026, 12, 4)) == "disasters.day:2026-12-04"
    assert once.subject("warnings.warning", 45) == "warnings.warning:45"


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_take_each_step_once():
    """Each in its own transaction, held open a while after claiming: every pair is taken
    by exactly one of them (the row lock on PostgreSQL, the write lock on SQLite)."""
    pairs = [(f"hazards.hazard:{n}", "rung:1@submitted@x") for n in range(50)]
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def work(i: int, mine: list) -> None:
        try:
            barrier.wait(10)
            with transaction.atomic():
                outcomes[i] = once.claim_all(mine, AT)
                time.sleep(0.3)
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(0, pairs)),
        threading.Thread(target=work, args=(1, list(reversed(pairs[25:])) + pairs[:25])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    first, second = outcomes
    assert isinstance(first, set) and isinstance(second, set), outcomes
    assert not first & second
    assert first | second == set(pairs)
    assert StepTaken.objects.count() == 50
