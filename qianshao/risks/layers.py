"""The risks on the map: ``risks.points`` (the risk points in force of a cell's subtree in
their grade's colour — a point, or its polygon as an area — each with a link to its page)
and ``risks.cells`` (the cell's children on their boundaries, coloured by the highest grade
each holds, with the weighted index). Both scoped; the points are one read of the (cell
path, id) index's range cut at a limit, the cells one read of the tally."""

from django.utils.translation import gettext_lazy as _

from qianshao.grid import tree
from qianshao.grid.maps import boundary_features
from qianshao.lib.geojson import feature, point
from qianshao.lib.panels import Features, MapLayer, first
from qianshao.risks import fourcolour
from qianshao.risks.access import visible_points
from qianshao.risks.models import Grade, RiskStatus

LAYER_LIMIT = 2000


def point_url(pk: int) -> str:
    # the point's page belongs to the points part (URL name risks-point)
    return f"/risks/points/{pk}/"


def point_features(
    user, cell, limit: int = LAYER_LIMIT, *, kind: str | None = None, industry: str | None = None
) -> Features:
    points = visible_points(user).filter(
        tree.subtree_q(cell.path, "cell_path"), status=RiskStatus.ACTIVE
    )
    if kind:
        points = points.filter(kind__code=kind)
    if industry:
        points = points.filter(industry=industry)
    rows, truncated = first(
        points.order_by("cell_path", "id").values_list(
            "pk", "name", "geometry", "lon", "lat", "grade", "kind__code", "kind__name", "industry"
        ),
        limit,
    )
    grades = {g.value: str(g.label) for g in Grade}
    features = []
    for pk, name, geometry, lon, lat, grade, code, kind_name, trade in rows:
        polygon = isinstance(geometry, dict) and geometry.get("type") == "Polygon"
        properties = {
            "id": pk,
            "name": name,
            "grade": grade,
            "grade_label": grades.get(grade, grade),
            "colour": fourcolour.COLOURS.get(grade, fourcolour.NONE_COLOUR),
            "kind": code,
            "kind_name": kind_name,
            "industry": trade,
            "area": polygon,
            "lon": lon,
            "lat": lat,
            "url": point_url(pk),
        }
        features.append(feature(geometry if polygon else point(lon, lat), properties))
    return Features(features, limit=limit, truncated=truncated)


def cell_features(user, cell, board=None) -> list[dict]:
    """The children of ``cell`` on their boundaries, coloured by the highest grade they
    hold (``board``: the figures already read for a filtered page)."""
    found = board or fourcolour.board(user, cell)
    grades = {g.value: str(g.label) for g in Grade}
    items = [
        (
            child.pk,
            {
                "code": child.code,
                "name": child.name,
                "highest": figures.highest,
                "highest_label": grades.get(figures.highest or "", ""),
                "colour": figures.colour,
                "index": float(figures.index) if figures.index is not None else None,
                "points": figures.total,
                **{g: figures.by_grade[g] for g in fourcolour.GRADES},
                "url": f"/risks/?cell={child.code}",
            },
        )
        for child, figures in found.children
    ]
    return boundary_features(user, items)


LAYERS = (
    MapLayer("risks.points", _("风险点"), point_features),
    MapLayer("risks.cells", _("风险四色图"), cell_features),
)
