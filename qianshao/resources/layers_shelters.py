"""The shelters on the map (``resources.shelters``: each a point, or its outline when it has
no point) and the evacuation routes (``resources.routes``: lines), of what the user sees in
a cell's subtree; one read of the cell path index's range each, cut at a limit."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qianshao.grid import tree
from qianshao.lib.geojson import feature, point
from qianshao.lib.panels import Features, MapLayer, first
from qianshao.resources.access_shelters import visible_routes, visible_shelters
from qianshao.resources.models import ShelterStatus

LAYER_LIMIT = 2000


def shelter_features(user, cell, limit: int = LAYER_LIMIT) -> Features:
    rows, truncated = first(
        visible_shelters(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .order_by("cell_path", "id")
        .values_list(
            "pk", "name", "lon", "lat", "outline", "category", "capacity", "status", "occupancy"
        ),
        limit,
    )
    statuses = {s.value: str(s.label) for s in ShelterStatus}
    features = []
    for pk, name, lon, lat, outline, category, capacity, status, occupancy in rows:
        geometry = point(lon, lat) if lon is not None and lat is not None else outline
        if geometry is None:
            continue
        properties = {
            "id": pk,
            "name": name,
            "category": category,
            "capacity": capacity,
            "status": status,
            "status_label": statuses.get(status, status),
            "occupancy": occupancy if status == ShelterStatus.IN_USE else None,
            "url": reverse("resources-shelter", args=[pk]),
        }
        features.append(feature(geometry, properties))
    return Features(features, limit=limit, truncated=truncated)


def route_features(user, cell, limit: int = LAYER_LIMIT) -> Features:
    rows, truncated = first(
        visible_routes(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .order_by("cell_path", "id")
        .values_list("pk", "origin", "line", "length_m", "shelter_id", "shelter__name"),
        limit,
    )
    features = [
        feature(
            line,
            {
                "id": pk,
                "origin": origin,
                "length_m": length,
                "shelter": shelter_id,
                "shelter_name": shelter_name,
                "url": reverse("resources-route", args=[pk]),
            },
        )
        for pk, origin, line, length, shelter_id, shelter_name in rows
    ]
    return Features(features, limit=limit, truncated=truncated)


LAYERS = [
    MapLayer("resources.shelters", _("应急避难场所"), shelter_features),
    MapLayer("resources.routes", _("转移路线"), route_features),
]
