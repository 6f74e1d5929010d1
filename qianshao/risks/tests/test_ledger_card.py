"""The grid card's risks: the cell's ``risks`` lines migrated to risk points (0005), and
the card, the cell page, the public page and the field home listing the points with their
colours through ``lib.panels.card_risks``."""

import importlib

import pytest
from django.apps import apps

from qianshao.grid.models import Cell
from qianshao.lib import panels
from qianshao.risks import cards, tally
from qianshao.risks.models import GradeRecord, RiskPoint
from qianshao.risks.tests.helpers import risk_point

pytestmark = pytest.mark.django_db

migration = importlib.import_module("qianshao.risks.migrations.0005_cell_risks_to_points")


def test_the_risks_register_the_card_hook():
    assert [p.area for p in panels.registered() if p.cell_card] == ["risks"]


def test_the_migration_makes_each_line_a_flagged_point_at_the_cells_centre(cast):
    village = cast.village
    Cell.objects.filter(pk=village.pk).update(risks="山洪\n地质灾害\n\n 山洪 \n村口化工仓库火灾")
    Cell.objects.filter(pk=cast.cell("450902100201").pk).update(centre_lon=None)
    made = migration.migrate_cell_risks(apps, None)
    # the cast's other cells hold "山洪\n地质灾害" (the outsider's village has no centre)
    points = RiskPoint.objects.filter(cell=village).order_by("id")
    assert [(p.name, p.kind.code) for p in points] == [
        ("山洪", "flash_flood"),
        ("地质灾害", "landslide"),
        ("村口化工仓库火灾", "other"),
    ]
    assert made == 3 + 2 * (Cell.objects.count() - 2)
    for p in points:
        assert (p.lon, p.lat) == (village.centre_lon, village.centre_lat)
        assert p.grade == p.computed_grade == "blue"
        assert p.override_reason == "由网格卡迁移，待评估" and p.review_on is not None
        assert p.status == "active" and p.next_due_at is not None
    matrix = points[0]
    assert matrix.inputs == {"likelihood": 1, "severity": 1} and matrix.score == 1
    record = GradeRecord.objects.get(point=matrix)
    assert record.by_label == "网格卡迁移" and record.reason == "由网格卡迁移，待评估"
    village.refresh_from_db()
    assert village.risks == ""
    assert Cell.objects.get(code="450902100201").risks == "山洪\n地质灾害"  # no centre: kept
    assert tally.matches()
    assert tally.read(cast.county.path, tally.POINTS)[tally.POINTS]["blue:flash_flood"] == 6
    # run again: nothing more (the lines are gone)
    assert migration.migrate_cell_risks(apps, None) == 0


def test_undoing_the_migration_gives_the_lines_back_but_keeps_assessed_points(cast):
    from qianshao.risks import actions_points

    Cell.objects.filter(pk=cast.village.pk).update(risks="山洪\n地质灾害")
    migration.migrate_cell_risks(apps, None)
    assessed = RiskPoint.objects.get(cell=cast.village, name="地质灾害")
    actions_points.regrade(
        cast.users["township"], assessed, inputs={"likelihood": 4, "severity": 5}
    )
    own = risk_point(cast, name="加油站")
    flagged = RiskPoint.objects.filter(override_reason="由网格卡迁移，待评估").count()
    assert flagged == 2 * Cell.objects.exclude(centre_lon=None).count() - 1
    assert migration.restore_cell_risks(apps, None) == flagged
    village = Cell.objects.get(pk=cast.village.pk)
    assert village.risks == "山洪"
    assert set(RiskPoint.objects.values_list("pk", flat=True)) == {assessed.pk, own.pk}
    assert tally.matches()


def test_the_card_lists_the_points_gravest_first_with_their_colours(cast, client_for):
    Cell.objects.filter(pk=cast.village.pk).update(risks="尚未迁移的一行")
    risk_point(cast, name="蓝点", kind="landslide", inputs={"likelihood": 1, "severity": 1})
    risk_point(cast, name="红点", kind="landslide", inputs={"likelihood": 5, "severity": 5})
    risk_point(
        cast,
        name="别村",
        cell=cast.cell("450901100202"),
        geometry={"type": "Point", "coordinates": [106.1, 24.3]},
    )
    found = cards.cell_card(cast.users["township"], cast.village)
    assert [(r.name, r.grade, r.label) for r in found] == [
        ("红点", "red", "重大风险（红）"),
        ("蓝点", "blue", "低风险（蓝）"),
    ]
    client = client_for(cast.users["township"])
    for url in ["/grid/450901100201/card/", "/grid/450901100201/"]:
        html = client.get(url).content.decode()
        red, blue, line = html.index("红点"), html.index("蓝点"), html.index("尚未迁移的一行")
        assert red < blue < line
        assert 'data-grade="red"' in html and "#d0021b" in html and "别村" not in html
    client.logout()
    public = client.get("/c/450901100201/").content.decode()
    assert "红点" in public and 'data-grade="red"' in public


def test_without_the_hook_the_card_shows_the_text_as_before(cast, client_for, monkeypatch):
    monkeypatch.setattr(panels, "_registry", {})
    assert panels.card_risks(cast.users["township"], cast.village) is None
    html = client_for(cast.users["township"]).get("/grid/450901100201/card/").content.decode()
    assert "地质灾害" in html and 'data-grade=""' in html
