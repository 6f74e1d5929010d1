"""Finding people and the public page of a cell, as people do it (issue 12, defects 11, 12):
a township dispatcher finds a grid member by name and by phone from the tree's search, a
village member opens the contact book from the phone home and sees whom to call, and a
passer-by scans a card's QR code, sees the cell's people and reports a hazard there."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from qianshao.grid.models import RoleAssignment

TOWNSHIP = "451027100"  # 泗城镇; 逻楼镇 (451027101) is its neighbour
VILLAGE = "451027100201"  # 镇洪村, the demo village member's


def member_of(code_prefix: str):
    post = (
        RoleAssignment.objects.active()
        .filter(cell__code__startswith=code_prefix, cell__kind="village", role="member")
        .select_related("person")
        .order_by("cell__code", "id")
        .first()
    )
    return post.person


def search(page, text):
    def answers(response):
        query = parse_qs(urlsplit(response.url).query).get("q")
        return "/grid/search/" in response.url and query == [text]

    box = page.get_by_role("searchbox", name="搜索网格")
    box.fill("")
    with page.expect_response(answers):
        box.press_sequentially(text)
    results = page.get_by_test_id("search-people")
    expect(page.get_by_test_id("search-results").locator("h3")).to_contain_text(text)
    return results


@pytest.mark.browser
def test_a_township_dispatcher_finds_a_member_by_name_and_phone(demo, page, log_in):
    inside, outside = member_of(TOWNSHIP), member_of("451027101")
    log_in(page, "township", demo.PASSWORD)
    page.goto("/grid/")
    for text in [inside.name, inside.phone[:7], inside.phone]:
        results = search(page, text)
        call = results.get_by_role("link", name=inside.phone)
        expect(call).to_have_attribute("href", f"tel:{inside.phone}")
        expect(results.get_by_role("link", name=inside.name)).to_be_visible()
    results = search(page, outside.phone)
    expect(results).to_contain_text("没有找到")
    expect(results.get_by_role("link")).to_have_count(0)


@pytest.mark.browser
def test_a_village_member_opens_the_contact_book_and_sees_whom_to_call(demo, phone, log_in):
    from qianshao.grid.models import Person

    log_in(phone, "village", demo.PASSWORD)
    phone.get_by_test_id("tile-contacts").click()
    expect(phone.get_by_role("heading", name="通讯录", level=1)).to_be_visible()
    above = phone.get_by_test_id("contacts-above")
    dispatcher = Person.objects.filter(
        assignments__cell__code=TOWNSHIP, assignments__role="dispatcher"
    ).first()
    expect(above.get_by_role("link", name=dispatcher.phone)).to_have_attribute(
        "href", f"tel:{dispatcher.phone}"
    )
    cells = phone.get_by_test_id("contacts-cell")
    expect(cells).to_have_count(1)
    expect(cells.first).to_have_attribute("data-cell", VILLAGE)


@pytest.mark.browser
def test_a_passer_by_scans_the_card_and_sees_the_people_and_the_report_button(demo, phone):
    from qianshao.grid.card import cell_rows
    from qianshao.grid.models import Cell

    village = Cell.objects.get(code=VILLAGE)
    phone.goto(f"/c/{VILLAGE}/")
    expect(phone.get_by_role("heading", name=village.name, level=1)).to_be_visible()
    for row in cell_rows(village):
        expect(phone.get_by_role("link", name=row["person"].phone)).to_be_visible()
    expect(phone.locator("a[href^='/login/']")).to_have_count(0)
    report = phone.get_by_test_id("public-report")
    expect(report).to_have_attribute("href", f"/report/?cell={VILLAGE}")
