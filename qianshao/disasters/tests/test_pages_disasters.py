"""The pages of 灾情报送: the phone's zero report in one tap (on time or late by the rule's
deadline, never twice), the board of a day with its counts and each child's status, a cell's
calendar and the correction of a report; a disaster's 初报 form, its page with the forms its
viewer may use, and each step through them. A refusal answers 4xx naming the field and
writes nothing."""

import re
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.disasters import actions, views_disasters
from qianshao.disasters.models import (
    DayTally,
    DisasterReport,
    Photo,
    ReliefApplication,
    ReliefStatus,
    ReportingRule,
    ReportStatus,
    Stage,
    Version,
    ZeroKind,
    ZeroReport,
)
from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import CellKind, Role
from qianshao.hazards.tests.conftest import jpeg
from qianshao.intake.models import Submission
from qianshao.testing import START, appoint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)  # before the 16:00 deadline
YICUN, ERCUN, SANCUN = "450901100201", "450901100202", "450901101201"


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def logged_in(user) -> Client:
    """A client of its own per user: several take turns within one test here."""
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


def login(cell, role, username):
    person = appoint(cell, role, name=f"{username}人")
    return create_login(None, person, username=username, password="cast-password-2")


@pytest.fixture
def ercun_member(cast):
    return login(cast.cell(ERCUN), Role.MEMBER, "ercun-member")


@pytest.fixture
def township_head(cast):
    """甲镇's 网格长: a second managing post at the township."""
    return login(cast.township, Role.HEAD, "jiazhen-head")


def written() -> tuple:
    """Everything a page here could write."""
    return (
        list(ZeroReport.objects.order_by("pk").values_list("pk", "kind", "corrected_at")),
        list(DayTally.objects.order_by("pk").values_list("pk", "n", "on_time")),
        list(DisasterReport.objects.order_by("pk").values_list("pk", "status", "affected")),
        Version.objects.count(),
        Photo.objects.count(),
        list(ReliefApplication.objects.order_by("pk").values_list("pk", "status")),
        AuditRecord.objects.count(),
        Submission.objects.count(),
    )


def html(response) -> str:
    return response.content.decode()


def error_box(response) -> str:
    found = re.search(r'data-testid="error">(.*?)</div>', html(response), re.S)
    assert found, "no error shown"
    return found.group(1)


