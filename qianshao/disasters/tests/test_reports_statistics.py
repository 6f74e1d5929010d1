"""自然灾害情况统计表: the latest figures of the disaster reports of a period, per child cell
and in total, and the reports one a row, on the page and in Excel."""

import io
import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import resolve
from openpyxl import load_workbook

from qianshao.disasters import actions, views_reports
from qianshao.disasters.models import INDICATORS, DisasterReport, DisasterType
from qianshao.disasters.reports import indicator_head, statistics_table

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/disasters/statistics/"
XLSX = "/disasters/statistics.xlsx"
JULY = {"from": "2026-07-01", "to": "2026-07-05"}

FOLLOWED = {
    "affected": 30,
    "relocated": 6,
    "need_relief": 8,
    "collapsed_households": 1,
    "collapsed_rooms": 3,
    "severely_damaged_rooms": 2,
    "damaged_rooms": 5,
    "crops_affected_ha": "12.50",
    "crops_damaged_ha": "4.25",
    "crops_lost_ha": "1.00",
    "economic_loss": "30.75",
}
VERIFIED = FOLLOWED | {"affected": 28}


def at(month, day, hour=10, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(at(6, 20, 8), tick=False) as traveller:
        yield traveller.move_to


def reported(cast, by, cell, kind, started, **figures):
    return actions.report(
        cast.users[by], type=kind, started_at=started, cell=cell, figures=figures, place="河堤"
    )


@pytest.fixture
def july(cast, clock):
    """Disasters in A县 (and one in B县) through the actions; it is now Jul 5, 10:00.

    d1 一村 flood Jul 1: 初报 by the village member, 续报 by 甲镇, 核报 by the county with
    affected 30 → 28. d2 二村 landslide Jul 3 (one dead). d3 on 甲镇 itself, hail Jul 4.
    d4 三村 (乙镇) drought Jul 2. d5 四村 (B县) Jul 2. d0 一村 Jun 20, before the period.
    """
    jia, er_cun, san_cun = cast.township, cast.cell("450901100202"), cast.cell("450901101201")
    d = {}
    clock(at(6, 20, 9))
    d[0] = reported(cast, "village", cast.village, DisasterType.FLOOD, at(6, 20, 8), affected=99)
    clock(at(7, 1, 9))
    d[1] = reported(cast, "village", cast.village, DisasterType.FLOOD, at(7, 1, 8), affected=10)
    clock(at(7, 1, 15))
    d[1] = actions.follow_up(cast.users["township"], d[1], figures=FOLLOWED)
    clock(at(7, 2, 9))
    d[4] = reported(
        cast,
        "county",
        san_cun,
        DisasterType.DROUGHT,
        at(7, 2, 8),
        affected=100,
        crops_affected_ha="50",
        crops_damaged_ha="20",
    )
    d[5] = reported(
        cast, "outsider", cast.other_village, DisasterType.HAIL, at(7, 2, 8), affected=7
    )
    d[1] = actions.verify(cast.users["county"], d[1], figures=VERIFIED)
    clock(at(7, 3, 7))
    d[2] = reported(
        cast,
        "township",
        er_cun,
        DisasterType.LANDSLIDE,
        at(7, 3, 6),
        affected=5,
        dead=1,
        economic_loss="2.5",
    )
    clock(at(7, 4, 20))
    d[3] = reported(
        cast, "township", jia, DisasterType.HAIL, at(7, 4, 19), affected=3, damaged_rooms=1
    )
    clock(at(7, 5, 10))
    return d


def rows_of(html: str) -> dict[str, dict[str, str]]:
    """{data-cell: {column: text}} read from the statistics table."""
    table = re.search(r'data-testid="statistics-table">(.*?)</table>', html, re.S).group(1)
    rows = {}
    for code, body in re.findall(r'<tr[^>]*data-cell="([^"]+)"[^>]*>(.*?)</tr>', table, re.S):
        rows[code] = dict(re.findall(r'data-col="(\w+)">([^<]*)<', body))
    return rows


def entries_of(html: str) -> dict[str, dict[str, str]]:
    table = re.search(r'data-testid="entries">(.*?)</table>', html, re.S).group(1)
    return {
        number: dict(re.findall(r'data-col="(\w+)">([^<]*)<', body))
        for number, body in re.findall(r'<tr data-number="(\w+)">(.*?)</tr>', table, re.S)
    }


def test_the_county_table_sums_the_latest_figures_per_township(july, cast, client_for):
    response = client_for(cast.users["county"]).get(URL, {"cell": "450901"} | JULY)
    html = response.content.decode()
    assert response.status_code == 200
    assert "A县（450901）" in html
    assert "统计时段：2026年7月1日至2026年7月5日（共 5 天）（按灾害发生时间）" in html
    rows = rows_of(html)
    jia, yi, total = rows["450901100"], rows["450901101"], rows["total"]
    assert (jia["reports"], jia["affected"], jia["dead"], jia["relocated"]) == ("3", "36", "1", "6")
    assert (jia["collapsed_households"], jia["collapsed_rooms"], jia["damaged_rooms"]) == (
        "1",
        "3",
        "6",
    )
    assert (jia["crops_affected_ha"], jia["crops_lost_ha"], jia["economic_loss"]) == (
        "12.50",
        "1.00",
        "33.25",
    )
    assert (yi["reports"], yi["affected"], yi["crops_affected_ha"], yi["crops_damaged_ha"]) == (
        "1",
        "100",
        "50.00",
        "20.00",
    )
    assert (total["reports"], total["affected"], total["crops_affected_ha"]) == (
        "4",
        "136",
        "62.50",
    )
    assert total["economic_loss"] == "33.25"
    assert "own" not in rows
    assert set(entries_of(html)) == {july[n].number for n in (1, 2, 3, 4)}
    assert july[0].number not in html, "started before the period"
    assert july[5].number not in html, "B县 lies outside A县"


def test_the_figures_are_the_actions_own(july, cast):
    """Each report counts with its latest version — the 核报 where there is one."""
    d1 = DisasterReport.objects.get(pk=july[1].pk)
    latest = d1.versions.order_by("-seq").first()
    assert latest.stage == "verified" and latest.affected == d1.affected == 28
    table = statistics_table(cast.users["county"], cast.county, date(2026, 7, 1), date(2026, 7, 5))
    counted = DisasterReport.objects.filter(pk__in=[july[n].pk for n in (1, 2, 3, 4)])
    for name in INDICATORS:
        assert table.total.figures[name] == sum(getattr(d, name) for d in counted), name
    assert table.total.reports == 4


def test_the_township_sees_its_villages_and_a_row_for_its_own_disasters(july, cast, client_for):
    client = client_for(cast.users["township"])
    html = client.get(URL, JULY).content.decode()
    assert "甲镇（450901100）" in html
    rows = rows_of(html)
    assert set(rows) == {"450901100201", "450901100202", "own", "total"}
    assert (rows["450901100201"]["reports"], rows["450901100201"]["affected"]) == ("1", "28")
    assert (rows["450901100202"]["dead"], rows["450901100202"]["economic_loss"]) == ("1", "2.50")
    assert (rows["own"]["reports"], rows["own"]["affected"], rows["own"]["damaged_rooms"]) == (
        "1",
        "3",
        "1",
    )
    assert (rows["total"]["reports"], rows["total"]["affected"]) == ("3", "36")
    listed = entries_of(html)
    assert list(listed) == [july[n].number for n in (1, 2, 3)], "by start"
    assert listed[july[1].number]["status"] == "已核报"
    assert listed[july[1].number]["affected"] == "28"
    assert listed[july[2].number]["type"] == "滑坡"
    assert client.get(URL, {"cell": "450901"}).status_code == 404
    assert client.get(XLSX, {"cell": "450901101"}).status_code == 404


def test_a_cell_without_disasters_shows_every_child_with_zeros(cast, client_for):
    html = client_for(cast.users["county"]).get(URL, {"cell": "450901"}).content.decode()
    rows = rows_of(html)
    assert set(rows) == {"450901100", "450901101", "total"}
    assert rows["total"]["reports"] == "0" and rows["total"]["economic_loss"] == "0.00"
    assert "统计时段内无灾情报告" in html


def test_the_period_defaults_to_this_month_up_to_today(july, cast, client_for):
    html = client_for(cast.users["county"]).get(URL).content.decode()
    assert "统计时段：2026年7月1日至2026年7月5日（共 5 天）" in html
    assert rows_of(html)["total"]["reports"] == "4"


def test_the_outsider_counts_their_own_county_only(july, cast, client_for):
    client = client_for(cast.users["outsider"])
    rows = rows_of(client.get(URL, JULY).content.decode())
    assert (rows["450902100"]["reports"], rows["total"]["affected"]) == ("1", "7")
    for code in ["450901", "450901100", "450901100201"]:
        assert client.get(URL, {"cell": code} | JULY).status_code == 404
        assert client.get(XLSX, {"cell": code} | JULY).status_code == 404


def test_the_download_is_a_paper_form_with_the_same_numbers(july, cast, client_for):
    response = client_for(cast.users["township"]).get(XLSX, JULY)
    assert response.status_code == 200
    name = unquote(response["Content-Disposition"].split("''", 1)[1])
    assert name == "自然灾害情况统计表-甲镇-2026-07-01至2026-07-05.xlsx"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["灾情统计", "灾情清单"]
    sheet = book["灾情统计"]
    assert sheet["A1"].value == "自然灾害情况统计表"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    # 倒塌房屋 over 户/间 (J, K), 农作物 over 受灾/成灾/绝收 (N to P); the rest span both rows
    assert {"A1:R1", "A3:A4", "D3:D4", "E3:E4", "J3:K3", "N3:P3", "Q3:Q4"} <= merged
    assert sheet["A2"].value == "填报单位：甲镇（450901100）"
    assert sheet["J2"].value == "统计时段：2026年7月1日至2026年7月5日（共 5 天）（按灾害发生时间）"
    assert (sheet["J3"].value, sheet["J4"].value, sheet["K4"].value) == ("倒塌房屋", "户", "间")
    assert [sheet.cell(4, c).value for c in range(14, 17)] == ["受灾", "成灾", "绝收"]
    assert (sheet["E3"].value, sheet["Q3"].value) == ("受灾人口（人）", "直接经济损失（万元）")
    lines = {r[2]: r for r in sheet.iter_rows(min_row=5, values_only=True) if r[2]}
    #                           reports affected dead missing relocated need_relief 户 间
    assert lines["450901100201"][1:17] == (
        "一村",
        "450901100201",
        1,
        28,
        0,
        0,
        6,
        8,
        1,
        3,
        2,
        5,
        12.5,
        4.25,
        1.0,
        30.75,
    )
    own = next(r for r in sheet.iter_rows(min_row=5, values_only=True) if r[1] == "本级（甲镇）")
    assert own[3:5] == (1, 3) and own[12] == 1
    total = next(r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] == "合计")
    assert total[3:6] == (3, 36, 1)
    assert total[13:17] == (12.5, 4.25, 1.0, 33.25)
    row = next(r for r in sheet.iter_rows(min_row=5) if r[2].value == "450901100201")
    assert row[4].number_format == "0" and row[13].number_format == "0.00"
    assert row[4].data_type == "n" and row[16].data_type == "n"
    assert sheet.freeze_panes == "A5" and sheet.print_title_rows == "$3:$4"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "填报人：" in texts and "审核人：" in texts and "填报日期：2026-07-05" in texts

    listing = book["灾情清单"]
    assert listing["A1"].value == "灾情报告清单"
    assert "L3:M3" in {str(r) for r in listing.merged_cells.ranges}, "倒塌房屋 户/间"
    rows = {r[1]: r for r in listing.iter_rows(min_row=5, values_only=True) if r[1]}
    assert list(rows) == [july[n].number for n in (1, 2, 3)]
    first = rows[july[1].number]
    assert first[2:8] == ("洪涝", "一村 河堤", "2026-07-01 08:00", "已核报", 28, 0)
    assert first[18] == 30.75
    assert rows[july[2].number][6:8] == (5, 1)


