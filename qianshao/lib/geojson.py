"""GeoJSON (RFC 7946) as plain dicts for the maps: a feature, a point, a collection. What a
feature stands for and which properties it carries is the caller's business."""

import json
import math
from typing import Any

from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError


def feature(geometry: dict, properties: dict[str, Any]) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def collection(features: list[dict], properties: dict[str, Any] | None = None) -> dict:
    """A FeatureCollection; ``properties``, when given, say what the collection is (a
    foreign member, RFC 7946 §6.1: a map layer's name, the cell, whether it was cut)."""
    found = {"type": "FeatureCollection", "features": features}
    if properties is not None:
        found["properties"] = properties
    return found


# China's extent as the platform accepts it: a coordinate outside is a typing slip (lat/lon
# swapped, a projected metre value) rather than a place we serve.
CHINA_LON, CHINA_LAT = (73.0, 136.0), (3.0, 54.0)


def _plane(coordinates, depth: int = 0) -> bool:
    """Is every position in ``coordinates`` exactly two finite numbers? A third (height)
    coordinate, NaN or infinity would be kept by shapely and break the lengths and maps
    computed from the positions later. No geometry nests its positions deeper than a
    MultiPolygon's four lists."""
    if not isinstance(coordinates, list | tuple) or not coordinates or depth > 3:
        return False
    if all(isinstance(x, list | tuple) for x in coordinates):
        return all(_plane(part, depth + 1) for part in coordinates)
    return (
        len(coordinates) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in coordinates)
        and all(_finite(x) for x in coordinates)
    )


def _finite(x: int | float) -> bool:
    """A number a float holds finitely (an integer of 400 digits is not one)."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def checked_geometry(value, field: str, kinds: tuple[str, ...]) -> dict:
    """The GeoJSON geometry in ``value`` (a dict or its JSON text; a Feature, or a
    FeatureCollection of one feature, gives its geometry) if it is one of ``kinds``, valid
    and simple (a line or outline that crosses itself is refused) and inside China
    (73–136° E, 3–54° N); else ``ActionError`` naming ``field``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise ActionError(_("不是有效的 GeoJSON"), field) from None
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features") or []
        value = features[0] if len(features) == 1 else None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in kinds:
        raise ActionError(_("须为 %(k)s 类型的 GeoJSON 几何") % {"k": "/".join(kinds)}, field)
    if not _plane(value.get("coordinates")):
        raise ActionError(_("每个坐标须为经度、纬度两个数（不含高程）"), field)
    from shapely.geometry import shape  # here, not on import: with numpy it is 25 MB

    try:
        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise ActionError(_("坐标格式不正确"), field) from None
    if geometry.is_empty:
        raise ActionError(_("坐标不能为空"), field)
    west, south, east, north = geometry.bounds
    if west < CHINA_LON[0] or east > CHINA_LON[1] or south < CHINA_LAT[0] or north > CHINA_LAT[1]:
        raise ActionError(_("坐标超出中国范围（东经73–136°，北纬3–54°）"), field)
    if not geometry.is_valid or not geometry.is_simple:
        raise ActionError(_("线或边界自相交或无效"), field)
    coordinates = json.loads(json.dumps(geometry.__geo_interface__["coordinates"]))
    return {"type": value["type"], "coordinates": coordinates}


EARTH_RADIUS_M = 6_371_008.8


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance between two points (haversine), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def checked_position(lon, lat) -> tuple[float | None, float | None]:
    """A position as a request gives it: both coordinates numbers within range, or neither
    (None, None); each problem names ``lon`` or ``lat``."""
    if lon is None and lat is None:
        return None, None
    if (lon is None) != (lat is None):
        raise ActionError(_("经度和纬度须同时给出"), "lat" if lat is None else "lon")
    for value, field, limit in ((lon, "lon", 180), (lat, "lat", 90)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ActionError(_("坐标须为数字"), field)
        if not math.isfinite(value) or not -limit <= value <= limit:
            raise ActionError(_("坐标超出范围"), field)
    return float(lon), float(lat)
