"""Hazard queries shared by pages, the API, the home pages, the benchmark and the areas
above (the risks' 四色图 overlays the open hazards found at its risk points)."""

import math

from qianshao.grid import tree
from qianshao.grid.access import scope_roots, visible_cells
from qianshao.grid.scope import scope_of
from qianshao.hazards import tally
from qianshao.hazards.forms import OPEN_CHOICE
from qianshao.hazards.maps import open_hazards
from qianshao.hazards.models import OPEN
from qianshao.hazards.permissions import task_q
from qianshao.hazards.reports import figures

__all__ = [
    "child_summaries",
    "filtered",
    "hazard_summary",
    "open_hazards_near",
    "summarise",
    "task_q",
]


def hazard_summary(cell) -> dict:
    """发现, 未销号, 超时, 重大未销号 in the cell's subtree, from its tally (one query)."""
    return summarise(tally.counts([cell.path])[cell.path])


def filtered(hazards, data: dict, cell):
    if cell is not None:
        hazards = hazards.filter(tree.subtree_q(cell.path, "cell_path"))
    status = data.get("status")
    if status == OPEN_CHOICE:
        hazards = hazards.filter(status__in=OPEN)
    elif status:
        hazards = hazards.filter(status=status)
    if data.get("overdue"):
        hazards = hazards.filter(overdue=data["overdue"] == "1")
    for field in ["grade", "category", "source"]:
        if data.get(field):
            hazards = hazards.filter(**{field: data[field]})
    return hazards


def child_summaries(user, cell) -> dict:
    """The counts of the selected cell (or the user's scope roots) and of its children,
    from the tally: two queries however many children or hazards there are."""
    if cell is None:
        roots = scope_roots(user)
        cell = roots[0] if len(roots) == 1 and not scope_of(user).everything else None
    rows = list(visible_cells(user).children_of(cell)) if cell else scope_roots(user)
    counted = tally.counts([c.path for c in rows] + ([cell.path] if cell else []))
    return {
        "summary_cell": cell,
        "summary": summarise(counted[cell.path]) if cell else None,
        "children": [(child, summarise(counted[child.path])) for child in rows],
    }


def summarise(counter: dict) -> dict:
    """发现, 未销号, 超时, 重大未销号 — by the statistics table's definitions (one place)."""
    f = figures(counter)
    return {
        "found": f.found,
        "open": f.pending + f.rectifying,
        "overdue": f.overdue,
        "major": f.major_open,
    }


NEAR_LIMIT = 2000  # the newest open hazards of the subtree looked at
_BUCKET = 0.01  # degrees: a bucket is wider than any distance asked (≥ 600 m up to 53° N)


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(min(1.0, a)))


def open_hazards_near(
    user, cell, places: list[tuple[float, float]], metres: float = 100, limit: int = NEAR_LIMIT
) -> list[dict]:
    """The open hazards with a point that ``user`` sees in ``cell``'s subtree (the newest
    ``limit``, one read of the (cell path, status) index's range, as the map layer
    ``hazards.open`` reads them) lying within ``metres`` (at most 500 m) of one of
    ``places`` (lon, lat): GeoJSON point features, each saying how far its nearest place
    is (``distance_m``)."""
    if not places:
        return []
    metres = min(metres, 500)
    buckets: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for lon, lat in places:
        buckets.setdefault((math.floor(lon / _BUCKET), math.floor(lat / _BUCKET)), []).append(
            (lon, lat)
        )
    found = []
    for item in open_hazards(user, cell, limit):
        lon, lat = item["geometry"]["coordinates"]
        bx, by = math.floor(lon / _BUCKET), math.floor(lat / _BUCKET)
        near = [
            _metres(lon, lat, plon, plat)
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for plon, plat in buckets.get((bx + dx, by + dy), ())
        ]
        if near and min(near) <= metres:
            item["properties"]["distance_m"] = round(min(near), 1)
            found.append(item)
    return found
