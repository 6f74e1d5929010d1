"""Placing a reported point in its cell: the deepest cell whose boundary holds it; reading
a point from a query string, and naming the cell found to the reporter."""

import math
import threading
from collections import OrderedDict

from django.utils.translation import gettext as _

from qianshao.grid import routing
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.errors import ActionError

# Each cell's boundary as a prepared shape, by cell id, with the cell's updated_at it was
# made from; the most recently used SHAPES_KEPT of them (a province has 24,000 villages).
_shapes: OrderedDict[int, tuple] = OrderedDict()
_shapes_guard = threading.Lock()  # a web worker's threads share them
SHAPES_KEPT = 3000


def _kept(cell: Cell):
    """The prepared shape of ``cell`` if one from its current version is kept, else None."""
    with _shapes_guard:
        cached = _shapes.get(cell.pk)
        if cached is None or cached[0] != cell.updated_at:
            return None
        _shapes.move_to_end(cell.pk)
        return cached[1]


def _keep(cell: Cell, boundary):
    """Make and keep the prepared shape of ``boundary`` as ``cell``'s; return it."""
    from shapely.geometry import shape  # here, not on import: with numpy it is 25 MB
    from shapely.prepared import prep

    prepared = prep(shape(boundary))
    with _shapes_guard:
        _shapes[cell.pk] = (cell.updated_at, prepared)
        _shapes.move_to_end(cell.pk)
        while len(_shapes) > SHAPES_KEPT:
            _shapes.popitem(last=False)
    return prepared


def contains(cell: Cell, lon: float, lat: float) -> bool:
    prepared = _kept(cell)
    if prepared is None:
        if not cell.boundary:
            return False
        prepared = _keep(cell, cell.boundary)
    return prepared.covers(_point(lon, lat))


def locate(lon: float, lat: float, roots: list[Cell]) -> Cell | None:
    """The deepest cell under ``roots`` that holds the point, or None if no root does.

    The children of each cell on the way down are read without their boundaries (a
    county's townships carry hundreds of kilobytes of GeoJSON); the boundaries of those
    whose shape is not kept are read in one more query. A cell returned reads its own
    boundary when asked for it."""
    found = next((root for root in roots if contains(root, lon, lat)), None)
    point = _point(lon, lat) if found is not None else None
    while found is not None:
        children = list(Cell.objects.filter(parent=found, boundary__isnull=False).defer("boundary"))
        shapes = {c.pk: _kept(c) for c in children}
        missing = [pk for pk, kept in shapes.items() if kept is None]
        if missing:
            boundaries = dict(Cell.objects.filter(pk__in=missing).values_list("pk", "boundary"))
            for c in children:
                if boundaries.get(c.pk):  # (a boundary removed since the first read: none)
                    shapes[c.pk] = _keep(c, boundaries[c.pk])
        child = next((c for c in children if shapes[c.pk] and shapes[c.pk].covers(point)), None)
        if child is None:
            return found
        found = child
    return None


def _point(lon: float, lat: float):
    from shapely.geometry import Point

    return Point(lon, lat)


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
