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
    expect(tiles).to_have_count(11)
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
        "网格树",
        "通讯录",
    ):
        expect(tiles.filter(has_text=name)).to_be_visible()
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
