"""The demo county's risk points: about sixty, every kind and grade, one red published,
patrollers from the villages (the demo village's login among them), the counters right."""

import pytest
from django.db.models import Count
from django.utils import timezone

from qianshao.demo import VILLAGE, build_grid
from qianshao.risks import demo_points, tally
from qianshao.risks.models import RiskKind, RiskPoint

pytestmark = pytest.mark.django_db


def test_the_demo_builds_its_risk_points_through_the_action():
    build_grid()
    said = demo_points.build(timezone.now())
    points = RiskPoint.objects.all()
    assert 55 <= points.count() <= 70 and said.startswith(f"{points.count()} risk points")
    by_grade = dict(points.values_list("grade").annotate(n=Count("id")).order_by())
    assert set(by_grade) == {"red", "orange", "yellow", "blue"}
    assert all(n >= 5 for n in by_grade.values()), by_grade
    assert set(points.values_list("kind__code", flat=True)) == set(
        RiskKind.objects.values_list("code", flat=True)
    )
    published = points.filter(published=True)
    assert [(p.grade, p.cell.code, p.kind.code) for p in published] == [
        ("red", VILLAGE, "landslide")
    ]
    assert points.filter(cell__code__startswith="451027400", kind__code="construction").exists()
    assert points.filter(kind__code="fireworks", cell__code="451027100").exists()
    assert points.filter(geometry__type="Polygon").count() >= 5
    assert not points.filter(patroller__isnull=True).exists()
    # the demo village's login patrols its points
    assert points.filter(cell__code=VILLAGE, patroller__user__username="village").exists()
    assert points.filter(cell__kind="village").values("cell__parent").distinct().count() >= 5
    assert tally.matches()
