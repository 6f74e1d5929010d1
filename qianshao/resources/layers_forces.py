"""The forces on the map: layer ``resources.teams``, the counted teams of a cell's subtree,
each at its base point, or at its cell's centre when it has none (a team with neither is
left off). One read of the (cell_path, kind) index's range, at most ``LAYER_LIMIT``."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qianshao.grid import tree
from qianshao.lib.geojson import feature, point
from qianshao.lib.panels import Features, MapLayer, first
from qianshao.resources.access_forces import visible_teams
from qianshao.resources.models import TeamKind, TeamStatus

LAYER_LIMIT = 2000


def teams(user, cell, limit: int = LAYER_LIMIT) -> Features:
    rows, truncated = first(
        visible_teams(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .exclude(status=TeamStatus.REVOKED)
        .order_by("cell_path", "kind", "id")
        .values_list(
            "pk",
            "name",
            "kind",
            "status",
            "members_n",
            "phone",
            "base_lon",
            "base_lat",
            "cell__code",
            "cell__name",
            "cell__centre_lon",
            "cell__centre_lat",
        ),
        limit,
    )
    kinds = {k.value: str(k.label) for k in TeamKind}
    statuses = {s.value: str(s.label) for s in TeamStatus}
    features = []
    for pk, name, kind, status, n, phone, lon, lat, code, cell_name, c_lon, c_lat in rows:
        if lon is None or lat is None:
            lon, lat = c_lon, c_lat
        if lon is None or lat is None:
            continue
        properties = {
            "id": pk,
            "name": name,
            "kind": kind,
            "kind_label": kinds.get(kind, kind),
            "status": status,
            "status_label": statuses.get(status, status),
            "members": n,
            "phone": phone,
            "cell": code,
            "cell_name": cell_name,
            "url": reverse("resources-team", args=[pk]),
        }
        features.append(feature(point(lon, lat), properties))
    return Features(features, limit=limit, truncated=truncated)


LAYERS = [MapLayer("resources.teams", _("应急救援队伍"), teams)]
