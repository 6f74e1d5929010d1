"""Browser, on the phone: the village member opens today's route, checks in 正常 at the first
point (the phone's position filled in by the page), then 发现隐患 at the second — the hazard
report opens prefilled from the point with the patrol's photo, is reported, and the patrol
links the hazard."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from qianshao.hazards.models import Hazard
from qianshao.risks.models import Patrol
from qianshao.risks.tests.patrols_helpers import jpeg, patrolled_point
from qianshao.testing import PASSWORD, build_cast
from qianshao.testing_browser import PHONE, assert_map_styled


@pytest.fixture
def small_cast(transactional_db):
    """The small cast, after putting back the seeds a flush removes (domains, risk kinds)."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.risks.migrations.0001_initial").seed(apps, None)
    return build_cast()


@pytest.mark.browser
def test_a_member_walks_the_route_and_reports_a_hazard_found_on_patrol(
    small_cast, new_page, log_in
):
    first = patrolled_point(small_cast, name="加油站")
    second = patrolled_point(
        small_cast, name="后山挡墙", geometry={"type": "Point", "coordinates": [106.12, 24.1]}
    )
    # due earlier today, the first more overdue (within one interval: nothing missed yet)
    now = timezone.now()
    type(first).objects.filter(pk=first.pk).update(next_due_at=now - timedelta(hours=3))
    type(second).objects.filter(pk=second.pk).update(next_due_at=now - timedelta(hours=1))
    phone = new_page(
        **PHONE, geolocation={"longitude": 106.1, "latitude": 24.1}, permissions=["geolocation"]
    )
    log_in(phone, "village", PASSWORD)
    phone.goto("/risks/patrols/today/")
    assert_map_styled(phone.get_by_test_id("route-map"))
    route = phone.get_by_test_id("route")
    expect(route.locator("li")).to_have_count(2)
    expect(route.locator("li").first).to_contain_text("加油站")

    phone.get_by_test_id(f"checkin-{first.pk}").click()
    phone.wait_for_url(f"**/risks/points/{first.pk}/checkin/")
    expect(phone.locator("[data-locate-status]")).to_have_attribute("data-located", "1")
    phone.get_by_label("正常").check()
    with phone.expect_navigation():
        phone.get_by_test_id("submit-checkin").click()
    patrol = Patrol.objects.get(point=first)
    assert (patrol.result, patrol.outcome, patrol.far) == ("ok", "late", False)
    assert patrol.distance_m == 0
    expect(route.locator("li")).to_have_count(1)  # the first is done for today

    phone.get_by_test_id(f"checkin-{second.pk}").click()
    expect(phone.locator("[data-locate-status]")).to_have_attribute("data-located", "1")
    phone.get_by_label("发现隐患").check()
    phone.get_by_label("说明").fill("挡墙开裂渗水")
    phone.get_by_label("现场照片").set_input_files(
        {"name": "crack.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    with phone.expect_navigation():
        phone.get_by_test_id("submit-checkin").click()
    found = Patrol.objects.get(point=second)
    assert found.result == "hazard" and found.photos.count() == 1
    assert "/m/report/?origin=risks.point" in phone.url
    form = phone.get_by_test_id("report")
    expect(phone.get_by_test_id("origin")).to_contain_text("后山挡墙")
    expect(form.get_by_label("标题")).to_have_value("巡查发现隐患：后山挡墙")
    expect(form.get_by_label("隐患描述")).to_have_value("挡墙开裂渗水")
    expect(form.get_by_label("所在网格")).to_have_value("450901100201")
    form.get_by_label("类别").select_option(index=1)
    with phone.expect_navigation():
        phone.get_by_test_id("submit-report").click()
    hazard = Hazard.objects.get()
    assert hazard.origin == f"risks.point:{second.pk}" and hazard.photos.count() == 1
    found.refresh_from_db()
    assert found.hazard_id == hazard.pk
    expect(phone.get_by_test_id("origin")).to_contain_text("后山挡墙")  # the hazard's page
    phone.goto(f"/risks/patrols/{found.pk}/")
    expect(phone.get_by_test_id("hazard")).to_contain_text(hazard.number)
    # both done: the day's route says so, not as a numbered point of the route
    phone.goto("/risks/patrols/today/")
    expect(phone.get_by_test_id("route")).to_have_count(0)
    expect(phone.get_by_test_id("route-empty")).to_have_text("今天没有需要巡查的风险点")


@pytest.mark.browser
def test_a_phone_that_refuses_its_position_is_told_so_in_chinese(small_cast, new_page, log_in):
    """The browser's own reason (in its language, often English) is not shown: the check-in
    and the hazard report say in Chinese why there is no position, and go on without."""
    point = patrolled_point(small_cast, name="加油站")
    phone = new_page(**PHONE)  # no geolocation permission: the browser refuses
    log_in(phone, "village", PASSWORD)
    phone.goto(f"/risks/points/{point.pk}/checkin/")
    expect(phone.locator("[data-locate-status]")).to_have_text(
        "定位失败（未允许本页定位），仍可打卡"
    )
    phone.goto("/m/report/")
    phone.locator("[data-locate]").click()
    expect(phone.locator("[data-locate-status]")).to_have_text(
        "定位失败（未允许本页定位），请选择所在网格"
    )
