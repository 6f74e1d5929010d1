"""What the areas above may read and do with the resources (docs/architecture.md: an area
reaches another only through its ``queries``): the teams an incident may be sent, nearest
first, and a team sent out and brought back through the forces' own action, so that the
team's status, its audit record and its counters move as any 出动 and 收队 do."""

import math

from django.db.models import Q
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.posts import managing_posts
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.resources import actions_forces
from qianshao.resources.access_forces import visible_teams
from qianshao.resources.models import Team, TeamKind, TeamStatus, TeamStep
from qianshao.resources.permissions import manages

__all__ = ["bring_back", "candidates", "km", "leader_user", "send_out", "team_for_order"]

# the boxes around the incident searched in turn (degrees of latitude) until enough teams
# are found: a query walks the index on the standby teams' latitude, never every team
BOXES = (0.1, 0.3, 1.0, 3.0, 10.0)
EARTH_KM = 6371.0088


def km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


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
            span = box / max(math.cos(math.radians(lat)), 0.1)
            near = teams.filter(
                base_lat__gte=lat - box,
                base_lat__lte=lat + box,
                base_lon__gte=lon - span,
                base_lon__lte=lon + span,
            )
            for values in near.values_list(*FIELDS):
                found.setdefault(values[0], _row(values, lon, lat, own_path))
            if len(found) >= limit:
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


def leader_user(team_id: int) -> int | None:
    """The login of the team's leader, if any."""
    return Team.objects.filter(pk=team_id).values_list("leader__user_id", flat=True).first()
