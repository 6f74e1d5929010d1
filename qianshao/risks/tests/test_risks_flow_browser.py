"""The issue's flow in a browser, on a controlled clock: a village member on a phone opens
today's route, checks in 正常 at one risk point and 发现隐患 at another (the hazard form opens
prefilled, the hazard is reported); the township sees both on the 四色图 (the hazard at its
point) and in the patrol statistics; and a patrol left undone is chased at its time — the
sweep, run as the worker runs it, reminds the patroller, who finds it in the inbox."""

from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from playwright.sync_api import expect

from qianshao.hazards.models import Hazard
from qianshao.notify.delivery import deliver_due
from qianshao.notify.models import Message
from qianshao.risks import sweep
from qianshao.risks.models import Patrol, RiskPoint
from qianshao.risks.tests.patrols_helpers import START, patrolled_point
from qianshao.testing import PASSWORD, build_cast
from qianshao.testing_browser import PHONE

H = timedelta(hours=1)


@pytest.fixture
def small_cast(transactional_db):
    """The small cast, after putting back the seeds a flush removes (domains, risk kinds)."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.risks.migrations.0001_initial").seed(apps, None)
    return build_cast()


@pytest.mark.browser
def test_route_check_ins_the_townships_view_and_a_missed_patrol_chased(
    small_cast, new_page, log_in
):
    with time_machine.travel(START, tick=True) as clock:
        late = patrolled_point(small_cast, name="加油站")
        found = patrolled_point(
            small_cast, name="后山挡墙", geometry={"type": "Point", "coordinates": [106.12, 24.1]}
        )
        left = patrolled_point(
            small_cast,
            name="村口山塘",
            kind="reservoir",
            inputs={"likelihood": 2, "severity": 3},
            geometry={"type": "Point", "coordinates": [106.15, 24.15]},
        )
        # due this morning (late now), in two hours, and tomorrow
        RiskPoint.objects.filter(pk=late.pk).update(next_due_at=START - 2 * H)
        RiskPoint.objects.filter(pk=found.pk).update(next_due_at=START + 2 * H)
        RiskPoint.objects.filter(pk=left.pk).update(next_due_at=START + 20 * H)

        phone = new_page(
            **PHONE, geolocation={"longitude": 106.1, "latitude": 24.1}, permissions=["geolocation"]
        )
        log_in(phone, "village", PASSWORD)
        phone.goto("/risks/patrols/today/")
        route = phone.get_by_test_id("route")
        expect(route.locator("li")).to_have_count(2)  # the reservoir is due tomorrow
        phone.get_by_test_id(f"checkin-{late.pk}").click()
        expect(phone.locator("[data-locate-status]")).to_have_attribute("data-located", "1")
        phone.get_by_label("正常").check()
        with phone.expect_navigation():
            phone.get_by_test_id("submit-checkin").click()
        phone.get_by_test_id(f"checkin-{found.pk}").click()
        expect(phone.locator("[data-locate-status]")).to_have_attribute("data-located", "1")
        phone.get_by_label("发现隐患").check()
        phone.get_by_label("说明").fill("挡墙开裂渗水")
        with phone.expect_navigation():
            phone.get_by_test_id("submit-checkin").click()
        form = phone.get_by_test_id("report")
        expect(form.get_by_label("标题")).to_have_value("巡查发现隐患：后山挡墙")
        form.get_by_label("类别").select_option(index=1)
        with phone.expect_navigation():
            phone.get_by_test_id("submit-report").click()
        hazard = Hazard.objects.get()
        assert Patrol.objects.get(point=found).hazard_id == hazard.pk
        outcomes = dict(Patrol.objects.values_list("point_id", "outcome"))
        assert outcomes == {late.pk: "late", found.pk: "on_time"}

        desk = new_page()
        log_in(desk, "township", PASSWORD)
        desk.goto("/risks/?cell=450901100")
        village = desk.get_by_test_id("fourcolour").locator('tr[data-code="450901100201"]')
        expect(village).to_have_attribute("data-highest", "orange")
        expect(desk.get_by_test_id("summary")).to_contain_text("管控中风险点 3 个")
        expect(desk.get_by_test_id("hazards-near")).to_contain_text("1")  # the wall's hazard
        desk.goto("/risks/patrols/?cell=450901100&month=2026-12")
        row = desk.get_by_test_id("children").locator('tr[data-code="450901100201"]')
        expect(row.locator("td").nth(1)).to_have_text("2")  # due
        expect(row.locator("td").nth(2)).to_have_text("1")  # on time
        expect(row.locator("td").nth(3)).to_have_text("1")  # late

        # nobody patrols the reservoir: at its due time and the grace after, the sweep (the
        # worker's every minute) reminds the patroller, once; the outbox delivers it to the inbox
        clock.move_to(START + 24 * H + 2 * timedelta(minutes=1))
        assert sweep.sweep() >= 1
        assert sweep.sweep() == 0
        subjects = set(
            Message.objects.filter(event="risks.patrol_remind").values_list("subject", flat=True)
        )
        assert subjects and all("村口山塘" in subject for subject in subjects)
        deliver_due()  # the worker's delivery of the outbox
        phone.goto("/inbox/")
        expect(phone.locator("main")).to_contain_text("【巡查提醒】村口山塘")
