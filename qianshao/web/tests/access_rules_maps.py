"""Access rules of the map's layers, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The list of layers is any logged-in user's (it names only the layers they may see); a layer
names its cell in ``?cell=``: a cell outside the user's scope is a 404 like an unknown
layer, and without one the layer is of the user's own cell (the outsider's is B县).
"""

PAGE_RULES = {
    "map/layers/": "login",
    "map/layers/<str:name>.geojson": "scoped",
}

SAMPLE_KWARGS = {"name": "hazards.open"}

LAYERS = ["hazards.open", "warnings.active", "disasters.recent"]


def outsider_pages(cast) -> dict:
    """The outsider (B县) asks each layer, and one no area registered, for A县's cells."""
    return {
        "map/layers/<str:name>.geojson": [
            ("get", f"/map/layers/{name}.geojson?cell={code}", None, 404)
            for name in [*LAYERS, "nothing"]
            for code in ["450901", "450901100", "450901100201", "450901101201"]
        ]
    }
