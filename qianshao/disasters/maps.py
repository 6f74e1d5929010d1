"""Disaster reports on the map: those of a cell's subtree that began in the last 30 days,
each a point at the centre of its cell, or its cell's boundary when the cell has no centre
(the map layer its panel registers). The boundaries are read as the zero board's map
reads them, through ``grid.maps`` (one query, within the user's scope)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from qianshao.disasters.access import visible_disasters
from qianshao.disasters.models import DisasterType, ReportStatus
from qianshao.grid import tree
from qianshao.grid.maps import boundaries
from qianshao.lib.geojson import feature, point
from qianshao.lib.panels import Features, first

LAYER_DAYS = 30
LAYER_LIMIT = 2000  # the newest reports drawn; the layer says when there were more


def recent_disasters(user, cell, limit: int = LAYER_LIMIT) -> Features:
    """The disaster reports ``user`` sees in ``cell``'s subtree that began in the last
    ``LAYER_DAYS`` days, newest first, at most ``limit``: one read of the cell path index's
    range."""
    since = timezone.now() - timedelta(days=LAYER_DAYS)
    rows, truncated = first(
        visible_disasters(user)
        .filter(tree.subtree_q(cell.path, "cell_path"), started_at__gte=since)
        .order_by("-started_at", "-id")
        .values_list(
            "number",
            "type",
            "status",
            "started_at",
            "place",
            "dead",
            "missing",
            "affected",
            "cell_id",
            "cell__code",
            "cell__name",
            "cell__centre_lon",
            "cell__centre_lat",
        ),
        limit,
    )
    shapes = boundaries(user, {row[8] for row in rows if row[11] is None or row[12] is None})
    types = {t.value: str(t.label) for t in DisasterType}
    statuses = {s.value: str(s.label) for s in ReportStatus}
    base = reverse("disasters")
    features = []
    for number, kind, status, started, place, dead, missing, affected, cell_id, *where in rows:
        code, name, lon, lat = where
        if lon is not None and lat is not None:
            geometry = point(lon, lat)
        elif shapes.get(cell_id):
            geometry = shapes[cell_id]
        else:
            continue
        properties = {
            "number": number,
            "type": kind,
            "type_label": types.get(kind, kind),
            "status": status,
            "status_label": statuses.get(status, status),
            "started_at": timezone.localtime(started).isoformat(),
            "place": place,
            "dead": dead,
            "missing": missing,
            "affected": affected,
            "cell": code,
            "cell_name": name,
            "url": f"{base}{number}/",
        }
        features.append(feature(geometry, properties))
    return Features(features, limit=limit, truncated=truncated)
