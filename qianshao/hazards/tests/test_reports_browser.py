"""A township dispatcher reads the statistics table, goes down to a village, opens the
monthly report and downloads it — in Chromium."""

import io
import os
from importlib import import_module
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards.models import Grade
from qianshao.testing import PASSWORD, build_cast

SCREENSHOTS = os.environ.get("QIANSHAO_SCREENSHOTS")  # a directory, to look at the pages


@pytest.fixture
def live_cast(transactional_db):
    """The cast in a database the live server sees (a flush removes the seeded domains)."""
    from django.apps import apps

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    return build_cast()


def workbook(download) -> io.BytesIO:
    """A download's bytes (its temporary file has no .xlsx name for openpyxl)."""
    return io.BytesIO(Path(download.path()).read_bytes())


def shoot(tab, name):
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
def test_a_township_dispatcher_reads_the_table_and_downloads_the_monthly_report(
    live_cast,
    page,  # noqa: F811 (the fixture imported above)
    log_in,  # noqa: F811
):
    cast = live_cast
    category = Domain.objects.get(code="industry_trade")
    for grade, title in [(Grade.GENERAL, "消防通道堵塞"), (Grade.MAJOR, "危化品混存")]:
        actions.report(
            cast.users["village"],
            title=title,
            description="现场描述",
            category=category,
            grade=grade,
            cell=cast.village,
            notify=False,
        )

    log_in(page, "township", PASSWORD)
    page.goto("/hazards/stats/")
    table = page.get_by_test_id("stats-table")
    expect(table.get_by_role("heading", level=1)).to_have_text("网格隐患统计表")
    expect(page.get_by_test_id("unit")).to_have_text("甲镇（450901100）")
    village_row = table.locator('tr[data-cell="450901100201"]')
    expect(village_row.locator('[data-col="found"]')).to_have_text("2")
    expect(village_row.locator('[data-col="major_open"]')).to_have_text("1")
    shoot(page, "stats")

    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    sheet = load_workbook(workbook(download.value)).active
    assert sheet["A1"].value == "网格隐患统计表"

    village_row.get_by_role("link", name="一村").click()
    expect(page.get_by_test_id("unit")).to_have_text("一村（450901100201）")
    page.get_by_role("link", name="隐患月报表").click()
    summary = page.get_by_test_id("summary")
    expect(summary.locator('tr[data-row="reported"] td').nth(1)).to_have_text("2")
    expect(page.get_by_test_id("open")).to_contain_text("危化品混存")
    shoot(page, "monthly")

    page.get_by_label("报送月份").fill("1999-05")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("error")).to_contain_text("不能早于 2000 年")
    page.get_by_label("报送月份").fill("2024-01")
    page.get_by_role("button", name="查看").click()
    expect(summary.locator('tr[data-row="reported"] td').nth(1)).to_have_text("0")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == "隐患月报表-一村-2024-01.xlsx"
    book = load_workbook(workbook(download.value))
    assert book.sheetnames == ["汇总", "隐患清单", "整改清单"]
