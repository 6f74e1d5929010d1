"""What the areas above may read and do with the resources (docs/architecture.md: an area
reaches another only through its ``queries``): the teams an incident may be sent, nearest
first, and a team sent out and brought back through the forces' own action, so that the
team's status, its audit record and its counters move as any 出动 and 收队 do; the storage
points near an incident with their stock, and an issue to it through the supplies' ledger;
the shelters near it, people arriving at one, and the transfer lists."""

import math
from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.posts import managing_posts
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.lib.geojson import EARTH_RADIUS_M, metres
from qianshao.resources import actions_forces, actions_shelters, actions_supplies
from qianshao.resources.access_forces import visible_teams
from qianshao.resources.access_shelters import (
    visible_households,
    visible_routes,
    visible_shelters,
)
from qianshao.resources.access_supplies import visible_points
from qianshao.resources.models import (
    Holding,
    Item,
    Point,
    Shelter,
    ShelterStatus,
    ShelterStep,
    Team,
    TeamKind,
    TeamStatus,
    TeamStep,
)
from qianshao.resources.permissions import manages

__all__ = [
    "arrive",
    "bring_back",
    "candidates",
    "households",
    "issue_to",
    "km",
    "leader_user",
    "routes_of",
    "send_out",
    "shelters_near",
    "storage_points",
    "team_for_order",
]

# the boxes around the incident searched in turn (degrees of latitude) until enough teams
# are found: a query walks the index on the standby teams' latitude, never every team
BOXES = (0.1, 0.3, 1.0, 3.0, 10.0)


