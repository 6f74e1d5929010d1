"""A static SVG sketch of a village's routes and shelters for the printed evacuation map
(安全转移避险路线图): no tiles, no script, so that it prints the same everywhere. Longitude and
latitude are scaled into a box with the latitude's cosine, enough for a few kilometres."""

import math
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 420, 30


@dataclass
class Sketch:
    lines: list[dict]  # {"points": "x,y x,y", "label": …, "start": (x, y)}
    marks: list[dict]  # {"x": …, "y": …, "label": …, "outline": "x,y …" or ""}
    width: int = WIDTH
    height: int = HEIGHT


def _coords(routes, shelters) -> list[tuple[float, float]]:
    found = []
    for r in routes:
        found += [tuple(p) for p in r.line["coordinates"]]
    for s in shelters:
        if s.lon is not None:
            found.append((s.lon, s.lat))
        if s.outline:
            found += [tuple(p) for p in s.outline["coordinates"][0]]
    return found


def sketch(routes, shelters) -> Sketch | None:
    """The routes as polylines and the shelters as marks (with outlines), in one frame;
    None when nothing has coordinates."""
    coords = _coords(routes, shelters)
    if not coords:
        return None
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(PAD + (lon - west) * squeeze * scale, 1),
            round(HEIGHT - PAD - (lat - south) * scale, 1),
        )

    def points(ring) -> str:
        return " ".join(",".join(map(str, xy(*p))) for p in ring)

    lines = []
    for r in routes:
        coords = r.line["coordinates"]
        lines.append({"points": points(coords), "label": r.origin, "start": xy(*coords[0])})
    marks = []
    for s in shelters:
        outline = points(s.outline["coordinates"][0]) if s.outline else ""
        if s.lon is not None:
            x, y = xy(s.lon, s.lat)
        elif s.outline:
            x, y = xy(*s.outline["coordinates"][0][0])
        else:
            continue
        marks.append({"x": x, "y": y, "label": s.name, "outline": outline})
    return Sketch(lines=lines, marks=marks)
