"""A county dispatcher reads the day's zero-report table, goes down to a township, looks at a
period, downloads it, and downloads the disaster statistics — in Chromium."""

import io
import os
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from qianshao.disasters import actions
from qianshao.disasters.models import DisasterType
from qianshao.grid.models import Role
from qianshao.testing import PASSWORD, appoint, build_cast

SCREENSHOTS = os.environ.get("QIANSHAO_SCREENSHOTS")  # a directory, to look at the pages


@pytest.fixture
def live_cast(transactional_db):
    """The cast in a database the live server sees (a flush removes the seeded domains)."""
    from django.apps import apps

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    return build_cast()


def workbook(download) -> io.BytesIO:
    return io.BytesIO(Path(download.path()).read_bytes())


def shoot(tab, name):
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
def test_a_county_dispatcher_reads_the_zero_reports_and_downloads_the_statistics(
    live_cast,
    page,  # noqa: F811 (the fixture from the root conftest)
    log_in,  # noqa: F811
):
    cast = live_cast
    appoint(cast.cell("450901101201"), Role.INFORMANT, name="三村信息员")
    actions.file_zero(cast.users["village"], cell=cast.village)
    actions.report(
        cast.users["village"],
        type=DisasterType.FLOOD,
        started_at=timezone.now() - timedelta(hours=1),
        cell=cast.village,
        place="河堤",
        figures={"affected": 12, "collapsed_households": 1, "collapsed_rooms": 2},
    )

    log_in(page, "county", PASSWORD)
    page.goto("/disasters/completeness/")
    table = page.get_by_test_id("completeness-table")
    expect(table.get_by_test_id("unit")).to_have_text("A县（450901）")
    expect(table.locator('tr[data-cell="total"] td[data-col="received"]')).to_have_text("1")
    expect(page.locator('tr[data-unreported="450901101201"]')).to_contain_text("三村信息员")
    shoot(page, "disasters-completeness-day")

    table.get_by_role("link", name="甲镇").click()
    expect(table.get_by_test_id("unit")).to_have_text("甲镇（450901100）")
    expect(page.locator('tr[data-unreported="450901100202"]')).to_be_visible()

    today = timezone.localdate()
    period = page.get_by_test_id("by-period")
    period.get_by_label("开始日期").fill((today - timedelta(days=6)).isoformat())
    period.get_by_label("结束日期").fill(today.isoformat())
    period.get_by_role("button", name="按时段查看").click()
    expect(page.get_by_test_id("period")).to_contain_text("共 7 天")
    expect(table.locator('tr[data-cell="total"] td[data-col="expected"]')).to_have_text("14")
    shoot(page, "disasters-completeness-period")
    with page.expect_download() as caught:
        page.get_by_test_id("download").click()
    assert caught.value.suggested_filename.startswith("零报告报送情况统计表-甲镇-")
    sheet = load_workbook(workbook(caught.value)).active
    total = next(r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] == "合计")
    assert total[3:5] == (14, 1)

    page.get_by_role("link", name="自然灾害情况统计表").click()
    stats = page.get_by_test_id("statistics-table")
    expect(stats.locator('tr[data-cell="450901100201"] td[data-col="affected"]')).to_have_text("12")
    shoot(page, "disasters-statistics")
    with page.expect_download() as caught:
        page.get_by_test_id("download").click()
    book = load_workbook(workbook(caught.value))
    assert book.sheetnames == ["灾情统计", "灾情清单"]
