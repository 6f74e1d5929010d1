"""A risk point placed on the map: ``township`` opens the new point form of a village of the
demo county, clicks the point onto the map — 经度 and 纬度 fill in —, grades it by LEC from
the selects and saves; then draws an area point corner by corner (the GeoJSON field fills
in as a Polygon); the point's notice board prints with its colour band and QR code."""

import os
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao import demo
from qianshao.disasters import schedule
from qianshao.risks.models import RiskPoint
from qianshao.testing_browser import assert_map_styled

VILLAGE = "451027100202"
SCREENSHOT = os.environ.get("QIANSHAO_RISKS_SCREENSHOT")  # to look at the printed board


@pytest.fixture
def demo_grid(transactional_db):
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    import_module("qianshao.risks.migrations.0001_initial").seed(apps, None)
    schedule.forget()
    return demo.build_grid()


def click(page, the_map, dx: float, dy: float) -> None:
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)


@pytest.mark.browser
def test_township_places_a_point_and_draws_an_area_on_the_map(demo_grid, page, log_in):
    log_in(page, "township", demo.PASSWORD)
    page.goto(f"/risks/points/new/?cell={VILLAGE}")
    the_map = page.get_by_test_id("point-map")
    assert_map_styled(the_map)
    click(page, the_map, 0.5, 0.5)
    lon = page.get_by_label("经度").input_value()
    assert lon and page.get_by_label("纬度").input_value()
    page.get_by_label("风险点名称").fill("村口加油站")
    page.get_by_label("风险类型").select_option("hazchem")
    expect(page.get_by_label("可能性（1–5）")).to_be_hidden()  # the matrix's: not this kind's
    page.get_by_label("L 事故发生的可能性").select_option("6")
    page.get_by_label("E 暴露频繁程度").select_option("3")
    page.get_by_label("C 后果").select_option("15")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("explanation")).to_have_text("D = L × E × C = 6 × 3 × 15 = 270")
    point = RiskPoint.objects.get(name="村口加油站")
    assert point.geometry["type"] == "Point" and point.grade == "orange"
    assert point.lon == pytest.approx(float(lon))

    page.goto(f"/risks/points/new/?cell={VILLAGE}")
    the_map = page.get_by_test_id("point-map")
    assert_map_styled(the_map)
    page.get_by_role("button", name="画区域").click()
    for dx, dy in [(0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.5, 0.7), (0.4, 0.6)]:
        click(page, the_map, dx, dy)
    page.get_by_role("button", name="撤销一点").click()
    field = page.get_by_label("位置（GeoJSON 点或面，可选）")
    assert '"Polygon"' in field.input_value()
    assert field.input_value().count("],[") == 4  # four corners and the ring closed
    assert page.get_by_label("经度").input_value() == ""
    page.get_by_label("风险点名称").fill("后山滑坡区")
    page.get_by_label("风险类型").select_option("landslide")
    expect(page.get_by_label("L 事故发生的可能性")).to_be_hidden()
    page.get_by_label("可能性（1–5）").select_option("5")
    page.get_by_label("严重性（1–5）").select_option("4")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("explanation")).to_contain_text("= 20")
    area = RiskPoint.objects.get(name="后山滑坡区")
    assert area.geometry["type"] == "Polygon" and area.grade == "red"

    page.get_by_test_id("board").click()
    page.emulate_media(media="print")
    board = page.get_by_test_id("board")
    expect(board.locator(".band")).to_have_attribute("data-grade", "red")
    expect(board.locator(".qr svg")).to_be_visible()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
