"""Browser: the township receives an incident from its form; the county starts the
response at Ⅳ and raises it to Ⅲ, sends the nearest team; the team's leader answers on a
phone; the county's page shows the answer and the command log holds each step."""

import os

import pytest
from playwright.sync_api import expect

from qianshao.incidents.models import Incident, Order, OrderStatus
from qianshao.incidents.tests.helpers import a_team
from qianshao.testing import PASSWORD, build_cast
from qianshao.testing_browser import PHONE

SHOTS = os.environ.get("QIANSHAO_SHOTS")  # a folder to keep screenshots in, when set


@pytest.mark.browser
def test_receive_respond_dispatch_and_answer(transactional_db, new_page, log_in):
    cast = build_cast()
    near = a_team(cast, cast.township, name="甲镇综合救援队", lon=106.1, lat=24.12)
    a_team(cast, cast.county, name="县综合救援队", lon=106.35, lat=24.35)

    township = new_page()
    log_in(township, "township", PASSWORD)
    township.goto("/incidents/new/?cell=450901100201")
    township.get_by_label("事件名称").fill("一村路口两车相撞")
    township.get_by_label("事件类别").select_option("accident")
    township.get_by_label("事件类型").select_option("road")
    township.get_by_label("事件经过", exact=True).fill("两辆小车相撞，一人受伤被困。")
    township.get_by_label("被困").fill("1")
    township.get_by_label("经度").fill("106.1")
    township.get_by_label("纬度").fill("24.1")
    with township.expect_navigation():
        township.get_by_test_id("submit").click()
    incident = Incident.objects.get()
    expect(township.get_by_test_id("clock")).to_contain_text("甲镇上报")
    expect(township.get_by_test_id("relays")).to_contain_text("甲镇")

    county = new_page()
    log_in(county, "county", PASSWORD)
    county.goto(f"/incidents/{incident.pk}/")
    respond = county.get_by_test_id("respond-form")
    respond.get_by_label("响应级别").select_option("4")
    respond.get_by_label("决定人").fill("县应急局局长")
    with county.expect_navigation():
        county.get_by_test_id("respond").click()
    expect(county.get_by_test_id("level")).to_have_text("Ⅳ级响应")
    raising = county.get_by_test_id("raise-form")
    raising.get_by_label("响应级别").select_option("3")
    raising.get_by_label("决定人").fill("副县长")
    with county.expect_navigation():
        county.get_by_test_id("raise").click()
    expect(county.get_by_test_id("level")).to_have_text("Ⅲ级响应")
    # the nearest team of the incident's own township is offered first, chosen
    rows = county.get_by_test_id("candidates").locator("tbody tr")
    expect(rows.first).to_contain_text("甲镇综合救援队")
    county.get_by_label("任务").fill("救出被困人员，疏导交通")
    with county.expect_navigation():
        county.get_by_test_id("dispatch").click()
    order = Order.objects.get()
    assert order.team_id == near.pk
    expect(county.get_by_test_id("orders")).to_contain_text("已下达")

    phone = new_page(**PHONE)
    log_in(phone, near.leader.user.username, "qianshao-test-1")
    phone.goto("/incidents/orders/")
    phone.get_by_role("link", name="一村路口两车相撞").click()
    expect(phone.get_by_test_id("order")).to_contain_text("救出被困人员")
    with phone.expect_navigation():
        phone.get_by_test_id("answer-receive").click()
    expect(phone.get_by_test_id("order-status")).to_have_text("已接收")
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/order-phone.png", full_page=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED

    county.reload()
    expect(county.get_by_test_id("orders")).to_contain_text("已接收")
    log = county.get_by_test_id("log-entries")
    for words in ("接报", "启动Ⅳ级应急响应", "提升为Ⅲ级", "调派甲镇综合救援队", "已接收"):
        expect(log).to_contain_text(words)
    if SHOTS:
        county.screenshot(path=f"{SHOTS}/incident-county.png", full_page=True)
