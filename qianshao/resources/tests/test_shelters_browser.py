"""A route drawn on the map: ``township`` opens the route form of its village, clicks the
line onto the map — the form's GeoJSON field fills in as a LineString —, takes a point
back, saves; the route is stored with its length and shows on its page and the printable
evacuation map. On the demo county's grid."""

import os
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao import demo
from qianshao.disasters import schedule
from qianshao.grid.models import Cell
from qianshao.resources import demo_shelters
from qianshao.resources.models import Route
from qianshao.testing_browser import assert_map_styled

VILLAGE = "451027100202"
SCREENSHOT = os.environ.get(
    "QIANSHAO_SHELTERS_SCREENSHOT"
)  # to look at the printed map  # a village of 泗城镇 without the demo's routes


@pytest.fixture
def demo_grid(transactional_db):
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    schedule.forget()
    built = demo.build_grid()
    demo_shelters.build(Cell.objects.get(code=demo.COUNTY))
    return built


@pytest.mark.browser
def test_township_draws_a_route_on_the_map_and_prints_the_evacuation_map(demo_grid, page, log_in):
    log_in(page, "township", demo.PASSWORD)
    page.goto(f"/resources/routes/new/?cell={VILLAGE}")
    the_map = page.get_by_test_id("route-map")
    assert_map_styled(the_map)
    box = the_map.bounding_box()
    for dx, dy in [(0.3, 0.3), (0.5, 0.45), (0.6, 0.6), (0.9, 0.9)]:
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
    page.get_by_role("button", name="撤销一点").click()
    field = page.get_by_label("路线（GeoJSON 线）")
    assert '"LineString"' in field.input_value()
    assert field.input_value().count("],[") == 2  # three points left
    page.get_by_label("起点").fill("下屯")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("length")).to_contain_text("米")
    route = Route.objects.get(cell__code=VILLAGE)
    assert len(route.line["coordinates"]) == 3 and route.length_m > 0
    page.goto(f"/resources/evacuation/{VILLAGE}/")
    expect(page.get_by_test_id("evacuation-map")).to_contain_text("下屯")
    expect(page.get_by_test_id("sketch").locator("polyline")).to_have_count(1)
    # printed: the buttons gone, the sketch and the QR on the sheet
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print")).to_be_hidden()
    expect(page.get_by_test_id("sketch")).to_be_visible()
    expect(page.get_by_test_id("evacuation-map").locator(".qr svg")).to_be_visible()
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
