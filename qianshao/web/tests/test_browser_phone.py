"""Phone-sized layout: a village grid member on a 390x844 touch screen."""

import pytest
from playwright.sync_api import expect

from qianshao.testing_browser import PHONE, assert_map_styled

VILLAGE = "451027100201"

# A phone widens its layout viewport to fit content that overflows, so innerWidth alone would
# hide an overflow: compare both against the device's width.
WIDTHS = "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"

# For every cell of a responsive table: its data-label and the caption CSS draws before it.
CAPTIONS = """() => [...document.querySelectorAll('table.responsive')].map((table) => ({
  head: table.tHead ? getComputedStyle(table.tHead).display : null,
  cells: [...table.tBodies].flatMap((body) => [...body.rows])
    .filter((row) => row.cells.length > 1)
    .flatMap((row) => [...row.cells])
    .map((td) => ({label: td.dataset.label ?? null,
                   before: getComputedStyle(td, '::before').content})),
}))"""


def assert_fits_the_phone(page):
    width = PHONE["viewport"]["width"]
    widths = page.evaluate(WIDTHS)
    assert widths["scroll"] <= widths["inner"] + 1, (page.url, widths)
    assert widths["inner"] <= width + 1, (page.url, widths)


def assert_tables_show_captions(page):
    tables = page.evaluate(CAPTIONS)
    assert tables, f"no responsive table on {page.url}"
    for table in tables:
        assert table["head"] in (None, "none"), (page.url, table)
        for cell in table["cells"]:
            assert cell["label"], (page.url, table)
            assert cell["before"] == f'"{cell["label"]}"', (page.url, cell)


@pytest.mark.browser
def test_a_village_member_uses_it_on_a_phone_without_sideways_scrolling(demo, phone, log_in):
    log_in(phone, "village", demo.PASSWORD)
    tiles = phone.locator(".tiles .tile")
    # 网格树 only for a cell with cells below it: the demo village has none
    expect(tiles).to_have_count(10)
    for name in (
        "上报隐患",
        "预警叫应",
        "零报告",
        "报告灾情",
        "我的任务",
        "我的上报",
        "明白卡",
        "消息",
        "本网格",
        "通讯录",
    ):
        expect(tiles.filter(has_text=name)).to_be_visible()
    expect(tiles.filter(has_text="网格树")).to_have_count(0)
    assert_fits_the_phone(phone)
    assert_tables_show_captions(phone)

    tiles.filter(has_text="本网格").tap()
    phone.wait_for_url(f"**/grid/{VILLAGE}/")
    assert_map_styled(phone.locator("[data-map]"))
    expect(phone.get_by_test_id("people").locator("td[data-label='电话']").first).to_be_visible()
    assert_fits_the_phone(phone)
    assert_tables_show_captions(phone)

    phone.get_by_test_id("card-link").tap()
    phone.wait_for_url(f"**/grid/{VILLAGE}/card/")
    expect(phone.get_by_test_id("gridcard")).to_contain_text("应急管理明白卡")
    assert_fits_the_phone(phone)

    phone.get_by_role("navigation").get_by_role("link", name="消息").tap()
    phone.wait_for_url("**/inbox/")
    expect(phone.get_by_test_id("inbox")).to_be_visible()
    assert_fits_the_phone(phone)


@pytest.mark.browser
def test_a_village_member_reaches_their_account_from_the_phones_top_bar(demo, phone, log_in):
    """To change the password or revoke a lost phone's token, on the phone itself."""
    log_in(phone, "village", demo.PASSWORD)
    link = phone.locator(".who a.name")
    expect(link).to_be_visible()
    link.click()
    expect(phone.locator("h1")).to_have_text("我的账号")
    expect(phone.get_by_role("link", name="修改密码")).to_be_visible()
    assert_fits_the_phone(phone)


