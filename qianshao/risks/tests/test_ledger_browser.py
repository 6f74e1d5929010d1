"""On a phone, 甲镇's dispatcher imports a census: the first file's problems come back as a
table by row and column and nothing is written; the corrected file registers its points,
and 一村's grid card lists them, the gravest first, in their colours."""

from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao.lib import panels
from qianshao.risks import cards
from qianshao.risks.models import RiskPoint
from qianshao.risks.tests.test_ledger_import import row, xlsx
from qianshao.testing import PASSWORD, build_cast


@pytest.fixture
def cast_live(transactional_db, monkeypatch):
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.risks.migrations.0001_initial").seed(apps, None)
    if not any(p.cell_card for p in panels.registered()):
        monkeypatch.setitem(
            panels._registry, "risks-card", panels.Panel("risks-card", cell_card=cards.cell_card)
        )
    return build_cast()


def census(path, *rows):
    path.write_bytes(xlsx(*rows))
    return str(path)


@pytest.mark.browser
def test_a_census_imported_on_a_phone_shows_on_the_grid_card(cast_live, phone, log_in, tmp_path):
    log_in(phone, "township", PASSWORD)
    phone.goto("/risks/import/?cell=450901100")
    red = row(风险点名称="后山滑坡", 风险类型="滑坡", 可能性="5", 严重性="5")
    orange = row(风险点名称="老街加油站")
    bad = census(tmp_path / "bad.xlsx", red, row(风险点名称="老街加油站", L="7"))
    phone.get_by_label("风险普查成果（.xlsx、.csv 或 .geojson）").set_input_files(bad)
    phone.get_by_role("button", name="导入").click()
    errors = phone.get_by_test_id("import-errors")
    expect(errors).to_contain_text("发现 1 处错误，未导入")
    expect(errors.locator('tr[data-row="3"][data-column="L"]')).to_be_visible()
    assert RiskPoint.objects.count() == 0

    good = census(tmp_path / "good.xlsx", orange, red)
    phone.get_by_label("风险普查成果（.xlsx、.csv 或 .geojson）").set_input_files(good)
    phone.get_by_role("button", name="导入").click()
    expect(phone.get_by_text("已导入 2 处风险点")).to_be_visible()

    phone.goto("/grid/450901100201/card/")
    listed = phone.get_by_test_id("card-risks").locator("li")
    expect(listed.nth(0)).to_contain_text("后山滑坡")
    expect(listed.nth(0)).to_contain_text("重大风险（红）")
    expect(listed.nth(1)).to_contain_text("老街加油站")
    dot = listed.nth(0).locator("span").first
    assert dot.evaluate("e => getComputedStyle(e).color") == "rgb(208, 2, 27)"
    expect(listed.nth(2)).to_contain_text("山洪")  # the cell's own lines follow