def count(response, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', html(response)).group(1))


def statuses(response) -> dict:
    """Each child row of the board: its code → its data-status."""
    rows = re.findall(r'<tr data-cell="(\d+)" data-status="(\w*)">', html(response))
    return dict(rows)


def map_features(response) -> list[dict]:
    """The board map's features, as the page gives them to the script."""
    found = response.context["map_data"]["features"]
    assert found, "the cast's cells have boundaries: the map has shapes"
    return found


def options(response) -> list[str]:
    select = html(response).split('name="cell"')[1].split("</select>")[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def tap(client, cell=YICUN, key=None, **extra):
    data = {"client_uuid": key or uuid.uuid4(), "cell": cell, "kind": "none"} | extra
    return client.post("/m/zero/file/", data)


# --- the phone's zero report ------------------------------------------------------------


def test_the_phone_page_lists_each_reporting_cell_of_the_user_with_a_one_tap_form(cast, clock):
    # the village member also holds a post in 二村
    grid_actions.assign_role(
        None,
        person=cast.people["village"],
        cell=cast.cell(ERCUN),
        role=Role.INFORMANT,
        start=START,
        notify=False,
    )
    response = logged_in(cast.users["village"]).get("/m/zero/")
    assert response.status_code == 200
    page = html(response)
    assert re.findall(r'<section class="card" data-cell="(\d+)">', page) == [YICUN, ERCUN]
    assert page.count('data-testid="zero-none"') == 2
    assert "每日零报告须在16:00前报送" in page
    assert 'data-testid="filed"' not in page


@pytest.mark.parametrize("username", ["township", "county", "department", "outsider"])
def test_the_phone_page_offers_nothing_to_file_to_those_without_a_reporting_post(
    cast, clock, username
):
    actions.file_zero(cast.users["village"], cell=cast.village)
    page = html(logged_in(cast.users[username]).get("/m/zero/"))
    assert "您没有需要报送零报告的网格" in page
    assert "data-cell=" not in page and "一村" not in page


def test_one_tap_before_the_deadline_files_the_report_on_time(cast, clock):
    client = logged_in(cast.users["village"])
    response = tap(client)
    assert response.status_code == 302 and response.url == "/m/zero/"
    z = ZeroReport.objects.get()
    assert (z.cell, z.kind, z.on_time, z.reported_by) == (
        cast.village,
        ZeroKind.NONE,
        True,
        cast.users["village"],
    )
    page = html(client.get("/m/zero/"))
    assert "已按时报送" in page and "迟报" not in page
    assert "一村 今日零报告已报送" in page
    assert 'data-testid="zero-none"' not in page


def test_a_tap_after_the_deadline_is_shown_late(cast, clock):
    clock.move_to(MORNING.replace(hour=16, minute=1))
    client = logged_in(cast.users["village"])
    assert tap(client).status_code == 302
    assert ZeroReport.objects.get().on_time is False
    page = html(client.get("/m/zero/"))
    assert "已报送（迟报）" in page and "已按时报送" not in page


def test_the_deadline_is_the_rules(cast, clock, ercun_member):
    ReportingRule.objects.create(deadline=time(10, 0))
    clock.move_to(MORNING.replace(hour=9, minute=59))
    village = logged_in(cast.users["village"])
    assert "每日零报告须在10:00前报送" in html(village.get("/m/zero/"))
    assert tap(village).status_code == 302
    clock.move_to(MORNING.replace(hour=10, minute=1))
    ercun = logged_in(ercun_member)
    assert tap(ercun, ERCUN).status_code == 302
    assert "已按时报送" in html(village.get("/m/zero/"))
    assert "已报送（迟报）" in html(ercun.get("/m/zero/"))


def test_posting_the_same_form_again_does_not_file_twice(cast, clock):
    client = logged_in(cast.users["village"])
    key = uuid.uuid4()
    assert tap(client, key=key).status_code == 302
    before = written()
    clock.shift(timedelta(minutes=2))
    again = tap(client, key=key)
    assert again.status_code == 302 and again.url == "/m/zero/"
    assert written() == before
    assert ZeroReport.objects.count() == 1
    assert DayTally.objects.get(path=cast.county.path).n == 1


def test_a_second_form_for_a_cell_already_reported_is_a_409_naming_the_first(cast, clock):
    client = logged_in(cast.users["village"])
    assert tap(client).status_code == 302
    before = written()
    response = tap(client)  # another page, another client_uuid
    assert response.status_code == 409
    assert "village人" in error_box(response) and "09:00" in error_box(response)
    assert written() == before


def test_a_tap_may_point_at_the_cells_disaster(cast, clock, disaster_in):
    flood = disaster_in()
    client = logged_in(cast.users["village"])
    page = html(client.get("/m/zero/"))
    assert f'<option value="{flood.number}">' in page
    before = written()
    response = tap(client, kind="disaster", disaster="ZQ20260701ABCDEF")
    assert response.status_code == 400
    assert "灾情报告" in error_box(response)
    assert written() == before
    assert tap(client, kind="disaster", disaster=flood.number).status_code == 302
    z = ZeroReport.objects.get()
    assert (z.kind, z.disaster) == (ZeroKind.DISASTER, flood)
    assert flood.number in html(client.get("/m/zero/"))


@pytest.mark.parametrize(
    ("username", "cell", "status"),
    [("village", ERCUN, 404), ("village", "450902100201", 404), ("township", YICUN, 403)],
)
def test_a_tap_for_a_cell_that_is_not_the_users_to_file_writes_nothing(
    cast, clock, username, cell, status
):
    before = written()
    response = tap(logged_in(cast.users[username]), cell)
    assert response.status_code == status
    if status == 403:
        assert "信息员或网格员" in error_box(response)
    assert written() == before


@pytest.mark.parametrize(
    "data",
    [{"cell": YICUN, "kind": "none"}, {"client_uuid": "x", "cell": YICUN, "kind": "none"}],
)
def test_a_form_without_its_client_uuid_is_a_400(cast, clock, data):
    before = written()
    response = logged_in(cast.users["village"]).post("/m/zero/file/", data)
    assert response.status_code == 400
    assert "请刷新页面" in error_box(response)
    assert written() == before


# --- the board --------------------------------------------------------------------------


@pytest.fixture
def reported(cast, clock, ercun_member):
    """Today: 一村 on time (09:00), 二村 late (17:00), 三村 not at all; yesterday 一村 only,
    late. The clock stands at 17:30."""
    actions.file_zero(cast.users["village"], cell=cast.village)
    clock.move_to(MORNING.replace(hour=17))
    actions.file_zero(ercun_member, cell=cast.cell(ERCUN))
    yesterday = MORNING.date() - timedelta(days=1)
    actions.file_zero(cast.users["village"], cell=cast.village, day=yesterday)
    clock.move_to(MORNING.replace(hour=17, minute=30))


def test_the_board_of_a_township_shows_its_counts_and_each_villages_status(cast, reported):
    response = logged_in(cast.users["township"]).get("/disasters/board/?cell=450901100")
    assert response.status_code == 200
    assert [count(response, n) for n in ["expected", "received", "on_time", "late", "missing"]] == [
        2,
        2,
        1,
        1,
        0,
    ]
    assert statuses(response) == {YICUN: "on_time", ERCUN: "late"}
    assert 'data-testid="day">2026-07-01<' in html(response)
    assert "截止</span>" not in html(response)  # (the label and time are one span)
    assert '<span class="muted">截止 16:00</span>' in html(response)


def test_before_the_deadline_a_village_not_in_yet_is_pending_not_missing(cast, clock):
    """At 09:00 二村 has not reported: it is 待报 (grey), not 未报, until 16:00 passes;
    the calendar says the same of today."""
    actions.file_zero(cast.users["village"], cell=cast.village)
    client = logged_in(cast.users["township"])
    morning = client.get("/disasters/board/?cell=450901100")
    assert statuses(morning) == {YICUN: "on_time", ERCUN: "pending"}
    assert [count(morning, n) for n in ["received", "missing", "pending"]] == [1, 0, 1]
    assert all(f["properties"]["pending"] for f in map_features(morning))
    calendar = html(client.get(f"/disasters/calendar/?cell={ERCUN}"))
    assert 'data-day="2026-07-01" class="zr-pending"' in calendar
    clock.move_to(MORNING.replace(hour=16, minute=0, second=1))
    evening = client.get("/disasters/board/?cell=450901100")
    assert statuses(evening) == {YICUN: "on_time", ERCUN: "missing"}
    assert count(evening, "missing") == 1 and 'data-count="pending"' not in html(evening)
    assert not any(f["properties"]["pending"] for f in map_features(evening))
    calendar = html(client.get(f"/disasters/calendar/?cell={ERCUN}"))
    assert 'data-day="2026-07-01" class="zr-missing"' in calendar


def test_the_board_of_the_county_rolls_up_and_drills_down(cast, reported):
    client = logged_in(cast.users["county"])
    response = client.get("/disasters/board/")  # the county's own cell by default
    assert [count(response, n) for n in ["expected", "received", "on_time", "late", "missing"]] == [
        3,
        2,
        1,
        1,
        1,
    ]
    assert statuses(response) == {"450901100": "", "450901101": ""}
    row = html(response).split('data-cell="450901101"')[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["1", "0", "0", "1"]  # 乙镇: one missing
    down = client.get("/disasters/board/?cell=450901101")
    assert statuses(down) == {SANCUN: "missing"}
    assert count(down, "missing") == 1
    assert '<a href="?cell=450901&amp;day=2026-07-01">A县</a>' in html(down)


def test_the_board_moves_from_day_to_day(cast, reported):
    client = logged_in(cast.users["township"])
    yesterday = client.get("/disasters/board/?cell=450901100&day=2026-06-30")
    page = html(yesterday)
    assert 'data-testid="day">2026-06-30<' in page
    assert [count(yesterday, n) for n in ["received", "on_time", "late", "missing"]] == [1, 0, 1, 1]
    assert statuses(yesterday) == {YICUN: "late", ERCUN: "missing"}
    assert "?cell=450901100&amp;day=2026-06-29" in page
    assert "?cell=450901100&amp;day=2026-07-01" in page
    assert "每 30 秒自动刷新" not in page, "a past day does not refresh"

    today = html(client.get("/disasters/board/?cell=450901100"))
    assert "后一天" not in today and "2026-07-02" not in today
    assert "每 30 秒自动刷新" in today


@pytest.mark.parametrize(
    "day, says",
    [
        ("2026-08-01", "报告日不能晚于今天"),
        ("yesterday", "报告日应写作 YYYY-MM-DD"),
        ("0001-01-01", "报告日不能早于 2000 年"),
        ("2026-02-30", "不是有效的日期"),
    ],
)
def test_a_board_day_that_cannot_be_shown_is_refused_naming_it(cast, reported, day, says):
    response = logged_in(cast.users["township"]).get(f"/disasters/board/?cell=450901100&day={day}")
    assert response.status_code == 400
    assert says in html(response) and 'data-field="day"' in html(response)


@pytest.mark.parametrize(
    "month, says",
    [
        ("June", "报送月份应写作 YYYY-MM"),
        ("2026-13", "报送月份的月应在 01 到 12 之间"),
        ("0001-01", "报送月份不能早于 2000 年"),
        ("9999-12", "报送月份不能晚于本月"),
        ("2026-08", "报送月份不能晚于本月"),
    ],
)
def test_a_calendar_month_that_cannot_be_shown_is_refused_naming_it(cast, reported, month, says):
    response = logged_in(cast.users["township"]).get(
        f"/disasters/calendar/?cell=450901100&month={month}"
    )
    assert response.status_code == 400
    assert says in html(response) and 'data-field="month"' in html(response)


def test_the_board_refreshes_as_a_partial_for_htmx(cast, reported):
    response = logged_in(cast.users["township"]).get(
        "/disasters/board/?cell=450901100", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in html(response)
    assert count(response, "received") == 2


def test_the_board_of_a_cell_out_of_sight_is_a_404(cast, reported):
    assert logged_in(cast.users["township"]).get("/disasters/board/?cell=450901").status_code == 404
    assert (
        logged_in(cast.users["village"]).get(f"/disasters/board/?cell={ERCUN}").status_code == 404
    )


def test_the_board_reads_a_fixed_number_of_queries(cast, reported):
    client = logged_in(cast.users["county"])
    client.get("/disasters/board/?cell=450901100")
    with CaptureQueriesContext(connection) as few:
        client.get("/disasters/board/?cell=450901100")
    more = [
        CellRow(f"4509011002{i:02d}", f"{i}号村", CellKind.VILLAGE, "450901100", {})
        for i in range(3, 9)
    ]
    grid_actions.create_cells(None, more, source="test")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/disasters/board/?cell=450901100")
    assert count(response, "expected") == 8
    assert len(many) == len(few)


# --- the calendar and corrections -------------------------------------------------------


def test_a_villages_calendar_shows_each_days_report(cast, reported):
    response = logged_in(cast.users["village"]).get(f"/disasters/calendar/?cell={YICUN}")
    assert response.status_code == 200
    page = html(response)
    day = {
        d: cls for d, cls in re.findall(r'<td data-day="(2026-07-\d\d)" class="([\w-]*)">', page)
    }
    assert day["2026-07-01"] == "zr-on_time"
    assert day["2026-07-02"] == "", "a day to come is neither reported nor missing"
    previous = html(
        logged_in(cast.users["village"]).get(f"/disasters/calendar/?cell={YICUN}&month=2026-06")
    )
    june = dict(re.findall(r'<td data-day="(2026-06-\d\d)" class="([\w-]*)">', previous))
    assert june["2026-06-30"] == "zr-late"
    assert june["2026-06-29"] == "zr-missing"
    assert previous.count("<details data-report=") == 1


def test_a_townships_calendar_shows_received_against_expected(cast, reported):
    client = logged_in(cast.users["township"])
    page = html(client.get("/disasters/calendar/?cell=450901100&month=2026-06"))
    assert "应报 60，已报 1（按时 0，迟报 1），未报 59" in page
    assert ">1/2</a>" in page and "迟 1" in page
    assert "更正零报告" not in page
    assert client.get("/disasters/calendar/?cell=450901").status_code == 404


def correct_url(z) -> str:
    return f"/disasters/zero/{z.pk}/correct/?cell={z.cell.code}&month={z.day:%Y-%m}"


def test_a_report_is_corrected_from_the_calendar_with_a_reason(cast, clock, disaster_in):
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    flood = disaster_in()
    client = logged_in(cast.users["village"])
    data = {"client_uuid": uuid.uuid4(), "kind": "disaster", "disaster": flood.number.lower()}
    before = written()
    response = client.post(correct_url(z), data)
    assert response.status_code == 400
    assert "更正原因" in error_box(response)  # the field named
    assert 'data-testid="calendar"' in html(response)
    response = client.post(correct_url(z), data | {"reason": "   "})
    assert response.status_code == 400
    assert written() == before

    response = client.post(correct_url(z), data | {"reason": "漏报了山洪"})
    assert response.status_code == 302
    assert response.url == f"/disasters/calendar/?cell={YICUN}&month=2026-07"
    z.refresh_from_db()
    assert (z.kind, z.disaster, z.on_time) == (ZeroKind.DISASTER, flood, True)
    assert AuditRecord.objects.get(action="disasters.correct_zero").note == "漏报了山洪"
    assert "已更正" in html(client.get(response.url))


def test_a_correction_naming_an_unknown_disaster_or_changing_nothing_is_refused(cast, clock):
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    client = logged_in(cast.users["township"])  # the level above may correct
    before = written()
    data = {"client_uuid": uuid.uuid4(), "kind": "disaster", "reason": "核实"}
    response = client.post(correct_url(z), data | {"disaster": "ZQ20260701ABCDEF"})
    assert response.status_code == 404
    assert "ZQ20260701ABCDEF" in error_box(response)
    response = client.post(correct_url(z), data | {"kind": "none", "client_uuid": uuid.uuid4()})
    assert response.status_code == 409
    assert "相同" in error_box(response)
    assert written() == before


# --- the 初报 form ----------------------------------------------------------------------


def report_form(cell, **extra) -> dict:
    started = timezone.localtime() - timedelta(minutes=40)
    return {
        "client_uuid": uuid.uuid4(),
        "type": "flood",
        "started_at": started.strftime("%Y-%m-%dT%H:%M"),
        "cell": cell.pk,
        "place": "一村 3 组",
        "affected": "12",
        "relocated": "4",
        "crops_affected_ha": "2.50",
        "note": "山洪冲毁道路",
    } | extra


def test_the_form_offers_the_cells_the_user_may_report_in(cast, clock):
    assert [
        o.split("（")[0] for o in options(logged_in(cast.users["village"]).get("/disasters/new/"))
    ] == ["一村"]
    township = options(logged_in(cast.users["township"]).get("/disasters/new/"))
    assert [o.split("（")[0] for o in township] == ["甲镇", "一村", "二村"]
    outsider = options(logged_in(cast.users["outsider"]).get("/disasters/new/"))
    assert outsider and not any("450901" in o for o in outsider)
    assert options(logged_in(cast.users["department"]).get("/disasters/new/")) == []


def test_a_valid_report_redirects_to_its_page_with_its_photo(cast, clock):
    client = logged_in(cast.users["village"])
    data = report_form(cast.village, photos=[SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")])
    response = client.post("/disasters/new/", data)
    assert response.status_code == 302, html(response)[-2000:]
    d = DisasterReport.objects.get()
    assert response.url == f"/disasters/{d.number}/"
    assert (d.cell, d.affected, d.relocated, str(d.crops_affected_ha)) == (
        cast.village,
        12,
        4,
        "2.50",
    )
    assert (d.status, d.initial_on_time, d.reported_by) == (
        ReportStatus.REPORTED,
        True,
        cast.users["village"],
    )
    assert Photo.objects.get().version == d.versions.get()
    page = html(client.get(response.url))
    assert f"灾情已初报，编号 {d.number}" in page
    photo_url = f"/disasters/photos/{Photo.objects.get().token}.jpg"
    assert "山洪冲毁道路" in page and f'src="{photo_url}"' in page
    shown = client.get(photo_url)
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(shown.streaming_content)[:2] == b"\xff\xd8"
    assert logged_in(cast.users["outsider"]).get(photo_url).status_code == 404

    before = written()
    again = client.post("/disasters/new/", data | {"photos": []})  # the same form again
    assert again.status_code == 302 and again.url == response.url
    assert written() == before


@pytest.mark.parametrize(
    ("username", "code"),
    [("village", ERCUN), ("village", "450902100201"), ("township", SANCUN), ("department", YICUN)],
)
def test_a_cell_outside_the_users_reach_is_refused_on_the_cell_field(cast, clock, username, code):
    before = written()
    response = logged_in(cast.users[username]).post("/disasters/new/", report_form(cast.cell(code)))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["cell"]
    assert 'data-testid="error"' in html(response)
    assert written() == before


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"dead": "-1"}, "dead", "0"),
        ({"economic_loss": "lots"}, "economic_loss", "数"),
        ({"crops_lost_ha": "1.234"}, "crops_lost_ha", "2"),
        ({"dead": "13"}, "dead", "因灾死亡"),
        ({"crops_damaged_ha": "3"}, "crops_damaged_ha", "农作物成灾面积"),
        ({"type": "volcano"}, "type", "volcano"),
        ({"started_at": ""}, "started_at", "必填"),
    ],
)
def test_a_bad_figure_is_refused_on_its_field(cast, clock, change, field, words):
    before = written()
    response = logged_in(cast.users["village"]).post(
        "/disasters/new/", report_form(cast.village, **change)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert words in " ".join(errors[field])
    assert written() == before


def test_a_start_in_the_future_is_refused_on_its_field(cast, clock):
    later = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    before = written()
    response = logged_in(cast.users["village"]).post(
        "/disasters/new/", report_form(cast.village, started_at=later)
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["started_at"]
    assert written() == before


def test_a_cell_beyond_those_listed_is_still_accepted(cast, clock, monkeypatch):
    monkeypatch.setattr(views_disasters, "MAX_CELLS", 1)
    client = logged_in(cast.users["township"])
    assert [o.split("（")[0] for o in options(client.get("/disasters/new/"))] == ["甲镇"]
    response = client.post("/disasters/new/", report_form(cast.cell(ERCUN)))
    assert response.status_code == 302, html(response)[-2000:]
    assert DisasterReport.objects.get().cell == cast.cell(ERCUN)
    before = written()
    response = client.post("/disasters/new/", report_form(cast.cell(SANCUN)))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["cell"]
    assert written() == before


# --- a disaster's page ------------------------------------------------------------------


def steps_shown(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r'<form [^>]*id="step-([\w-]+)"', html(response)))


def decide_forms(response) -> int:
    return html(response).count("/decide/")


@pytest.mark.parametrize(
    ("username", "steps"),
    [
        ("village", {"follow-up", "relief"}),  # the reporter does not verify
        ("township", {"follow-up", "relief", "verify"}),
        ("county", {"follow-up", "relief", "verify"}),
        ("department", set()),  # sees, may do nothing
    ],
)
def test_the_page_shows_the_forms_its_viewer_may_use(cast, clock, disaster_in, username, steps):
    d = disaster_in()
    assert steps_shown(logged_in(cast.users[username]).get(f"/disasters/{d.number}/")) == steps


def test_a_reporter_above_the_cell_is_not_offered_the_verification(cast, clock, disaster_in):
    d = disaster_in(cast.cell(ERCUN), by="township")
    page = f"/disasters/{d.number}/"
    assert steps_shown(logged_in(cast.users["township"]).get(page)) == {"follow-up", "relief"}
    assert "verify" in steps_shown(logged_in(cast.users["county"]).get(page))
    actions.follow_up(cast.users["county"], d, figures={"affected": 12})
    assert "verify" not in steps_shown(logged_in(cast.users["county"]).get(page))


def test_a_verified_disaster_offers_no_steps(cast, clock, disaster_in):
    d = actions.verify(cast.users["county"], disaster_in())
    for username in ["village", "township", "county"]:
        page = logged_in(cast.users[username]).get(f"/disasters/{d.number}/")
        assert steps_shown(page) == set()
        assert 'data-testid="steps"' not in html(page)
    assert "已核报" in html(page)


def test_the_relief_decision_is_offered_to_no_applicant_and_no_author_of_the_figures(
    cast, clock, disaster_in, township_head
):
    d = disaster_in()  # by the village
    actions.follow_up(cast.users["county"], d, figures={"affected": 11})
    actions.apply_relief(cast.users["township"], d, kind="living", households=1, people=3, amount=1)
    page = f"/disasters/{d.number}/"
    assert decide_forms(logged_in(cast.users["township"]).get(page)) == 0  # applied
    assert decide_forms(logged_in(cast.users["county"]).get(page)) == 0  # followed up
    assert decide_forms(logged_in(cast.users["village"]).get(page)) == 0  # not above
    assert decide_forms(logged_in(township_head).get(page)) == 1
    actions.verify(township_head, d)  # a 核报 author may still decide
    assert decide_forms(logged_in(township_head).get(page)) == 1
    assert decide_forms(logged_in(cast.users["admin"]).get(page)) == 1


def test_the_page_shows_the_versions_side_by_side(cast, clock, disaster_in):
    d = disaster_in(affected=10, note="初报说明")
    clock.shift(timedelta(hours=1))
    actions.follow_up(cast.users["township"], d, figures={"affected": 25}, note="续报说明")
    actions.verify(cast.users["county"], d, figures={"affected": 24}, note="核报意见")
    page = html(logged_in(cast.users["village"]).get(f"/disasters/{d.number}/"))
    assert re.findall(r'data-stage="(\w+)"', page) == ["initial", "follow_up", "verified"]
    row = page.split("受灾人口（人）</td>")[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["10", "25", "24"]
    assert page.index("初报说明") < page.index("续报说明") < page.index("核报意见")


# --- steps through the forms ------------------------------------------------------------


def step(client, d, name, data=None, key=None):
    data = {"client_uuid": key or uuid.uuid4(), **(data or {})}
    return client.post(f"/disasters/{d.number}/{name}/", data)


def test_a_follow_up_through_the_form_adds_a_version_once(cast, clock, disaster_in):
    d = disaster_in(affected=10)
    client = logged_in(cast.users["village"])
    key = uuid.uuid4()
    photo = SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")
    data = {"affected": "20", "dead": "1", "note": "水位上涨", "photos": [photo]}
    response = step(client, d, "follow-up", data, key)
    assert response.status_code == 302 and response.url == f"/disasters/{d.number}/"
    d.refresh_from_db()
    assert (d.status, d.affected, d.dead, d.versions_count) == (ReportStatus.FOLLOWING, 20, 1, 2)
    assert Version.objects.get(report=d, seq=2).photos.count() == 1
    before = written()
    assert step(client, d, "follow-up", data | {"photos": []}, key).status_code == 302
    assert written() == before


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"affected": "5", "dead": "6"}, "dead", "因灾死亡"),
        ({"affected": "-5"}, "affected", "0"),
        ({"economic_loss": "1.001"}, "economic_loss", "2"),
    ],
)
def test_a_bad_follow_up_is_refused_on_its_field(cast, clock, disaster_in, data, field, words):
    d = disaster_in()
    before = written()
    response = step(logged_in(cast.users["village"]), d, "follow-up", data)
    assert response.status_code == 400
    form = response.context["forms"]["follow-up"]
    assert list(form.errors) == [field]
    assert words in " ".join(form.errors[field])
    assert 'data-testid="error"' in html(response)
    assert written() == before


