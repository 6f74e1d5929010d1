"""The ledger's invariants under any sequence of movements (Hypothesis state machine):
no quantity below zero, each holding the sum of its batches, each stock card's last line the
holding, the counters a recount; and a refused movement changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from qianshao.lib.errors import ActionError
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources import tally
from qianshao.resources.models import Batch, Holding, Line, Transfer, TransferStatus
from qianshao.testing import build_cast

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(60), places=3)


class Ledger(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        cast = build_cast()
        self.items = [
            catalogue.add_item(None, code="1999901", name="大米", unit="kg"),
            catalogue.add_item(None, code="2999901", name="救生衣", unit="件", expires=False),
        ]
        self.points = [
            actions.create_point(None, cell=cast.county, name="县库"),
            actions.create_point(None, cell=cast.township, name="镇库"),
        ]

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _try(self, fn, *args, **kwargs):
        """Run a movement; a refusal must leave the ledger as it was."""
        before = list(Batch.objects.order_by("id").values_list("id", "quantity"))
        lines = Line.objects.count()
        try:
            with transaction.atomic():
                fn(*args, **kwargs)
        except ActionError:
            assert list(Batch.objects.order_by("id").values_list("id", "quantity")) == before
            assert Line.objects.count() == lines

    @rule(p=st.integers(0, 1), i=st.integers(0, 1), n=quantities, d=st.integers(0, 400))
    def receive(self, p, i, n, d):
        expires = timezone.localdate() + timedelta(days=d) if i == 0 else None
        self._try(
            actions.receive, None, self.points[p], item=self.items[i], quantity=n, expires=expires
        )

    @rule(p=st.integers(0, 1), i=st.integers(0, 1), n=quantities)
    def issue(self, p, i, n):
        self._try(
            actions.issue, None, self.points[p], item=self.items[i], quantity=n, purpose="发放"
        )

    @rule(p=st.integers(0, 1), n=quantities, data=st.data())
    def write_off(self, p, n, data):
        batches = list(Batch.objects.filter(point=self.points[p]).order_by("id"))
        if batches:
            batch = data.draw(st.sampled_from(batches))
            self._try(
                actions.write_off, None, self.points[p], batch=batch, quantity=n, reason="damaged"
            )

    @rule(p=st.integers(0, 1), n=st.decimals(min_value=0, max_value=80, places=3), data=st.data())
    def count(self, p, n, data):
        batches = list(Batch.objects.filter(point=self.points[p]).order_by("id"))
        if batches:
            batch = data.draw(st.sampled_from(batches))
            self._try(
                actions.count,
                None,
                self.points[p],
                item=batch.item,
                counted={batch.pk: n},
                reason="盘点",
            )

    @rule(p=st.integers(0, 1), i=st.integers(0, 1), n=quantities)
    def dispatch(self, p, i, n):
        self._try(
            actions.dispatch,
            None,
            self.points[p],
            self.points[1 - p],
            lines=[(self.items[i], n, None, None)],
        )

    @rule(data=st.data(), receive=st.booleans())
    def close_transfer(self, data, receive):
        open_ = list(Transfer.objects.filter(status=TransferStatus.IN_TRANSIT).order_by("id"))
        if open_:
            t = data.draw(st.sampled_from(open_))
            step = actions.receive_transfer if receive else actions.recall_transfer
            self._try(step, None, t)

    @invariant()
    def nothing_negative(self):
        assert not Batch.objects.filter(quantity__lt=0).exists()
        assert not Holding.objects.filter(in_transit_out__lt=0).exists()

    @invariant()
    def holdings_are_the_sum_of_batches_and_the_card_agrees(self):
        for h in Holding.objects.all():
            batches = Batch.objects.filter(point=h.point_id, item=h.item_id)
            total = batches.aggregate(s=Sum("quantity"))["s"] or Decimal(0)
            assert h.quantity == total
            last = Line.objects.filter(point=h.point_id, item=h.item_id).order_by("-id").first()
            assert (last.holding_after if last else Decimal(0)) == h.quantity
            for b in batches:
                line = b.lines.order_by("-id").first()
                assert line is None or line.batch_after == b.quantity

    @invariant()
    def in_transit_is_what_open_transfers_carry(self):
        for h in Holding.objects.all():
            carried = -(
                Line.objects.filter(
                    movement__transfer__status=TransferStatus.IN_TRANSIT,
                    movement__kind="transfer_out",
                    point=h.point_id,
                    item=h.item_id,
                ).aggregate(s=Sum("delta"))["s"]
                or 0
            )
            assert h.in_transit_out == carried

    @invariant()
    def counters_match_a_recount(self):
        assert tally.matches()


@pytest.mark.django_db
def test_the_ledger_keeps_its_invariants():
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
