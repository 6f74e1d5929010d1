"""The supplies' map layer: the storage points of a cell's subtree the user sees, each at its
own coordinates (or its cell's centre), with its level and whether anything there is short."""

from django.utils.translation import gettext_lazy as _

from qianshao.grid import tree
from qianshao.lib.geojson import feature, point
from qianshao.lib.panels import Features, MapLayer, first
from qianshao.resources.access_supplies import visible_points
from qianshao.resources.models import Minimum, PointKind

LAYER_LIMIT = 2000


def points_layer(user, cell, limit: int = LAYER_LIMIT) -> Features:
    """``user``'s points in ``cell``'s subtree, at most ``limit`` (one read of the path
    index's range, one of their shortages)."""
    rows, truncated = first(
        visible_points(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .order_by("cell_path", "id")
        .values_list(
            "pk",
            "name",
            "kind",
            "lon",
            "lat",
            "address",
            "cell__code",
            "cell__name",
            "cell__centre_lon",
            "cell__centre_lat",
        ),
        limit,
    )
    short = set(
        Minimum.objects.filter(point_id__in=[r[0] for r in rows], short=True).values_list(
            "point_id", flat=True
        )
    )
    kinds = {k.value: str(k.label) for k in PointKind}
    features = []
    for pk, name, kind, lon, lat, address, code, cell_name, clon, clat in rows:
        lon, lat = (lon, lat) if lon is not None and lat is not None else (clon, clat)
        if lon is None or lat is None:
            continue
        properties = {
            "id": pk,
            "name": name,
            "kind": kind,
            "kind_label": kinds.get(kind, kind),
            "address": address,
            "cell": code,
            "cell_name": cell_name,
            "short": pk in short,
            "url": f"/resources/supplies/points/{pk}/",
        }
        features.append(feature(point(lon, lat), properties))
    return Features(features, limit=limit, truncated=truncated)


LAYERS = [MapLayer("resources.points", _("应急物资储备点"), points_layer)]
