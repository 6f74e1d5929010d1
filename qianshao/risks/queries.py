"""What the areas above may read of the risks (docs/architecture.md: an area reaches
another only through its ``queries``)."""

import math

from qianshao.lib.geojson import feature, point
from qianshao.risks import fourcolour
from qianshao.risks.access import visible_points
from qianshao.risks.layers import point_url
from qianshao.risks.models import Grade, RiskStatus

__all__ = ["points_near"]


def points_near(user, *, lon: float, lat: float, km: float = 5, limit: int = 200) -> list[dict]:
    """The risk points in force ``user`` sees within about ``km`` of (``lon``, ``lat``) (a
    box), as GeoJSON point features in their grade's colour (layer "risk"), gravest first."""
    box = km / 111.0
    span = box / max(math.cos(math.radians(lat)), 0.1)
    rows = (
        visible_points(user)
        .filter(
            status=RiskStatus.ACTIVE,
            lat__gte=lat - box,
            lat__lte=lat + box,
            lon__gte=lon - span,
            lon__lte=lon + span,
        )
        .values_list("pk", "name", "lon", "lat", "grade", "kind__name")[: limit * 4]
    )
    order = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}
    grades = {g.value: str(g.label) for g in Grade}
    ranked = sorted(rows, key=lambda r: (order.get(r[4], 9), r[0]))[:limit]
    return [
        feature(
            point(x, y),
            {
                "layer": "risk",
                "id": pk,
                "name": name,
                "grade": grade,
                "grade_label": grades.get(grade, grade),
                "kind_name": kind,
                "colour": fourcolour.COLOURS.get(grade, fourcolour.NONE_COLOUR),
                "url": point_url(pk),
            },
        )
        for pk, name, x, y, grade, kind in ranked
    ]
