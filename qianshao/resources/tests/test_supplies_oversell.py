"""Issues of the same batch at once never oversell: threads with their own connections,
released together, each asking for more than half of what the batch holds — one is served,
the others get the 409 naming the batch, and nothing goes below zero. PostgreSQL only (READ
COMMITTED, row locks and the conditional UPDATE are what is under test; SQLite serialises
every writer anyway)."""

import threading
from decimal import Decimal
from importlib import import_module

import pytest
from django.db import connection

from qianshao.lib.errors import Conflict
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources import tally
from qianshao.resources.models import Batch, Holding, Line
from qianshao.resources.tests.supplies_fixtures import days
from qianshao.testing import build_cast

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's concurrency"),
]


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """A transactional test ends by flushing the database, seeds and all: put back what the
    data migrations seeded (idempotent)."""
    from django.apps import apps

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.resources.migrations.0005_supplies").seed(apps, None)


def at_once(*calls) -> list:
    """Run each call in its own thread (its own connection), released together."""
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


@pytest.mark.parametrize("named", [True, False], ids=["named batch", "first expiring"])
def test_parallel_issues_of_one_batch_never_oversell(named):
    cast = build_cast()
    rice = catalogue.add_item(None, code="1999901", name="大米", unit="kg")
    point = actions.create_point(None, cell=cast.county, name="县库")
    actions.receive(None, point, item=rice, quantity=10, expires=days(100), lot="P1")
    batch = Batch.objects.get()
    user = cast.users["county"]

    def issue():
        return actions.issue(
            user, point, item=rice, quantity=6, purpose="发放", batch=batch if named else None
        )

    outcomes = at_once(*[issue] * 4)
    served = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(served) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in refused), refused
    if named:
        assert all("P1" in o.message and "仅余 4" in o.message for o in refused)
    batch.refresh_from_db()
    assert batch.quantity == Decimal(4)
    assert Holding.objects.get(point=point, item=rice).quantity == 4
    assert Line.objects.filter(delta__lt=0).count() == 1
    assert tally.matches()
