"""The pages speak Chinese whatever language the browser prefers: there is no other
catalogue, and Django's own strings must not turn English around ours."""

import pytest


@pytest.mark.parametrize("preferred", ["en-US,en;q=0.9", "fr", "zh-CN,zh;q=0.9"])
def test_the_login_page_is_chinese_for_every_browser_language(client, db, preferred):
    page = client.get("/login/", headers={"accept-language": preferred})
    text = page.content.decode()
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "zh-hans"
    assert "密码" in text and "Password" not in text
