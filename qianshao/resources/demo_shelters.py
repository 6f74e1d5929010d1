"""The shelters of the demo county (凌云县), through the actions: a shelter at the centre of
each township sized from its population — 泗城镇's at 0.4 m² a person, under the 0.5 m² rule,
so that the coverage page shows one township short —, a village shelter in each of two
villages at risk (the demo's own village and the first village of the next township), the
routes from their hamlets (屯) to the village and township shelters, and their transfer lists
(转移避险清单) with the cadre responsible for each household (包户干部, from the village's
grid people)."""

import math
import random
from decimal import Decimal

from qianshao.grid.models import Cell, CellKind, RoleAssignment
from qianshao.resources import actions_shelters as actions
from qianshao.resources.models import Shelter

SHORT_TOWNSHIP = "451027100"  # 泗城镇: under the rule
AT_RISK = 2  # villages with routes and transfer lists
_HEADS = "黄韦罗陆农杨李王梁蒙"
_NAMES = "福贵明华强军平安德成光荣"
_HAMLETS = ["那弄屯", "陇板屯", "百坡屯", "岩果屯"]
_VULNERABLE = ["", "", "老人1", "老人2", "儿童1", "老人1、儿童2", "病残1", "孕妇1"]


def build(county: Cell) -> None:
    rng = random.Random("shelters:" + county.code)
    townships = list(Cell.objects.filter(parent=county, kind=CellKind.TOWNSHIP).order_by("code"))
    hubs = {t.code: _township_shelter(t, rng) for t in townships if t.centre_lon is not None}
    villages = _villages_at_risk(townships)
    for village in villages:
        hub = hubs.get(village.parent.code)
        _village_list(village, hub, rng)


def _square(lon: float, lat: float, metres: float) -> dict:
    """A square outline of side ``metres`` around (lon, lat)."""
    d_lat = metres / 2 / 111_320
    d_lon = d_lat / math.cos(math.radians(lat))
    ring = [
        [round(lon - d_lon, 6), round(lat - d_lat, 6)],
        [round(lon + d_lon, 6), round(lat - d_lat, 6)],
        [round(lon + d_lon, 6), round(lat + d_lat, 6)],
        [round(lon - d_lon, 6), round(lat + d_lat, 6)],
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _manager(cell: Cell):
    post = (
        RoleAssignment.objects.active()
        .filter(cell=cell, department__isnull=True)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return post.person if post else None


def _township_shelter(township: Cell, rng: random.Random) -> Shelter:
    """The township's shelter at its centre: 0.4 m² a person in 泗城镇, 0.6–1.2 elsewhere."""
    population = township.population or 5000
    each = (
        Decimal("0.4") if township.code == SHORT_TOWNSHIP else Decimal(rng.choice([6, 8, 12])) / 10
    )
    area = (population * each).quantize(Decimal("1"))
    side = float(area.sqrt())
    manager = _manager(township)
    return actions.create_shelter(
        None,
        cell=township,
        name=f"{township.name}中心学校避难场所",
        category="II",
        area_m2=area,
        address=f"{township.name}中心学校操场",
        lon=round(township.centre_lon, 6),
        lat=round(township.centre_lat, 6),
        outline=_square(township.centre_lon, township.centre_lat, side),
        facilities={
            "water": True,
            "power": True,
            "toilets": True,
            "medical": True,
            "signage": True,
        },
        manager=manager,
        manager_name=manager.name if manager else "",
        manager_phone=township.duty_phone or (manager.phone if manager else ""),
    )


def _villages_at_risk(townships: list[Cell]) -> list[Cell]:
    """The demo's own village and the first village of the next township."""
    found = []
    for township in townships[:AT_RISK]:
        village = (
            Cell.objects.filter(parent=township, kind=CellKind.VILLAGE)
            .exclude(centre_lon__isnull=True)
            .order_by("code")
            .first()
        )
        if village is not None:
            found.append(village)
    return found


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> list[float]:
    d_lat = north_m / 111_320
    d_lon = east_m / (111_320 * math.cos(math.radians(lat)))
    return [round(lon + d_lon, 6), round(lat + d_lat, 6)]


def _village_list(village: Cell, hub: Shelter | None, rng: random.Random) -> None:
    """The village's own shelter, a route from each hamlet and the transfer list."""
    lon, lat = village.centre_lon, village.centre_lat
    own = actions.create_shelter(
        None,
        cell=village,
        name=f"{village.name}村委会避难点",
        category="III",
        area_m2=Decimal("400"),
        address=f"{village.name}村委会及篮球场",
        lon=round(lon, 6),
        lat=round(lat, 6),
        outline=_square(lon, lat, 20),
        facilities={"water": True, "toilets": True, "signage": True},
        manager_name=(_manager(village).name if _manager(village) else ""),
        manager_phone=village.duty_phone or "",
    )
    cadres = [
        p.person
        for p in RoleAssignment.objects.active()
        .filter(cell=village, department__isnull=True)
        .select_related("person")
        .order_by("pk")
    ]
    for i, hamlet in enumerate(_HAMLETS[:3]):
        angle = i * 2.1
        start = _offset(lon, lat, 900 * math.cos(angle), 900 * math.sin(angle))
        bend = _offset(lon, lat, 450 * math.cos(angle + 0.3), 450 * math.sin(angle + 0.3))
        target = own
        end = [own.lon, own.lat]
        if hub is not None and i == 2:  # the farthest hamlet goes on to the township
            target, end = hub, [hub.lon, hub.lat]
        route = actions.create_route(
            None,
            cell=village,
            origin=hamlet,
            shelter=target,
            line={"type": "LineString", "coordinates": [start, bend, end]},
            note="沿村道步行转移" if target is own else "经村道、县道转移至乡镇避难场所",
        )
        for _n in range(rng.randint(3, 5)):
            members = rng.randint(2, 6)
            vulnerable = rng.choice(_VULNERABLE)
            counted = sum(int(c) for c in vulnerable if c.isdigit())
            cadre = cadres[(i + _n) % len(cadres)] if cadres else None
            actions.create_household(
                None,
                cell=village,
                head=rng.choice(_HEADS) + rng.choice(_NAMES) + rng.choice(_NAMES),
                phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                members=members,
                vulnerable=vulnerable,
                vulnerable_n=min(counted, members),
                cadre=cadre,
                cadre_name=cadre.name if cadre else "",
                cadre_phone=cadre.phone if cadre else "",
                route=route,
            )
