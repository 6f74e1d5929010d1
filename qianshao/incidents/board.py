"""The incident board (指挥一张图): the incident on a map with the teams ordered (in their
status's colour, at their base until they arrive, then at the incident), the storage points
and shelters near it (with stock and occupancy), the evacuation routes of its cell and the
risk points around it; beside it the orders, the figures and the latest log entries, which
the page refreshes by itself (htmx) without a reload.

``live`` is what changes (read every few seconds): a handful of indexed reads of the
incident's own rows, never the log's whole history. ``layers`` is the map (read once a
page)."""

from django.urls import reverse

from qianshao.incidents.models import LogEntry, Order, OrderStatus
from qianshao.lib.geojson import collection, feature, point
from qianshao.resources import queries as resources
from qianshao.risks import queries as risks

LOG_SHOWN = 20
RISK_KM = 5
# the order statuses' colours on the map and the board
COLOURS = {
    OrderStatus.ORDERED: "#8b949e",
    OrderStatus.RECEIVED: "#1f6feb",
    OrderStatus.DEPARTED: "#d29922",
    OrderStatus.ARRIVED: "#1a7f37",
    OrderStatus.WORKING: "#b3261e",
    OrderStatus.DONE: "#6e40c9",
    OrderStatus.RELEASED: "#bdbdbd",
    OrderStatus.RECALLED: "#bdbdbd",
}
AT_THE_SCENE = (OrderStatus.ARRIVED, OrderStatus.WORKING, OrderStatus.DONE)
IN_FORCE = (
    OrderStatus.ORDERED,
    OrderStatus.RECEIVED,
    OrderStatus.DEPARTED,
    OrderStatus.ARRIVED,
    OrderStatus.WORKING,
    OrderStatus.DONE,
)


def team_features(incident, orders) -> list[dict]:
    """The teams ordered, in force, each at its base (or at the incident once arrived)."""
    found = []
    for o in orders:
        if o.status not in IN_FORCE:
            continue
        here = o.status in AT_THE_SCENE or o.team.base_lon is None
        lon = incident.lon if here else o.team.base_lon
        lat = incident.lat if here else o.team.base_lat
        if lon is None or lat is None:
            continue
        found.append(
            feature(
                point(lon, lat),
                {
                    "layer": "team",
                    "id": o.team_id,
                    "name": o.team_name,
                    "size": o.team_size,
                    "status": o.status,
                    "status_label": str(OrderStatus(o.status).label),
                    "colour": COLOURS[o.status],
                },
            )
        )
    return found


def live(incident) -> dict:
    """What the board refreshes: the orders (with the teams' places), the figures, the
    latest log entries."""
    orders = list(
        Order.objects.filter(incident=incident)
        .select_related("team")
        .order_by("-ordered_at", "-id")
    )
    at_scene = [o for o in orders if o.status in AT_THE_SCENE]
    return {
        "orders": [
            {
                "id": o.pk,
                "team": o.team_name,
                "size": o.team_size,
                "status": o.status,
                "status_label": str(OrderStatus(o.status).label),
                "colour": COLOURS[o.status],
                "task": o.task,
                "ordered_at": o.ordered_at,
                "answered_at": o.answered_at,
                "distance_km": o.distance_km,
            }
            for o in orders
        ],
        "teams_geojson": collection(team_features(incident, orders)),
        "figures": {
            "teams": sum(1 for o in orders if o.status in IN_FORCE),
            "at_scene": len(at_scene),
            "people_at_scene": sum(o.team_size for o in at_scene),
            "evacuated": incident.evacuated,
            "sheltered": incident.sheltered,
            "dead": incident.dead,
            "missing": incident.missing,
            "injured": incident.injured,
            "trapped": incident.trapped,
        },
        "log": list(LogEntry.objects.filter(incident=incident).order_by("-id")[:LOG_SHOWN]),
    }


def layers(user, incident, *, points=None, shelters=None) -> dict:
    """The map: the incident, its teams, the storage points and shelters near it, its
    cell's routes and the risk points around it, as one FeatureCollection."""
    found = []
    if incident.lon is not None and incident.lat is not None:
        found.append(
            feature(
                point(incident.lon, incident.lat),
                {
                    "layer": "incident",
                    "name": incident.title,
                    "url": reverse("incident", args=[incident.pk]),
                },
            )
        )
        found += risks.points_near(user, lon=incident.lon, lat=incident.lat, km=RISK_KM)
    for p in points or []:
        if p["lon"] is None or p["lat"] is None:
            continue
        stock = "、".join(
            f"{s['name']}{format(s['quantity'].normalize(), 'f')}{s['unit']}"
            for s in p["stock"][:6]
        )
        found.append(
            feature(
                point(p["lon"], p["lat"]),
                {
                    "layer": "store",
                    "name": p["name"],
                    "stock": stock,
                    "distance_km": p["distance_km"],
                },
            )
        )
    for s in shelters or []:
        if s["lon"] is None or s["lat"] is None:
            continue
        found.append(
            feature(
                point(s["lon"], s["lat"]),
                {
                    "layer": "shelter",
                    "name": s["name"],
                    "occupancy": s["occupancy"],
                    "capacity": s["capacity"],
                    "status_label": s["status_label"],
                },
            )
        )
    found += resources.routes_of(user, incident.cell_path)
    return collection(found)
