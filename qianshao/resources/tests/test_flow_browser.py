"""Issue 13's "Done when", in a browser on the cast: 甲镇's dispatcher records a team and its
members, receives the 九个一's pieces at 甲镇's point (入库) and sends them to 一村's point
(调拨); 一村's 网格长 receives them (接收) and hands the whole kit to the village's emergency
officer from the village's point on the kit card page. After each step the county's
readiness view (/resources/?cell=450901) shows the change in 甲镇's row: teams and members,
the transfers in transit then not, the kits' completeness.

Screenshots of each step (desktop, and the kit card on a phone) go to /tmp/flow-shots/."""

from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from qianshao.accounts.actions import create_login
from qianshao.grid.models import Duty, Role
from qianshao.resources import actions_supplies as supplies
from qianshao.resources import demo_flow, tally
from qianshao.resources.models import Holding, KitCard, KitItem, Movement, MovementKind
from qianshao.testing import PASSWORD, appoint, build_cast
from qianshao.testing_browser import PHONE

SHOTS = Path("/tmp/flow-shots")
TOWNSHIP = "450901100"


@pytest.fixture
def world(transactional_db):
    """The cast after putting back the seeds a flush removes; the kit pieces in the catalogue
    with the standards' lines bound (as the demo does); a point at 甲镇 and at 一村; 一村's
    网格长 with a login, and its emergency officer."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.resources.migrations.0002_kits").seed_standards(apps, None)
    import_module("qianshao.resources.migrations.0005_supplies").seed(apps, None)
    cast = build_cast()
    items = demo_flow.kit_items()
    demo_flow.bind_lines(items)
    head = appoint(cast.village, Role.HEAD, name="网格长李")
    create_login(None, head, username="head", password=PASSWORD)
    officer = appoint(cast.village, Role.MEMBER, name="应急员王", duties=[Duty.EMERGENCY_OFFICER])
    store = supplies.create_point(
        None, cell=cast.township, name="甲镇储备点", manager=cast.people["township"]
    )
    point = supplies.create_point(None, cell=cast.village, name="一村储备点", manager=head)
    card = KitCard.objects.get(person=officer, standard__code="nine_ones")
    SHOTS.mkdir(exist_ok=True)
    return cast, items, store, point, card


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def township_row(page):
    """甲镇's row of the county's readiness view, freshly loaded."""
    page.goto("/resources/?cell=450901")
    return page.get_by_test_id("readiness").locator(f'tr[data-cell="{TOWNSHIP}"]')


def cells(row) -> dict[str, str]:
    """The row's figures by column (their data-label)."""
    return {
        td.get_attribute("data-label"): td.inner_text().strip()
        for td in row.locator("td[data-label]").all()
    }


