"""A grid member's patrol route for the day: the points they patrol that are due by the
end of today (overdue ones too), in order — the most overdue first, then each time the
nearest point not yet visited (nearest neighbour on the ground's distances)."""

from datetime import datetime, timedelta

from django.utils import timezone

from qianshao.lib import geojson
from qianshao.risks.access import visible_points
from qianshao.risks.models import RiskPoint, RiskStatus

MAX_POINTS = 100


def end_of_today(now: datetime) -> datetime:
    day = timezone.localdate(now)
    zone = timezone.get_default_timezone()
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def metres(a, b) -> float:
    """Distance between two points' (lon, lat), on a sphere (haversine)."""
    return geojson.metres(a.lon, a.lat, b.lon, b.lat)


def in_order(points: list) -> list:
    """``points`` (the first one first) as a nearest-neighbour route."""
    if not points:
        return []
    left = list(points[1:])
    route = [points[0]]
    while left:
        here = route[-1]
        nearest = min(left, key=lambda p: (metres(here, p), p.pk))
        left.remove(nearest)
        route.append(nearest)
    return route


def today(user, now: datetime | None = None) -> list:
    """``user``'s points due by the end of today, as a route (at most ``MAX_POINTS``), by
    the (patroller, next_due_at) index."""
    now = now or timezone.now()
    person = getattr(user, "person", None)
    if person is None:
        return []
    found = list(
        visible_points(user)
        .filter(
            patroller=person,
            status=RiskStatus.ACTIVE,
            next_due_at__isnull=False,
            next_due_at__lt=end_of_today(now),
        )
        .select_related("kind", "cell")
        .order_by("next_due_at", "id")[:MAX_POINTS]
    )
    return in_order(found)


def due_today(user, now: datetime | None = None) -> int | None:
    """How many of ``user``'s points are due by the end of today (None for someone who
    patrols none): the home page's 今日巡查 tile. Counted on the (patroller, next_due_at)
    index, bounded by the person's own points."""
    person = getattr(user, "person", None)
    if person is None:
        return None
    mine = RiskPoint.objects.filter(patroller=person, status=RiskStatus.ACTIVE)
    if not mine.exists():
        return None
    now = now or timezone.now()
    return mine.filter(next_due_at__lt=end_of_today(now)).count()
