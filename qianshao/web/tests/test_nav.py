"""The top bar, built from the platform's own links and each area's panels: the same links,
in the same order, to the same people, lit on the same pages as when it was written out."""

import re

import pytest

NAV_RE = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.S)
LINK_RE = re.compile(r'<a href="([^"]+)"( class="active")?>([^<]+)')

EVERYONE = ["首页", "网格", "通讯录", "隐患", "预警", "灾情", "督办", "统计"]


def nav(client, url="/"):
    html = NAV_RE.search(client.get(url).content.decode()).group(1)
    return [(label, href, bool(active)) for href, active, label in LINK_RE.findall(html)]


@pytest.mark.parametrize(
    ("who", "labels"),
    [
        ("county", [*EVERYONE, "举报", "名册导入", "消息", "接口"]),
        ("township", [*EVERYONE, "举报", "名册导入", "消息", "接口"]),
        ("village", [*EVERYONE, "消息", "接口"]),
        ("department", [*EVERYONE, "消息", "接口"]),
        ("admin", [*EVERYONE, "举报", "名册导入", "消息", "接口", "管理后台"]),
    ],
)
def test_each_user_gets_the_links_they_may_use_in_order(cast, client_for, who, labels):
    assert [label for label, _href, _active in nav(client_for(cast.users[who]))] == labels


@pytest.mark.parametrize(
    ("url", "lit"),
    [
        ("/", "首页"),
        ("/grid/", "网格"),
        ("/grid/450901/", "网格"),
        ("/grid/contacts/", "通讯录"),
        ("/hazards/", "隐患"),
        ("/warnings/", "预警"),
        ("/warnings/new/", "预警"),
        ("/disasters/board/", "灾情"),
        ("/disasters/calendar/", "灾情"),
        ("/hazards/supervision/", "督办"),
        ("/hazards/monthly/", "统计"),
        ("/hazards/public/", "举报"),
        ("/grid/roster/", "名册导入"),
        ("/inbox/", "消息"),
    ],
)
def test_the_link_of_the_page_shown_is_lit_and_only_it(cast, client_for, url, lit):
    links = nav(client_for(cast.users["county"]), url)
    assert [label for label, _href, active in links if active] == [lit]


def test_the_links_lead_to_their_pages(cast, client_for):
    client = client_for(cast.users["county"])
    for label, href, _active in nav(client):
        assert client.get(href).status_code == 200, label
