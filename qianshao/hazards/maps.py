"""Hazards on maps, one builder each: a hazard's own map (its cell's boundary and its point,
on its page) and the open hazards of a cell's subtree as points (the map layer its panel
registers). Both draw a hazard with ``hazard_point``."""

from django.urls import reverse

from qianshao.grid import tree
from qianshao.hazards.access import visible_hazards
from qianshao.hazards.models import OPEN, Grade, Status
from qianshao.lib.geojson import collection, feature, point
from qianshao.lib.panels import Features, first

LAYER_LIMIT = 2000  # the newest open hazards drawn; the layer says when there were more
NOT_OPEN = sorted(set(Status.values) - OPEN)


def hazard_point(lon: float, lat: float, properties: dict) -> dict:
    return feature(point(lon, lat), properties)


def hazard_map(hazard) -> dict | None:
    """GeoJSON of the hazard's cell boundary and its point (None when it has neither)."""
    features = []
    if hazard.cell.boundary:
        features.append(feature(hazard.cell.boundary, {"name": hazard.cell.name, "self": True}))
    if hazard.lon is not None and hazard.lat is not None:
        features.append(hazard_point(hazard.lon, hazard.lat, {"name": hazard.title, "point": True}))
    return collection(features) if features else None


def open_hazards(user, cell, limit: int = LAYER_LIMIT) -> Features:
    """The open hazards with a point that ``user`` sees in ``cell``'s subtree, newest
    first, at most ``limit``: one read of the (cell path, status) index's range. "Open" is
    written as "none of the other statuses", which no index answers, so that SQLite (no
    statistics) walks that range rather than the whole of the (status, reported at)
    index's open part."""
    rows, truncated = first(
        visible_hazards(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .exclude(status__in=NOT_OPEN)
        .filter(lon__isnull=False, lat__isnull=False)
        .order_by("-reported_at", "-id")
        .values_list("number", "title", "grade", "status", "overdue", "cell_path", "lon", "lat"),
        limit,
    )
    grades = {g.value: str(g.label) for g in Grade}
    statuses = {s.value: str(s.label) for s in Status}
    base = reverse("hazards")
    return Features(
        [
            hazard_point(
                lon,
                lat,
                {
                    "number": number,
                    "title": title,
                    "grade": grade,
                    "grade_label": grades.get(grade, grade),
                    "status": status,
                    "status_label": statuses.get(status, status),
                    "overdue": overdue,
                    "cell": tree.codes_of(path)[-1],
                    "url": f"{base}{number}/",
                },
            )
            for number, title, grade, status, overdue, path, lon, lat in rows
        ],
        limit=limit,
        truncated=truncated,
    )
