"""The issue's browser test: ``county`` issues a warning to 泗城镇, ``village`` answers it on
a phone-sized page, and the board — open on the county's screen — shows the answer without
being reloaded. On the demo county's grid, so that the names are the users' own."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from qianshao import demo
from qianshao.testing_browser import PHONE, assert_map_styled
from qianshao.warnings.models import Delivery, Status, Warning
from qianshao.web.tests.test_browser_phone import assert_fits_the_phone

SIHENG = "451027100"  # 泗城镇


@pytest.fixture
def demo_grid(transactional_db):
    """The demo county's grid and people (no history), after putting back what a flush of
    the previous transactional test removed (hazard domains, warning types and rules)."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    return demo.build_grid()


@pytest.mark.browser
def test_county_issues_village_answers_on_the_phone_and_the_board_shows_it(
    demo_grid, new_page, log_in
):
    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "county", demo.PASSWORD)
    desk.goto("/warnings/new/")
    desk.get_by_label("预警类型").select_option(label="暴雨")
    desk.get_by_label("级别").select_option("yellow")
    desk.get_by_label("标题").fill("凌云县气象台发布暴雨黄色预警")
    desk.get_by_label("预警内容").fill("预计未来6小时泗城镇降雨量将达50毫米以上。")
    desk.get_by_label("防御指引").fill("转移低洼处群众，巡查地质灾害隐患点。")
    targets = desk.get_by_test_id("targets")
    targets.get_by_label("泗城镇", exact=False).first.check()
    with desk.expect_navigation():
        desk.get_by_test_id("save-warning").click()
    expect(desk.get_by_test_id("status")).to_contain_text("草稿")
    with desk.expect_navigation():
        desk.get_by_test_id("step-issue").click()
    expect(desk.get_by_test_id("status")).to_contain_text("已发布")
    warning = Warning.objects.get()
    assert warning.status == Status.ISSUED
    assert [t.cell.code for t in warning.targets.all()] == [SIHENG]
    recipients = Delivery.objects.filter(warning=warning)
    assert recipients.count() == warning.recipients > 10
    assert not recipients.exclude(cell_path__startswith=warning.targets.get().cell_path).exists()

    desk.get_by_test_id("board-link").click()
    desk.wait_for_url(f"**/warnings/{warning.number}/board/")
    board = desk.get_by_test_id("board")
    expect(board.locator("[data-count=answered]")).to_have_text("0")
    expect(board.locator("[data-count=sent]")).to_have_text(str(warning.recipients))
    assert_map_styled(desk.locator("[data-board-map]"))
    village_person = get_user_model().objects.get(username="village").person
    expect(board.get_by_test_id("waiting")).to_contain_text(village_person.phone)

    phone = new_page(**PHONE)
    log_in(phone, "village", demo.PASSWORD)
    expect(phone.get_by_test_id("tile-warnings")).to_contain_text("(1)")
    phone.get_by_test_id("tile-warnings").tap()
    phone.wait_for_url("**/m/warnings/")
    phone.locator(f"[data-number='{warning.number}'] a").tap()
    phone.wait_for_url(f"**/m/warnings/{warning.number}/")
    assert_fits_the_phone(phone)
    phone.get_by_test_id("answer-received").tap()
    expect(phone.get_by_test_id("answered")).to_contain_text("已收到")
    assert_fits_the_phone(phone)

    # the county's board was not reloaded: it refreshes itself
    expect(board.locator("[data-count=answered]")).to_have_text("1", timeout=20_000)
    expect(board.get_by_test_id("answered")).to_contain_text(village_person.name)
    expect(board.get_by_test_id("waiting")).not_to_contain_text(village_person.phone)
    assert_map_styled(desk.locator("[data-board-map]"))  # the refresh drew its map again
    delivery = recipients.get(person=village_person)
    assert (delivery.answer, delivery.answered_via) == ("received", "phone")
