"""隐患月报表: a subtree's month as it stood at the month's end, on the page and in Excel."""

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from qianshao.grid.models import Domain
from qianshao.grid.scope import restrict
from qianshao.hazards import actions
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Grade, Hazard, Status
from qianshao.hazards.reports import monthly_report
from qianshao.hazards.tests.conftest import jpeg
from qianshao.lib.errors import ActionError
from qianshao.lib.periods import parse_month

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month, day, hour=10, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    """Moves time-machine's clock to the moments of the scenario."""

    def __init__(self, traveller):
        self.traveller = traveller

    def __call__(self, moment):
        self.traveller.move_to(moment)


@pytest.fixture
def clock():
    with time_machine.travel(at(9, 1, 8), tick=False) as traveller:
        yield Clock(traveller)


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


def start(cast, h):
    return actions.start(rectifier(cast, h), h)


def assign(cast, h, deadline):
    county = cast.users["county"]
    return actions.assign(
        county,
        actions.accept(county, h),
        measures="清理整改",
        deadline=deadline,
        contingency="设置警示",
        **station(cast, h),
    )


def submit(cast, h):
    return actions.submit(rectifier(cast, h), h, photo_files=[("after.jpg", jpeg())])


def verify_and_close(cast, h):
    county = cast.users["county"]
    return actions.close(county, actions.verify(county, h))


@pytest.fixture
def october(cast, category, clock):
    """September and October 2026 in 甲镇 (and one hazard in 乙镇), played day by day.

    h5 (二村, Sep 1) closed Oct 3 · h4 (一村, Sep 20) accepted, then left overdue ·
    h1 (一村, Oct 5) rectifying, deadline Oct 20, overdue · h2 (二村, Oct 10, major,
    hazardous chemicals) closed Oct 25 · h3 (一村, Oct 12) returned Oct 13 ·
    h6 (三村 in 乙镇, Oct 31 23:30) submitted.
    """
    chemicals = Domain.objects.get(code="hazardous_chemicals")
    er_cun = cast.cell("450901100202")
    h = {}
    clock(at(9, 1))
    h[5] = assign(cast, report(cast, "township", er_cun, category), at(10, 1))
    h[5] = submit(cast, start(cast, h[5]))
    clock(at(9, 20))
    h[4] = actions.accept(cast.users["county"], report(cast, "village", cast.village, category))
    clock(at(10, 3))
    h[5] = verify_and_close(cast, h[5])
    clock(at(10, 5))
    h[1] = assign(cast, report(cast, "village", cast.village, category, title="一号"), at(10, 20))
    h[1] = start(cast, h[1])
    clock(at(10, 10))
    h[2] = report(cast, "township", er_cun, chemicals, Grade.MAJOR, title="二号")
    h[2] = submit(cast, start(cast, assign(cast, h[2], at(10, 24))))
    clock(at(10, 12))
    h[3] = report(cast, "village", cast.village, category, title="三号")
    clock(at(10, 13))
    h[3] = actions.return_report(cast.users["county"], h[3], reason="信息不全")
    clock(at(10, 21))
    supervision.sweep()
    clock(at(10, 25))
    h[2] = verify_and_close(cast, h[2])
    clock(at(10, 31, 23, 30))
    h[6] = report(cast, "county", cast.cell("450901101201"), category)
    return h


def november(cast, h, clock):
    """What happens after October is over: every October hazard moves on."""
    village, county = cast.users["village"], cast.users["county"]
    clock(at(11, 2))
    h[3] = actions.accept(county, actions.resubmit(village, h[3], description="补充说明"))
    h[1] = submit(cast, h[1])
    clock(at(11, 3))
    h[1] = actions.reject(county, h[1], reason="未整改到位")  # the plan's deadline is cleared
    clock(at(11, 4))
    h[1] = submit(cast, h[1])
    clock(at(11, 5))
    h[1] = verify_and_close(cast, h[1])
    clock(at(11, 6))
    h[4] = actions.merge(county, h[4], into=h[3])
    supervision.sweep()


def figures(html: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-row="(\w+)"><td[^>]*>[^<]*</td><td>(\d+)</td><td>(\d+)</td>', html)
    return {name: [int(total), int(major)] for name, total, major in rows}


def listed(html: str, testid: str) -> dict[str, str]:
    """{number: status at month end} of one list on the page."""
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S).group(1)
    return dict(re.findall(r'data-number="(\w+)".*?data-col="status">([^<]+)<', table, re.S))