def test_text_that_looks_like_a_formula_stays_text_in_the_download(cast, client_for):
    place = '=HYPERLINK("http://evil.example","点我")'
    d = actions.report(
        cast.users["village"],
        type=DisasterType.OTHER,
        started_at=datetime.now(SHANGHAI),
        cell=cast.village,
        place=place,
        figures={"affected": 1},
    )
    response = client_for(cast.users["village"]).get(XLSX)
    sheet = load_workbook(io.BytesIO(response.content))["灾情清单"]
    cell = next(r[3] for r in sheet.iter_rows(min_row=5) if r[1].value == d.number)
    assert cell.data_type == "s" and cell.value == f"一村 {place}"


@pytest.mark.parametrize(
    "query, field, message",
    [
        (
            {"from": "2025-07-01", "to": "2026-07-05"},
            "to",
            "统计时段最长 366 天，所选时段为 370 天",
        ),
        ({"from": "2026-07-05", "to": "2026-07-01"}, "to", "结束日期不能早于开始日期"),
        ({"from": "2026-7-1x"}, "from", "开始日期应写作 YYYY-MM-DD"),
        ({"to": "2026-06-31"}, "to", "结束日期 2026-06-31 不是有效的日期"),
        ({"to": "2026-07-06"}, "to", "结束日期不能晚于今天"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(july, cast, client_for, query, field, message):
    client = client_for(cast.users["county"])
    for url in [URL, XLSX]:
        response = client.get(url, query)
        html = response.content.decode()
        assert response.status_code == 400
        assert f'data-field="{field}"' in html and message in html


def test_the_header_follows_the_indicators_in_order():
    head = indicator_head()
    assert sum(max(1, len(subs)) for _label, subs in head) == len(INDICATORS)
    assert ("倒塌房屋", ["户", "间"]) in head
    assert ("农作物（公顷）", ["受灾", "成灾", "绝收"]) in head


def test_the_page_takes_the_same_queries_however_many_disasters(
    cast, client_for, django_assert_max_num_queries
):
    def flood(cell):
        actions.report(
            cast.users["township"],
            type=DisasterType.FLOOD,
            started_at=datetime.now(SHANGHAI),
            cell=cell,
            figures={"affected": 2, "economic_loss": Decimal("1.25")},
        )

    client = client_for(cast.users["township"])
    flood(cast.village)
    with django_assert_max_num_queries(30) as few:
        assert client.get(URL).status_code == 200
    for i in range(8):
        flood(cast.village if i % 2 else cast.cell("450901100202"))
    with django_assert_max_num_queries(len(few)):
        html = client.get(URL).content.decode()
    total = rows_of(html)["total"]
    assert (total["reports"], total["economic_loss"]) == ("9", "11.25")


def test_the_report_routes_are_not_taken_by_another_disasters_page():
    assert resolve(URL).func is views_reports.statistics
    assert resolve(XLSX).func is views_reports.statistics_download


def test_the_reports_only_read(cast, client_for):
    client = client_for(cast.users["county"])
    for url in [URL, XLSX]:
        assert client.post(url).status_code == 405
        assert client.head(url).status_code == 200
