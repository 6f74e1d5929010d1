"""Placing a reported point in its cell: the deepest cell whose boundary holds it."""

from shapely.geometry import Point, shape
from shapely.prepared import prep

from qianshao.grid.models import Cell

_shapes: dict[int, tuple] = {}


def _shape(cell: Cell):
    cached = _shapes.get(cell.pk)
    if cached is None or cached[0] != cell.updated_at:
        cached = (cell.updated_at, prep(shape(cell.boundary)))
        _shapes[cell.pk] = cached
    return cached[1]


def contains(cell: Cell, lon: float, lat: float) -> bool:
    return bool(cell.boundary) and _shape(cell).covers(Point(lon, lat))


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
