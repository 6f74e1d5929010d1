"""The GeoJSON of a cell's map: its boundary and its visible children's."""

from qianshao.grid.access import visible_cells
from qianshao.lib.geojson import collection, feature


def cell_map(user, cell) -> dict | None:
    """GeoJSON of ``cell`` and its visible children, for the Leaflet map (None if none).
    A dict: the template hands it to the script through ``json_script``, which escapes it."""
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