@pytest.mark.browser
def test_a_phone_gets_a_bottom_tab_bar_in_place_of_the_top_bars_links(demo, phone, log_in):
    log_in(phone, "village", demo.PASSWORD)
    expect(phone.locator(".topbar .nav")).to_be_hidden()
    assert phone.locator(".topbar").bounding_box()["height"] <= 60  # one row: name, account
    bar = phone.get_by_test_id("tabbar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert abs(box["y"] + box["height"] - PHONE["viewport"]["height"]) <= 1, box
    tabs = bar.locator(":scope > a")
    expect(tabs).to_have_count(6)
    for i, name in enumerate(["首页", "上报", "叫应", "零报告", "巡查", "消息"]):
        expect(tabs.nth(i)).to_contain_text(name)
    unread = phone.locator(".tiles .tile").filter(has_text="消息").inner_text()
    if "(" in unread:  # the unread count on the tile is the badge on the tab
        expect(tabs.nth(5).locator(".badge")).to_have_text(unread.split("(")[1].split(")")[0])

    # the page's end keeps clear of the fixed bar
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    footer = phone.locator("footer").bounding_box()
    assert footer["y"] + footer["height"] <= bar.bounding_box()["y"] + 1
    assert_fits_the_phone(phone)

    more = bar.locator("details")
    more.locator("summary").tap()
    for name in ("网格", "通讯录", "隐患", "预警", "灾情"):
        expect(more.get_by_role("link", name=name, exact=True)).to_be_visible()
    for name in ("督办", "统计", "接口"):
        expect(bar.get_by_role("link", name=name)).to_have_count(0)
    more.get_by_role("link", name="通讯录").tap()
    phone.wait_for_url("**/grid/contacts/")

    tabs.nth(1).tap()
    phone.wait_for_url("**/m/report/")
    expect(tabs.nth(1)).to_have_class("active")
    assert_fits_the_phone(phone)


@pytest.mark.browser
def test_a_desktop_keeps_the_top_bar(demo, page, log_in):
    log_in(page, "village", demo.PASSWORD)
    expect(page.get_by_test_id("tabbar")).to_be_hidden()
    expect(page.locator(".topbar .nav").get_by_role("link", name="隐患")).to_be_visible()


REPORTS = [
    "/hazards/stats/",
    "/hazards/monthly/",
    "/disasters/completeness/",
    "/disasters/statistics/",
]
# what a page offers a phone to go to: its tabs, what is under 更多, the home page's tiles
LINKS = """() => [...document.querySelectorAll('.tabbar a[href], .tiles a.tile[href]')]
  .map((a) => a.getAttribute('href'))"""


@pytest.mark.browser
@pytest.mark.parametrize("who", ["village", "township"])
def test_every_page_a_phone_user_opens_fits_the_phone(demo, phone, log_in, who):
    log_in(phone, who, demo.PASSWORD)
    urls = list(dict.fromkeys(phone.evaluate(LINKS) + REPORTS))
    assert len(urls) > len(REPORTS)
    for url in urls:
        if url.startswith("/admin/"):
            continue  # the Django admin's own pages
        response = phone.goto(url)
        assert response.status == 200, (who, url)
        assert_fits_the_phone(phone)


def centre_of(code: str) -> dict:
    """Playwright's geolocation at the centre the grid records for the cell ``code``."""
    from qianshao.grid.models import Cell

    cell = Cell.objects.get(code=code)
    return {"longitude": cell.centre_lon, "latitude": cell.centre_lat}


def place_of(code: str) -> str:
    from qianshao.grid.models import Cell

    cell = Cell.objects.select_related("parent").get(code=code)
    return f"{cell.parent.name} {cell.name}"


@pytest.mark.browser
def test_locating_on_the_hazard_report_form_names_the_village_found(demo, new_page, log_in):
    phone = new_page(**PHONE, geolocation=centre_of(VILLAGE), permissions=["geolocation"])
    log_in(phone, "village", demo.PASSWORD)
    phone.goto("/m/report/")
    phone.get_by_role("button", name="使用当前位置").tap()
    status = phone.locator("[data-locate-status]")
    expect(status).to_have_attribute("data-located", "1")
    expect(status.locator("strong")).to_have_text(place_of(VILLAGE))
    assert phone.locator("input[name=lon]").input_value()  # the point itself is still sent
    assert_fits_the_phone(phone)

    with phone.expect_navigation():  # no title: the form comes back with its point
        phone.get_by_test_id("submit-report").tap()
    expect(phone.get_by_test_id("error")).to_be_visible()
    expect(status.locator("strong")).to_have_text(place_of(VILLAGE))


@pytest.mark.browser
def test_locating_on_the_public_report_form_names_the_village_found(demo, new_page):
    phone = new_page(**PHONE, geolocation=centre_of(VILLAGE), permissions=["geolocation"])
    phone.goto("/report/")
    phone.get_by_role("button", name="使用手机定位").tap()
    expect(phone.locator("[data-located] strong")).to_have_text(f"已定位：{place_of(VILLAGE)}")
    assert_fits_the_phone(phone)
