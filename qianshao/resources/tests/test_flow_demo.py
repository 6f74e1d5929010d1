"""The demo links kits and supplies: every line of 九个一 and 四小件 has a catalogue item, the
demo village (镇洪村) has a point holding the pieces, received from its township's point,
and the township login issues its officer's missing pieces from there."""

import pytest
from django.contrib.auth import get_user_model

from qianshao import demo
from qianshao.grid.models import Cell
from qianshao.resources import actions_kits, demo_flow, demo_kits, demo_supplies, tally
from qianshao.resources.models import (
    Holding,
    KitCard,
    KitLine,
    Point,
    PointKind,
    Transfer,
    TransferStatus,
)

pytestmark = pytest.mark.django_db


def test_the_demo_village_can_issue_its_officers_kit_from_its_point():
    demo.build_grid()
    county = Cell.objects.get(code=demo.COUNTY)
    demo_kits.build(county)
    demo_supplies.build(county)
    point = demo_flow.build(county)
    assert not KitLine.objects.filter(item_code="").exists()
    assert (point.cell.code, point.kind) == (demo.VILLAGE, PointKind.VILLAGE)
    assert point.manager is not None
    held = Holding.objects.filter(point=point, quantity__gt=0)
    assert held.count() == len(demo_flow.KIT_ITEMS)
    assert {h.quantity for h in held} == {demo_flow.SENT_DOWN}
    assert Transfer.objects.filter(destination=point, status=TransferStatus.RECEIVED).exists()
    assert Point.objects.filter(cell__code=demo.VILLAGE).count() == 1

    card = KitCard.objects.get(cell__code=demo.VILLAGE, standard__code="nine_ones", active=True)
    assert card.missing == 2
    township = get_user_model().objects.get(username="township")
    actions_kits.issue_missing(township, card, point=point)
    card.refresh_from_db()
    assert card.complete
    left = dict(held.values_list("item__name", "quantity"))
    assert (left["应急通讯录"], left["灾情登记本"], left["雨衣"]) == (4, 4, 5)
    assert tally.matches()