def km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance in kilometres."""
    return metres(lon1, lat1, lon2, lat2) / 1000


FIELDS = (
    "pk",
    "name",
    "kind",
    "cell_path",
    "cell__name",
    "members_n",
    "status",
    "leader__name",
    "phone",
    "base_lon",
    "base_lat",
)


def _box(lon: float, lat: float, box: float, fields=("lon", "lat")) -> dict:
    """The filter of the box ``box`` degrees of latitude each side of (``lon``, ``lat``)."""
    x, y = fields
    span = box / max(math.cos(math.radians(lat)), 0.1)
    return {
        f"{y}__gte": lat - box,
        f"{y}__lte": lat + box,
        f"{x}__gte": lon - span,
        f"{x}__lte": lon + span,
    }


def _enough(rows, limit: int, box: float, lat: float) -> bool:
    """Are the first ``limit`` of ``rows`` (ranked: own first, then nearest) sure to be
    among them, whatever lies outside the box searched: ``limit`` of them of the own cell
    or nearer than anything outside the box can be (its inner circle, less the rounding of
    ``distance_km``)?"""
    span = box / max(math.cos(math.radians(lat)), 0.1)
    reach = (
        0.98 * EARTH_RADIUS_M / 1000 * math.radians(min(box, span * math.cos(math.radians(lat))))
        - 0.1
    )
    inside = sum(
        1 for r in rows if r["own"] or (r["distance_km"] is not None and r["distance_km"] < reach)
    )
    return inside >= limit


def _row(values: tuple, lon, lat, own: str) -> dict:
    row = dict(zip(FIELDS, values, strict=True))
    row["id"] = row.pop("pk")
    row["cell_name"] = row.pop("cell__name")
    row["leader_name"] = row.pop("leader__name") or ""
    row["kind_label"] = str(TeamKind(row["kind"]).label)
    row["status_label"] = str(TeamStatus(row["status"]).label)
    row["own"] = bool(own) and tree.is_within(row["cell_path"], own)
    known = None not in (lon, lat, row["base_lon"], row["base_lat"])
    row["distance_km"] = round(km(lon, lat, row["base_lon"], row["base_lat"]), 1) if known else None
    return row


def candidates(user, *, lon, lat, own_path: str = "", limit: int = 20) -> list[dict]:
    """The standby teams ``user`` may send (those at a cell they manage, ``manages``),
    nearest first to (``lon``, ``lat``): those under ``own_path`` (the incident's own
    township, say) first, then the others, then those without a known base. Each a dict:
    id, name, kind (and label), cell_path, cell_name, members_n, status (and label),
    leader_name, phone, distance_km, own."""
    teams = visible_teams(user).filter(status=TeamStatus.STANDBY)
    if not user.is_superuser:
        teams = teams.filter(_managed_q(user))
    found: dict[int, dict] = {}
    if own_path:
        for values in teams.filter(tree.subtree_q(own_path, "cell_path")).values_list(*FIELDS):
            found[values[0]] = _row(values, lon, lat, own_path)
    if lon is not None and lat is not None:
        for box in BOXES:
            near = teams.filter(**_box(lon, lat, box, ("base_lon", "base_lat")))
            for values in near.values_list(*FIELDS):
                found.setdefault(values[0], _row(values, lon, lat, own_path))
            if _enough(found.values(), limit, box, lat):
                break
    if len(found) < limit:
        rest = teams.filter(base_lat__isnull=True).order_by("cell_path", "pk")[:limit]
        for values in rest.values_list(*FIELDS):
            found.setdefault(values[0], _row(values, lon, lat, own_path))
    far = float("inf")
    ranked = sorted(
        found.values(),
        key=lambda r: (
            not r["own"],
            r["distance_km"] if r["distance_km"] is not None else far,
            r["id"],
        ),
    )
    return ranked[:limit]


def _managed_q(user) -> Q:
    condition = Q(pk__in=[])
    for post in managing_posts(user):
        condition |= tree.subtree_q(post.cell.path, "cell_path")
    return condition


def team_for_order(user, team_id) -> Team:
    """The team ``team_id`` for an order by ``user``: 404 naming ``team`` when missing or
    not theirs to see, 403 when they may not send it (not at a cell they manage), 409 when
    it is not standing by (已出动, 不可用, 已撤销)."""
    if isinstance(team_id, bool) or not isinstance(team_id, int):
        raise ActionError(_("请选择队伍"), "team")
    team = visible_teams(user).select_related("leader").filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("队伍不存在"), "team")
    if not manages(user, team.cell_path):
        raise NotAllowed(_("该队伍不在您的调派范围内"), "team")
    if team.status != TeamStatus.STANDBY:
        raise Conflict(
            _("该队伍当前为“%(s)s”，不能调派") % {"s": TeamStatus(team.status).label}, "team"
        )
    return team


def send_out(actor, team: Team, *, note: str) -> Team:
    """出动 ``team`` (in the caller's transaction): its status, audit record and counters."""
    return actions_forces.team_step(actor, team, TeamStep.DISPATCH, note=note[:500])


def bring_back(actor, team_id: int, *, note: str) -> Team | None:
    """收队 the team ``team_id`` if it is out (in the caller's transaction); None when it is
    not (taken back by hand meanwhile)."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None or team.status != TeamStatus.OUT:
        return None
    # the system brings it back: the order's own rule decided who may
    return actions_forces.team_step(None, team, TeamStep.RETURN, note=note[:500])


def teams_led(person_id: int) -> list[int]:
    """The ids of the teams ``person_id`` leads."""
    return list(
        Team.objects.filter(leader_id=person_id).order_by("pk").values_list("pk", flat=True)
    )


def leader_user(team_id: int) -> int | None:
    """The login of the team's leader, if any."""
    return Team.objects.filter(pk=team_id).values_list("leader__user_id", flat=True).first()


# --- supplies: the storage points near an incident, their stock, an issue to it --------


def _around(queryset, read, *, lon, lat, own_path: str, limit: int) -> list[dict]:
    """The rows of ``queryset`` the ``limit`` nearest to (``lon``, ``lat``) are among, those
    under ``own_path`` first: those under ``own_path``, then those in boxes of growing size
    until enough are sure (``_enough``), then, too few, those without a place — or, no
    place given, the first 500. ``read`` gives a queryset's rows as dicts with their id,
    cell_path, lon and lat; each is returned with its ``distance_km`` and ``own``."""
    found: dict[int, dict] = {}

    def add(rows):
        for row in _ranked(read(rows), lon, lat, own_path):
            found.setdefault(row["id"], row)

    if lon is None or lat is None:
        add(queryset[:500])
        return list(found.values())
    if own_path:
        add(queryset.filter(tree.subtree_q(own_path, "cell_path")))
    for box in BOXES:
        add(queryset.filter(**_box(lon, lat, box)))
        if _enough(found.values(), limit, box, lat):
            break
    if len(found) < limit:
        add(queryset.filter(lat__isnull=True).order_by("cell_path", "pk")[:limit])
    return list(found.values())


def _ranked(rows, lon, lat, own_path: str) -> list[dict]:
    for row in rows:
        known = None not in (lon, lat, row.get("lon"), row.get("lat"))
        row["distance_km"] = round(km(lon, lat, row["lon"], row["lat"]), 1) if known else None
        row["own"] = bool(own_path) and tree.is_within(row["cell_path"], own_path)
    far = float("inf")
    return sorted(
        rows,
        key=lambda r: (
            not r["own"],
            r["distance_km"] if r["distance_km"] is not None else far,
            r["id"],
        ),
    )


def storage_points(user, *, lon, lat, own_path: str = "", limit: int = 10) -> list[dict]:
    """The storage points ``user`` may issue from (a managing post at their cell or above),
    those under ``own_path`` first, then nearest to (``lon``, ``lat``); each with its stock
    in hand: id, name, cell_path, cell_name, lon, lat, distance_km, own, stock (a list of
    item, name, unit, quantity — what is there less what is in transit out)."""
    points = visible_points(user)
    if not user.is_superuser:
        points = points.filter(_managed_q(user))

    def read(queryset):
        return [
            {"id": pk, "name": name, "cell_path": path, "cell_name": cell, "lon": x, "lat": y}
            for pk, name, path, cell, x, y in queryset.values_list(
                "pk", "name", "cell_path", "cell__name", "lon", "lat"
            )
        ]

    rows = _around(points, read, lon=lon, lat=lat, own_path=own_path, limit=limit)
    ranked = _ranked(rows, lon, lat, own_path)[:limit]
    stock = defaultdict(list)
    held = (
        Holding.objects.filter(point_id__in=[r["id"] for r in ranked], quantity__gt=0)
        .select_related("item")
        .order_by("item__code")
    )
    for h in held:
        stock[h.point_id].append(
            {"item": h.item_id, "name": h.item.name, "unit": h.item.unit, "quantity": h.quantity}
        )
    for row in ranked:
        row["stock"] = stock.get(row["id"], [])
    return ranked


def issue_to(actor, point_id, lines, *, purpose: str):
    """出库 of ``lines`` ((item id, quantity) pairs) from the point ``point_id`` for an
    incident, inside the caller's transaction, through the supplies' own ledger (first
    expiring first, expired stock never issued): 404 naming ``point`` when it is not the
    actor's to see, 403 when not theirs to issue from, a line naming ``lines.<n>`` when its
    item or quantity is wrong, 409 naming ``point`` with what is left when stock is short.
    Returns the movement, a record of its stock-card lines (for the caller's audit record)
    and what was issued, as [name, quantity, unit] per item."""
    if isinstance(point_id, bool) or not isinstance(point_id, int):
        raise ActionError(_("请选择储备点"), "point")
    point = (
        visible_points(actor).filter(pk=point_id).first()
        if actor
        else Point.objects.filter(pk=point_id).first()
    )
    if point is None:
        raise NotFound(_("储备点不存在"), "point")
    if not isinstance(lines, list | tuple) or not lines:
        raise ActionError(_("请填写物资及数量"), "lines")
    items = {
        i.pk: i
        for i in Item.objects.filter(
            pk__in=[n[0] for n in lines if isinstance(n, list | tuple) and n]
        )
    }
    wanted = []
    for n, line in enumerate(lines, start=1):
        if not isinstance(line, list | tuple) or len(line) != 2 or line[0] not in items:
            raise ActionError(_("第%(n)s行：物资不存在") % {"n": n}, f"lines.{n}.item")
        try:
            quantity = actions_supplies.quantity_of(line[1], f"lines.{n}.quantity")
        except ActionError as wrong:
            raise ActionError(wrong.message, f"lines.{n}.quantity") from None
        wanted.append((items[line[0]], quantity))
    movement, posted = actions_supplies.issue_within(actor, point, wanted, purpose=purpose)
    issued = [
        [item.name, format(quantity.normalize(), "f"), item.unit] for item, quantity in wanted
    ]
    return movement, actions_supplies.lines_record(posted), issued


# --- shelters: those near an incident, arrivals ---------------------------------------


def shelters_near(user, *, lon, lat, own_path: str = "", limit: int = 10) -> list[dict]:
    """The shelters ``user`` sees that are not closed, those under ``own_path`` first, then
    nearest: id, name, cell_path, cell_name, lon, lat, capacity, occupancy, status (and
    label), distance_km, own."""

    def read(queryset):
        return [
            {
                "id": pk,
                "name": name,
                "cell_path": path,
                "cell_name": cell,
                "lon": x,
                "lat": y,
                "capacity": capacity,
                "occupancy": occupancy,
                "status": status,
                "status_label": str(ShelterStatus(status).label),
            }
            for pk, name, path, cell, x, y, capacity, occupancy, status in queryset.values_list(
                "pk",
                "name",
                "cell_path",
                "cell__name",
                "lon",
                "lat",
                "capacity",
                "occupancy",
                "status",
            )
        ]

    shelters = visible_shelters(user).exclude(status=ShelterStatus.CLOSED)
    rows = _around(shelters, read, lon=lon, lat=lat, own_path=own_path, limit=limit)
    return _ranked(rows, lon, lat, own_path)[:limit]


def arrive(actor, shelter_id, people: int):
    """``people`` more in the shelter ``shelter_id`` (inside the caller's transaction): a
    shelter open but not yet in use is put in use (启用) first, through the shelters' own
    steps, each with its audit record. 404 naming ``shelter`` when not the actor's to see;
    the shelters' rules decide the rest (403 when not theirs to run, 409 when closed)."""
    if isinstance(shelter_id, bool) or not isinstance(shelter_id, int):
        raise ActionError(_("请选择避难场所"), "shelter")
    shelter = visible_shelters(actor).filter(pk=shelter_id).first()
    if shelter is None:
        raise NotFound(_("避难场所不存在"), "shelter")
    if shelter.status == ShelterStatus.CLOSED:
        raise Conflict(_("避难场所已关闭"), "shelter")
    try:
        if shelter.status == ShelterStatus.OPEN:
            shelter = actions_shelters.step_shelter(actor, shelter, ShelterStep.ACTIVATE)
        locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
        return actions_shelters.set_occupancy(actor, locked, locked.occupancy + people)
    except ActionError as refused:
        raise type(refused)(refused.message, "shelter") from None


def households(user, path: str, limit: int = 500) -> list[dict]:
    """The transfer list (转移避险清单) of the cell at ``path`` and under it, as ``user`` sees
    it: id, head, members, vulnerable, cell_path, shelter (id or None)."""
    rows = (
        visible_households(user)
        .filter(tree.subtree_q(path, "cell_path"))
        .order_by("cell_path", "pk")
        .values("pk", "head", "members", "vulnerable", "cell_path", "shelter_id")[:limit]
    )
    return [
        {
            "id": r["pk"],
            "head": r["head"],
            "members": r["members"],
            "vulnerable": r["vulnerable"],
            "cell_path": r["cell_path"],
            "shelter": r["shelter_id"],
        }
        for r in rows
    ]


def routes_of(user, path: str, limit: int = 50) -> list[dict]:
    """The evacuation routes (转移路线) of the cell at ``path`` and under it, as ``user`` sees
    them, as GeoJSON line features (layer "route")."""
    rows = (
        visible_routes(user)
        .filter(tree.subtree_q(path, "cell_path"))
        .order_by("cell_path", "pk")
        .values_list("pk", "origin", "line", "shelter__name", "length_m")[:limit]
    )
    return [
        {
            "type": "Feature",
            "geometry": line,
            "properties": {
                "layer": "route",
                "id": pk,
                "name": f"{origin} → {shelter}",
                "length_m": length,
            },
        }
        for pk, origin, line, shelter, length in rows
        if isinstance(line, dict)
    ]
