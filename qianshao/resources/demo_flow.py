"""Kits and supplies linked in the demo county (docs/adr/0023 "Kits": a stock issue if from a
point): the kit pieces become catalogue items, the standards' lines are bound to them, and the
demo village (泗城镇镇洪村, the village login's cell) gets a storage point holding them —
received at the township's point and sent down by a transfer the village received — so that
its emergency officer's two missing pieces (``demo_kits``) can be issued from the village's
stock on the kit card page (by the township login, which manages the village's point).

The lines are bound here, not by a migration: the codes sit under the catalogue's catch-all
(2 99 99 …), which are this installation's own, and the standards are the admin's to edit.
Runs after ``demo_kits`` and ``demo_supplies``.
"""

from datetime import timedelta

import time_machine
from django.utils import timezone

from qianshao.grid.models import Cell, Role, RoleAssignment, active_on
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources.models import Item, KitLine, Point, Source

VILLAGE = "451027100201"
# code, name, unit: the pieces of 九个一 and 四小件 as catalogue items (2 应急装备及配套物资);
# 2999901 救生衣 and 2999902 强光手电 are the supplies demo's own
KIT_ITEMS = [
    ("2999901", "救生衣", "件"),
    ("2999902", "强光手电", "个"),
    ("2999903", "雨衣", "件"),
    ("2999904", "雨靴", "双"),
    ("2999905", "救援绳", "根"),
    ("2999906", "警报器", "个"),
    ("2999907", "大喇叭", "个"),
    ("2999908", "应急通讯录", "本"),
    ("2999909", "灾情登记本", "本"),
    ("2999910", "头盔", "顶"),
    ("2999911", "防雨护具", "套"),
]
# a line's name → the item it is issued as, where the two differ (四小件's 电筒)
SAME_AS = {"电筒": "强光手电"}
SENT_DOWN = 5  # of each piece, to the village's point


def kit_items() -> dict[str, Item]:
    """The kit pieces in the catalogue, added where missing; {name: item}."""
    found = {i.code: i for i in Item.objects.filter(code__in=[c for c, _n, _u in KIT_ITEMS])}
    for code, name, unit in KIT_ITEMS:
        if code not in found:
            found[code] = catalogue.add_item(None, code=code, name=name, unit=unit, expires=False)
    return {name: found[code] for code, name, _u in KIT_ITEMS}


def bind_lines(items: dict[str, Item]) -> int:
    """Give each standard's line without a code the code of the item of its name (as an
    admin would in the standard's page); returns how many lines were bound."""
    bound = 0
    for line in KitLine.objects.filter(item_code=""):
        item = items.get(SAME_AS.get(line.name, line.name))
        if item is not None:
            line.item_code = item.code
            line.save(update_fields=["item_code"])
            bound += 1
    return bound


def _head(cell: Cell):
    post = (
        RoleAssignment.objects.filter(active_on(), cell=cell, role=Role.HEAD)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return post.person if post else None


def build(county: Cell) -> Point | None:
    """Bind the kits to the catalogue and stock the demo village's point (see above)."""
    items = kit_items()
    bind_lines(items)
    village = Cell.objects.filter(code=VILLAGE, path__startswith=county.path).first()
    if village is None:
        return None
    township = village.parent
    store = Point.objects.filter(cell=township).order_by("pk").first()
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        if store is None:
            store = actions.create_point(None, cell=township, name=f"{township.name}应急物资储备点")
        for item in items.values():
            actions.receive(
                None, store, item=item, quantity=SENT_DOWN * 2, source=Source.ALLOCATION
            )
        point = actions.create_point(
            None,
            cell=village,
            name=f"{village.name}应急物资储备点",
            lon=village.centre_lon,
            lat=village.centre_lat,
            address=f"{village.name}村委会",
            manager=_head(village),
        )
        sent = actions.dispatch(
            None,
            store,
            point,
            lines=[(item, SENT_DOWN, item.unit, None) for item in items.values()],
            note="汛前为村应急员配备九个一",
        )
    with time_machine.travel(timezone.now() - timedelta(days=18), tick=False):
        actions.receive_transfer(None, sent)
    with time_machine.travel(timezone.now() - timedelta(days=6), tick=False):
        lamp = next(iter(items.values()))
        actions.requisition(
            None,
            store,
            owner="镇上五金店",
            owner_phone="13800000000",
            lines=[(lamp, 20, lamp.unit, None)],
            value="800",
            note="汛期抢险临时征用",
        )
    return point
