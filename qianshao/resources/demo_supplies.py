"""The supplies of the demo county 凌云县 (docs/adr/0023 "Demo"), played through the actions
with the clock moved back (docs/adr/0008): a county storage point and a point in each of
the first townships, each with its stock; rice received a month ago that is now within 90
days of expiry and drinking water within 30 — the expiry sweep tells their managers and the
level above, suggesting 轮换 —; one item under its minimum at a township; one transfer from
the county still in transit. The items sit under the catalogue's catch-all classes (1 99 99,
2 99 99, 3 99 99): the standard's lower classes are not loaded.
"""

from datetime import timedelta

import time_machine
from django.utils import timezone

from qianshao.grid.models import Cell, CellKind, Role, RoleAssignment, active_on
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources import sweep_supplies
from qianshao.resources.models import Item, Source

TOWNSHIPS = 3
# code, name, unit, expires
ITEMS = [
    ("1999901", "大米", "kg", True),
    ("1999902", "食用油", "桶", True),
    ("1999903", "瓶装饮用水", "箱", True),
    ("1999904", "棉被", "床", False),
    ("1999905", "折叠床", "张", False),
    ("1999906", "救灾帐篷", "顶", False),
    ("2999901", "救生衣", "件", False),
    ("2999902", "强光手电", "个", False),
    ("3999901", "编织袋", "条", False),
]


def _items() -> dict[str, Item]:
    found = {i.code: i for i in Item.objects.filter(code__in=[c for c, *_r in ITEMS])}
    for code, name, unit, expires in ITEMS:
        if code not in found:
            found[code] = catalogue.add_item(None, code=code, name=name, unit=unit, expires=expires)
    return {name: found[code] for code, name, _u, _e in ITEMS}


def _dispatcher(cell: Cell):
    post = (
        RoleAssignment.objects.filter(
            active_on(), cell=cell, role=Role.DISPATCHER, department__isnull=True
        )
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return post.person if post else None


def build(county: Cell) -> None:
    """Add the county's supplies (see the module's docstring)."""
    items = _items()
    today = timezone.localdate()
    townships = list(
        Cell.objects.filter(parent=county, kind=CellKind.TOWNSHIP).order_by("code")[:TOWNSHIPS]
    )
    with time_machine.travel(timezone.now() - timedelta(days=60), tick=False):
        store = actions.create_point(
            None,
            cell=county,
            name=f"{county.name}应急物资储备库",
            lon=county.centre_lon,
            lat=county.centre_lat,
            address=f"{county.name}城区",
            manager=_dispatcher(county),
        )
        # within 90 days of expiry by now (received ok; the sweep moves it)
        water = today + timedelta(days=25)
        actions.receive(
            None,
            store,
            item=items["瓶装饮用水"],
            quantity=300,
            expires=water,
            produced_on=today - timedelta(days=340),
            source=Source.PURCHASE,
            unit_price="24.00",
            lot="SW2501",
            origin="百色市某饮料公司",
        )
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        actions.receive(
            None,
            store,
            item=items["大米"],
            quantity=2000,
            expires=today + timedelta(days=85),
            produced_on=today - timedelta(days=280),
            source=Source.PURCHASE,
            unit_price="4.20",
            lot="DM2024-11",
            origin="县粮食储备公司",
        )
        for name, n, source in [
            ("大米", 1500, Source.PURCHASE),
            ("食用油", 120, Source.PURCHASE),
            ("棉被", 800, Source.ALLOCATION),
            ("折叠床", 300, Source.ALLOCATION),
            ("救灾帐篷", 150, Source.ALLOCATION),
            ("救生衣", 400, Source.PURCHASE),
            ("强光手电", 200, Source.DONATION),
            ("编织袋", 5000, Source.PURCHASE),
        ]:
            expires = today + timedelta(days=400) if items[name].expires else None
            actions.receive(
                None, store, item=items[name], quantity=n, expires=expires, source=source
            )
        points = []
        for i, township in enumerate(townships):
            point = actions.create_point(
                None,
                cell=township,
                name=f"{township.name}应急物资储备点",
                lon=township.centre_lon,
                lat=township.centre_lat,
                address=f"{township.name}人民政府院内",
                manager=_dispatcher(township),
            )
            points.append(point)
            for name, n in [
                ("棉被", 60 if i else 30),
                ("救生衣", 40),
                ("强光手电", 20),
                ("编织袋", 500),
            ]:
                actions.receive(None, point, item=items[name], quantity=n, source=Source.ALLOCATION)
            actions.receive(
                None,
                point,
                item=items["大米"],
                quantity=200,
                expires=today + timedelta(days=300),
                source=Source.PURCHASE,
            )
            actions.set_minimum(None, point, item=items["棉被"], quantity=50)  # the first: short
            actions.set_minimum(None, point, item=items["救生衣"], quantity=30)
    if points:
        actions.issue(
            None, points[0], item=items["大米"], quantity=50, purpose="受灾群众临时生活救助"
        )
        actions.dispatch(
            None,
            store,
            points[-1],
            lines=[(items["救生衣"], 50, "件", None)],
            note="汛前预置",
        )
    sweep_supplies.sweep()