def test_the_october_report_of_a_township_counts_as_the_month_ended(
    cast, october, clock, client_for
):
    h = october
    clock(at(11, 1, 0, 30))
    response = client_for(cast.users["township"]).get("/hazards/monthly/?month=2026-10")
    html = response.content.decode()
    assert response.status_code == 200
    assert "甲镇（450901100）" in html and "2026年10月" in html
    assert "本月尚未结束" not in html
    assert figures(html) == {
        "reported": [2, 1],  # h1, h2 (h3 was returned)
        "reported_closed": [1, 1],  # h2
        "closed": [2, 1],  # h5 (reported in September) and h2
        "open": [2, 0],  # h1, h4
        "overdue": [2, 0],
    }
    assert listed(html, "reported") == {h[1].number: "整改中", h[2].number: "已销号"}
    assert listed(html, "open") == {h[4].number: "已受理", h[1].number: "整改中"}
    assert h[6].number not in html, "乙镇 lies outside 甲镇"
    categories = re.search(r'data-testid="categories">(.*?)</table>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", categories)
    # in the registry's order of domains (危险化学品 comes before 工贸)
    assert cells == ["危险化学品", "0", "1", "1", "工贸", "1", "0", "1", "合计", "1", "1", "2"]


def test_later_steps_do_not_rewrite_a_month_already_reported(cast, october, clock, client_for):
    h = october
    township = cast.users["township"]
    clock(at(11, 1, 0, 30))
    before = monthly_report(
        restrict(Hazard.objects.all(), township), cast.township, date(2026, 10, 1)
    )
    november(cast, h, clock)
    clock(at(12, 1, 9))
    after = monthly_report(
        restrict(Hazard.objects.all(), township), cast.township, date(2026, 10, 1)
    )
    assert Hazard.objects.get(pk=h[1].pk).status == Status.CLOSED
    assert Hazard.objects.get(pk=h[4].pk).status == Status.MERGED

    def view(r):
        return (
            [(e.hazard.number, e.status, e.overdue, e.deadline, e.responsible) for e in r.open],
            [(e.hazard.number, e.status, e.grade) for e in r.reported],
            r.closed,
            r.closed_major,
        )

    assert view(after) == view(before)
    h1 = next(e for e in after.open if e.hazard.pk == h[1].pk)
    assert (h1.status, h1.overdue, h1.deadline) == (Status.RECTIFYING, True, at(10, 20))
    assert h1.responsible == cast.people["village"].name
    assert h1.measures == "清理整改" and h1.contingency == "设置警示"
    assert Hazard.objects.get(pk=h[1].pk).deadline is None, "the reject cleared it since"

    html = client_for(township).get("/hazards/monthly/?month=2026-10").content.decode()
    assert listed(html, "open") == {h[4].number: "已受理", h[1].number: "整改中"}
    assert figures(html)["closed"] == [2, 1]


def test_the_next_month_carries_what_was_still_open_and_counts_its_own_closures(
    cast, october, clock, client_for
):
    h = october
    november(cast, h, clock)
    clock(at(12, 1, 9))
    html = client_for(cast.users["township"]).get("/hazards/monthly/?month=2026-11").content
    html = html.decode()
    assert figures(html) == {
        "reported": [0, 0],  # h3 was reported in October
        "reported_closed": [0, 0],
        "closed": [1, 0],  # h1
        "open": [1, 0],  # h3, resubmitted and accepted; h4 merged into it
        "overdue": [1, 0],  # h3 was accepted on Nov 2 with a day to assign
    }
    assert listed(html, "open") == {h[3].number: "已受理"}


def test_the_county_report_holds_every_township_and_the_current_month_stands_at_now(
    cast, october, clock, client_for
):
    h = october
    clock(at(10, 31, 23, 45))
    html = client_for(cast.users["county"]).get("/hazards/monthly/").content.decode()
    assert "本月尚未结束，统计截至 2026-10-31 23:45" in html
    assert figures(html)["reported"] == [3, 1]
    assert set(listed(html, "open")) == {h[1].number, h[4].number, h[6].number}


def test_the_download_has_the_three_sheets_of_the_paper_form(cast, october, clock, client_for):
    h = october
    clock(at(11, 1, 0, 30))
    client = client_for(cast.users["township"])
    response = client.get("/hazards/monthly.xlsx?cell=450901100&month=2026-10")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "隐患清单", "整改清单"]
    summary = book["汇总"]
    assert summary["A1"].value == "隐患月报表"
    assert "A1:D1" in {str(r) for r in summary.merged_cells.ranges}
    assert summary["A2"].value == "填报单位：甲镇（450901100）"
    assert summary["C2"].value == "报送月份：2026年10月"
    values = {row[0]: row[1:3] for row in summary.iter_rows(values_only=True) if row[0]}
    assert values["本月排查发现（上报）隐患"] == (2, 1)
    assert values["本月整改销号（含往月上报）"] == (2, 1)
    assert values["月末未销号隐患（整改清单）"] == (2, 0)
    assert values["其中：超期未整改"] == (2, 0)
    assert values["危险化学品"] == (0, 1)
    assert values["合计"] == (1, 1)
    for sheet in book.worksheets:
        texts = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
        assert "填报人：" in texts and "审核人：" in texts
        assert any(str(t).startswith("填报日期：2026-11-01") for t in texts)
        assert sheet.page_setup.orientation == "landscape"

    listing = book["隐患清单"]
    assert listing.freeze_panes == "A4"
    rows = {r[1]: r for r in listing.iter_rows(min_row=4, values_only=True) if r[1]}
    assert set(rows) == {h[1].number, h[2].number}
    assert rows[h[2].number][5:] == (
        "重大隐患",
        "二号：现场描述",
        cast.people["township"].name,
        "2026-10-24",
        "已销号",
        "2026-10-25",
    )
    rectify = book["整改清单"]
    assert rectify["A1"].value == "问题隐患整改清单"
    assert listing["A1"].value == "本月上报隐患清单"
    rows = {r[1]: r for r in rectify.iter_rows(min_row=4, values_only=True) if r[1]}
    assert set(rows) == {h[1].number, h[4].number}
    assert rows[h[1].number][2:4] == ("2026-10-05", "一村")
    assert rows[h[1].number][7:] == (
        "清理整改",
        cast.people["village"].name,
        None,
        "2026-10-20",
        "设置警示",
        "整改中",
        "是",
    )


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-00", "1999-12", "2026-1-1"])
def test_a_malformed_month_is_refused_naming_the_field(cast, client_for, month):
    client = client_for(cast.users["county"])
    for url in ["/hazards/monthly/", "/hazards/monthly.xlsx"]:
        response = client.get(url, {"month": month})
        assert response.status_code == 400
        assert 'data-field="month"' in response.content.decode()


