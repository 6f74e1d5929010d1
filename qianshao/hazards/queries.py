"""Hazard queries shared by pages, the API, the home pages, the benchmark and the areas
above (the risks' 四色图 overlays the open hazards found at its risk points)."""

import math

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.access import scope_roots, visible_cells
from qianshao.grid.scope import scope_of
from qianshao.hazards import tally
from qianshao.hazards.access import visible_hazards
from qianshao.hazards.forms import OPEN_CHOICE
from qianshao.hazards.maps import open_hazards
from qianshao.hazards.models import OPEN, Status, Supervision
from qianshao.hazards.permissions import task_q
from qianshao.hazards.reports import figures
from qianshao.lib.geojson import metres as distance_m

__all__ = [
    "child_summaries",
    "filtered",
    "hazard_summary",
    "ledger_rows",
    "hazard_links",
    "hazards_of_origin",
    "open_for_handover",
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


def ledger_rows(user, cell, since, limit: int) -> tuple[list[dict], bool]:
    """The hazards of a 隐患台账 (the risks area's ledger): those ``user`` sees in ``cell``'s
    subtree found since ``since`` or still open, oldest first, at most ``limit`` (and
    whether there were more). Each row: id, number, title, grade and status (their labels),
    found_at, deadline, cell_name."""
    found = (
        visible_hazards(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .filter(Q(found_at__gte=since) | Q(status__in=OPEN))
        .exclude(status=Status.MERGED)
        .select_related("cell")
        .order_by("found_at", "id")[: limit + 1]
    )
    rows = [
        {
            "id": h.pk,
            "number": h.number,
            "title": h.title,
            "grade": str(h.get_grade_display()),
            "status": str(h.get_status_display()),
            "found_at": h.found_at,
            "deadline": h.deadline,
            "cell_name": h.cell.name,
        }
        for h in found
    ]
    return rows[:limit], len(rows) > limit


def hazard_links(user, ids) -> dict[int, dict]:
    """The hazards of ``ids`` that ``user`` sees, as another area links them: {id: {number,
    title, status (its label), url}}; one query."""
    wanted = [pk for pk in ids if pk]
    if not wanted:
        return {}
    rows = visible_hazards(user).filter(pk__in=wanted).only("pk", "number", "title", "status")
    return {
        h.pk: {
            "number": h.number,
            "title": h.title,
            "status": h.get_status_display(),
            "url": reverse("hazard", args=[h.number]),
        }
        for h in rows
    }


def hazards_of_origin(user, ref: str) -> list[dict]:
    """The hazards ``user`` sees that were reported from the record ``ref`` ("risks.point:12"),
    the latest first, as ``hazard_links`` gives them."""
    ids = list(
        visible_hazards(user).filter(origin=ref).order_by("-id").values_list("pk", flat=True)[:50]
    )
    found = hazard_links(user, ids)
    return [found[pk] for pk in ids if pk in found]


NEAR_LIMIT = 2000  # the newest open hazards of the subtree looked at
_BUCKET = 0.01  # degrees: a bucket is wider than any distance asked (≥ 600 m up to 53° N)


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
            distance_m(lon, lat, plon, plat)
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for plon, plat in buckets.get((bx + dx, by + dy), ())
        ]
        if near and min(near) <= metres:
            item["properties"]["distance_m"] = round(min(near), 1)
            found.append(item)
    return found


def open_for_handover(cell) -> list[dict]:
    """What a duty handover of ``cell`` lists from the hazards (the incidents' 交接班): the
    overdue hazards of its subtree (from the tally) and the supervisions (督办) of its subtree
    waiting for an answer — each ``{"kind", "label", "n", "url"}``, only those with any."""
    found = []
    overdue = hazard_summary(cell)["overdue"]
    if overdue:
        found.append(
            {
                "kind": "hazards.overdue",
                "label": str(_("超期未整改隐患")),
                "n": overdue,
                "url": f"{reverse('hazards')}?cell={cell.code}&status={OPEN_CHOICE}&overdue=1",
            }
        )
    waiting = Supervision.objects.filter(
        tree.subtree_q(cell.path, "hazard__cell_path"),
        answered_at__isnull=True,
        settled_at__isnull=True,
    ).count()
    if waiting:
        found.append(
            {
                "kind": "hazards.supervision",
                "label": str(_("待答复的督办")),
                "n": waiting,
                "url": reverse("hazard-supervision"),
            }
        )
    return found
