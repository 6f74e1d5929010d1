"""GeoJSON (RFC 7946) as plain dicts for the maps: a feature, a point, a collection. What a
feature stands for and which properties it carries is the caller's business."""

from typing import Any


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
