"""Login throttling as a person meets it in the browser."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from qianshao.testing import PASSWORD


def submit_login(page, username, password):
    """Fill and send the login form; return the response to the POST."""
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_response(
        lambda r: r.url.endswith("/login/") and r.request.method == "POST"
    ) as response:
        page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return response.value


@pytest.mark.browser
def test_too_many_wrong_passwords_lock_the_login_even_for_the_right_one(cast, page):
    page.goto("/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = submit_login(page, "township", "not-the-password")
        assert response.status == 200
        expect(page.get_by_role("alert")).to_contain_text("用户名（或手机号）与密码不匹配")

    response = submit_login(page, "township", "not-the-password")
    assert response.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("登录已暂停")
    expect(page.get_by_role("alert")).to_contain_text("登录失败次数过多")

    page.get_by_role("link", name="返回登录").click()
    response = submit_login(page, "township", PASSWORD)
    assert response.status == 429
    expect(page.get_by_role("alert")).to_contain_text("登录失败次数过多")
    expect(page.locator(".topbar")).to_have_count(0)
