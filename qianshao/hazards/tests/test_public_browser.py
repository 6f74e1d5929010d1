"""The public reports a hazard on a phone in Chromium, located by the phone, and follows it by
its tracking code; the township turns it into a hazard."""

import os
from importlib import import_module

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from qianshao.hazards.models import Hazard, PublicReport, Source
from qianshao.hazards.tests.conftest import jpeg
from qianshao.testing import PASSWORD, build_cast
from qianshao.testing_browser import PHONE
from qianshao.web.tests.test_browser_phone import assert_fits_the_phone

SCREENSHOTS = os.environ.get("QIANSHAO_SCREENSHOTS")  # a directory, to look at the pages
HOME = {"longitude": 106.1, "latitude": 24.1}  # in 一村 of 甲镇


@pytest.fixture
def live_cast(transactional_db):
    """The cast in a database the live server sees (a flush removes the seeded domains)."""
    from django.apps import apps

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    cache.clear()
    return build_cast()


def shoot(tab, name):
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/public-{name}.png", full_page=True)


@pytest.mark.browser
def test_a_person_reports_by_name_from_a_phone_and_follows_the_report_by_its_code(
    live_cast,
    new_page,  # noqa: F811 (the fixture imported above)
    log_in,  # noqa: F811
    tmp_path,
):
    cast = live_cast
    phone = new_page(**PHONE, geolocation=HOME, permissions=["geolocation"])
    phone.goto("/report/")
    expect(phone.get_by_role("heading", name="安全隐患举报")).to_be_visible()
    assert_fits_the_phone(phone)
    expect(phone.get_by_label("姓名")).to_be_hidden()  # anonymous is the default

    phone.get_by_role("button", name="使用手机定位").tap()
    expect(phone.locator("[data-located]")).to_contain_text("已定位：甲镇 一村")
    phone.get_by_label("具体地点").fill("一村村口桥下")
    phone.get_by_label("举报内容").fill("桥墩被洪水冲刷，出现裂缝")
    picture = tmp_path / "bridge.jpg"
    picture.write_bytes(jpeg(320, 240))
    phone.get_by_label("照片（可多张）").set_input_files([str(picture)])
    phone.get_by_label("实名举报").check()
    phone.get_by_label("姓名").fill("郑十一")
    phone.get_by_label("手机号码").fill("13512345678")
    shoot(phone, "report")
    phone.get_by_role("button", name="提交举报").tap()

    code = phone.get_by_test_id("tracking-code")
    expect(code).to_be_visible()
    report = PublicReport.objects.get()
    expect(code).to_have_text(report.tracking_code)
    assert (report.cell, report.name, report.photos.count()) == (cast.village, "郑十一", 1)
    assert_fits_the_phone(phone)
    shoot(phone, "sent")

    phone.get_by_test_id("follow-link").tap()
    expect(phone.get_by_test_id("status")).to_contain_text("已收到")
    phone.goto("/report/track/")
    phone.get_by_label("查询码").fill(report.tracking_code.lower())
    phone.get_by_role("button", name="查询").tap()
    expect(phone.get_by_test_id("text")).to_have_text("桥墩被洪水冲刷，出现裂缝")
    assert_fits_the_phone(phone)

    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "township", PASSWORD)
    desk.goto("/hazards/public/")
    desk.get_by_role("link", name=report.tracking_code).click()
    expect(desk.get_by_test_id("identity")).to_contain_text("郑十一")
    expect(desk.get_by_test_id("photos").locator("img")).to_have_count(1)
    shoot(desk, "detail")
    form = desk.get_by_test_id("accept-form")
    form.get_by_label("隐患标题").fill("桥墩冲刷裂缝")
    form.get_by_label("类别").select_option(label="道路交通")
    form.get_by_label("等级").select_option(label="重大隐患")
    form.get_by_label("所在网格").select_option(value=cast.village.code)
    form.get_by_role("button", name="转为隐患").click()
    hazard = Hazard.objects.get()
    desk.wait_for_url(f"**/hazards/{hazard.number}/")
    assert (hazard.source, hazard.grade, hazard.lon, hazard.lat) == (
        Source.PUBLIC,
        "major",
        106.1,
        24.1,
    )

    phone.reload()
    expect(phone.get_by_test_id("progress")).to_have_text("已受理，正在安排整改")
    shoot(phone, "track")
