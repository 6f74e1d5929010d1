"""The 四色图 drawn: ``county`` opens the risks page of the demo county; the map draws each
township filled in the colour of the highest grade it holds (泗城镇, with the demo village's
red landslide, in red) and the points in theirs; a click on a township drills down to it."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from qianshao import demo
from qianshao.disasters import schedule
from qianshao.risks import demo_points, fourcolour
from qianshao.testing_browser import assert_map_styled


@pytest.fixture
def demo_risks(transactional_db):
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    import_module("qianshao.risks.migrations.0001_initial").seed(apps, None)
    schedule.forget()
    built = demo.build_grid()
    demo_points.build(timezone.now())
    return built


@pytest.mark.browser
def test_the_fourcolour_map_fills_each_township_in_its_highest_grade(demo_risks, page, log_in):
    log_in(page, "county", demo.PASSWORD)
    page.goto("/risks/")
    the_map = page.get_by_test_id("fourcolour-map")
    assert_map_styled(the_map)
    red = fourcolour.COLOURS["red"]
    fills = the_map.locator("path.leaflet-interactive").evaluate_all(
        "paths => paths.map(p => p.getAttribute('fill'))"
    )
    assert red in fills and fourcolour.COLOURS["blue"] in fills, fills
    row = page.locator('tr[data-code="451027100"]')
    expect(row).to_have_attribute("data-highest", "red")
    township = the_map.locator(f'path[fill="{red}"][fill-opacity="0.55"]').first
    township.dispatch_event("click")  # on the path itself: a point may lie on its centre
    page.wait_for_url("**/risks/?cell=*")
    expect(page.locator("h1")).not_to_contain_text("凌云县")
