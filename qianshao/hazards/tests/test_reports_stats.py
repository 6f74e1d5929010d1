"""网格隐患统计表: per child cell and in total, read from the counters the actions keep."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import resolve
from django.utils import timezone
from openpyxl import load_workbook

from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import CellKind, Domain
from qianshao.hazards import actions, views_reports
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Grade
from qianshao.hazards.tests.conftest import jpeg

COLUMNS = ["found", "major", "rectified", "rectifying", "pending", "overdue", "major_open"]


def report(cast, by, cell, category, grade=Grade.GENERAL, title="隐患"):
    return actions.report(
        cast.users[by],
        title=title,
        description="现场描述",
        category=category,
        grade=grade,
        cell=cell,
        notify=False,
    )


def rectifier(cast, h):
    """Who rectifies: the village member in 一村, else the township (the assignee contains
    the hazard, and a rectifier must see it)."""
    return cast.users["village" if h.cell_id == cast.village.pk else "township"]


def station(cast, h) -> dict:
    if h.cell_id == cast.village.pk:
        return {"assignee_cell": cast.village, "responsible": cast.people["village"]}
    return {"assignee_cell": cast.township, "responsible": cast.people["township"]}


def assign(cast, h):
    county = cast.users["county"]
    h = actions.accept(county, h)
    return actions.assign(
        county,
        h,
        measures="清理整改",
        deadline=timezone.now() + timedelta(days=10),
        contingency="设置警示",
        **station(cast, h),
    )


def rectify(cast, h):
    h = assign(cast, h)
    return actions.start(rectifier(cast, h), h)


def close(cast, h):
    county = cast.users["county"]
    h = rectify(cast, h)
    h = actions.submit(rectifier(cast, h), h, photo_files=[("after.jpg", jpeg())])
    h = actions.verify(county, h)
    return actions.close(county, h)


@pytest.fixture
def scenario(cast, category):
    """A spread of hazards in 甲镇 (一村, 二村, and on 甲镇 itself), 乙镇 and B县.

    一村: closed; major rectifying; submitted and left overdue; returned; merged.
    二村: major closed; accepted.   甲镇 itself: assigned.   三村 (乙镇): major submitted.
    四村 (B县): submitted — never counted in A县.
    """
    chemicals = Domain.objects.get(code="hazardous_chemicals")
    county = cast.users["county"]
    village, jia, yi_cun = cast.village, cast.township, cast.cell("450901100202")
    close(cast, report(cast, "village", village, category))
    major = rectify(cast, report(cast, "village", village, category, Grade.MAJOR))
    report(cast, "village", village, category, title="待受理")
    actions.return_report(county, report(cast, "village", village, category), reason="信息不全")
    actions.merge(county, report(cast, "village", village, category), into=major)
    close(cast, report(cast, "township", yi_cun, chemicals, Grade.MAJOR))
    report(cast, "outsider", cast.other_village, category)
    with time_machine.travel(timezone.now() + timedelta(hours=30), tick=False):
        supervision.sweep()  # the submitted one in 一村 (and B县's) fall overdue
        actions.accept(county, report(cast, "township", yi_cun, category))
        assign(cast, report(cast, "township", jia, category))
        report(cast, "county", cast.cell("450901101201"), chemicals, Grade.MAJOR)
    return cast


def rows_of(html: str) -> dict[str, dict[str, str]]:
    """{data-cell: {column: text}} read from the page's table."""
    import re

    rows = {}
    for code, body in re.findall(r'<tr[^>]*data-cell="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        cols = dict(re.findall(r'data-col="(\w+)">([^<]*)<', body))
        rows[code] = cols
    return rows


def numbers(row: dict[str, str]) -> list[int]:
    return [int(row[c]) for c in COLUMNS]


def test_the_county_table_counts_each_township_and_the_total_by_the_stated_definitions(
    scenario, client_for
):
    html = client_for(scenario.users["county"]).get("/hazards/stats/?cell=450901").content
    rows = rows_of(html.decode())
    #                                found major rectified rectifying pending overdue major_open
    assert numbers(rows["450901100"]) == [6, 2, 2, 3, 1, 1, 1]
    assert numbers(rows["450901101"]) == [1, 1, 0, 0, 1, 0, 1]
    assert numbers(rows["total"]) == [7, 3, 2, 3, 2, 1, 2]
    assert rows["total"]["rate"] == "28.6%"
    assert rows["450901101"]["rate"] == "0.0%"
    assert "own" not in rows, "no hazard lies on the county itself"


def test_the_township_table_has_its_villages_and_a_row_for_hazards_on_the_township_itself(
    scenario, client_for
):
    response = client_for(scenario.users["township"]).get("/hazards/stats/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "甲镇（450901100）" in html, "without ?cell the report is of the user's scope root"
    rows = rows_of(html)
    assert numbers(rows["450901100201"]) == [3, 1, 1, 1, 1, 1, 1]
    assert numbers(rows["450901100202"]) == [2, 1, 1, 1, 0, 0, 0]
    assert numbers(rows["own"]) == [1, 0, 0, 1, 0, 0, 0]
    assert numbers(rows["total"]) == [6, 2, 2, 3, 1, 1, 1]
    assert rows["total"]["rate"] == "33.3%"
    assert "不含已合并的重复报告和已退回的报告" in html, "the definitions are on the page"


def test_a_cell_without_hazards_shows_zeros_and_no_rate(cast, client_for):
    html = client_for(cast.users["county"]).get("/hazards/stats/?cell=450901").content.decode()
    rows = rows_of(html)
    assert numbers(rows["total"]) == [0] * 7
    assert rows["total"]["rate"] == "—"


def test_a_village_member_sees_only_their_village_and_a_cell_outside_is_not_found(
    scenario, client_for
):
    client = client_for(scenario.users["village"])
    html = client.get("/hazards/stats/").content.decode()
    assert "一村（450901100201）" in html
    assert numbers(rows_of(html)["total"]) == [3, 1, 1, 1, 1, 1, 1]
    assert client.get("/hazards/stats/?cell=450901100").status_code == 404
    assert client.get("/hazards/stats/?cell=450901100202").status_code == 404
    assert client.get("/hazards/stats/?cell=NOPE").status_code == 404
    assert client.get("/hazards/stats.xlsx?cell=450901100202").status_code == 404


def test_the_outsider_counts_their_own_county_only(scenario, client_for):
    client = client_for(scenario.users["outsider"])
    rows = rows_of(client.get("/hazards/stats/").content.decode())
    assert numbers(rows["total"]) == [1, 0, 0, 0, 1, 1, 0]
    assert client.get("/hazards/stats/?cell=450901").status_code == 404


def test_the_download_is_a_paper_form_with_the_same_numbers(scenario, client_for):
    response = client_for(scenario.users["township"]).get("/hazards/stats.xlsx?cell=450901100")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "网格隐患统计表"
    assert sheet["A1"].value == "网格隐患统计表"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:L1", "D3:E3", "F3:I3", "A3:A4"} <= merged
    assert sheet["A2"].value == "填报单位：甲镇（450901100）"
    assert sheet["G2"].value.startswith("统计时间：")
    assert [sheet.cell(4, c).value for c in range(4, 10)] == [
        "合计",
        "其中重大",
        "已整改（销号）",
        "整改中",
        "待受理",
        "超期未整改",
    ]
    assert sheet["L3"].value == "备注"
    lines = {row[2]: row for row in sheet.iter_rows(min_row=5, values_only=True) if row[2]}
    assert list(lines["450901100201"][1:11]) == ["一村", "450901100201", 3, 1, 1, 1, 1, 1, 1, 1 / 3]
    assert list(lines["450901100202"][3:10]) == [2, 1, 1, 1, 0, 0, 0]
    total = next(r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] == "合计")
    assert list(total[3:11]) == [6, 2, 2, 3, 1, 1, 1, 2 / 6]
    assert sheet.freeze_panes == "A5"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$4"
    assert sheet.cell(5, 4).border.left.style == "thin"
    assert sheet.column_dimensions["B"].width >= 15
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "填报人：" in texts and "审核人：" in texts
    assert any(t.startswith("说明：") for t in texts)


def test_the_report_routes_are_not_taken_by_another_hazards_page():
    assert resolve("/hazards/stats/").func is views_reports.stats
    assert resolve("/hazards/stats.xlsx").func is views_reports.stats_download
    assert resolve("/hazards/monthly/").func is views_reports.monthly
    assert resolve("/hazards/monthly.xlsx").func is views_reports.monthly_download


def more_villages(cast, n: int) -> None:
    rows = [
        CellRow(f"4509011002{10 + i}", f"新村{i}", CellKind.VILLAGE, "450901100") for i in range(n)
    ]
    grid_actions.create_cells(None, rows, source="test")


def test_the_page_takes_the_same_queries_however_many_hazards_and_children(
    scenario, client_for, category, django_assert_max_num_queries
):
    client = client_for(scenario.users["township"])
    with django_assert_max_num_queries(30) as few:
        assert client.get("/hazards/stats/?cell=450901100").status_code == 200
    more_villages(scenario, 12)
    for _ in range(15):
        close(scenario, report(scenario, "village", scenario.village, category))
        report(scenario, "township", scenario.cell("450901100211"), category)
    with django_assert_max_num_queries(len(few)):
        html = client.get("/hazards/stats/?cell=450901100").content.decode()
    assert numbers(rows_of(html)["450901100211"])[0] == 15
    assert numbers(rows_of(html)["total"])[0] == 36


def test_the_reports_only_read(cast, client_for):
    client = client_for(cast.users["county"])
    for url in [
        "/hazards/stats/",
        "/hazards/stats.xlsx",
        "/hazards/monthly/",
        "/hazards/monthly.xlsx",
    ]:
        assert client.post(url).status_code == 405
        assert client.head(url).status_code == 200
