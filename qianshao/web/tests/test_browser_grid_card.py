"""The issue's flow: a township dispatcher opens the tree, a village, and prints its grid card."""

import re

import pytest
from playwright.sync_api import expect

from qianshao.grid.models import Cell, RoleAssignment
from qianshao.testing_browser import assert_map_styled

TOWNSHIP = "451027100"  # 泗城镇
VILLAGE = "451027100201"  # its first village

# window.print opens a dialog headless Chromium cannot show; record the call instead.
RECORD_PRINT = "window.__printed = 0; window.print = () => { window.__printed += 1; };"


@pytest.mark.browser
def test_a_township_dispatcher_opens_a_village_and_prints_its_grid_card(demo, page, log_in):
    village = Cell.objects.get(code=VILLAGE)
    members = list(RoleAssignment.objects.active().filter(cell=village).select_related("person"))
    assert members and village.risk_list()
    page.add_init_script(RECORD_PRINT)

    log_in(page, "township", demo.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("泗城镇")

    # The tree opens on the dispatcher's township; htmx loads its children.
    with page.expect_response(f"**/grid/{TOWNSHIP}/children/") as children:
        page.get_by_role("navigation").get_by_role("link", name="网格", exact=True).click()
    assert children.value.ok
    tree = page.get_by_test_id("tree")
    toggle = tree.get_by_role("button", name="展开 泗城镇")
    village_link = tree.get_by_role("link", name=village.name, exact=True)
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(village_link).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(village_link).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    village_link.click()

    # The village: its people, and its boundary drawn by Leaflet.
    page.wait_for_url(f"**/grid/{VILLAGE}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(village.name)
    people = page.get_by_test_id("people")
    for a in members:
        expect(people).to_contain_text(a.person.name)
        expect(people.locator(f'a[href="tel:{a.person.phone}"]').first).to_be_visible()
    the_map = page.locator("[data-map]")
    assert_map_styled(the_map)
    assert the_map.locator("svg path").count() >= 1

    # The grid card (明白卡).
    page.get_by_test_id("card-link").click()
    page.wait_for_url(f"**/grid/{VILLAGE}/card/")
    card = page.get_by_test_id("gridcard")
    expect(card).to_contain_text("应急管理明白卡")
    expect(card.locator(".sub")).to_contain_text(f"凌云县泗城镇{village.name}")
    for a in members:
        row = card.locator("tr", has_text=a.person.name).first
        expect(row).to_contain_text(a.person.phone)
    for risk in village.risk_list():
        expect(card.locator("ol")).to_contain_text(risk)
    qr = card.locator(".qr svg")
    expect(qr).to_be_visible()
    assert qr.locator("path, rect").count() >= 1

    # Printed: only the card.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_test_id("print")).to_be_hidden()
    expect(card).to_be_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "the card fits one A4 sheet"
    page.emulate_media(media="screen")

    page.get_by_test_id("print").click()
    assert page.evaluate("window.__printed") == 1
