"""Issue 12, defects 3, 4 and 9 in the browser, on the demo county's grid: the county's
warning reaches 泗城镇; the township relays it to the village on its page, and the relay's
board counts the village's people (who answer the county's warning) with its map drawn,
the township's own delivery answered by relaying; the village member's phone page shows
the township's added instructions and offers 收到 alone until it is pressed."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from qianshao import demo
from qianshao.grid.models import Cell
from qianshao.testing_browser import PHONE, assert_map_styled
from qianshao.warnings import actions
from qianshao.warnings.models import Channel, Delivery, Level, Warning, WarningType
from qianshao.warnings.tests.test_browser_warning import SIHENG, demo_grid  # noqa: F401
from qianshao.web.tests.test_browser_phone import assert_fits_the_phone

INSTRUCTION = "各村立即入户通知危险区群众，20时前完成转移。"


@pytest.mark.browser
def test_a_township_relays_and_the_village_sees_its_instructions_and_answers_in_order(
    demo_grid,  # noqa: F811
    new_page,
    log_in,
):
    users = get_user_model().objects
    county = users.get(username="county")
    parent = actions.issue(
        county,
        actions.draft(
            county,
            type=WarningType.objects.get(code="rainstorm"),
            level=Level.YELLOW,
            headline="凌云县气象台发布暴雨黄色预警",
            text="预计未来6小时泗城镇降雨量将达50毫米以上。",
            instruction="转移低洼处群众，巡查地质灾害隐患点。",
            targets=[Cell.objects.get(code=SIHENG)],
            valid_until=timezone.now() + timedelta(hours=12),
        ),
    )
    village = users.get(username="village").person
    mine = Delivery.objects.get(warning=parent, person=village)
    village_cell = Cell.objects.get(pk=mine.cell_id)
    in_village = Delivery.objects.filter(
        warning=parent, cell_path__startswith=village_cell.path
    ).count()
    assert in_village > 1

    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "township", demo.PASSWORD)
    desk.goto(f"/warnings/{parent.number}/")
    form = desk.locator("#step-relay")
    form.get_by_label(village_cell.name, exact=False).first.check()
    form.get_by_label("补充要求").fill(INSTRUCTION)
    with desk.expect_navigation():
        form.get_by_test_id("step-relay").click()
    relay = Warning.objects.get(parent=parent)
    township_own = Delivery.objects.get(warning=parent, person__user__username="township")
    assert (township_own.answer, township_own.answered_via) == ("received", Channel.RELAY)

    desk.get_by_test_id("board-link").click()
    desk.wait_for_url(f"**/warnings/{relay.number}/board/")
    board = desk.get_by_test_id("board")
    covered = in_village + Delivery.objects.filter(warning=relay).count()
    expect(board.locator("[data-count=sent]")).to_have_text(str(covered))
    expect(board.locator("[data-count=answered]")).to_have_text("0")
    expect(board.get_by_test_id("waiting")).to_contain_text(village.phone)
    expect(board.get_by_test_id("waiting")).not_to_contain_text("全部已叫应")
    assert_map_styled(desk.locator("[data-board-map]"))

    phone = new_page(**PHONE)
    log_in(phone, "village", demo.PASSWORD)
    phone.goto(f"/m/warnings/{parent.number}/")
    relayed = phone.get_by_test_id("relay-instruction")
    expect(relayed).to_contain_text(INSTRUCTION)
    expect(relayed).to_contain_text("泗城镇转发")
    answers = phone.get_by_test_id("answers")
    expect(answers.locator("button")).to_have_count(1)
    expect(phone.get_by_test_id("answer-received")).to_be_visible()
    assert_fits_the_phone(phone)
    phone.get_by_test_id("answer-received").tap()
    expect(phone.get_by_test_id("answered")).to_contain_text("已收到")
    expect(phone.get_by_test_id("answer-received")).to_have_count(0)
    expect(phone.get_by_test_id("answer-acting")).to_be_visible()
    expect(phone.get_by_test_id("answer-done")).to_be_visible()
    expect(phone.get_by_test_id("relay-instruction")).to_contain_text(INSTRUCTION)
    assert_fits_the_phone(phone)

    # the relay's board, not reloaded, counts the village member's answer to the parent
    expect(board.locator("[data-count=answered]")).to_have_text("1", timeout=20_000)
    expect(board.get_by_test_id("answered")).to_contain_text(village.name)
