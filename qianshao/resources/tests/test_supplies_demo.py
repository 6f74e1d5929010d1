"""The supplies of the demo county, built on the demo grid: a county point and township
points with stock, batches within 90 and 30 days of expiry (announced by the sweep), an item
under its minimum, a transfer in transit, and counters that match a recount."""

import pytest

from qianshao import demo
from qianshao.grid.models import Cell
from qianshao.notify.models import Message
from qianshao.resources import demo_supplies, tally
from qianshao.resources.models import Band, Batch, Minimum, Point, Transfer, TransferStatus

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_its_supplies():
    demo.build_grid()
    county = Cell.objects.get(code=demo.COUNTY)
    demo_supplies.build(county)
    kinds = sorted(Point.objects.values_list("kind", flat=True))
    assert kinds == ["county", "township", "township", "township"]
    assert Point.objects.filter(manager__isnull=False).count() == 4
    bands = set(Batch.objects.filter(quantity__gt=0).values_list("band", flat=True))
    assert {Band.NEAR90, Band.NEAR30, Band.OK} <= bands
    assert Minimum.objects.filter(short=True).count() == 1
    assert Transfer.objects.filter(status=TransferStatus.IN_TRANSIT).count() == 1
    assert Message.objects.filter(event="resources.supplies_expiry").exists()
    assert tally.matches()
