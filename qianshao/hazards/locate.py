"""Placing a reported point in its cell: the deepest cell whose boundary holds it; reading
a point from a query string, and naming the cell found to the reporter."""

import math

from django.utils.translation import gettext as _

from qianshao.grid import routing
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.errors import ActionError

_shapes: dict[int, tuple] = {}


def _shape(cell: Cell):
    cached = _shapes.get(cell.pk)
    if cached is None or cached[0] != cell.updated_at:
        from shapely.geometry import shape  # here, not on import: with numpy it is 25 MB
        from shapely.prepared import prep

        cached = (cell.updated_at, prep(shape(cell.boundary)))
        _shapes[cell.pk] = cached
    return cached[1]


def contains(cell: Cell, lon: float, lat: float) -> bool:
    if not cell.boundary:
        return False
    from shapely.geometry import Point

    return _shape(cell).covers(Point(lon, lat))


def locate(lon: float, lat: float, roots: list[Cell]) -> Cell | None:
    """The deepest cell under ``roots`` that holds the point, or None if no root does."""
    found = next((root for root in roots if contains(root, lon, lat)), None)
    while found is not None:
        child = next(
            (
                c
                for c in Cell.objects.filter(parent=found, boundary__isnull=False)
                if contains(c, lon, lat)
            ),
            None,
        )
        if child is None:
            return found
        found = child
    return None


def read_point(query) -> tuple[float, float]:
    """``lon`` and ``lat`` of ``query`` (a QueryDict) as numbers in range; an ActionError
    naming the field that is missing, not a number or out of range."""
    point = []
    for name, limit in (("lon", 180), ("lat", 90)):
        try:
            value = float(query.get(name, "").strip())
        except ValueError:
            raise ActionError(_("请给出数字形式的坐标"), name) from None
        if not math.isfinite(value) or abs(value) > limit:
            raise ActionError(_("坐标超出范围"), name)
        point.append(value)
    return point[0], point[1]


def public_place_name(cell: Cell) -> str:
    """The place named to the public: down to the village, community or park, never an
    enterprise or a group inside one (anyone may ask about any point)."""
    while cell.kind in (CellKind.ENTERPRISE, CellKind.GROUP) and cell.parent_id:
        cell = Cell.objects.get(pk=cell.parent_id)
    return place_name(cell)


def place_name(cell: Cell) -> str:
    """How the cell a point fell in is named to the reporter: from its township down
    ("泗城镇 镇洪村"), or its own name when it lies in no township."""
    chain = routing.ancestors_and_self(cell)
    township = routing.township_of(cell)
    if township is None:
        return cell.name
    return " ".join(c.name for c in chain if c.level >= township.level)
