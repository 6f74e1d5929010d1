"""Browser: the county's dispatcher opens the completeness table, drills down to 一村, opens
its emergency officer's kit card, issues a raincoat from the form, then reports it lost — the
card and the table follow."""

from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao.grid.models import Duty, Role
from qianshao.resources.models import ItemStatus, KitCard, KitItem
from qianshao.testing import PASSWORD, appoint, build_cast


@pytest.fixture
def small_cast(transactional_db):
    """The small cast, after putting back the seeds a flush removes (domains, standards)."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.resources.migrations.0002_kits").seed_standards(apps, None)
    return build_cast()


@pytest.mark.browser
def test_a_dispatcher_issues_a_kit_item_on_the_card_page_and_reports_it_lost(
    small_cast, page, log_in
):
    officer = appoint(
        small_cast.village, Role.MEMBER, name="应急员王", duties=[Duty.EMERGENCY_OFFICER]
    )
    card = KitCard.objects.get(person=officer)
    log_in(page, "county", PASSWORD)
    page.goto("/resources/kits/?cell=450901")
    table = page.get_by_test_id("kit-completeness")
    expect(table.locator('tr[data-code="450901100"] td[data-standard="nine_ones"]')).to_have_text(
        "1 / 0 / 0%"
    )
    table.locator('tr[data-code="450901100"] a').click()
    page.wait_for_url("**/resources/kits/?cell=450901100")
    page.get_by_test_id("kit-cards").get_by_role("link", name="应急员王").click()
    page.wait_for_url(f"**/resources/kits/cards/{card.pk}/")
    expect(page.get_by_test_id("kit-status")).to_contain_text("缺 9 件")

    form = page.get_by_test_id("issue")
    form.get_by_label("物品").select_option(label="雨衣")
    form.get_by_label("数量").fill("0")
    with page.expect_navigation():
        page.get_by_test_id("issue-submit").click()
    expect(page.get_by_test_id("error")).to_be_visible()
    expect(page.get_by_test_id("issue")).to_contain_text("数量须大于 0")
    assert not KitItem.objects.exists()

    page.get_by_test_id("issue").get_by_label("数量").fill("1")
    with page.expect_navigation():
        page.get_by_test_id("issue-submit").click()
    expect(page.get_by_test_id("kit-status")).to_contain_text("缺 8 件")
    item = KitItem.objects.get()
    row = page.get_by_test_id("kit-lines").locator('tr[data-line="雨衣"]')
    expect(row).to_contain_text("在用")

    page.get_by_test_id(f"steps-{item.pk}").locator("summary").click()  # 办理
    with page.expect_navigation():
        page.get_by_test_id(f"step-lose-{item.pk}").click()
    expect(page.get_by_test_id("kit-status")).to_contain_text("缺 9 件")
    item.refresh_from_db()
    assert item.status == ItemStatus.LOST
    page.get_by_test_id(f"steps-{item.pk}").locator("summary").click()
    expect(page.get_by_test_id(f"step-replace-{item.pk}")).to_be_visible()