@pytest.mark.browser
def test_a_team_stock_down_to_the_village_and_a_kit_issued_from_it_show_in_readiness(
    world, new_page, log_in
):
    cast, items, store, point, card = world
    by_code = {item.code: item for item in items.values()}
    pieces = [by_code[line.item_code] for line in card.standard.lines.all()]  # the 九个一's
    county = log_in(new_page(viewport={"width": 1280, "height": 900}), "county", PASSWORD)
    row = township_row(county)
    before = cells(row)
    assert (before["队伍"], before["队员人次"], before["在途"]) == ("0", "0", "0")
    assert before["装备配齐率"] == "0%"
    shot(county, "00-readiness-before")

    # 1. 甲镇 records its team and two members on the team pages
    township = log_in(new_page(viewport={"width": 1280, "height": 900}), "township", PASSWORD)
    township.goto(f"/resources/teams/new/?cell={TOWNSHIP}")
    form = township.get_by_test_id("forces-form")
    form.get_by_label("所属网格编码").fill(TOWNSHIP)
    form.get_by_label("队伍名称").fill("甲镇应急救援中队")
    form.get_by_label("队伍类型").select_option(label="综合性")
    form.get_by_label("队长姓名").fill("赵队长")
    form.get_by_label("队长手机号").fill("13900000001")
    shot(township, "01-team-new")
    with township.expect_navigation():
        form.get_by_test_id("submit").click()
    expect(township.locator("h1")).to_contain_text("甲镇应急救援中队")
    for name, phone in [("队员甲", "13900000011"), ("队员乙", "13900000012")]:
        with township.expect_navigation():
            township.get_by_test_id("member-new").click()
        form = township.get_by_test_id("forces-form")
        form.get_by_label("姓名").fill(name)
        form.get_by_label("手机号").fill(phone)
        with township.expect_navigation():
            form.get_by_test_id("submit").click()
    expect(township.get_by_test_id("members")).to_contain_text("队员乙")
    shot(township, "02-team-members")
    row = township_row(county)
    after = cells(row)
    assert after["队伍"] == "1" and int(after["队员人次"]) >= 2
    members = after["队员人次"]
    shot(county, "03-readiness-team")

    # 2. 入库 at 甲镇's point, then 调拨 to 一村's
    township.goto(f"/resources/supplies/points/{store.pk}/")
    for i, item in enumerate(pieces):
        form = township.locator("#form-receive")
        form.get_by_label("物资").select_option(item.code)
        form.get_by_label("数量").fill("3")
        if i == 0:
            shot(township, "04-receive-form")
        with township.expect_navigation():
            form.get_by_test_id("submit-receive").click()
        expect(township.get_by_test_id("holdings")).to_contain_text(item.name)
    shot(township, "05-received")
    for item in pieces:
        form = township.locator("#form-transfer")
        form.get_by_label("调入储备点").select_option(str(point.pk))
        form.get_by_label("物资").select_option(item.code)
        form.get_by_label("数量").fill("1")
        with township.expect_navigation():
            form.get_by_test_id("submit-transfer").click()
        expect(township.get_by_test_id("error")).to_have_count(0)
    assert all(Holding.objects.get(point=store, item=i).quantity == 2 for i in pieces)
    shot(township, "06-dispatched")
    row = township_row(county)
    assert cells(row)["在途"] == str(len(pieces))
    shot(county, "07-readiness-in-transit")

    # 3. 一村's 网格长 receives them
    head = log_in(new_page(viewport={"width": 1280, "height": 900}), "head", PASSWORD)
    head.goto("/resources/supplies/transfers/")
    expect(head.get_by_test_id("transfers")).to_contain_text("雨衣 1件")
    shot(head, "08-transfers")
    for _item in pieces:
        head.goto("/resources/supplies/transfers/")
        with head.expect_navigation():
            head.get_by_test_id("transfers").locator('[data-testid^="receive-"]').first.click()
        expect(head.get_by_test_id("status")).to_have_text("已接收")
    shot(head, "08b-transfer-received")
    head.goto("/resources/supplies/transfers/")
    expect(head.get_by_test_id("transfers").locator('[data-testid^="receive-"]')).to_have_count(0)
    assert all(Holding.objects.get(point=point, item=i).quantity == 1 for i in pieces)
    row = township_row(county)
    assert cells(row)["在途"] == "0"
    shot(county, "09-readiness-received")

    # 4. … and hands the 九个一 to the emergency officer from the village's point
    head.goto(f"/resources/kits/cards/{card.pk}/")
    expect(head.get_by_test_id("kit-status")).to_contain_text("缺 9 件")
    form = head.get_by_test_id("issue")
    form.get_by_label("出库储备点").select_option(label="一村储备点")
    shot(head, "10-kit-card")
    with head.expect_navigation():
        head.get_by_test_id("issue-whole").click()
    expect(head.get_by_test_id("kit-status")).to_contain_text("已配齐")
    expect(head.get_by_test_id("kit-lines")).to_contain_text("出自一村储备点")
    shot(head, "11-kit-issued")
    assert KitItem.objects.filter(card=card).count() == 9
    movement = Movement.objects.get(kind=MovementKind.ISSUE)
    assert movement.purpose == "装备发放：应急员王"
    assert all(Holding.objects.get(point=point, item=i).quantity == 0 for i in pieces)
    row = township_row(county)
    final = cells(row)
    assert final["装备配齐率"] == "100%"
    assert (final["队伍"], final["队员人次"], final["在途"]) == ("1", members, "0")
    shot(county, "12-readiness-after")

    phone = log_in(new_page(**PHONE), "head", PASSWORD)
    phone.goto(f"/resources/kits/cards/{card.pk}/")
    shot(phone, "13-kit-card-phone")
    phone.goto(f"/resources/supplies/points/{point.pk}/")
    shot(phone, "14-point-phone")
    county_phone = log_in(new_page(**PHONE), "county", PASSWORD)
    row = township_row(county_phone)
    expect(row.locator('td[data-testid="kits"]')).to_have_text("100%")
    shot(county_phone, "15-readiness-phone")
    assert tally.matches()
