"""The top bar, built from the platform's own links and each area's panels: the same links,
in the same order, to the same people, lit on the same pages as when it was written out."""

import re

import pytest

NAV_RE = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.S)
LINK_RE = re.compile(r'<a href="([^"]+)"( class="active")?>([^<]+)')

TABBAR_RE = re.compile(r'<nav class="tabbar"[^>]*>(.*?)</nav>', re.S)
HREF_RE = re.compile(r'<a href="([^"]+)"')

EVERYONE = ["首页", "网格", "通讯录", "隐患", "预警", "灾情"]
ABOVE_FIELD = [*EVERYONE, "督办", "应急资源", "风险管控", "突发事件", "值班", "统计"]
USERS = ["county", "township", "village", "department", "admin"]


def nav(client, url="/"):
    html = NAV_RE.search(client.get(url).content.decode()).group(1)
    return [(label, href, bool(active)) for href, active, label in LINK_RE.findall(html)]


@pytest.mark.parametrize(
    ("who", "labels"),
    [
        ("county", [*ABOVE_FIELD, "举报", "名册导入", "消息", "接口"]),
        ("township", [*ABOVE_FIELD, "举报", "名册导入", "消息", "接口"]),
        ("village", [*EVERYONE, "应急资源", "风险管控", "突发事件", "消息"]),
        ("department", [*ABOVE_FIELD, "消息", "接口"]),
        ("admin", [*ABOVE_FIELD, "举报", "名册导入", "消息", "接口", "管理后台"]),
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
        ("/risks/", "风险管控"),
        ("/incidents/", "突发事件"),
        ("/incidents/new/", "突发事件"),
        ("/incidents/duty/", "值班"),
        ("/incidents/duty/roster/", "值班"),
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


def phone_bar(client, url="/"):
    """The phone's tabs (label, href) and the labels under 更多."""
    html = TABBAR_RE.search(client.get(url).content.decode()).group(1)
    tabs_html, _sep, more_html = html.partition("<details")
    tabs = [(label, href) for href, _active, label in LINK_RE.findall(tabs_html)]
    return tabs, [label for _href, _active, label in LINK_RE.findall(more_html)]


@pytest.mark.parametrize(
    ("who", "tabs", "more"),
    [
        ("village", ["首页", "上报", "叫应", "零报告", "巡查", "消息"], EVERYONE[1:]),
        ("township", ["首页", "上报", "叫应", "灾情", "巡查", "消息"], EVERYONE[1:-1]),
    ],
)
def test_a_phone_gets_the_tabs_of_what_the_user_does_and_the_rest_under_more(
    cast, client_for, who, tabs, more
):
    found_tabs, found_more = phone_bar(client_for(cast.users[who]))
    assert [label for label, _href in found_tabs] == tabs
    assert found_more[: len(more)] == more
    if who == "village":
        assert dict(found_tabs)["零报告"] == "/m/zero/"
        assert not {"督办", "统计", "接口"} & set(found_more)


@pytest.mark.parametrize("who", USERS)
def test_every_link_a_user_is_shown_opens_for_them(cast, client_for, who):
    """Top bar, phone tabs and 更多 alike: a link a user cannot use is never shown."""
    client = client_for(cast.users[who])
    page = client.get("/").content.decode()
    hrefs = set(HREF_RE.findall(NAV_RE.search(page).group(1)))
    hrefs |= set(HREF_RE.findall(TABBAR_RE.search(page).group(1)))
    assert hrefs
    for href in sorted(hrefs):
        assert client.get(href).status_code == 200, (who, href)


AREA_NAV_RE = re.compile(r'<nav class="hz-nav[^"]*"[^>]*>(.*?)</nav>', re.S)
OVERVIEWS = {
    "/hazards/": ["/hazards/supervision/"],
    "/disasters/board/": ["/disasters/completeness/", "/disasters/statistics/"],
}


@pytest.mark.parametrize(("who", "shown"), [("village", False), ("township", True)])
def test_an_areas_own_links_offer_the_overviews_as_the_top_bar_does(cast, client_for, who, shown):
    client = client_for(cast.users[who])
    for page, hrefs in OVERVIEWS.items():
        links = AREA_NAV_RE.search(client.get(page).content.decode()).group(1)
        for href in hrefs:
            assert (f'href="{href}"' in links) == shown, (who, page, href)
