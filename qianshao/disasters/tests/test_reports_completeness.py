"""零报告报送情况统计表: a day's and a period's completeness per child cell and in total, the
cells not reported with their information officers, on the page and in Excel."""

import io
import re
from datetime import date, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import resolve
from openpyxl import load_workbook

from qianshao.accounts.actions import create_login
from qianshao.disasters import actions, views_reports
from qianshao.disasters.reports import completeness_table
from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import CellKind, Person, Role
from qianshao.testing import appoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
COLUMNS = ["expected", "received", "on_time", "late", "missing"]
URL = "/disasters/completeness/"
XLSX = "/disasters/completeness.xlsx"


def at(day, hour=10, minute=0):
    return datetime(2026, 7, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(at(1, 8), tick=False) as traveller:
        yield traveller.move_to


@pytest.fixture
def july(cast, clock):
    """Two days in July 2026, filed through the actions (deadline 16:00):

    Jul 1: 一村 at 09:00 (on time), 四村 in B县 at 15:00 (on time), 二村 at 18:00 by its
    information officer (late); 三村 never. Jul 2: 一村 at 09:00; it is now Jul 2, 10:00.
    三村 has two information officers and one whose term ended; 二村 one; 一村 none.
    """
    er_cun, san_cun = cast.cell("450901100202"), cast.cell("450901101201")
    officer = appoint(er_cun, Role.INFORMANT, name="二村信息员")
    cast.users["er_cun"] = create_login(None, officer, username="ercun", password="pw-ercun-1")
    appoint(san_cun, Role.INFORMANT, name="三村信息员")
    appoint(san_cun, Role.INFORMANT, name="三村副信息员", start=date(2025, 1, 1))
    appoint(san_cun, Role.INFORMANT, name="前任信息员", end=date(2025, 1, 1))
    clock(at(1, 9))
    actions.file_zero(cast.users["village"], cell=cast.village)
    clock(at(1, 15))
    actions.file_zero(cast.users["admin"], cell=cast.other_village)
    clock(at(1, 18))
    actions.file_zero(cast.users["er_cun"], cell=er_cun)
    clock(at(2, 9))
    actions.file_zero(cast.users["village"], cell=cast.village)
    clock(at(2, 10))
    return cast


def rows_of(html: str) -> dict[str, dict[str, str]]:
    """{data-cell: {column: text}} read from the page's table."""
    rows = {}
    for code, body in re.findall(r'<tr[^>]*data-cell="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        rows[code] = dict(re.findall(r'data-col="(\w+)">([^<]*)<', body))
    return rows


def numbers(row: dict[str, str]) -> list[int]:
    return [int(row[c]) for c in COLUMNS]


def rates(row: dict[str, str]) -> tuple[str, str]:
    return row["received_rate"], row["on_time_rate"]


def unreported(html: str) -> dict[str, str]:
    """{code: row text} of the list of cells not reported."""
    table = re.search(r'data-testid="unreported">(.*?)</table>', html, re.S).group(1)
    found = re.findall(r'data-unreported="(\w+)">(.*?)</tr>', table, re.S)
    return {code: re.sub(r"<[^>]+>", " ", body) for code, body in found}


def test_the_county_day_counts_each_township_the_total_and_lists_who_has_not_reported(
    july, client_for
):
    response = client_for(july.users["county"]).get(URL, {"cell": "450901", "day": "2026-07-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "A县（450901）" in html and "报告日：2026年7月1日（截止时间 16:00）" in html
    rows = rows_of(html)
    #                                  expected received on_time late missing
    assert numbers(rows["450901100"]) == [2, 2, 1, 1, 0]
    assert numbers(rows["450901101"]) == [1, 0, 0, 0, 1]
    assert numbers(rows["total"]) == [3, 2, 1, 1, 1]
    assert rates(rows["450901100"]) == ("100.0%", "50.0%")
    assert rates(rows["total"]) == ("66.7%", "33.3%")
    assert "own" not in rows, "the county itself does not report"
    listed = unreported(html)
    assert list(listed) == ["450901101201"]
    line = listed["450901101201"]
    assert "三村" in line and "乙镇" in line
    for name in ["三村信息员", "三村副信息员"]:
        assert name in line and Person.objects.get(name=name).phone in line
    assert "前任信息员" not in line, "an ended term is not called"
    assert Person.objects.get(name="前任信息员").phone not in line
    assert "四村" not in html, "B县 lies outside A县"


def test_the_township_sees_its_villages_and_today_stands_at_now(july, client_for):
    client = client_for(july.users["township"])
    html = client.get(URL, {"day": "2026-07-01"}).content.decode()
    assert "甲镇（450901100）" in html, "without ?cell the report is of the user's scope root"
    rows = rows_of(html)
    assert set(rows) == {"450901100201", "450901100202", "total"}
    assert numbers(rows["450901100201"]) == [1, 1, 1, 0, 0]
    assert numbers(rows["450901100202"]) == [1, 1, 0, 1, 0]
    assert rates(rows["450901100202"]) == ("100.0%", "0.0%")
    assert unreported(html) == {}
    assert "当日辖区内零报告已全部报送" in html

    today = client.get(URL).content.decode()
    assert "报告日：2026年7月2日（截止时间 16:00），统计截至 2026-07-02 10:00" in today
    # 二村 has not filed today, but 16:00 is still to come: pending, not missing
    assert numbers(rows_of(today)["total"]) == [2, 1, 1, 0, 0]
    assert "另有 1 份报告日截止时间（16:00）未到、尚未报送，计为待报，不计入未报。" in today
    listed = unreported(today)
    assert list(listed) == ["450901100202"]
    assert "二村信息员" in listed["450901100202"]
    assert client.get(URL, {"cell": "450901"}).status_code == 404
    assert client.get(URL, {"cell": "450901101201"}).status_code == 404


def test_a_period_sums_the_days_per_township(july, client_for):
    client = client_for(july.users["county"])
    html = client.get(URL, {"cell": "450901", "from": "2026-07-01", "to": "2026-07-02"}).content
    html = html.decode()
    assert "统计时段：2026年7月1日至2026年7月2日（共 2 天）" in html
    rows = rows_of(html)
    assert numbers(rows["450901100"]) == [4, 3, 2, 1, 0]
    assert numbers(rows["450901101"]) == [2, 0, 0, 0, 1]
    assert numbers(rows["total"]) == [6, 3, 2, 1, 1]
    assert "另有 2 份报告日截止时间（16:00）未到" in html
    assert rates(rows["total"]) == ("50.0%", "33.3%")
    assert 'data-testid="unreported"' not in html, "the list is of a single day"


def test_the_figures_are_the_actions_own(july):
    """The table agrees with the zero reports the actions wrote, counted one by one."""
    from qianshao.disasters.models import ZeroReport

    table = completeness_table(
        july.users["county"], july.county, date(2026, 7, 1), date(2026, 7, 2)
    )
    reports = ZeroReport.objects.filter(cell_path__startswith=july.county.path)
    assert table.total.received == reports.count()
    assert table.total.on_time == reports.filter(on_time=True).count()
    assert table.total.expected == 3 * 2


def test_a_report_filed_for_a_past_day_counts_late_that_day(july, client_for):
    actions.file_zero(july.users["admin"], cell=july.cell("450901101201"), day=date(2026, 7, 1))
    client = client_for(july.users["county"])
    rows = rows_of(client.get(URL, {"cell": "450901", "day": "2026-07-01"}).content.decode())
    assert numbers(rows["450901101"]) == [1, 1, 0, 1, 0]
    assert numbers(rows["total"]) == [3, 3, 1, 2, 0]


def test_a_village_member_sees_their_village_as_its_own_row(july, client_for):
    client = client_for(july.users["village"])
    html = client.get(URL, {"day": "2026-07-01"}).content.decode()
    assert "一村（450901100201）" in html
    rows = rows_of(html)
    assert set(rows) == {"own", "total"}
    assert numbers(rows["own"]) == numbers(rows["total"]) == [1, 1, 1, 0, 0]
    assert client.get(URL, {"cell": "450901100"}).status_code == 404
    assert client.get(XLSX, {"cell": "450901100202"}).status_code == 404


def test_the_outsider_sees_their_own_county_and_not_a_county(july, client_for):
    client = client_for(july.users["outsider"])
    rows = rows_of(client.get(URL, {"day": "2026-07-01"}).content.decode())
    assert numbers(rows["450902100"]) == [1, 1, 1, 0, 0]
    for code in ["450901", "450901100", "450901100201", "NOPE"]:
        assert client.get(URL, {"cell": code}).status_code == 404
        assert client.get(XLSX, {"cell": code, "day": "2026-07-01"}).status_code == 404


def test_the_day_download_is_a_paper_form_with_the_same_numbers(july, client_for):
    client = client_for(july.users["county"])
    response = client.get(XLSX, {"cell": "450901", "day": "2026-07-01"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "零报告报送情况统计表-A县-2026-07-01.xlsx"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["报送情况", "未报名单"]
    sheet = book["报送情况"]
    assert sheet["A1"].value == "零报告报送情况统计表"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:K1", "A3:A4", "D3:D4", "E3:G3", "H3:H4", "I3:I4"} <= merged
    assert sheet["A2"].value == "填报单位：A县（450901）"
    assert sheet["F2"].value == "报告日：2026年7月1日（截止时间 16:00）"
    assert sheet["E3"].value == "已报（份）"
    assert [sheet.cell(4, c).value for c in range(5, 8)] == ["合计", "其中按时", "其中迟报"]
    lines = {r[2]: r for r in sheet.iter_rows(min_row=5, values_only=True) if r[2]}
    assert lines["450901100"][1:10] == ("甲镇", "450901100", 2, 2, 1, 1, 0, 1.0, 0.5)
    assert lines["450901101"][3:10] == (1, 0, 0, 0, 1, 0.0, 0.0)
    total = next(r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] == "合计")
    assert total[3:8] == (3, 2, 1, 1, 1)
    assert total[8] == pytest.approx(2 / 3) and total[9] == pytest.approx(1 / 3)
    assert sheet["I5"].number_format == "0.0%" and sheet["D5"].number_format == "0"
    assert sheet.freeze_panes == "A5" and sheet.print_title_rows == "$3:$4"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "填报人：" in texts and "审核人：" in texts and "填报日期：2026-07-02" in texts
    assert any(t.startswith("说明：") for t in texts)

    missing = book["未报名单"]
    assert missing["A1"].value == "零报告未报送网格名单"
    assert [missing.cell(3, c).value for c in range(1, 7)] == [
        "序号",
        "网格名称",
        "网格编码",
        "所属乡镇（街道）",
        "信息员",
        "联系电话",
    ]
    row = [missing.cell(4, c).value for c in range(1, 7)]
    assert row[:4] == [1, "三村", "450901101201", "乙镇"]
    assert set(row[4].split("\n")) == {"三村信息员", "三村副信息员"}
    assert len(row[5].split("\n")) == 2 and all(p.isdigit() for p in row[5].split("\n"))
    assert missing.page_setup.orientation == "landscape"


def test_the_period_download_has_one_sheet_and_the_period_in_its_name(july, client_for):
    client = client_for(july.users["township"])
    response = client.get(XLSX, {"from": "2026-07-01", "to": "2026-07-02"})
    name = unquote(response["Content-Disposition"].split("''", 1)[1])
    assert name == "零报告报送情况统计表-甲镇-2026-07-01至2026-07-02.xlsx"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["报送情况"]
    sheet = book.active
    assert sheet["F2"].value.startswith("统计时段：2026年7月1日至2026年7月2日（共 2 天）")
    lines = {r[2]: r[3:8] for r in sheet.iter_rows(min_row=5, values_only=True) if r[2]}
    assert lines["450901100201"] == (2, 2, 2, 0, 0)
    assert lines["450901100202"] == (2, 1, 0, 1, 0)  # today's is pending, not missing
    note = next(v for v in sheet["A"] if str(v.value or "").startswith("说明")).value
    assert "4. 另有 1 份报告日截止时间（16:00）未到、尚未报送，计为待报，不计入未报。" in note


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"day": "2026-02-30"}, "day", "报告日 2026-02-30 不是有效的日期"),
        ({"day": "07/01/2026"}, "day", "报告日应写作 YYYY-MM-DD"),
        ({"day": "2026-07-03"}, "day", "报告日不能晚于今天"),
        ({"day": "1999-12-31"}, "day", "报告日不能早于 2000 年"),
        ({"from": "2026-07-02", "to": "2026-07-01"}, "to", "结束日期不能早于开始日期"),
        ({"from": "2026-04-01", "to": "2026-07-02"}, "to", "统计时段最长 92 天，所选时段为 93 天"),
        ({"from": "abc"}, "from", "开始日期应写作 YYYY-MM-DD"),
        ({"to": "2026-13-01"}, "to", "结束日期 2026-13-01 不是有效的日期"),
    ],
)
def test_a_bad_date_is_refused_naming_the_field(july, client_for, query, field, message):
    client = client_for(july.users["county"])
    for url in [URL, XLSX]:
        response = client.get(url, query)
        html = response.content.decode()
        assert response.status_code == 400
        assert f'data-field="{field}"' in html
        assert message in html


def test_a_quarter_of_92_days_is_accepted(july, client_for):
    client = client_for(july.users["county"])
    response = client.get(URL, {"from": "2026-04-02", "to": "2026-07-02"})
    assert response.status_code == 200
    assert "共 92 天" in response.content.decode()


def test_a_cell_outside_scope_is_not_found_before_the_date_is_read(july, client_for):
    client = client_for(july.users["township"])
    assert client.get(URL, {"cell": "450901101", "day": "bad"}).status_code == 404
    assert client.get(XLSX, {"cell": "450901101", "day": "bad"}).status_code == 404


def more_villages(n: int) -> None:
    rows = [
        CellRow(f"4509011002{10 + i}", f"新村{i}", CellKind.VILLAGE, "450901100") for i in range(n)
    ]
    grid_actions.create_cells(None, rows, source="test")


def test_the_page_takes_the_same_queries_however_many_villages_and_reports(
    july, client_for, django_assert_max_num_queries
):
    client = client_for(july.users["county"])
    with django_assert_max_num_queries(30) as few:
        assert client.get(URL, {"cell": "450901100"}).status_code == 200
    more_villages(12)
    for i in range(12):
        village = july.cell(f"4509011002{10 + i}")
        appoint(village, Role.INFORMANT, name=f"新村信息员{i}")
        if i % 2:
            actions.file_zero(july.users["admin"], cell=village)
    with django_assert_max_num_queries(len(few)):
        html = client.get(URL, {"cell": "450901100"}).content.decode()
    assert numbers(rows_of(html)["total"]) == [14, 7, 7, 0, 0]  # the other 7 are pending
    assert len(unreported(html)) == 7


def test_the_report_routes_are_not_taken_by_another_disasters_page():
    assert resolve(URL).func is views_reports.completeness
    assert resolve(XLSX).func is views_reports.completeness_download


def test_the_reports_only_read(cast, client_for):
    client = client_for(cast.users["county"])
    for url in [URL, XLSX]:
        assert client.post(url).status_code == 405
        assert client.head(url).status_code == 200
