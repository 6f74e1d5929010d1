"""The issue's browser test: ``village`` files the day's zero report in one tap on a phone,
then reports a disaster; ``township`` sees both, the zero report on the board and the
disaster in the list; ``county`` verifies it (核报). On the demo county's grid."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from qianshao import demo
from qianshao.disasters import permissions, schedule
from qianshao.disasters.models import DisasterReport, ReportStatus, Stage, ZeroKind, ZeroReport
from qianshao.testing_browser import PHONE, assert_map_styled
from qianshao.web.tests.test_browser_phone import assert_fits_the_phone

SICHENG = "451027100"  # 泗城镇, the township of the demo users


@pytest.fixture
def demo_grid(transactional_db):
    """The demo county's grid and people (no history), after putting back what a flush of
    the previous transactional test removed."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    schedule.forget()
    return demo.build_grid()


@pytest.mark.browser
def test_village_files_zero_and_a_disaster_township_sees_both_county_verifies(
    demo_grid, new_page, log_in
):
    villager = get_user_model().objects.get(username="village")
    (village,) = permissions.filing_cells(villager)
    assert village.parent.code == SICHENG

    # the phone: the zero report in one tap, from the home tile
    phone = new_page(**PHONE)
    log_in(phone, "village", demo.PASSWORD)
    expect(phone.get_by_test_id("tile-zero")).to_contain_text("今日尚未报送")
    phone.get_by_test_id("tile-zero").tap()
    phone.wait_for_url("**/m/zero/")
    assert_fits_the_phone(phone)
    with phone.expect_navigation():
        phone.get_by_test_id("zero-none").tap()
    expect(phone.get_by_test_id("filed")).to_contain_text("无灾情")
    zero = ZeroReport.objects.get()
    assert (zero.cell_id, zero.kind, zero.day) == (village.pk, ZeroKind.NONE, schedule.today())
    assert zero.on_time == schedule.is_on_time(zero.day, zero.submitted_at)
    assert phone.get_by_test_id("zero-none").count() == 0  # one a day

    # then a disaster, 初报 from the same page
    phone.get_by_test_id("report-disaster").tap()
    phone.wait_for_url("**/disasters/new/")
    assert_fits_the_phone(phone)
    phone.get_by_label("灾害类型").select_option(label="洪涝")
    phone.get_by_label("地点").fill("村委会旁河堤")
    phone.get_by_label("受灾人口（人）").fill("36")
    phone.get_by_label("紧急转移安置（人）").fill("8")
    phone.get_by_label("一般损坏房屋（间）").fill("2")
    phone.get_by_label("情况说明").fill("河水漫过河堤，淹没农田。")
    with phone.expect_navigation():
        phone.get_by_test_id("submit-disaster").tap()
    expect(phone.get_by_test_id("status")).to_contain_text("已初报")
    disaster = DisasterReport.objects.get()
    assert (disaster.cell_id, disaster.affected, disaster.relocated) == (village.pk, 36, 8)
    assert disaster.initial_on_time  # the time it started defaults to now
    assert (disaster.reporter_id, disaster.verified_by_id) == (villager.person.pk, None)

    # the township: the village's zero report and its disaster on the board, and in the list
    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "township", demo.PASSWORD)
    desk.goto(f"/disasters/board/?cell={SICHENG}")
    board = desk.get_by_test_id("zero-board")
    expect(board.get_by_test_id("day")).to_have_text(schedule.today().isoformat())
    expect(board.locator("[data-count=received]")).to_have_text("1")
    assert_map_styled(board.locator("[data-zero-map]"))
    row = board.locator(f"tr[data-cell='{village.code}']")
    expect(row).to_have_attribute("data-status", "on_time" if zero.on_time else "late")
    expected = int(board.locator("[data-count=expected]").inner_text())
    not_in = "pending" if schedule.before_deadline(schedule.today()) else "missing"
    expect(board.locator(f"[data-count={not_in}]")).to_have_text(str(expected - 1))
    on_board = board.get_by_test_id("board-disasters").locator(f"[data-number='{disaster.number}']")
    expect(on_board).to_contain_text(village.name)
    expect(on_board).to_contain_text("已初报")
    desk.goto(f"/disasters/?cell={SICHENG}")
    listed = desk.get_by_test_id("disasters")
    expect(listed).to_contain_text(disaster.number)
    expect(listed).to_contain_text(village.name)
    expect(desk.get_by_test_id("rollup")).to_contain_text("36")
    desk.get_by_role("link", name=disaster.number).click()
    desk.wait_for_url(f"**/disasters/{disaster.number}/")
    expect(desk.get_by_test_id("step-verify")).to_have_count(1)  # the township may verify …

    # … but the county does: 核报 with its own figures
    county = new_page(viewport={"width": 1280, "height": 900})
    log_in(county, "county", demo.PASSWORD)
    county.goto(f"/disasters/{disaster.number}/")
    step = county.locator("#step-verify")
    step.get_by_label("受灾人口（人）").fill("40")
    step.get_by_label("核报意见").fill("经乡镇核实，受灾人口 40 人。")
    with county.expect_navigation():
        county.get_by_test_id("step-verify").click()
    expect(county.get_by_test_id("status")).to_contain_text("已核报")
    expect(county.get_by_test_id("versions")).to_contain_text("核报")
    expect(county.get_by_test_id("step-verify")).to_have_count(0)
    disaster.refresh_from_db()
    assert (disaster.status, disaster.affected, disaster.relocated) == (
        ReportStatus.VERIFIED,
        40,
        8,
    )
    verified = disaster.versions.order_by("seq").last()
    assert (verified.stage, verified.author.username) == (Stage.VERIFIED, "county")
    assert disaster.verified_at == verified.at <= timezone.now()

    # the village sees the verified figures on its phone
    phone.goto(f"/disasters/{disaster.number}/")
    expect(phone.get_by_test_id("status")).to_contain_text("已核报")
    assert_fits_the_phone(phone)
