"""The GeoJSON of a cell's map (its boundary and its visible children's), and the one
builder of features drawn on cell boundaries that the areas' maps and layers share."""

from qianshao.grid.access import visible_cells
from qianshao.lib.geojson import collection, feature


def cell_map(user, cell) -> dict | None:
    """GeoJSON of ``cell`` and its visible children, for the Leaflet map (None if none).
    A dict: the template hands it to the script in an attribute (``as_json``), escaped."""
    features = []
    for item in [cell, *visible_cells(user).children_of(cell)]:
        if item.boundary:
            features.append(
                feature(
                    item.boundary,
                    {
                        "code": item.code,
                        "name": item.name,
                        "self": item.pk == cell.pk,
                        "url": f"/grid/{item.code}/",
                    },
                )
            )
    if not features:
        return None
    return collection(features)


def boundaries(user, cell_ids) -> dict[int, dict]:
    """The boundaries of the cells of ``cell_ids`` that ``user`` sees, by id (None for a
    cell without one): one query."""
    found = visible_cells(user).filter(pk__in=list(cell_ids))
    return dict(found.values_list("pk", "boundary"))


def boundary_features(user, items: list[tuple[int, dict]]) -> list[dict]:
    """A feature on the boundary of each cell of ``items`` (cell id, properties) that
    ``user`` sees and that has a boundary, in the order given."""
    shapes = boundaries(user, {cell_id for cell_id, _properties in items})
    return [
        feature(shapes[cell_id], properties) for cell_id, properties in items if shapes.get(cell_id)
    ]
