"""The public report page offers 取消定位 only once the phone has been located."""

import pytest
from playwright.sync_api import expect

from qianshao.testing_browser import PHONE

HOME = {"longitude": 106.1, "latitude": 24.1}


@pytest.mark.browser
def test_cancel_location_shows_only_after_locating(transactional_db, new_page):
    phone = new_page(**PHONE, geolocation=HOME, permissions=["geolocation"])
    phone.goto("/report/")
    cancel = phone.get_by_role("button", name="取消定位")
    expect(phone.get_by_role("button", name="使用手机定位")).to_be_visible()
    expect(cancel).to_be_hidden()  # a class that displays the button must not show it

    phone.get_by_role("button", name="使用手机定位").tap()
    expect(phone.locator("[data-located]")).to_contain_text("已定位：106.100000, 24.100000")
    expect(cancel).to_be_visible()

    cancel.tap()
    expect(cancel).to_be_hidden()
    expect(phone.locator("[data-located]")).to_have_text("")
    assert phone.locator("input[name=lon]").input_value() == ""
