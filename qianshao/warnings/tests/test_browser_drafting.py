"""The draft workflow in the browser (issue 12, defect 8), on the demo county's grid: the
new warning's text comes from the type and level's template; the targets are a tree — a
township ticks its villages, a partly ticked one shows indeterminate, villages collapsed
until opened or filtered — and a map whose cells toggle their boxes; the save button stays
in view however long the tree; the saved draft is edited on the same form, then submitted
asking that approval issues it. Cells are named by their codes (the demo's names change)."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao import demo
from qianshao.testing_browser import assert_map_styled
from qianshao.warnings import demo as warnings_demo
from qianshao.warnings.models import Status, Warning, WarningType

TOWNSHIP = "451027100"  # 泗城镇


@pytest.fixture
def demo_grid(transactional_db):
    """The demo county's grid and people, with the warning types, rules and templates."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    built = demo.build_grid()
    warnings_demo.templates({t.code: t for t in WarningType.objects.all()})
    return built


def box(page, code: str):
    return page.locator(f"input[name=targets][data-code='{code}']")


@pytest.mark.browser
def test_a_draft_is_written_from_a_template_with_targets_from_the_tree_and_the_map(
    demo_grid, new_page, log_in
):
    desk = new_page(viewport={"width": 1280, "height": 720})
    log_in(desk, "county", demo.PASSWORD)
    desk.goto("/warnings/new/")
    form = desk.get_by_test_id("warning-form")

    # the template of the type and level chosen fills the text, which stays editable
    desk.get_by_label("预警类型").select_option(label="暴雨")
    desk.get_by_label("级别").select_option("orange")
    expect(desk.get_by_label("标题")).to_have_value("凌云县发布暴雨橙色预警")
    expect(desk.get_by_label("预警内容")).to_have_value(re.compile("3小时内"))
    expect(desk.get_by_label("防御指引")).to_have_value(re.compile("转移危险区群众"))
    desk.get_by_label("级别").select_option("yellow")  # untouched: follows the level
    expect(desk.get_by_label("标题")).to_have_value("凌云县发布暴雨黄色预警")
    desk.get_by_label("标题").fill("凌云县气象台发布暴雨黄色预警")
    desk.get_by_label("级别").select_option("blue")  # edited: kept as written
    expect(desk.get_by_label("标题")).to_have_value("凌云县气象台发布暴雨黄色预警")
    desk.get_by_label("级别").select_option("yellow")

    # the tree: villages collapsed; a township ticks and unticks its villages
    township = desk.locator(f"li.wn-node[data-cell='{TOWNSHIP}']")
    villages = township.locator(":scope > ul input[name=targets]")
    first_village = villages.first
    expect(box(desk, TOWNSHIP)).to_be_visible()
    expect(first_village).to_be_hidden()
    n_villages = villages.count()
    assert n_villages > 5
    save = desk.get_by_test_id("save-warning")
    expect(save).to_be_in_viewport()
    box(desk, TOWNSHIP).check()
    township.locator(":scope > [data-toggle]").click()
    expect(first_village).to_be_visible()
    assert all(villages.nth(i).is_checked() for i in range(n_villages))
    first_code = first_village.get_attribute("data-code")
    first_village.uncheck()
    expect(box(desk, TOWNSHIP)).not_to_be_checked()
    assert box(desk, TOWNSHIP).evaluate("b => b.indeterminate")
    expect(save).to_be_in_viewport()  # the tree opened: the button is still in view

    # the filter box finds a village of another township, opening its branch
    other = desk.locator("li.wn-node[data-cell^='451027103'] li.wn-node").first
    other_code = other.get_attribute("data-cell")
    expect(box(desk, other_code)).to_be_hidden()
    desk.locator("[data-tree-filter]").fill(other_code)
    expect(box(desk, other_code)).to_be_visible()
    desk.locator("[data-tree-filter]").fill("")

    # the map: clicking a cell toggles its box, and the tree shows it
    the_map = desk.locator("[data-target-map]")
    assert_map_styled(the_map)
    shape = desk.locator(f"path.wn-cell-{other_code}")
    shape.dispatch_event("click")
    expect(box(desk, other_code)).to_be_checked()
    assert desk.locator("li.wn-node[data-cell='451027103'] > label > input").evaluate(
        "b => b.indeterminate"
    )
    desk.locator(f"path.wn-cell-{first_code}").dispatch_event("click")
    expect(box(desk, first_code)).to_be_checked()  # back in: the whole township again ticked
    desk.locator(f"path.wn-cell-{first_code}").dispatch_event("click")
    expect(box(desk, first_code)).not_to_be_checked()

    with desk.expect_navigation():
        save.click()
    expect(desk.get_by_test_id("status")).to_contain_text("草稿")
    w = Warning.objects.get()
    codes = sorted(t.cell.code for t in w.targets.select_related("cell"))
    assert other_code in codes and first_code not in codes and TOWNSHIP not in codes
    assert len(codes) == n_villages  # the township's other villages, and the one more
    assert w.headline == "凌云县气象台发布暴雨黄色预警"

    # edited on the same form, prefilled: the partly ticked township shown open
    desk.get_by_test_id("edit").click()
    desk.wait_for_url(f"**/warnings/{w.number}/edit/")
    expect(form).to_be_visible()
    expect(box(desk, first_code)).to_be_visible()
    expect(box(desk, first_code)).not_to_be_checked()
    assert box(desk, TOWNSHIP).evaluate("b => b.indeterminate")
    box(desk, TOWNSHIP).check()
    desk.get_by_label("预警内容").fill("预计未来6小时泗城镇降雨量将达50毫米以上。")
    with desk.expect_navigation():
        desk.get_by_test_id("save-warning").click()
    w.refresh_from_db()
    codes = sorted(t.cell.code for t in w.targets.select_related("cell"))
    assert codes == sorted([TOWNSHIP, other_code]) and "6小时" in w.text

    # submitted, asking that approval issues it: no longer edited
    step = desk.locator("#step-submit")
    step.get_by_label("审核通过后立即发布").check()
    with desk.expect_navigation():
        step.get_by_test_id("step-submit").click()
    expect(desk.get_by_test_id("status")).to_contain_text("待审核")
    expect(desk.get_by_test_id("edit")).to_have_count(0)
    w.refresh_from_db()
    assert (w.status, w.issue_on_approval) == (Status.SUBMITTED, True)
