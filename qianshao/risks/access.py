"""Getting risk points and patrols for a user: only through scope, 404 for missing and not
yours alike."""

from django.http import Http404

from qianshao.grid.scope import restrict
from qianshao.risks.models import Patrol, RiskPoint


def visible_points(user):
    return restrict(RiskPoint.objects.all(), user)


def visible_patrols(user):
    return restrict(Patrol.objects.all(), user)


def access_point(user, point_id: int) -> RiskPoint:
    found = (
        visible_points(user)
        .select_related("cell", "kind", "responsible", "patroller", "enterprise")
        .filter(pk=point_id)
        .first()
    )
    if found is None:
        raise Http404(point_id)
    return found


def access_patrol(user, patrol_id: int) -> Patrol:
    found = (
        visible_patrols(user)
        .select_related("point", "patroller", "hazard")
        .filter(pk=patrol_id)
        .first()
    )
    if found is None:
        raise Http404(patrol_id)
    return found