def test_a_verification_through_the_form_is_by_the_level_above_and_once(
    cast, clock, disaster_in, township_head
):
    d = disaster_in(affected=10)
    before = written()
    mine = step(logged_in(cast.users["village"]), d, "verify", {"affected": "10"})
    assert mine.status_code == 403
    assert "上级" in error_box(mine)
    assert written() == before

    response = step(logged_in(cast.users["township"]), d, "verify", {"affected": "9", "note": "核"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.affected, d.verified_by) == (
        ReportStatus.VERIFIED,
        9,
        cast.users["township"],
    )
    before = written()
    again = step(logged_in(township_head), d, "verify", {"affected": "9"})
    assert again.status_code == 409
    assert "已核报" in error_box(again)
    late = step(logged_in(cast.users["village"]), d, "follow-up", {"affected": "30"})
    assert late.status_code == 409
    assert written() == before


def test_the_reporter_may_not_verify_even_from_above(cast, clock, disaster_in):
    d = disaster_in(cast.cell(ERCUN), by="township")
    before = written()
    response = step(logged_in(cast.users["township"]), d, "verify", {"affected": "10"})
    assert response.status_code == 403
    assert "核报人不能是报告人" in error_box(response)
    assert written() == before


def test_relief_is_applied_for_and_decided_through_the_forms(cast, clock, disaster_in):
    d = disaster_in()
    village = logged_in(cast.users["village"])
    data = {"kind": "living", "households": "2", "people": "7", "amount": "0.80", "note": "急需"}
    response = step(village, d, "relief", data)
    assert response.status_code == 302
    r = ReliefApplication.objects.get()
    assert (r.kind, r.households, r.people, str(r.amount)) == ("living", 2, 7, "0.80")

    before = written()
    bad = step(village, d, "relief", data | {"households": "8"})
    assert bad.status_code == 400
    assert list(bad.context["forms"]["relief"].errors) == ["households"]
    bad = step(village, d, "relief", data | {"amount": "-1"})
    assert bad.status_code == 400
    assert list(bad.context["forms"]["relief"].errors) == ["amount"]
    assert written() == before

    decide = f"/disasters/relief/{r.pk}/decide/"
    county = logged_in(cast.users["county"])
    no_choice = county.post(decide, {"client_uuid": uuid.uuid4()}, follow=True)
    assert "请选择批准或不批准" in html(no_choice)
    rejected = county.post(decide, {"client_uuid": uuid.uuid4(), "approve": "0"})
    assert rejected.status_code == 400
    assert "不能为空" in error_box(rejected)
    assert written() == before

    response = county.post(decide, {"client_uuid": uuid.uuid4(), "approve": "1", "note": "同意"})
    assert response.status_code == 302 and response.url == f"/disasters/{d.number}/"
    r.refresh_from_db()
    assert (r.status, r.decided_by, r.decision_note) == (
        ReliefStatus.APPROVED,
        cast.users["county"],
        "同意",
    )
    before = written()
    twice = logged_in(cast.users["township"]).post(
        decide, {"client_uuid": uuid.uuid4(), "approve": "0", "note": "不同意"}
    )
    assert twice.status_code == 409
    assert "已审批" in error_box(twice)
    assert written() == before


def test_the_applicant_may_not_decide_through_the_form(cast, clock, disaster_in):
    d = disaster_in()
    r = actions.apply_relief(
        cast.users["township"], d, kind="living", households=1, people=2, amount=1
    )
    before = written()
    response = logged_in(cast.users["township"]).post(
        f"/disasters/relief/{r.pk}/decide/", {"client_uuid": uuid.uuid4(), "approve": "1"}
    )
    assert response.status_code == 403
    assert "审批人不能是申报人" in error_box(response)
    assert written() == before
    assert ReliefApplication.objects.get().status == ReliefStatus.SUBMITTED


def test_an_unknown_step_is_a_404_and_a_step_is_a_post(cast, clock, disaster_in):
    d = disaster_in()
    client = logged_in(cast.users["township"])
    assert step(client, d, "close").status_code == 404
    assert client.get(f"/disasters/{d.number}/verify/").status_code == 405
    assert d.versions.filter(stage=Stage.VERIFIED).count() == 0


def test_each_step_says_what_it_did(cast, clock, disaster_in):
    d = disaster_in(affected=10)
    village = logged_in(cast.users["village"])
    done = village.post(
        f"/disasters/{d.number}/follow-up/",
        {"client_uuid": uuid.uuid4(), "affected": "20", "note": "水位上涨"},
        follow=True,
    )
    assert f"已续报：{d.number}" in html(done)
    relief = {"kind": "living", "households": "2", "people": "7", "amount": "0.80"}
    done = village.post(
        f"/disasters/{d.number}/relief/", {"client_uuid": uuid.uuid4(), **relief}, follow=True
    )
    assert f"救助申报已提交，待上级审批：{d.number}" in html(done)
    county = logged_in(cast.users["county"])
    r = ReliefApplication.objects.get()
    done = county.post(
        f"/disasters/relief/{r.pk}/decide/",
        {"client_uuid": uuid.uuid4(), "approve": "1", "note": "同意"},
        follow=True,
    )
    assert "救助申报已审批：已批准" in html(done)
    done = county.post(
        f"/disasters/{d.number}/verify/",
        {"client_uuid": uuid.uuid4(), "note": "经县核实"},
        follow=True,
    )
    assert f"已核报：{d.number}" in html(done)


def test_the_relief_decision_names_its_fields(cast, clock, disaster_in):
    d = disaster_in()
    step(
        logged_in(cast.users["village"]),
        d,
        "relief",
        {"kind": "living", "households": "2", "people": "7", "amount": "0.80"},
    )
    r = ReliefApplication.objects.get()
    page = html(logged_in(cast.users["county"]).get(f"/disasters/{d.number}/"))
    assert f'<label class="sr-only" for="decide-{r.pk}-note">审批意见</label>' in page
    assert f'<label class="sr-only" for="decide-{r.pk}-approve">审批</label>' in page
    assert 'placeholder="审批意见（不批准时必填）"' in page
