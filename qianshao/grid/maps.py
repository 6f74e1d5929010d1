import json

from qianshao.grid.access import visible_cells


def cell_map(user, cell) -> str:
    """GeoJSON of ``cell`` and its visible children, for the Leaflet map ('' if none)."""
    features = []
    for item in [cell, *visible_cells(user).children_of(cell)]:
        if item.boundary:
            features.append(
                {
                    "type": "Feature",
                    "geometry": item.boundary,
                    "properties": {
                        "code": item.code,
                        "name": item.name,
                        "self": item.pk == cell.pk,
                        "url": f"/grid/{item.code}/",
                    },
                }
            )
    if not features:
        return ""
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
