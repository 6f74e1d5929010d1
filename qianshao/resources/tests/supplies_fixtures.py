"""Fixtures of the supplies tests: a catalogue of three items, a point at each level of
A县 and one in B县, imported by each test module of the part."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources.models import Holding, Line


@pytest.fixture
def items(db):
    """Rice (kg, expires), tents (顶, never expires), and water (箱)."""
    return {
        "rice": catalogue.add_item(None, code="1999901", name="大米", unit="kg"),
        "tent": catalogue.add_item(None, code="1999902", name="帐篷", unit="顶", expires=False),
        "water": catalogue.add_item(None, code="1999903", name="饮用水", unit="箱"),
    }


@pytest.fixture
def points(cast, items):
    """A point in A县 (county), 甲镇 (township), 一村 (village) and B县 (other)."""
    return {
        "county": actions.create_point(
            None, cell=cast.county, name="A县物资库", manager=cast.people["county"]
        ),
        "township": actions.create_point(
            None, cell=cast.township, name="甲镇储备点", manager=cast.people["township"]
        ),
        "village": actions.create_point(None, cell=cast.village, name="一村储备点"),
        "other": actions.create_point(
            None, cell=cast.other_county, name="B县物资库", manager=cast.people["outsider"]
        ),
    }


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def stock(point, item) -> Decimal:
    h = Holding.objects.filter(point=point, item=item).first()
    return h.quantity if h else Decimal(0)


def card_balance(point, item) -> Decimal | None:
    last = Line.objects.filter(point=point, item=item).order_by("-id").first()
    return last.holding_after if last else None


def assert_sweeps(out: str) -> None:
    """The supplies bench's two sweeps: a day's expiries (about 0.1 % of the batches moved)
    and ten days' catch-up (about 1 %)."""
    import re

    daily = re.search(r"the daily sweep over [\d,]+ batches, moving [\d,]+ .*?\(([\d.]+) %\)", out)
    assert daily and 0.02 <= float(daily.group(1)) <= 0.3, out
    late = re.search(r"10 days' catch-up over [\d,]+ batches, moving [\d,]+ .*?\(([\d.]+) %\)", out)
    assert late and 0.3 <= float(late.group(1)) <= 2.0, out