def test_a_future_month_is_refused_and_an_empty_one_is_the_current_month(cast, client_for):
    client = client_for(cast.users["county"])
    ahead = timezone.localdate() + timedelta(days=32)
    response = client.get("/hazards/monthly/", {"month": f"{ahead:%Y-%m}"})
    assert response.status_code == 400
    assert "报送月份不能晚于本月" in response.content.decode()
    assert parse_month("") == timezone.localdate().replace(day=1)
    with pytest.raises(ActionError) as refused:
        parse_month("2026-13")
    assert refused.value.field == "month"


def test_a_cell_outside_scope_is_not_found_before_the_month_is_read(cast, client_for):
    client = client_for(cast.users["village"])
    assert client.get("/hazards/monthly/?cell=450901100&month=2026-13").status_code == 404
    assert client.get("/hazards/monthly.xlsx?cell=450901100202").status_code == 404
    assert client.get("/hazards/monthly/?cell=450901100201").status_code == 200


def test_text_that_looks_like_a_formula_stays_text_in_the_download(cast, category, client_for):
    title = '=HYPERLINK("http://evil.example","点我")'
    h = report(cast, "village", cast.village, category, title=title)
    response = client_for(cast.users["village"]).get("/hazards/monthly.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["隐患清单"]
    cell = next(row[6] for row in sheet.iter_rows(min_row=4) if row[1].value == h.number)
    assert cell.data_type == "s"
    assert cell.value == f"{title}：现场描述"


def test_the_september_list_still_holds_what_was_closed_or_merged_only_later(
    cast, october, clock, client_for
):
    h = october
    november(cast, h, clock)
    clock(at(12, 1, 9))
    html = client_for(cast.users["township"]).get("/hazards/monthly/?month=2026-09").content
    html = html.decode()
    # h5 was waiting for verification (closed Oct 3); h4 accepted (merged Nov 6); both past
    # their step's time limit at the end of September, though no sweep had run by then.
    assert listed(html, "open") == {h[5].number: "待核查", h[4].number: "已受理"}
    assert figures(html)["overdue"] == [2, 0]
    assert figures(html)["reported"] == [2, 0]
    assert figures(html)["closed"] == [0, 0]


def test_a_hazard_from_an_earlier_month_closed_later_is_open_in_the_months_between(
    cast, category, clock, client_for
):
    clock(at(8, 20))
    h = report(cast, "village", cast.village, category, title="八月")
    h = start(cast, assign(cast, h, at(9, 10)))
    clock(at(10, 2))
    h = verify_and_close(cast, submit(cast, h))
    clock(at(12, 1, 9))
    client = client_for(cast.users["village"])
    september = client.get("/hazards/monthly/?month=2026-09").content.decode()
    assert listed(september, "open") == {h.number: "整改中"}
    assert figures(september)["overdue"] == [1, 0], "the plan's deadline of Sep 10 had passed"
    assert figures(september)["reported"] == [0, 0]
    october = client.get("/hazards/monthly/?month=2026-10").content.decode()
    assert listed(october, "open") == {}
    assert figures(october)["closed"] == [1, 0]


def test_the_monthly_page_takes_the_same_queries_for_few_hazards_or_many(
    cast, category, client_for, django_assert_max_num_queries
):
    client = client_for(cast.users["township"])
    report(cast, "village", cast.village, category)
    with django_assert_max_num_queries(40) as few:
        assert client.get("/hazards/monthly/").status_code == 200
    for i in range(12):
        h = report(cast, "village", cast.village, category, title=f"第{i}项")
        if i % 2:
            assign(cast, h, timezone.now() + timedelta(days=5))
    with django_assert_max_num_queries(len(few)):
        html = client.get("/hazards/monthly/").content.decode()
    assert figures(html)["reported"] == [13, 0]
