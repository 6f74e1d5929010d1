"""Browser, the issue's whole flow: the township's duty officer logs a call and opens an
incident from it; the county starts and raises the response and sends the nearest team
from the board, and supplies from the township's store; the team's leader acknowledges on a
phone; the county's board shows it without a reload; the SitRep downloads; the handover
lists the open incident."""

import os
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao.incidents.models import Incident, Order, OrderStatus, Supply
from qianshao.incidents.tests.duty_helpers import on_duty_now, staff
from qianshao.incidents.tests.helpers import a_team
from qianshao.resources import actions_supplies, catalogue_supplies
from qianshao.testing import PASSWORD, build_cast
from qianshao.testing_browser import PHONE

SHOTS = os.environ.get("QIANSHAO_SHOTS")  # a folder to keep screenshots in, when set


@pytest.mark.browser
def test_call_incident_command_dispatch_answer_board_sitrep_handover(
    transactional_db, new_page, log_in
):
    # the seeds a flush removes: the supplies' catalogue classes
    import_module("qianshao.resources.migrations.0005_supplies").seed(apps, None)
    cast = build_cast()
    lead = staff(cast, cast.township, "镇长")[0]
    on_duty_now(cast, cast.township, lead, cast.people["township"])
    near = a_team(cast, cast.township, name="甲镇综合救援队", lon=106.1, lat=24.12)
    a_team(cast, cast.county, name="县综合救援队", lon=106.35, lat=24.35)
    tent = catalogue_supplies.add_item(None, code="1999902", name="帐篷", unit="顶", expires=False)
    store = actions_supplies.create_point(None, cell=cast.township, name="甲镇储备点")
    actions_supplies.receive(None, store, item=tent, quantity=30)

    # the township's duty officer logs a call and opens an incident from it
    desk = new_page()
    log_in(desk, "township", PASSWORD)
    desk.goto("/incidents/duty/")
    form = desk.get_by_test_id("log-form")
    form.get_by_label("类型").select_option("receive")
    form.get_by_label("来电/来源").fill("一村村民王某")
    form.get_by_label("内容").fill("一村河边民房被洪水围困，有3人被困")
    with desk.expect_navigation():
        desk.get_by_test_id("log-submit").click()
    entry = desk.get_by_test_id("log-entries").locator("li").first
    expect(entry).to_contain_text("有3人被困")
    with desk.expect_navigation():
        entry.get_by_role("link", name="立案为突发事件").click()
    expect(desk.get_by_label("事件经过", exact=True)).to_have_value(
        "一村河边民房被洪水围困，有3人被困"
    )
    desk.get_by_label("事件名称").fill("一村洪水围困群众")
    desk.get_by_label("事件类别").select_option("natural")
    desk.get_by_label("事件类型").select_option("flood")
    desk.get_by_label("事发网格").fill("450901100201")
    desk.get_by_label("被困").fill("3")
    desk.get_by_label("经度").fill("106.1")
    desk.get_by_label("纬度").fill("24.1")
    with desk.expect_navigation():
        desk.get_by_test_id("submit").click()
    incident = Incident.objects.get()
    assert incident.origin.startswith("incidents.duty:")

    # the county starts the response, then raises it and sends the nearest team from the board
    county = new_page()
    log_in(county, "county", PASSWORD)
    county.goto(f"/incidents/{incident.pk}/")
    respond = county.get_by_test_id("respond-form")
    respond.get_by_label("决定人").fill("县应急局局长")
    with county.expect_navigation():
        county.get_by_test_id("respond").click()
    # supplies from the township's store
    supplies = county.get_by_test_id("supplies")
    supplies.locator("summary").click()
    supplies.get_by_label("物资1").select_option(label="甲镇储备点 · 帐篷（顶）")
    supplies.locator("#quantity-1").fill("10")
    with county.expect_navigation():
        county.get_by_test_id("supplies-submit").click()
    assert Supply.objects.get().lines == [["帐篷", "10", "顶"]]
    with county.expect_navigation():
        county.get_by_test_id("board-link").click()
    board = county.get_by_test_id("one-key")
    board.get_by_label("决定人").fill("副县长")
    with county.expect_navigation():
        county.get_by_test_id("board-raise").click()
    county.goto(f"/incidents/{incident.pk}/board/")
    expect(county.get_by_test_id("board-level")).to_have_text("Ⅲ级响应")
    with county.expect_navigation():
        county.get_by_test_id("board-dispatch").click()
    order = Order.objects.get()
    assert order.team_id == near.pk
    county.goto(f"/incidents/{incident.pk}/board/")
    expect(county.get_by_test_id("board-map")).to_have_attribute("data-teams", "1")
    expect(county.get_by_test_id("board-orders")).to_contain_text("已下达")

    # the leader acknowledges on a phone; the board shows it without a reload
    phone = new_page(**PHONE)
    log_in(phone, near.leader.user.username, "qianshao-test-1")
    phone.goto(f"/incidents/orders/{order.pk}/")
    with phone.expect_navigation():
        phone.get_by_test_id("answer-receive").click()
    expect(phone.get_by_test_id("order-status")).to_have_text("已接收")
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    expect(county.get_by_test_id("board-orders")).to_contain_text("已接收", timeout=15_000)
    expect(county.get_by_test_id("board-log")).to_contain_text("已接收")
    if SHOTS:
        county.screenshot(path=f"{SHOTS}/board.png", full_page=True)
        phone.screenshot(path=f"{SHOTS}/order.png", full_page=True)

    # the SitRep downloads
    county.goto(f"/incidents/{incident.pk}/sitrep/")
    expect(county.get_by_test_id("sitrep-casualties")).to_contain_text("被困 3 人")
    with county.expect_download() as download:
        county.get_by_test_id("sitrep-docx").click()
    assert download.value.suggested_filename.startswith(incident.number)
    assert download.value.suggested_filename.endswith(".docx")

    # the handover lists the open incident
    desk.goto("/incidents/duty/")
    expect(desk.get_by_test_id("open-items")).to_contain_text("一村洪水围困群众")
    desk.get_by_test_id("handover").locator("summary").first.click()
    expect(desk.get_by_label("交班说明")).to_contain_text("一村洪水围困群众")
    if SHOTS:
        desk.screenshot(path=f"{SHOTS}/desk.png", full_page=True)
