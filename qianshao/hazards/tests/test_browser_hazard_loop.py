"""The issue's browser test: a hazard goes from a village phone to closure.

``village`` reports it with a photo on a phone-sized page (its cell found from the phone's
location), ``township`` accepts and assigns it to the village with the village member
responsible, the village member starts, reports progress and submits with an after photo,
``township`` — not the rectifier — verifies and closes it; the timeline shows every step.
On the way, each page shows exactly the buttons of the steps its viewer may take.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from qianshao.hazards.models import Hazard, Status
from qianshao.hazards.permissions import allowed_steps
from qianshao.hazards.tests.conftest import jpeg
from qianshao.testing import PASSWORD, build_cast
from qianshao.testing_browser import PHONE, assert_map_styled
from qianshao.web.tests.test_browser_phone import assert_fits_the_phone

LOOP = ["report", "accept", "assign", "start", "progress", "submit", "verify", "close"]


@pytest.fixture
def small_cast(transactional_db):
    """The small cast, after putting back the hazard domains a flush removes."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    return build_cast()


def picture(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg()}


def buttons(page) -> list[str]:
    found = page.locator("button[data-testid^='step-']")
    return [found.nth(i).get_attribute("data-testid")[5:] for i in range(found.count())]


def assert_buttons_are_the_allowed_steps(page, user, hazard):
    hazard = Hazard.objects.select_related("responsible").get(pk=hazard.pk)
    assert buttons(page) == [str(step) for step in allowed_steps(user, hazard)]


def take(page, step: str, **fields):
    """Fill the form of ``step`` on the hazard's page and press its button."""
    form = page.locator(f"#step-{step}")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if name == "photos":
            field.set_input_files(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    with page.expect_navigation():
        form.get_by_test_id(f"step-{step}").click()
    expect(page.locator(".messages")).to_be_visible()


@pytest.mark.browser
def test_a_hazard_goes_from_a_village_phone_to_closure(small_cast, new_page, log_in):  # noqa: F811
    phone = new_page(**PHONE, geolocation={"longitude": 106.1, "latitude": 24.1})
    phone.context.grant_permissions(["geolocation"])
    log_in(phone, "village", PASSWORD)
    phone.goto("/m/report/")
    assert_fits_the_phone(phone)
    phone.get_by_label("标题").fill("厂房消防通道堵塞")
    phone.get_by_label("隐患描述").fill("通道堆放纸箱，堵塞安全出口")
    phone.get_by_label("类别").select_option(label="工贸")
    phone.get_by_role("button", name="使用当前位置").tap()
    expect(phone.locator("[data-locate-status]")).to_have_attribute("data-located", "1")
    phone.get_by_label("所在网格").select_option("")
    phone.locator("input[name=photos]").set_input_files([picture("site.jpg")])
    phone.get_by_test_id("submit-report").tap()
    phone.wait_for_url("**/hazards/YH*/")
    hazard = Hazard.objects.get()
    assert (hazard.cell, hazard.lon, hazard.lat) == (small_cast.village, 106.1, 24.1)
    expect(phone.get_by_test_id("status")).to_contain_text("已上报")
    assert_map_styled(phone.locator("[data-hazard-map]"))
    expect(phone.get_by_test_id("photos").locator("img")).to_have_count(1)
    expect(phone.get_by_test_id("steps")).to_have_count(0)  # nothing for the reporter to do
    assert_fits_the_phone(phone)
    url = f"/hazards/{hazard.number}/"

    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "township", PASSWORD)
    desk.goto(url)
    assert_buttons_are_the_allowed_steps(desk, small_cast.users["township"], hazard)
    assert buttons(desk) == ["accept", "return", "merge"]
    take(desk, "accept", note="情况属实")
    deadline = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    take(
        desk,
        "assign",
        assignee=f"cell:{small_cast.village.code}",
        measures="清理杂物，保持通道畅通",
        responsible=small_cast.people["village"].pk,
        funds="0.5",
        deadline=deadline,
        contingency="设置警示标志，专人值守",
    )
    expect(desk.get_by_test_id("plan")).to_contain_text("village人")
    expect(desk.get_by_test_id("steps")).to_have_count(0)  # now it is the village's turn

    phone.goto(url)
    assert_buttons_are_the_allowed_steps(phone, small_cast.users["village"], hazard)
    take(phone, "start")
    take(phone, "progress", note="已清理一半", photos=[picture("half.jpg")])
    take(phone, "submit", note="已清理完毕", photos=[picture("after.jpg")])
    expect(phone.get_by_test_id("status")).to_contain_text("待核查")
    assert buttons(phone) == []  # the rectifier neither verifies nor checks
    assert_fits_the_phone(phone)

    desk.goto(url)
    expect(desk.get_by_test_id("step-verify")).to_be_visible()
    assert_buttons_are_the_allowed_steps(desk, small_cast.users["township"], hazard)
    assert buttons(desk) == ["verify", "reject"]
    take(desk, "verify", note="现场复查合格")
    take(desk, "close", note="销号")
    expect(desk.get_by_test_id("status")).to_contain_text("已销号")

    timeline = desk.get_by_test_id("timeline").locator("li")
    expect(timeline).to_have_count(len(LOOP))
    assert [timeline.nth(i).get_attribute("data-action") for i in range(len(LOOP))] == LOOP
    for label in ["上报", "受理", "交办", "开始整改", "报告进展", "提请核查", "核查通过", "销号"]:
        expect(desk.get_by_test_id("timeline")).to_contain_text(label)
    expect(desk.get_by_test_id("timeline")).to_contain_text("现场复查合格")
    expect(desk.get_by_test_id("photos").locator("img")).to_have_count(3)
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED
    assert hazard.rectified_by == small_cast.users["village"]
    assert hazard.verified_by == small_cast.users["township"]

    phone.goto("/m/mine/")
    expect(phone.locator(f"tr[data-number='{hazard.number}']")).to_contain_text("已销号")
    assert_fits_the_phone(phone)
