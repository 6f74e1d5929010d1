"""The admin speaks Chinese and is branded as the platform's; the icon answers at the
address every browser asks."""

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_sites_icon_without_a_login(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg") is not None


@pytest.mark.django_db
def test_the_admin_is_branded_and_names_every_model_in_chinese(client, cast):
    client.force_login(cast.users["admin"])
    page = client.get("/admin/").content.decode()
    assert "前哨 管理后台" in page and "Django" not in page
    for english in ["Access attempts", "Access logs", "Access failures", "AXES", "Webhook<"]:
        assert english not in page, english
    assert "登录失败记录" in page and "推送接口" in page
